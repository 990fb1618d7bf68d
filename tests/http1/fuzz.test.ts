// Seeded fuzzing of the HTTP/1.x parser: 12,000 mutated request/response heads, 8,000 generated-then-mutated chunked
// bodies and 2,000 decoded ones. Properties: never throws, always returns one of its result kinds, consumed/length stay
// in range, the verdict and the decoded data and trailers do not depend on how the bytes are split, and each case
// ends well within a hang-detector bound.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChunkedScanner, newChunkSink, sinkData } from '../../core/http1/chunked.js';
import {
  parseRequestHead,
  parseTrailerSection,
  parseResponseHead,
  serializeRequestHead,
  serializeResponseHead,
  type ParseLimits,
} from '../../core/http1/parser.js';
import { requestFraming, responseFraming } from '../../core/http1/framing.js';
import { HTTP_CORPUS } from '../compat/http-malformed-corpus.js';
import { mutateHead } from '../support/http-head-mutations.js';
import { prng as rng } from '../support/prng.js';

// Not a performance assertion: a case normally takes µs, so one that takes this long means the parser runs away
// (loops, or goes quadratic). Generous so that a GC pause or a busy machine never trips it.
const HANG_MS = 10_000;
const HEAD_CASES = 12_000;
const CHUNKED_CASES = 8_000;
const DECODE_CASES = 2_000;

const SEEDS: Buffer[] = [
  ...HTTP_CORPUS.filter((c) => c.raw.length < 2000).map((c) => Buffer.from(c.raw, 'latin1')),
  Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok'),
  Buffer.from('HTTP/1.0 101 Switching\r\nUpgrade: websocket\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'),
  Buffer.from('HTTP/1.1 304 \nETag: "x"\n\n'),
];

function mutate(src: Buffer, r: () => number): Buffer {
  return mutateHead(src, r, SEEDS);
}

function checkHead(buf: Buffer, limits: ParseLimits, kinds: Map<string, number>): void {
  const req = parseRequestHead(buf, limits);
  kinds.set(req.kind, (kinds.get(req.kind) ?? 0) + 1);
  assert.ok(req.kind === 'incomplete' || req.kind === 'ok' || req.kind === 'error');
  if (req.kind === 'ok') {
    assert.ok(req.length > 0 && req.length <= buf.length);
    // The head alone parses the same: nothing after `length` influenced it.
    assert.deepEqual(parseRequestHead(buf.subarray(0, req.length), limits), req);
    assert.ok(['none', 'length', 'chunked', 'until-close', 'error'].includes(requestFraming(req.head).kind));
    const again = parseRequestHead(serializeRequestHead(req.head), limits);
    // Re-serialising may grow LF-only heads past the limit; otherwise what we write must parse again.
    if (serializeRequestHead(req.head).length < limits.maxHeadBytes - 64) assert.equal(again.kind, 'ok');
  } else if (req.kind === 'error') {
    assert.ok([400, 422].includes(req.status));
  }
  const res = parseResponseHead(buf, limits);
  assert.ok(res.kind === 'incomplete' || res.kind === 'ok' || res.kind === 'error');
  if (res.kind === 'ok') {
    assert.ok(res.length > 0 && res.length <= buf.length);
    assert.ok(['none', 'length', 'chunked', 'until-close', 'error'].includes(responseFraming(res.head, 'GET').kind));
    serializeResponseHead(res.head);
  }
}

function randomChunkedBody(r: () => number): string {
  let s = '';
  const chunks = Math.floor(r() * 5);
  for (let i = 0; i < chunks; i++) {
    const size = 1 + Math.floor(r() * 300);
    const hex = size.toString(16);
    s += `${r() < 0.2 ? `00${hex}` : r() < 0.5 ? hex.toUpperCase() : hex}${r() < 0.2 ? ';x=y' : ''}${r() < 0.2 ? '\n' : '\r\n'}`;
    s += 'd'.repeat(size) + (r() < 0.2 ? '\n' : '\r\n');
  }
  s += '0\r\n';
  if (r() < 0.3) s += 'X-Sum: 1\r\n';
  return `${s}\r\n`;
}

type Scan = { consumed: number; done: boolean } | { error: string };

function scanInPieces(buf: Buffer, r: () => number): Scan {
  const s = new ChunkedScanner();
  let consumed = 0;
  let i = 0;
  while (i < buf.length) {
    const step = 1 + Math.floor(r() * 64);
    const piece = buf.subarray(i, i + step);
    const out = s.push(piece);
    if ('error' in out) return { error: out.error };
    assert.ok(out.consumed >= 0 && out.consumed <= piece.length);
    consumed += out.consumed;
    if (out.done) return { consumed, done: true };
    assert.equal(out.consumed, piece.length);
    i += step;
  }
  return { consumed, done: false };
}

describe('http1 parser fuzz (seeded)', () => {
  test(`${HEAD_CASES} mutated heads: no throw, a valid result kind, split-independent ok results`, (t) => {
    const r = rng(0x0c0ffee);
    const kinds = new Map<string, number>();
    for (let i = 0; i < HEAD_CASES; i++) {
      const seed = SEEDS[Math.floor(r() * SEEDS.length)] ?? Buffer.alloc(0);
      const buf = mutate(seed, r);
      const limits: ParseLimits = r() < 0.2 ? { maxHeadBytes: 256 + Math.floor(r() * 1024), maxHeaders: 1 + Math.floor(r() * 10) } : { maxHeadBytes: 16384 };
      const t0 = performance.now();
      try {
        checkHead(buf, limits, kinds);
      } catch (err) {
        assert.fail(`case ${i} ${JSON.stringify(buf.toString('latin1'))}: ${String(err)}`);
      }
      assert.ok(performance.now() - t0 < HANG_MS, `case ${i} took too long`);
    }
    // The mutations must reach all three outcomes, or the fuzzing only exercises one path.
    t.diagnostic(`request verdicts: ${JSON.stringify(Object.fromEntries(kinds))}`);
    for (const kind of ['ok', 'incomplete', 'error']) assert.ok((kinds.get(kind) ?? 0) > HEAD_CASES / 50, kind);
  });

  test(`${CHUNKED_CASES} chunked bodies: valid ones end exactly, mutated ones give the same verdict however split`, (t) => {
    const r = rng(0xbadc0de);
    const outcomes = { done: 0, partial: 0, error: 0 };
    for (let i = 0; i < CHUNKED_CASES; i++) {
      const body = Buffer.from(randomChunkedBody(r), 'latin1');
      const mutated = r() < 0.5;
      const buf = mutated ? mutate(body, r) : Buffer.concat([body, Buffer.from('GET / HTTP/1.1\r\n\r\n')]);
      const t0 = performance.now();
      const whole: Scan = new ChunkedScanner().push(buf);
      const pieces = scanInPieces(buf, r);
      assert.ok(performance.now() - t0 < HANG_MS, `case ${i} took too long`);
      if (!mutated) assert.deepEqual(whole, { consumed: body.length, done: true }, `case ${i}`);
      outcomes['error' in whole ? 'error' : whole.done ? 'done' : 'partial']++;
      if ('error' in whole) assert.ok('error' in pieces, `case ${i}: split changed an error into ${JSON.stringify(pieces)}`);
      else assert.deepEqual(pieces, whole, `case ${i} ${JSON.stringify(buf.toString('latin1'))}`);
    }
    t.diagnostic(`chunked outcomes: ${JSON.stringify(outcomes)}`);
    assert.ok(outcomes.error > 0 && outcomes.partial > 0 && outcomes.done > CHUNKED_CASES / 2);
  });

  test(`${DECODE_CASES} chunked bodies decoded in random pieces: the same data and trailers however split`, () => {
    const r = rng(0x5eed12);
    for (let i = 0; i < DECODE_CASES; i++) {
      const { body, data, trailers } = decodableBody(r);
      const buf = Buffer.from(body, 'latin1');
      const s = new ChunkedScanner();
      let decoded = '';
      let at = 0;
      let done = false;
      const t0 = performance.now();
      while (at < buf.length && !done) {
        const step = 1 + Math.floor(r() * 48);
        const piece = buf.subarray(at, at + step);
        const sink = newChunkSink();
        const out = s.push(piece, sink);
        decoded += Buffer.concat(sinkData(piece, sink)).toString('latin1');
        assert.ok(!('error' in out), `case ${i} ${JSON.stringify(body)}`);
        done = out.done;
        at += out.consumed;
      }
      assert.ok(performance.now() - t0 < HANG_MS, `case ${i} took too long`);
      assert.ok(done && at === buf.length, `case ${i} ${JSON.stringify(body)}`);
      assert.equal(decoded, data, `case ${i}`);
      assert.equal(parseTrailerSection(s.trailers(), { maxHeadBytes: 16384 }), trailers, `case ${i}`);
    }
  });
});

/** A valid chunked body in every accepted spelling, with the data and the trailer section HAProxy would forward. */
function decodableBody(r: () => number): { body: string; data: string; trailers: string } {
  const eol = (): string => (r() < 0.3 ? '\n' : '\r\n');
  let body = '';
  let data = '';
  const chunks = Math.floor(r() * 6);
  for (let i = 0; i < chunks; i++) {
    const size = 1 + Math.floor(r() * 200);
    const piece = Array.from({ length: size }, () => String.fromCharCode(Math.floor(r() * 256))).join('');
    const hex = size.toString(16);
    const ext = r() < 0.3 ? `${r() < 0.5 ? ' ' : ''};a=${'x'.repeat(Math.floor(r() * 40))}` : '';
    body += `${r() < 0.2 ? '000' : ''}${r() < 0.5 ? hex.toUpperCase() : hex}${ext}${eol()}${piece}${eol()}`;
    data += piece;
  }
  body += `0${r() < 0.2 ? ';last' : ''}${eol()}`;
  let trailers = '';
  const fields = Math.floor(r() * 3);
  for (let i = 0; i < fields; i++) {
    body += `X-T${i}:${r() < 0.5 ? ' ' : ''}v${i}${eol()}`;
    trailers += `x-t${i}: v${i}\r\n`;
  }
  return { body: body + eol(), data, trailers: `${trailers}\r\n` };
}
