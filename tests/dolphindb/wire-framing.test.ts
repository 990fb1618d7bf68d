// Request and reply framing of the DolphinDB API: the clients' exact request bytes from the protocol notes,
// byte-at-a-time and pipelined input, garbage and oversized headers, MSG chunks and error replies.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeObjects } from '../../core/dolphindb/object-encoder.js';
import { ddbBool, ddbInt, ddbString, ddbVector } from '../../core/dolphindb/objects.js';
import { DdbWireError } from '../../core/dolphindb/wire-error.js';
import {
  ReplyParser, encodeErrorReply, encodeMessageChunk, encodeReply, parseReplyMessage, type ReplyStep,
} from '../../core/dolphindb/wire-reply.js';
import {
  RequestParser, encodeRequest, parseRequestMessage, type DdbRequestBody, type RequestStep,
} from '../../core/dolphindb/wire-request.js';

const latin = (s: string): Buffer => Buffer.from(s, 'latin1');

function requestsOf(parser: RequestParser): RequestStep[] {
  const out: RequestStep[] = [];
  for (let i = 0; i < 100; i++) {
    const step = parser.next();
    if (step.kind === 'incomplete') return out;
    out.push(step);
    if (step.kind === 'error') return out;
  }
  return out;
}

describe('request parsing', () => {
  test('the JS client connect+login, function call with trailing newline, and script', () => {
    const login = parseRequestMessage(latin('API2 0 26 / 0_1_4_64\nconnect\nlogin\nadmin\n123456'));
    assert.deepEqual(login, { api: 'API2', sessionId: '0', options: '0_1_4_64', flags: 0,
      body: { kind: 'connect', login: { user: 'admin', password: '123456' } } });
    const fn = parseRequestMessage(latin('API2 1070728429 21 / 0_1_4_64\nfunction\nversion\n0\n1\n'));
    assert.deepEqual(fn.body, { kind: 'function', name: 'version', args: [] });
    assert.equal(fn.sessionId, '1070728429');
    const script = parseRequestMessage(latin('API2 5 10 / 1_1_8_64\nscript\n1+1'));
    assert.deepEqual(script.body, { kind: 'script', script: '1+1' });
    assert.equal(script.flags, 1);
  });

  test('the C++ client forms: bare API connect, and a login call with STRING, STRING, BOOL arguments', () => {
    assert.deepEqual(parseRequestMessage(latin('API 0 8\nconnect\n')).body, { kind: 'connect' });
    const cpp = Buffer.concat([latin('API2 7 18 / 32_1_4_64__0\nfunction\nlogin\n3\n1'),
      encodeObjects([ddbString('admin'), ddbString('123456'), ddbBool(false)])]);
    const req = parseRequestMessage(cpp);
    assert.equal(req.flags, 32);
    assert.deepEqual(req.body, { kind: 'function', name: 'login', args: [ddbString('admin'), ddbString('123456'), ddbBool(false)] });
  });

  test('python-sdk login with the encrypted flag, and variable uploads', () => {
    const py = parseRequestMessage(latin('API 0 32\nconnect\nlogin\nadmin\n123456\nfalse'));
    assert.deepEqual(py.body, { kind: 'connect', login: { user: 'admin', password: '123456', encrypted: false } });
    const body: DdbRequestBody = { kind: 'variable', names: ['a', 'b'], values: [ddbInt(1), ddbVector('INT', [1, 2])] };
    assert.deepEqual(parseRequestMessage(encodeRequest('9', body)).body, body);
  });

  test('encodeRequest and the parser agree for every body kind, fed one byte at a time', () => {
    const bodies: DdbRequestBody[] = [
      { kind: 'connect' }, { kind: 'connect', login: { user: 'u', password: 'p', encrypted: true } },
      { kind: 'script', script: 'x = 1\nprint(x)\n中文' },
      { kind: 'function', name: 'add', args: [ddbInt(3), ddbInt(4)] },
      { kind: 'unknown', command: 'frobnicate' },
    ];
    const parser = new RequestParser();
    const wire = Buffer.concat(bodies.map((b) => encodeRequest('42', b)));
    const got: RequestStep[] = [];
    for (const byte of wire) {
      parser.push(Buffer.from([byte]));
      got.push(...requestsOf(parser));
    }
    assert.deepEqual(got.map((s) => (s.kind === 'request' ? s.request.body : s.kind)), bodies);
    assert.equal(parser.buffered, 0);
  });

  test('pipelined requests in one chunk come out in order, and a split one waits', () => {
    const a = encodeRequest('1', { kind: 'script', script: 'a' });
    const b = encodeRequest('1', { kind: 'function', name: 'f', args: [ddbString('long argument')] });
    const parser = new RequestParser();
    parser.push(Buffer.concat([a, b.subarray(0, b.length - 3)]));
    assert.deepEqual(requestsOf(parser).map((s) => s.kind), ['request']);
    parser.push(b.subarray(b.length - 3));
    const rest = requestsOf(parser);
    assert.equal(rest.length, 1);
    assert.equal(rest[0]?.kind === 'request' && rest[0].request.body.kind, 'function');
  });

  const GARBAGE: ReadonlyArray<[string, Buffer]> = [
    ['an HTTP request line', latin('GET / HTTP/1.1\r\n')],
    ['a non-numeric length', latin('API 0 x\nconnect\n')],
    ['a function with a non-numeric argument count', latin('API 0 17\nfunction\nf\nmany\n1')],
    ['a bad endian flag', latin('API 0 14\nfunction\nf\n0\n7')],
    ['a bad function name', latin('API 0 17\nfunction\n1+1\n0\n1\n')],
    ['a variable count that disagrees with its names', latin('API 0 17\nvariable\na,b\n1\n1\n')],
  ];
  for (const [what, bytes] of GARBAGE) {
    test(`${what} is an error, and the error is sticky`, () => {
      const parser = new RequestParser();
      parser.push(bytes);
      const step = parser.next();
      assert.equal(step.kind, 'error');
      assert.ok(step.kind === 'error' && step.error instanceof DdbWireError);
      parser.push(encodeRequest('0', { kind: 'connect' }));
      assert.equal(parser.next().kind, 'error');
    });
  }

  test('a header line with no newline is bounded, and so is a body past the limit', () => {
    const parser = new RequestParser({ maxHeaderBytes: 64 });
    parser.push(latin(`API 0 ${'1'.repeat(3)}`));
    assert.equal(parser.next().kind, 'incomplete');
    parser.push(latin(' '.repeat(80)));
    assert.equal(parser.next().kind, 'error');
    const small = new RequestParser({ maxRequestBytes: 100 });
    small.push(latin('API 0 5000\nscript\n'));
    assert.equal(small.next().kind, 'error');
  });

  test('a whole WebSocket message that stops inside the request is refused', () => {
    assert.throws(() => parseRequestMessage(latin('API2 0 40\nscript\n1')), DdbWireError);
  });
});

describe('reply framing', () => {
  test('OK replies with 0 or 1 object, error replies, and MSG chunks have the documented bytes', () => {
    assert.deepEqual(encodeReply('1070728429', ddbInt(2)), Buffer.concat([latin('1070728429 1 1\nOK\n'), Buffer.from('040002000000', 'hex')]));
    assert.deepEqual(encodeReply('5'), latin('5 0 1\nOK\n'));
    assert.deepEqual(encodeErrorReply('5', 'bad\nthing'), latin('5 0 1\nbad thing\n'));
    assert.deepEqual(encodeMessageChunk('hello'), latin('MSG\nhello\0'));
  });

  test('the reply parser reads MSG chunks then the reply, across any split', () => {
    const wire = Buffer.concat([encodeMessageChunk('one'), encodeMessageChunk('two'), encodeReply('9', ddbVector('STRING', ['a', 'b'])),
      encodeErrorReply('9', 'Syntax Error: [line #1] Cannot recognize the token foo')]);
    for (const size of [1, 2, 7, wire.length]) {
      const parser = new ReplyParser();
      const steps: ReplyStep[] = [];
      for (let at = 0; at < wire.length; at += size) {
        parser.push(wire.subarray(at, at + size));
        for (let s = parser.next(); s.kind !== 'incomplete'; s = parser.next()) steps.push(s);
      }
      assert.deepEqual(steps, [
        { kind: 'message', text: 'one' }, { kind: 'message', text: 'two' },
        { kind: 'reply', reply: { kind: 'ok', sessionId: '9', object: ddbVector('STRING', ['a', 'b']) } },
        { kind: 'reply', reply: { kind: 'error', sessionId: '9', message: 'Syntax Error: [line #1] Cannot recognize the token foo' } },
      ], `chunks of ${size}`);
    }
  });

  test('a reply that is not a DolphinDB reply is an error for the parser', () => {
    assert.throws(() => parseReplyMessage(latin('HTTP/1.1 200 OK\r\n\r\n')), DdbWireError);
    assert.throws(() => parseReplyMessage(latin('12 3 1\nOK\n')), DdbWireError);
    assert.throws(() => parseReplyMessage(latin('12 1 1\nOK\n0400')), DdbWireError);
  });
});
