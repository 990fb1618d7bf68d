// Unit tests of the byte-level head parser and its view (core/http1/head-parse.ts, head-view.ts): spans over the
// caller's buffer at any offset, the facts framing and the connection mode read, rewritten values kept apart in
// `extra`, rebase() into a session buffer, and the result codes. The verdicts themselves are held to parser.ts by
// head-parse-differential.test.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { responseBody } from '../../core/http1/head-framing.js';
import { HDR, METHOD, isIdempotent } from '../../core/http1/head-names.js';
import { continueRequest, parseRequest, parseResponse } from '../../core/http1/head-parse.js';
import { BODY, FIELD, HEAD, HeadView, TRANSFER } from '../../core/http1/head-view.js';

const LIMITS = { maxHeadBytes: 16384, maxHeaders: 101 };
const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function request(raw: string, view = new HeadView()): HeadView {
  const buf = b(raw);
  const n = parseRequest(buf, 0, buf.length, view, LIMITS);
  assert.ok(n > 0, `${JSON.stringify(raw)}: ${n} ${view.errorReason}`);
  return view;
}

function liveFields(view: HeadView): string[] {
  const out: string[] = [];
  for (let i = 0; i < view.count; i++) if (view.live(i)) out.push(`${view.nameString(i)}=${view.valueString(i)}`);
  return out;
}

describe('parseRequest into a HeadView', () => {
  test('reads a head at an offset inside a larger buffer, and never past `end`', () => {
    const head = 'GET /x?y=1 HTTP/1.1\r\nHost: a\r\nX-Long:  v  \r\n\r\n';
    const buf = b(`JUNK${head}GET /next HTTP/1.1\r\n`);
    const view = new HeadView();
    assert.equal(parseRequest(buf, 4, 4 + head.length, view, LIMITS), head.length);
    assert.equal(view.base, 4);
    assert.equal(view.methodString(), 'GET');
    assert.equal(view.method, METHOD.GET);
    assert.equal(view.targetString(), '/x?y=1');
    assert.deepEqual(liveFields(view), ['Host=a', 'X-Long=v']);
    assert.equal(view.ids[0], HDR.HOST);
    // The same bytes cut one short of the empty line are incomplete, even with more bytes after `end` in buf.
    assert.equal(parseRequest(buf, 4, 4 + head.length - 1, view, LIMITS), HEAD.INCOMPLETE);
  });

  test('answers ERROR with the status and reason HAProxy gives (400, 422)', () => {
    const view = new HeadView();
    const bad = b('GET / HTTP/1.1\r\nX A: b\r\n\r\n');
    assert.equal(parseRequest(bad, 0, bad.length, view, LIMITS), HEAD.ERROR);
    assert.deepEqual([view.errorStatus, view.errorReason], [400, 'invalid character in header name']);
    const gzip = b('POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n');
    assert.equal(parseRequest(gzip, 0, gzip.length, view, LIMITS), HEAD.ERROR);
    assert.equal(view.errorStatus, 422);
  });

  test('gives the body framing and Connection tokens without decoding anything', () => {
    const v = request('POST / HTTP/1.1\r\nContent-Length: 12\r\nConnection: Keep-Alive, Upgrade\r\n\r\n');
    assert.deepEqual([v.body, v.contentLength, v.transfer], [BODY.LENGTH, 12, TRANSFER.NONE]);
    assert.deepEqual([v.connClose, v.connKeepAlive, v.connUpgrade], [false, true, true]);
    const chunked = request('POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n');
    assert.deepEqual([chunked.body, chunked.mustClose, chunked.version], [BODY.CHUNKED, true, '1.0']);
    assert.deepEqual(liveFields(chunked), ['Transfer-Encoding=chunked']);
    assert.equal(request('GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n').body, BODY.NONE);
  });

  test('finds known fields by id without comparing names: firstOf, countOf (dropped ones left out)', () => {
    const v = request('POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\nHost: a\r\nCONTENT-length: 1\r\n\r\n');
    assert.equal(v.firstOf(HDR.EXPECT), 0);
    assert.equal(v.firstOf(HDR.UPGRADE), -1);
    assert.equal(v.countOf(HDR.CONTENT_LENGTH), 1);
    assert.equal(v.ids[3], HDR.CONTENT_LENGTH);
  });

  test('keeps dropped fields in place, flagged, and the merged Content-Length as its first element', () => {
    const v = request('POST / HTTP/1.1\r\nContent-Length: 005, 5\r\nX: y\r\nContent-Length: 5\r\n\r\n');
    assert.equal(v.count, 3);
    assert.equal((v.flags[2] ?? 0) & FIELD.DROPPED, FIELD.DROPPED);
    assert.deepEqual(liveFields(v), ['Content-Length=005', 'X=y']);
    assert.equal(v.contentLength, 5);
  });

  test('holds a folded value and a normalised target in `extra`, apart from the received bytes', () => {
    const v = request('GET http://a:80/x HTTP/1.1\r\nHost: a:80\r\nX-F: b\r\n c\r\n\r\n');
    assert.equal(v.targetString(), 'http://a/x');
    assert.equal(v.targetInExtra, true);
    assert.deepEqual(liveFields(v), ['Host=a', 'X-F=b   c']);
    assert.equal((v.flags[1] ?? 0) & FIELD.EXTRA, FIELD.EXTRA);
    assert.equal(v.valueBuf(1), v.extra);
  });

  test('rebase() moves the head into another buffer; the view then reads only that one', () => {
    const raw = b('JUNKGET /a HTTP/1.1\r\nHost: h\r\nX-F: 1\r\n 2\r\n\r\nBODY');
    const v = new HeadView();
    const n = parseRequest(raw, 4, raw.length, v, LIMITS);
    const session = Buffer.alloc(64);
    assert.equal(v.rebase(session, 10), 10 + n);
    raw.fill(0x21);
    assert.deepEqual([v.targetString(), ...liveFields(v)], ['/a', 'Host=h', 'X-F=1   2']);
    assert.throws(() => v.rebase(Buffer.alloc(4), 0), RangeError);
  });

  test('one view parses head after head, its arrays grown once for a head of 100 fields', () => {
    const v = new HeadView();
    request(`GET / HTTP/1.1\r\n${'X: 1\r\n'.repeat(100)}\r\n`, v);
    assert.equal(v.count, 100);
    request('GET / HTTP/1.1\r\nHost: a\r\n\r\n', v);
    assert.deepEqual(liveFields(v), ['Host=a']);
    assert.equal(v.extraUsed, 0);
  });

  test('continueRequest goes on where INCOMPLETE stopped, and starts afresh on other bytes', () => {
    const raw = 'GET /x HTTP/1.1\r\nHost: a\r\nX-F: 1\r\n 2\r\n\r\n';
    const session = Buffer.alloc(64);
    session.write(raw, 3, 'latin1');
    const v = new HeadView();
    assert.equal(parseRequest(session, 3, 3 + 20, v, LIMITS), HEAD.INCOMPLETE);
    assert.equal(v.resume.valid, true);
    for (let end = 21; end < raw.length; end++) assert.equal(continueRequest(session, 3, 3 + end, v, LIMITS), HEAD.INCOMPLETE);
    assert.equal(continueRequest(session, 3, 3 + raw.length, v, LIMITS), raw.length);
    assert.deepEqual(liveFields(v), ['Host=a', 'X-F=1   2']);
    assert.equal(v.resume.valid, false);
    // Another buffer (or another start) is another head: parsed from its first byte.
    const other = Buffer.from('GET /y HTTP/1.1\r\n\r\n', 'latin1');
    assert.equal(continueRequest(other, 0, other.length, v, LIMITS), other.length);
    assert.equal(v.targetString(), '/y');
  });

  test('names methods by id, case-sensitively, and PRI in any case', () => {
    assert.equal(request('DELETE / HTTP/1.1\r\n\r\n').method, METHOD.DELETE);
    assert.equal(request('get / HTTP/1.1\r\n\r\n').method, METHOD.OTHER);
    assert.equal(request('get / HTTP/1.1\r\n\r\n').methodString(), 'get');
    assert.equal(request('pRi * HTTP/1.1\r\n\r\n').isPri, true);
    assert.equal(request('PRIX * HTTP/1.1\r\n\r\n').isPri, false);
    assert.deepEqual([isIdempotent(METHOD.PUT), isIdempotent(METHOD.POST), isIdempotent(METHOD.OTHER)], [true, false, false]);
  });
});

describe('parseResponse into a HeadView', () => {
  test('keeps the status digits and the reason as sent, and the code modulo 2^16', () => {
    const raw = b('HTTP/1.1 65740 Odd  \r\nContent-Length: 2\r\n\r\nok');
    const v = new HeadView();
    assert.equal(parseResponse(raw, 0, raw.length, v, LIMITS), raw.length - 2);
    assert.deepEqual([v.status, v.statusDigits(), v.reasonString()], [204, '65740', 'Odd  ']);
    assert.equal(responseBody(v, METHOD.GET), BODY.NONE);
  });

  test('frames the body by the request method: HEAD and a 2xx to CONNECT have none', () => {
    const raw = b('HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n');
    const v = new HeadView();
    parseResponse(raw, 0, raw.length, v, LIMITS);
    assert.equal(responseBody(v, METHOD.GET), BODY.LENGTH);
    assert.equal(responseBody(v, METHOD.HEAD), BODY.NONE);
    assert.equal(responseBody(v, METHOD.CONNECT), BODY.NONE);
    const close = b('HTTP/1.0 200 OK\r\n\r\n');
    parseResponse(close, 0, close.length, v, LIMITS);
    assert.equal(responseBody(v, METHOD.GET), BODY.UNTIL_CLOSE);
  });
});
