// Unit tests for ChunkedScanner (core/http1/chunked.ts): where a chunked body ends however the bytes are
// split, what follows it, and each malformation HAProxy 2.6 answers 400 to.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChunkedScanner, newChunkSink, sinkData, type ChunkedPush } from '../../core/http1/chunked.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Feeds `raw` in pieces of `step` bytes; returns the total consumed when done, or the error text. */
function scan(raw: string, step = raw.length): { consumed: number; done: boolean } | { error: string } {
  const s = new ChunkedScanner();
  let consumed = 0;
  for (let i = 0; i < raw.length; i += step) {
    const r: ChunkedPush = s.push(b(raw.slice(i, i + step)));
    if ('error' in r) return r;
    consumed += r.consumed;
    if (r.done) return { consumed, done: true };
  }
  return { consumed, done: false };
}

const BODY = '5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n';

describe('ChunkedScanner', () => {
  test('finds the end of a body fed whole, byte by byte, and in odd-sized pieces', () => {
    for (const step of [BODY.length, 1, 2, 3, 7, 13]) {
      assert.deepEqual(scan(BODY, step), { consumed: BODY.length, done: true }, `step ${step}`);
    }
  });

  test('consumes only up to the end of the body, leaving the next pipelined request', () => {
    const r = new ChunkedScanner().push(b(`0\r\n\r\nGET / HTTP/1.1\r\n\r\n`));
    assert.deepEqual(r, { consumed: 5, done: true });
  });

  test('reports not done while the body is incomplete, consuming everything given', () => {
    const s = new ChunkedScanner();
    assert.deepEqual(s.push(b('10\r\n0123')), { consumed: 8, done: false });
    assert.deepEqual(s.push(b('456789abcdef\r\n')), { consumed: 14, done: false });
    assert.deepEqual(s.push(b('0\r\n\r\n')), { consumed: 5, done: true });
  });

  test('after the end, further pushes consume nothing', () => {
    const s = new ChunkedScanner();
    s.push(b('0\r\n\r\n'));
    assert.deepEqual(s.push(b('more')), { consumed: 0, done: true });
  });

  test('accepts what HAProxy accepts: BWS after the size, extensions, lone LFs, leading zeros, folded trailers', () => {
    for (const body of ['5 \r\nhello\r\n0\r\n\r\n', '5\t;a=b\r\nhello\r\n0\r\n\r\n', '5\nhello\n0\n\n', '0005\r\nhello\r\n0\r\n\r\n', '0\r\nA: 1\r\n 2\r\n\r\n']) {
      assert.deepEqual(scan(body), { consumed: body.length, done: true }, JSON.stringify(body));
    }
  });

  test('refuses each malformation with an error, and keeps answering it', () => {
    const bad = [
      'zz\r\n',
      ' 5\r\nhello\r\n',
      '\r\n',
      '-5\r\n',
      '0x5\r\n',
      '5 x\r\n',
      '5\rX',
      '5;a\rb\r\n',
      'fffffffffffffffff\r\n',
      '5\r\nhelloXX',
      '5\r\nhello\rX',
      '0\r\nX T: 1\r\n\r\n',
      '0\r\nXT : 1\r\n\r\n',
      '0\r\nXT\r\n\r\n',
      '0\r\n: 1\r\n\r\n',
      '0\r\n X: 1\r\n\r\n',
      '0\r\nXT: 1\r2\r\n\r\n',
      '0\r\n\rX',
    ];
    for (const raw of bad) {
      const s = new ChunkedScanner();
      const first = s.push(b(raw));
      assert.ok('error' in first, `${JSON.stringify(raw)} → ${JSON.stringify(first)}`);
      assert.deepEqual(s.push(b('0\r\n\r\n')), first);
    }
  });

  test('refuses a trailer section larger than the input buffer (tune.bufsize 16384 less 64 spare bytes)', () => {
    // 16320 raw bytes of trailer section fit; one more does not.
    const fits = `0\r\nX:${' '.repeat(16320 - 7)}a\r\n\r\n`;
    assert.deepEqual(scan(fits), { consumed: fits.length, done: true });
    const over = `0\r\nX:${' '.repeat(16321 - 7)}a\r\n\r\n`;
    assert.ok('error' in new ChunkedScanner().push(b(over)));
  });

  test('refuses a chunk-size line longer than 16320 bytes (measured on haproxy 2.6.12: a 64 KB extension is a 400)', () => {
    const fits = `5;${'a'.repeat(16316)}\r\nhello\r\n0\r\n\r\n`;
    assert.deepEqual(scan(fits, 1000), { consumed: fits.length, done: true });
    const over = `5;${'a'.repeat(16317)}\r\nhello\r\n0\r\n\r\n`;
    assert.ok('error' in scan(over, 1000));
    assert.ok('error' in scan(`5;${'a'.repeat(65536)}\r\nhello\r\n0\r\n\r\n`));
  });

  test('hands out the chunk data without the framing, and the raw trailer section', () => {
    for (const step of [BODY.length, 1, 5, 11]) {
      const s = new ChunkedScanner();
      let data = '';
      for (let i = 0; i < BODY.length; i += step) {
        const piece = b(BODY.slice(i, i + step));
        const sink = newChunkSink();
        s.push(piece, sink);
        data += Buffer.concat(sinkData(piece, sink)).toString('latin1');
      }
      assert.equal(data, 'helloabcdefghijklmnopqrstuvwxyz', `step ${step}`);
      assert.equal(s.trailers(), 'X-Trailer: t\r\n\r\n', `step ${step}`);
    }
  });

  test('leaves up to two data runs in place and gathers more, short and long runs alike', () => {
    const one = b(`${(1000).toString(16)}\r\n${'L'.repeat(1000)}`);
    const sink = newChunkSink();
    new ChunkedScanner().push(one, sink);
    assert.equal(sink.copy, undefined);
    assert.equal(Buffer.concat(sinkData(one, sink)).toString('latin1'), 'L'.repeat(1000));
    const two = b('3\r\nabc\r\n2\r\nde');
    const kept = newChunkSink();
    new ChunkedScanner().push(two, kept);
    assert.equal(kept.copy, undefined);
    assert.deepEqual(sinkData(two, kept).map((d) => d.toString('latin1')), ['abc', 'de']);
    const several = b(`3\r\nabc\r\n${(100).toString(16)}\r\n${'M'.repeat(100)}\r\n1;x\r\nz\r\n0\r\n\r\n`);
    const gathered = newChunkSink();
    assert.deepEqual(new ChunkedScanner().push(several, gathered), { consumed: several.length, done: true });
    assert.notEqual(gathered.copy, undefined);
    assert.equal(Buffer.concat(sinkData(several, gathered)).toString('latin1'), `abc${'M'.repeat(100)}z`);
  });

  test('skips a large chunk without inspecting its bytes', () => {
    const data = '\r\n'.repeat(50_000);
    const raw = `${data.length.toString(16)}\r\n${data}\r\n0\r\n\r\n`;
    assert.deepEqual(scan(raw, 4096), { consumed: raw.length, done: true });
  });
});
