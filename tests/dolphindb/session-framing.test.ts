// The L4 session tracker of issue 16 (core/dolphindb/session-framing.ts): every request and reply of a binary-API or
// WebSocket session framed from chunks cut anywhere, in a reused buffer with stale bytes past each chunk (what the
// pipe's shared read buffer looks like), and a framing error stopping the tracking without throwing. Test thread.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ddbAnyVector, ddbDict, ddbPair, ddbScalar, ddbSet, ddbTable, ddbVector, type DdbObject,
} from '../../core/dolphindb/objects.js';
import { encodeErrorReply, encodeMessageChunk, encodeReply } from '../../core/dolphindb/wire-reply.js';
import { encodeRequest, type DdbRequestBody } from '../../core/dolphindb/wire-request.js';
import { DDB_KIND, SessionFraming, type FrameSink } from '../../core/dolphindb/session-framing.js';
import { ObjectSkipper } from '../../core/dolphindb/object-skip.js';
import { encodeObject } from '../../core/dolphindb/object-encoder.js';
import { prng } from '../support/prng.js';

interface Seen { kind: number; ok: boolean; error: string }

function recorder(): { sink: FrameSink; seen: Seen[]; framing: SessionFraming } {
  const seen: Seen[] = [];
  const holder: { f?: SessionFraming } = {};
  const sink: FrameSink = {
    exchangeEnded(kind, ok) { seen.push({ kind, ok, error: ok ? '' : (holder.f as SessionFraming).errorText() }); },
  };
  const framing = new SessionFraming(sink);
  holder.f = framing;
  return { sink, seen, framing };
}

const OBJECTS: readonly DdbObject[] = [
  ddbScalar('INT', 2),
  ddbScalar('STRING', 'héllo'),
  ddbVector('LONG', [1n, 2n, 3n]),
  ddbVector('SYMBOL', ['a', 'bb', '']),
  ddbPair('INT', 1, 2),
  ddbSet('STRING', ['x', 'y']),
  ddbAnyVector([ddbScalar('DOUBLE', 1.5), ddbVector('STRING', ['p', 'q']), ddbAnyVector([ddbScalar('BOOL', 1)])]),
  ddbDict(ddbVector('STRING', ['k1', 'k2']), ddbVector('DOUBLE', [1, 2])),
  ddbTable([
    { name: 'id', data: ddbVector('INT', [1, 2, 3]) },
    { name: 'name', data: ddbVector('STRING', ['tom', 'bob', 'tony']) },
    { name: 'price', data: ddbVector('DOUBLE', [1.5, 2.25, 3]) },
  ], 't'),
];

/** A conversation: [client bytes, server bytes, kind, ok] per exchange. */
function conversation(): { turns: [Buffer, Buffer][]; expect: Seen[] } {
  const turns: [Buffer, Buffer][] = [];
  const expect: Seen[] = [];
  const add = (body: DdbRequestBody, reply: Buffer, kind: number, ok: boolean, error = ''): void => {
    turns.push([encodeRequest('0', body), reply]);
    expect.push({ kind, ok, error });
  };
  add({ kind: 'connect', login: { user: 'admin', password: '123456' } }, encodeReply('42'), DDB_KIND.connect, true);
  for (const obj of OBJECTS) add({ kind: 'script', script: 'x' }, encodeReply('42', obj), DDB_KIND.script, true);
  add({ kind: 'function', name: 'f', args: OBJECTS }, encodeReply('42', ddbScalar('INT', 1)), DDB_KIND.function, true);
  add({ kind: 'variable', names: ['a', 'b'], values: [OBJECTS[8] as DdbObject, OBJECTS[6] as DdbObject] }, encodeReply('42'), DDB_KIND.upload, true);
  add({ kind: 'script', script: 'foo bar' }, encodeErrorReply('42', 'Syntax Error: [line #1] Cannot recognize the token foo'),
    DDB_KIND.script, false, 'Syntax Error: [line #1] Cannot recognize the token foo');
  // print chunks before the reply, and the JS client's trailing newline after the endian flag.
  turns.push([Buffer.from('API2 42 21 / 0_1_4_64\nfunction\nversion\n0\n1\n'),
    Buffer.concat([encodeMessageChunk('hello'), encodeMessageChunk('42'), encodeReply('42', ddbScalar('STRING', '3.00'))])]);
  expect.push({ kind: DDB_KIND.function, ok: true, error: '' });
  return { turns, expect };
}

/** Feeds `bytes` in random cuts through one reused buffer full of stale junk (never trusted past a chunk). */
function feedCut(bytes: Buffer, rnd: () => number, into: (buf: Buffer, end: number) => void): void {
  const shared = Buffer.alloc(4096, 0);
  let at = 0;
  while (at < bytes.length) {
    const n = Math.min(bytes.length - at, 1 + Math.floor(rnd() * 40));
    shared.fill(rnd() < 0.5 ? 0 : 0x0a);
    bytes.copy(shared, 0, at, at + n);
    into(shared, n);
    at += n;
  }
}

/** One WebSocket frame (RFC 6455), masked when from the client. */
function wsFrame(payload: Buffer, opts: { masked: boolean; fin?: boolean; opcode?: number }): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0, len]) : len < 65536 ? Buffer.from([0, 126, len >> 8, len & 255]) : Buffer.from([0, 127, 0, 0, 0, 0, 0, 0, 0, 0]);
  if (len >= 65536) head.writeUInt32BE(len, 6);
  head[0] = ((opts.fin ?? true) ? 0x80 : 0) | (opts.opcode ?? 2);
  if (!opts.masked) return Buffer.concat([head, payload]);
  head[1] = (head[1] as number) | 0x80;
  const mask = Buffer.from([0x11, 0x22, 0x33, 0x44]);
  const body = Buffer.from(payload.map((b, i) => b ^ (mask[i & 3] as number)));
  return Buffer.concat([head, mask, body]);
}

describe('dolphindb session framing (issue 16)', () => {
  test('object skipper ends exactly where each encoded object ends', () => {
    for (const [i, obj] of OBJECTS.entries()) {
      const bytes = Buffer.concat([encodeObject(obj), Buffer.from('TAIL')]);
      const s = new ObjectSkipper();
      s.begin(1, true);
      const end = s.feed(bytes, 0, bytes.length);
      assert.ok(s.done, `object ${i}`);
      assert.equal(end, bytes.length - 4);
    }
  });

  test('binary API: every exchange framed, whatever the cuts', () => {
    const rnd = prng(16);
    for (let round = 0; round < 40; round++) {
      const { seen, framing } = recorder();
      const { turns, expect } = conversation();
      for (const [req, rep] of turns) {
        assert.equal(framing.idle, true);
        feedCut(req, rnd, (buf, n) => framing.fromClient(buf, 0, n));
        assert.equal(framing.idle, false);
        feedCut(rep, rnd, (buf, n) => framing.fromServer(buf, 0, n));
      }
      assert.equal(framing.lostReason, '');
      assert.deepEqual(seen, expect);
      assert.equal(framing.idle, true);
    }
  });

  test('WebSocket through L4: the upgrade, masked requests, fragmented replies, pings', () => {
    const rnd = prng(61);
    for (let round = 0; round < 20; round++) {
      const { seen, framing } = recorder();
      feedCut(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'), rnd, (b, n) => framing.fromClient(b, 0, n));
      feedCut(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'), rnd, (b, n) => framing.fromServer(b, 0, n));
      const { turns, expect } = conversation();
      for (const [req, rep] of turns) {
        feedCut(Buffer.concat([wsFrame(Buffer.from('hi'), { masked: true, opcode: 9 }), wsFrame(req, { masked: true })]), rnd,
          (b, n) => framing.fromClient(b, 0, n));
        // Print chunks are messages of their own; the reply is cut into two frames.
        const msgs: Buffer[] = [];
        let r = rep;
        while (r.subarray(0, 4).toString() === 'MSG\n') {
          const nul = r.indexOf(0);
          msgs.push(wsFrame(r.subarray(0, nul + 1), { masked: false }));
          r = r.subarray(nul + 1);
        }
        const half = Math.floor(r.length / 2);
        msgs.push(wsFrame(r.subarray(0, half), { masked: false, fin: false }), wsFrame(Buffer.alloc(0), { masked: false, opcode: 10 }),
          wsFrame(r.subarray(half), { masked: false, opcode: 0 }));
        feedCut(Buffer.concat(msgs), rnd, (b, n) => framing.fromServer(b, 0, n));
      }
      assert.equal(framing.lostReason, '');
      assert.deepEqual(seen, expect);
    }
  });

  test('a framing error stops tracking that session and never throws', () => {
    const cases: [string, Buffer, Buffer][] = [
      ['garbage', Buffer.from('HELLO\n'), Buffer.alloc(0)],
      ['async', encodeRequest('0', { kind: 'script', script: '1' }, { options: '4_1_4_64' }), Buffer.alloc(0)],
      ['bad reply', encodeRequest('0', { kind: 'script', script: '1' }), Buffer.from('x0 0 1\nOK\n')],
      ['unframed type', encodeRequest('0', { kind: 'script', script: '1' }), Buffer.from('1 1 1\nOK\n\x04\x07')],
      ['HTTP page', Buffer.from('GET / HTTP/1.1\r\n\r\n'), Buffer.from('HTTP/1.1 200 OK\r\n\r\n')],
    ];
    for (const [name, req, rep] of cases) {
      const { seen, framing } = recorder();
      framing.fromClient(req, 0, req.length);
      framing.fromServer(rep, 0, rep.length);
      assert.equal(framing.tracking, false, name);
      assert.equal(framing.idle, false, name);
      assert.deepEqual(seen, [], name);
      // Whatever comes next is ignored without a throw.
      framing.fromClient(req, 0, req.length);
      framing.fromServer(rep, 0, rep.length);
    }
  });

  test('random bytes never throw and never loop', () => {
    const rnd = prng(1616);
    for (let i = 0; i < 300; i++) {
      const { framing } = recorder();
      const start = rnd() < 0.5 ? 'API2 0 ' : 'GET / HTTP/1.1\r\n\r\n';
      const junk = Buffer.from(Array.from({ length: 200 }, () => Math.floor(rnd() * 256)));
      framing.fromClient(Buffer.from(start), 0, start.length);
      framing.fromClient(junk, 0, junk.length);
      framing.fromServer(junk, 0, junk.length);
    }
  });
});
