// Issue 8 item 12: chunked bodies used to be forwarded byte for byte, chunk extensions and odd line ends included,
// even a 64 KB extension that haproxy refuses with 400: every backend's (and client's) own chunk parser was handed to
// attackers. haproxy 2.6.12 (measured) decodes and re-chunks: one chunk per read with an upper-case hex size, no
// extensions, CRLF line ends, trailers re-serialised with lower-case names; a chunk-size line over 16320 bytes is
// refused. Side by side with haproxy, in both directions.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { answerEachRequest } from '../support/http-verdict.js';
import { exchangeBoth, startHttpPair, type HttpPair } from '../support/http-side-by-side.js';

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
const POST = 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n';
const FORWARDED_HEAD = 'POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n';

/** Request bodies and the canonical body haproxy hands the server. */
const UPSTREAM: readonly [string, string, string][] = [
  ['an extension is dropped', '5;a=b\r\nhello\r\n0\r\n\r\n', '5\r\nhello\r\n0\r\n\r\n'],
  ['an extension on the last chunk is dropped', '5\r\nhello\r\n0;x="y;z"\r\n\r\n', '5\r\nhello\r\n0\r\n\r\n'],
  ['chunks of one read become one chunk', '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n', 'B\r\nhello world\r\n0\r\n\r\n'],
  ['the size is upper-case hex without leading zeros', '000a\r\n0123456789\r\n0000\r\n\r\n', 'A\r\n0123456789\r\n0\r\n\r\n'],
  ['bare LF line ends and BWS become canonical', '5 \nhello\n0\n\n', '5\r\nhello\r\n0\r\n\r\n'],
  ['trailers get lower-case names, trimmed and unfolded values', '5\r\nhello\r\n0\r\nX-T:  1 \r\n 2\r\nX-U:3\r\n\r\n', '5\r\nhello\r\n0\r\nx-t: 1    2\r\nx-u: 3\r\n\r\n'],
];

/** Response bodies and what haproxy relays to the client. */
const DOWNSTREAM: readonly [string, string, string][] = [
  ['an extension is dropped', '5;a=b\r\nhello\r\n0\r\n\r\n', '5\r\nhello\r\n0\r\n\r\n'],
  ['chunks of one read become one chunk', '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n', 'B\r\nhello world\r\n0\r\n\r\n'],
  ['a lower-case size goes out upper-case', 'a\r\n0123456789\r\n0\r\n\r\n', 'A\r\n0123456789\r\n0\r\n\r\n'],
  ['trailers are re-serialised', '5\nhello\n0\nX-T:1\n\n', '5\r\nhello\r\n0\r\nx-t: 1\r\n\r\n'],
];

describe('issue 8 item 12: chunked bodies are re-chunked canonically, as haproxy 2.6.12 does', () => {
  let pair: HttpPair;
  before(async () => {
    pair = await startHttpPair({ defaults: ['  option http-server-close'] });
  });
  after(() => pair.close());

  for (const [name, body, canonical] of UPSTREAM) {
    test(`request: ${name}`, async () => {
      pair.setScript(answerEachRequest(() => OK));
      const [ha, orca] = await exchangeBoth(pair, [POST + body], { readMs: 1000, done: (a) => a.endsWith('ok') });
      assert.deepEqual(ha.backend, [FORWARDED_HEAD + canonical], 'haproxy');
      assert.deepEqual(orca.backend, ha.backend);
      assert.equal(orca.answer, ha.answer);
    });
  }

  for (const [name, body, canonical] of DOWNSTREAM) {
    test(`response: ${name}`, async () => {
      pair.setScript(answerEachRequest(() => `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}`));
      const [ha, orca] = await exchangeBoth(pair, ['GET / HTTP/1.1\r\nHost: a\r\n\r\n'], { readMs: 1000, done: (a) => a.endsWith('\r\n\r\n') && a.length > 60 });
      assert.equal(ha.answer, `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${canonical}`, 'haproxy');
      assert.equal(orca.answer, ha.answer);
    });
  }

  test('a 64 KB chunk extension is a 400 and no byte of it reaches a server', async () => {
    pair.setScript(answerEachRequest(() => OK));
    const [ha, orca] = await exchangeBoth(pair, [`${POST}5;${'a'.repeat(65536)}\r\nhello\r\n0\r\n\r\n`], { readMs: 1000 });
    assert.match(ha.answer, /^HTTP\/1\.1 400 /);
    assert.equal(orca.answer, ha.answer);
    assert.deepEqual(orca.backend, []);
    assert.ok(orca.closed && ha.closed);
  });

  test('the chunk-size line limit is 16320 bytes: 16316 extension bytes pass, 16317 are a 400', async () => {
    pair.setScript(answerEachRequest(() => OK));
    const fits = await exchangeBoth(pair, [`${POST}5;${'a'.repeat(16316)}\r\nhello\r\n0\r\n\r\n`], { readMs: 1000, done: (a) => a.endsWith('ok') });
    for (const r of fits) assert.deepEqual(r.backend, [`${FORWARDED_HEAD}5\r\nhello\r\n0\r\n\r\n`], 'fits');
    const over = await exchangeBoth(pair, [`${POST}5;${'a'.repeat(16317)}\r\nhello\r\n0\r\n\r\n`], { readMs: 1000 });
    for (const r of over) assert.match(r.answer, /^HTTP\/1\.1 400 /, 'over');
    assert.equal(over[1].answer, over[0].answer);
  });

  test('a response with a 64 KB chunk extension is a 502', async () => {
    pair.setScript(answerEachRequest(() => `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;${'a'.repeat(65536)}\r\nhello\r\n0\r\n\r\n`));
    const [ha, orca] = await exchangeBoth(pair, ['GET / HTTP/1.1\r\nHost: a\r\n\r\n'], { readMs: 1000, done: (a) => a.includes('</html>') });
    assert.match(ha.answer, /^HTTP\/1\.1 502 /);
    assert.equal(orca.answer, ha.answer);
  });
});
