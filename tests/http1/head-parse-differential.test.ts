// Differential test of the byte-level head parser (core/http1/head-parse.ts) against today's string parser
// (core/http1/parser.ts, whose verdicts tests/compat/http-malformed.test.ts holds to haproxy 2.6.12): over every corpus
// case, everyday heads and seeded mutations of them, both give the same verdict (kind, status, reason, length), the
// same forwarded head (method, target, version, fields, mustClose), the same body framing and Connection tokens.
// Each case is parsed at a random offset inside junk, so the parser must keep to buf[start, end).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requestFraming, responseFraming, type BodyFraming } from '../../core/http1/framing.js';
import { responseBody } from '../../core/http1/head-framing.js';
import { METHOD, type MethodId } from '../../core/http1/head-names.js';
import { requestHeadOf, responseHeadOf } from '../../core/http1/head-objects.js';
import { continueRequest, continueResponse, parseRequest, parseResponse } from '../../core/http1/head-parse.js';
import { BODY, HEAD, HeadView, type BodyKind } from '../../core/http1/head-view.js';
import { parseRequestHead, parseResponseHead, type ParseLimits } from '../../core/http1/parser.js';
import { connFlags } from '../../core/forward/l7-connection-mode.js';
import { HTTP_CORPUS } from '../compat/http-malformed-corpus.js';
import { mutateHead } from '../support/http-head-mutations.js';
import { REQUEST_SEEDS, RESPONSE_SEEDS } from '../support/http-head-seeds.js';
import { prng } from '../support/prng.js';

const LIMITS: ParseLimits = { maxHeadBytes: 16384, maxHeaders: 101 };
const MUTATIONS = 15_000;
const ALL_SEEDS = [...REQUEST_SEEDS, ...RESPONSE_SEEDS];

/** framing.ts's answer as the view's numbers: [kind, length]. */
function framingAsBody(f: BodyFraming): [BodyKind | 'error', number] {
  switch (f.kind) {
    case 'none':
      return [BODY.NONE, 0];
    case 'length':
      return [BODY.LENGTH, f.length];
    case 'chunked':
      return [BODY.CHUNKED, 0];
    case 'until-close':
      return [BODY.UNTIL_CLOSE, 0];
    default:
      return ['error', 0];
  }
}

/** `bytes` copied into a bigger buffer between random junk; returns it and where the bytes start. */
function embedded(bytes: Buffer, r: () => number): { buf: Buffer; start: number } {
  const before = Math.floor(r() * 8);
  const after = Math.floor(r() * 8);
  const buf = Buffer.alloc(before + bytes.length + after, r() < 0.5 ? 0x0a : 0x41);
  bytes.copy(buf, before);
  return { buf, start: before };
}

const view = new HeadView();


/** Asserts that both parsers answer the same for `bytes` as a request head. Returns the verdict kind. */
function sameRequest(bytes: Buffer, limits: ParseLimits, r: () => number): string {
  const { buf, start } = embedded(bytes, r);
  return checkRequest(bytes, limits, parseRequest(buf, start, start + bytes.length, view, limits), view);
}

/** Compares what the byte parser left in `view` (result `n`) with parser.ts's answer for `bytes`. */
function checkRequest(bytes: Buffer, limits: ParseLimits, n: number, view: HeadView): string {
  const old = parseRequestHead(bytes, limits);
  if (old.kind === 'incomplete') {
    assert.equal(n, HEAD.INCOMPLETE);
  } else if (old.kind === 'error') {
    assert.equal(n, HEAD.ERROR);
    assert.deepEqual([view.errorStatus, view.errorReason], [old.status, old.reason]);
  } else {
    assert.equal(n, old.length);
    assert.deepEqual(requestHeadOf(view), old.head);
    const [kind, length] = framingAsBody(requestFraming(old.head));
    assert.equal(view.body, kind);
    if (kind === BODY.LENGTH) assert.equal(view.contentLength, length);
    const flags = connFlags(old.head.headers);
    assert.deepEqual([view.connClose, view.connKeepAlive, view.connUpgrade], [flags.close, flags.keepAlive, flags.upgrade]);
    assert.equal(view.isPri, old.head.method.toUpperCase() === 'PRI');
  }
  return old.kind;
}

const METHODS: readonly [MethodId, string][] = [
  [METHOD.GET, 'GET'],
  [METHOD.HEAD, 'HEAD'],
  [METHOD.CONNECT, 'CONNECT'],
];

/** Asserts that both parsers answer the same for `bytes` as a response head. Returns the verdict kind. */
function sameResponse(bytes: Buffer, limits: ParseLimits, r: () => number): string {
  const { buf, start } = embedded(bytes, r);
  return checkResponse(bytes, limits, parseResponse(buf, start, start + bytes.length, view, limits), view);
}

/** Compares what the byte parser left in `view` (result `n`) with parser.ts's answer for `bytes`. */
function checkResponse(bytes: Buffer, limits: ParseLimits, n: number, view: HeadView): string {
  const old = parseResponseHead(bytes, limits);
  if (old.kind === 'incomplete') {
    assert.equal(n, HEAD.INCOMPLETE);
  } else if (old.kind === 'error') {
    assert.equal(n, HEAD.ERROR);
    assert.deepEqual([view.errorStatus, view.errorReason], [old.status, old.reason]);
  } else {
    assert.equal(n, old.length);
    assert.deepEqual(responseHeadOf(view), old.head);
    for (const [id, name] of METHODS) {
      const [kind, length] = framingAsBody(responseFraming(old.head, name));
      assert.equal(responseBody(view, id), kind, name);
      if (kind === BODY.LENGTH) assert.equal(view.contentLength, length);
    }
    const flags = connFlags(old.head.headers);
    assert.deepEqual([view.connClose, view.connKeepAlive, view.connUpgrade], [flags.close, flags.keepAlive, flags.upgrade]);
  }
  return old.kind;
}

function label(bytes: Buffer): string {
  return JSON.stringify(bytes.toString('latin1').slice(0, 300));
}

describe('byte-level head parser agrees with parser.ts', () => {
  test('every corpus case and everyday head, whole and cut at every length, as a request and as a response', () => {
    const r = prng(7);
    for (const seed of ALL_SEEDS) {
      for (let cut = 0; cut <= seed.length; cut += seed.length > 600 ? 97 : 1) {
        const bytes = seed.subarray(0, cut);
        try {
          sameRequest(bytes, LIMITS, r);
          sameResponse(bytes, LIMITS, r);
        } catch (e) {
          assert.fail(`${label(bytes)}: ${String(e)}`);
        }
      }
    }
  });

  test('the corpus verdicts recorded from haproxy 2.6.12 come out of the byte parser', () => {
    for (const c of HTTP_CORPUS) {
      const bytes = Buffer.from(c.raw, 'latin1');
      const n = parseRequest(bytes, 0, bytes.length, view, LIMITS);
      if (c.haproxy.verdict === 'refused' && n === HEAD.ERROR) assert.equal(view.errorStatus, c.haproxy.status, c.name);
      // Forwarded or refused later (a bad chunk) means the head itself passed; "closed" means it never completed.
      if (c.haproxy.verdict === 'forwarded') assert.ok(n > 0, c.name);
      if (c.haproxy.verdict === 'closed') assert.equal(n, HEAD.INCOMPLETE, c.name);
    }
  });

  test(`${MUTATIONS} seeded mutations: same verdicts, heads, framing and Connection tokens`, (t) => {
    const r = prng(0x4ead5);
    const kinds = new Map<string, number>();
    for (let i = 0; i < MUTATIONS; i++) {
      // Mostly each side's own seeds (so that many mutations still parse), sometimes the other side's.
      const cross = r() < 0.1;
      const requestSeeds = cross ? RESPONSE_SEEDS : REQUEST_SEEDS;
      const responseSeeds = cross ? REQUEST_SEEDS : RESPONSE_SEEDS;
      const req = mutateHead(requestSeeds[Math.floor(r() * requestSeeds.length)] ?? Buffer.alloc(0), r, ALL_SEEDS);
      const res = mutateHead(responseSeeds[Math.floor(r() * responseSeeds.length)] ?? Buffer.alloc(0), r, ALL_SEEDS);
      const limits: ParseLimits =
        r() < 0.2 ? { maxHeadBytes: 256 + Math.floor(r() * 1024), maxHeaders: 1 + Math.floor(r() * 10) } : LIMITS;
      for (const [side, bytes] of [['request', req], ['response', res]] as const) {
        try {
          const kind = side === 'request' ? sameRequest(bytes, limits, r) : sameResponse(bytes, limits, r);
          kinds.set(`${side} ${kind}`, (kinds.get(`${side} ${kind}`) ?? 0) + 1);
        } catch (e) {
          assert.fail(`mutation ${i}, ${side} ${label(bytes)}: ${String(e)}`);
        }
      }
    }
    t.diagnostic(JSON.stringify(Object.fromEntries(kinds)));
    // Each outcome must be reached often, or the comparison only exercises one path.
    for (const side of ['request', 'response']) {
      for (const kind of ['ok', 'incomplete', 'error']) assert.ok((kinds.get(`${side} ${kind}`) ?? 0) > MUTATIONS / 50, `${side} ${kind}`);
    }
  });

  test('continueRequest / continueResponse fed a seed at a time in random pieces answer as parser.ts on every prefix', () => {
    const r = prng(0xd1bb1e);
    const resumed = new HeadView();
    const feed = (bytes: Buffer, isRequest: boolean, limits: ParseLimits, step: () => number): void => {
      const { buf, start } = embedded(bytes, r);
      // A stale stop elsewhere must not leak into this head: the first call starts afresh.
      let end = start;
      let n: number = HEAD.INCOMPLETE;
      for (let first = true; n === HEAD.INCOMPLETE && end < start + bytes.length; first = false) {
        end = Math.min(start + bytes.length, end + step());
        const prefix = bytes.subarray(0, end - start);
        if (isRequest) {
          n = first ? parseRequest(buf, start, end, resumed, limits) : continueRequest(buf, start, end, resumed, limits);
          checkRequest(prefix, limits, n, resumed);
        } else {
          n = first ? parseResponse(buf, start, end, resumed, limits) : continueResponse(buf, start, end, resumed, limits);
          checkResponse(prefix, limits, n, resumed);
        }
      }
    };
    const all = [...REQUEST_SEEDS, ...RESPONSE_SEEDS];
    for (let i = 0; i < 3_000; i++) {
      const isRequest = r() < 0.5;
      const seeds = isRequest ? REQUEST_SEEDS : RESPONSE_SEEDS;
      const seed = seeds[Math.floor(r() * seeds.length)] ?? Buffer.alloc(0);
      const bytes = i < all.length ? (all[i] ?? seed) : mutateHead(seed, r, all);
      const limits: ParseLimits = r() < 0.2 ? { maxHeadBytes: 256 + Math.floor(r() * 1024), maxHeaders: 1 + Math.floor(r() * 10) } : LIMITS;
      // One byte at a time for the seeds (every stop point), random pieces for the mutations.
      const step = i < all.length ? () => 1 : () => 1 + Math.floor(r() * 40);
      try {
        feed(bytes, i < all.length ? REQUEST_SEEDS.includes(all[i] ?? seed) : isRequest, limits, step);
      } catch (e) {
        assert.fail(`case ${i} ${label(bytes)}: ${String(e)}`);
      }
    }
  });

  test('hostile shapes near the 16 KB limit: fold floods, long lists, many Host fields, long lines, a byte at a time', () => {
    const r = prng(0x5107);
    const hostile = [
      `GET / HTTP/1.1\r\nX: a\r\n${' \r\n'.repeat(5300)}\r\n`,
      `GET / HTTP/1.1\r\nX:\n${' \n'.repeat(7900)}\n`,
      `GET / HTTP/1.1\r\nX: a\r\n${`${'\t'.repeat(32)}\r\n`.repeat(450)} b\r\n\r\n`,
      `POST / HTTP/1.1\r\nContent-Length: ${'5,'.repeat(7500)}5\r\n\r\n`,
      `POST / HTTP/1.1\r\nTransfer-Encoding: ${','.repeat(15000)}chunked\r\n\r\n`,
      `GET / HTTP/1.1\r\nConnection: ${'a,'.repeat(7500)}close\r\n\r\n`,
      `GET http://h:80/ HTTP/1.1\r\n${'Host: h:80\r\n'.repeat(100)}\r\n`,
      `GET / HTTP/1.1\r\nX: ${'a'.repeat(15200)}\r\n\r\n`,
      `GET /${'a'.repeat(15200)} HTTP/1.1\r\n\r\n`,
      `${'\r\n'.repeat(8000)}GET / HTTP/1.1\r\n\r\n`,
      `GET${' '.repeat(15000)}/ HTTP/1.1\r\n\r\n`,
    ].map((s) => Buffer.from(s, 'latin1'));
    const resumed = new HeadView();
    for (const bytes of hostile) {
      sameRequest(bytes, LIMITS, r);
      // Fed a byte at a time, checked at the end (each prefix against parser.ts would cost minutes here).
      let end = 1;
      let n = parseRequest(bytes, 0, end, resumed, LIMITS);
      while (n === HEAD.INCOMPLETE && end < bytes.length) n = continueRequest(bytes, 0, ++end, resumed, LIMITS);
      checkRequest(bytes.subarray(0, end), LIMITS, n, resumed);
    }
  });
});
