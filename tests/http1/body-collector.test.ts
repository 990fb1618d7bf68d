// Unit tests for BodyCollector (core/http1/body-collector.ts): a whole body gathered as bytes arrive, framed by
// responseFraming() and de-chunked by ChunkedScanner, however the bytes are split.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BodyCollector } from '../../core/http1/body-collector.js';
import { responseFraming } from '../../core/http1/framing.js';
import { parseResponseHead } from '../../core/http1/parser.js';

const LIMITS = { maxHeadBytes: 16384 };

/** Parses `raw` (head + body), then pushes the body bytes in pieces of `piece` bytes. */
function collect(raw: string, piece: number, method = 'GET'): BodyCollector {
  const buf = Buffer.from(raw, 'latin1');
  const step = parseResponseHead(buf, LIMITS);
  assert.equal(step.kind, 'ok');
  if (step.kind !== 'ok') throw new Error('unreachable');
  const framing = responseFraming(step.head, method);
  if (framing.kind === 'error') throw new Error(framing.reason);
  const body = new BodyCollector(framing);
  for (let at = step.length; at < buf.length; at += piece) body.push(buf.subarray(at, at + piece));
  return body;
}

test('a Content-Length body completes at its length; bytes after it are not payload', () => {
  for (const piece of [1, 2, 7, 100]) {
    const body = collect('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\naliveHTTP/1.1 200 OK\r\n', piece);
    assert.deepEqual([body.complete, body.payload().toString(), body.error], [true, 'alive', undefined], `piece ${piece}`);
  }
  const short = collect('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nali', 1);
  assert.deepEqual([short.complete, short.payload().toString()], [false, 'ali']);
});

test('a chunked body is de-chunked however it is split, extensions and trailers included', () => {
  const raw = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nali\r\n2\r\nve\r\n0\r\nX-T: 1\r\n\r\nnext';
  for (const piece of [1, 3, 5, 64]) {
    const body = collect(raw, piece);
    assert.deepEqual([body.complete, body.payload().toString(), body.error], [true, 'alive', undefined], `piece ${piece}`);
  }
});

test('a malformed chunked body stops with the scanner\'s error and keeps what came before', () => {
  const body = collect('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nalive\r\nZZ\r\n', 4);
  assert.equal(body.complete, false);
  assert.equal(body.error, 'chunk size is not a hex number');
  assert.equal(body.payload().toString(), 'alive');
});

test('a body read until the close never completes on its own; bodiless answers complete at once', () => {
  const close = collect('HTTP/1.0 200 OK\r\n\r\nstill alive', 4);
  assert.deepEqual([close.complete, close.payload().toString()], [false, 'still alive']);
  for (const [raw, method] of [
    ['HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nalive', 'GET'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nalive', 'HEAD'],
    ['HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nalive', 'GET'],
  ] as const) {
    const body = collect(raw, 5, method);
    assert.deepEqual([body.complete, body.payload().length], [true, 0], raw);
  }
});
