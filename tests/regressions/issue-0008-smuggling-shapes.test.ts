// Issue 8, the hostile pass over the HTTP/1 engine: request smuggling shapes (CL.TE, TE.CL, TE.TE obfuscations, chunk
// size tricks, bare LF and CR, obs-fold, NUL, requests pipelined after an error) and interim-response tricks, each
// followed by a pipelined `GET /victim`, sent to haproxy 2.6.12 and orcalb side by side. Both must give the client
// the same bytes and the server the same bytes; and the victim reaches a server as a request of its own only where
// the first request was well framed (legitimate pipelining), never after an ambiguous or refused one.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { answerEachRequest, requestLines } from '../support/http-verdict.js';
import { exchangeBoth, startHttpPair, type HttpPair } from '../support/http-side-by-side.js';

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
const VICTIM = 'GET /victim HTTP/1.1\r\nHost: a\r\n\r\n';
const POST = 'POST / HTTP/1.1\r\nHost: a\r\n';
const CHUNKED = `${POST}Transfer-Encoding: chunked\r\n\r\n`;

/** [name, bytes sent in one write before the victim, the victim is served as a request of its own (haproxy)]. */
const REQUESTS: readonly [string, string, boolean][] = [
  ['TE.TE: chunked then another coding', `${POST}Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n0\r\n\r\n`, false],
  ['TE.TE: another coding then chunked (422)', `${POST}Transfer-Encoding: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, false],
  ['TE with a space before the colon, and CL', `${POST}Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`, false],
  ['TE after a tab, and CL', `${POST}Transfer-Encoding:\tchunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`, false],
  ['TE with a vertical tab, and CL', `${POST}Transfer-Encoding: \x0bchunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`, false],
  ['TE with a NUL inside, and CL', `${POST}Transfer-Encoding: chu\x00nked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`, false],
  ['TE folded onto the next line, and CL', `${POST}Transfer-Encoding:\r\n chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`, false],
  ['TE chunked with a folded second coding', `${POST}Transfer-Encoding: chunked\r\n , identity\r\n\r\n0\r\n\r\n`, false],
  ['TE identity', `${POST}Transfer-Encoding: identity\r\nContent-Length: 5\r\n\r\nhello`, false],
  ['TE quoted', `${POST}Transfer-Encoding: "chunked"\r\n\r\n0\r\n\r\n`, false],
  ['TE in mixed case with a CL covering the victim (TE.CL)', `${POST}Transfer-Encoding: ChUnKeD\r\nContent-Length: 40\r\n\r\n0\r\n\r\n`, false],
  ['CL in hex', `${POST}Content-Length: 0x5\r\n\r\nhello`, false],
  ['CL with a NUL', `${POST}Content-Length: 5\x00\r\n\r\nhello`, false],
  ['CL with a space inside', `${POST}Content-Length: 1 0\r\n\r\nhelloworld`, false],
  ['CL then an empty CL', `${POST}Content-Length: 5\r\nContent-Length:\r\n\r\nhello`, false],
  ['CL folded onto the next line', `${POST}Content-Length:\r\n 5\r\n\r\nhello`, true],
  ['chunk size over 64 bits', `${CHUNKED}fffffffffffffffff\r\n`, false],
  ['chunk size with a sign', `${CHUNKED}+5\r\nhello\r\n0\r\n\r\n`, false],
  ['chunk size with a NUL', `${CHUNKED}5\x00\r\nhello\r\n0\r\n\r\n`, false],
  ['chunk data ended by a bare CR', `${CHUNKED}5\r\nhello\r\r\n0\r\n\r\n`, false],
  ['chunk data longer than its size', `${CHUNKED}3\r\nhello\r\n0\r\n\r\n`, false],
  ['chunk data ended by a bare LF', `${CHUNKED}5\r\nhello\n0\r\n\r\n`, true],
  ['a NUL in a header name', 'GET / HTTP/1.1\r\nHost: a\r\nX\x00A: 1\r\n\r\n', false],
  ['a malformed header', 'GET / HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n', false],
  ['a CR in the request line', 'GET /\r HTTP/1.1\r\nHost: a\r\n\r\n', false],
  ['Expect: 100-continue with its body sent at once', `${POST}Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello`, true],
  ['HTTP/1.0 with chunked', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', false],
];

/** [name, the server's answer to the first request]: interim answers carrying bytes they cannot carry. */
const INTERIMS: readonly [string, string][] = [
  ['two 100 Continue before the answer', `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n${OK}`],
  ['a 100 with a Content-Length body', `HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\nhello${OK}`],
  ['a 100 with a chunked body', `HTTP/1.1 100 Continue\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${OK}`],
  ['a 102 with a body that looks like a response', `HTTP/1.1 102 Processing\r\nContent-Length: 4\r\n\r\nevil${OK}`],
  ['a 199 with a header', `HTTP/1.1 199 Odd\r\nX: 1\r\n\r\n${OK}`],
];

describe('issue 8 hostile pass: smuggling shapes get the same treatment from orcalb as from haproxy 2.6.12', () => {
  let pair: HttpPair;
  before(async () => {
    pair = await startHttpPair({ defaults: ['  option http-server-close'] });
  });
  after(() => pair.close());

  for (const [name, raw, victimServed] of REQUESTS) {
    test(`${name}${victimServed ? '' : ': the victim is never served'}`, async () => {
      pair.setScript(answerEachRequest(() => OK));
      const [ha, orca] = await exchangeBoth(pair, [raw + VICTIM], { readMs: 800 });
      const served = (r: typeof ha): boolean => r.backend.some((b) => requestLines(b).some((l) => l.startsWith('GET /victim ')));
      assert.equal(served(ha), victimServed, `haproxy ${JSON.stringify(ha.backend)}`);
      assert.equal(served(orca), victimServed, JSON.stringify(orca.backend));
      assert.equal(orca.answer, ha.answer);
      assert.deepEqual(orca.backend, ha.backend);
    });
  }

  for (const [name, answer] of INTERIMS) {
    test(`${name}: relayed or refused exactly as haproxy does`, async () => {
      pair.setScript(answerEachRequest(() => answer));
      const [ha, orca] = await exchangeBoth(pair, [`${POST}Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello`], { readMs: 800 });
      assert.equal(orca.answer, ha.answer);
      assert.deepEqual(orca.backend, ha.backend);
    });
  }
});
