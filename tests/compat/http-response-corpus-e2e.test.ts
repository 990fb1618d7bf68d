// The server-response corpus end to end: a raw backend answers each case (then closes, as the parser-level test's
// backend does), the same client exchange goes through haproxy 2.6.12 and `orcalb --threads 2` (same mode-http
// config), and the client must receive exactly the same bytes from both: the relayed (re-chunked, stripped) response
// or the 502, and the answer to a second request sent on the same client connection afterwards (which shows whether
// the client connection survived and was left in step). Covers issue 8 items 7, 9 and 12 on the response side.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { answerEachRequest } from '../support/http-verdict.js';
import { exchangeBoth, startHttpPair, type HttpPair } from '../support/http-side-by-side.js';
import { HTTP_RESPONSE_CORPUS, HTTP_RESPONSE_ENGINE_CASES, type ResponseCase, type Verdict } from './http-malformed-corpus.js';

const NEXT = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nk2';
const CASES: readonly ResponseCase[] = [...HTTP_RESPONSE_CORPUS, ...HTTP_RESPONSE_ENGINE_CASES];

/** What the client's first answer says: the proxy's own 502, or the server's response relayed. */
function verdictOf(answer: string, raw: string): Verdict {
  return answer.startsWith('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 107') && !raw.startsWith('HTTP/1.1 502')
    ? { verdict: 'refused', status: 502 }
    : { verdict: 'forwarded' };
}

describe('response corpus end to end: the client gets the same bytes from orcalb as from haproxy', () => {
  let pair: HttpPair;
  before(async () => {
    pair = await startHttpPair({ defaults: ['  option http-server-close'] });
    // `/1/<case index>` gets that case's response, anything else the plain `k2` answer; every answer ends its
    // connection, so nothing depends on which server connection a proxy would reuse.
    pair.setScript(
      answerEachRequest(
        (line) => CASES[Number(/ \/1\/(\d+) /.exec(line)?.[1] ?? -1)]?.raw ?? NEXT,
        () => true,
      ),
    );
  });
  after(() => pair.close());

  test('the corpus names are unique', () => {
    assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length);
  });

  for (const [i, c] of CASES.entries()) {
    test(`${c.name}: ${c.haproxy.verdict === 'refused' ? '502' : 'relayed'} with the same bytes, then the same next answer`, async () => {
      const steps = [`${c.method ?? 'GET'} /1/${i} HTTP/1.1\r\nHost: a\r\n\r\n`, 300, 'GET /2 HTTP/1.1\r\nHost: a\r\n\r\n'];
      const [ha, orca] = await exchangeBoth(pair, steps, { readMs: 1500, done: (a) => a.endsWith('k2') });
      assert.deepEqual(verdictOf(ha.answer, c.raw), c.haproxy, `haproxy answered ${JSON.stringify(ha.answer.slice(0, 80))}`);
      assert.equal(orca.answer, ha.answer);
      assert.equal(orca.closed, ha.closed);
    });
  }
});
