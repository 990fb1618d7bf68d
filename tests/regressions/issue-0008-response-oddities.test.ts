// Issue 8 item 9: odd responses. orcalb forwarded Transfer-Encoding on a 204, answered 502 to status lines haproxy
// relays (`099`, `1000`), and reused a server connection whose 304 (or HEAD answer, or extra response) carried bytes
// past its end, so those bytes answered the same client's next request. haproxy 2.6.12, measured: it strips framing
// fields from 1xx/204, relays any status digits, and never reuses a server connection holding unread bytes.
// Side by side with haproxy in keep-alive mode, so a poisoned server connection would be reused.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { answerEachRequest } from '../support/http-verdict.js';
import { exchangeBoth, startHttpPair, type HttpPair } from '../support/http-side-by-side.js';

const NEXT = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nk2';
const NEXT_OUT = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nk2';
const EVIL = 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil';

interface Case {
  readonly name: string;
  /** The backend's answer to `/1` (every `/2` gets NEXT). */
  readonly first: string;
  readonly method?: string;
  /** What the client must receive for `/1` then `/2`. */
  readonly expected: string;
}

const CASES: readonly Case[] = [
  {
    name: 'a 204 loses its Transfer-Encoding (and the chunk bytes after it are not a response)',
    first: 'HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxx\r\n0\r\n\r\n',
    expected: `HTTP/1.1 204 No Content\r\n\r\n${NEXT_OUT}`,
  },
  {
    name: 'status 099 is relayed as sent, its Content-Length stripped, its body framed by it',
    first: 'HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\nok',
    expected: `HTTP/1.1 099 Odd\r\n\r\nok${NEXT_OUT}`,
  },
  {
    name: 'status 1000 is relayed as a final response',
    first: 'HTTP/1.1 1000 Odd\r\nContent-Length: 2\r\n\r\nok',
    expected: `HTTP/1.1 1000 Odd\r\ncontent-length: 2\r\n\r\nok${NEXT_OUT}`,
  },
  {
    name: 'a 304 carrying a body does not answer the next request',
    first: `HTTP/1.1 304 Not Modified\r\nContent-Length: 4\r\n\r\n${EVIL}`,
    expected: `HTTP/1.1 304 Not Modified\r\ncontent-length: 4\r\n\r\n${NEXT_OUT}`,
  },
  {
    name: 'a 304 without Content-Length followed by a whole extra response does not answer the next request',
    first: `HTTP/1.1 304 Not Modified\r\n\r\n${EVIL}`,
    expected: `HTTP/1.1 304 Not Modified\r\n\r\n${NEXT_OUT}`,
  },
  {
    name: 'a HEAD answer carrying a body does not answer the next request',
    first: EVIL,
    method: 'HEAD',
    expected: `HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n${NEXT_OUT}`,
  },
  {
    name: 'a second response sent after the first does not answer the next request',
    first: `HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok${EVIL}`,
    expected: `HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok${NEXT_OUT}`,
  },
];

describe('issue 8 item 9: odd responses are relayed as haproxy relays them, and never poison the next request', () => {
  let pair: HttpPair;
  before(async () => {
    pair = await startHttpPair({ defaults: ['  option http-keep-alive'] });
    // `/1/<case index>` gets that case's answer.
    pair.setScript(answerEachRequest((line) => CASES[Number(/ \/1\/(\d+) /.exec(line)?.[1] ?? -1)]?.first ?? NEXT));
  });
  after(() => pair.close());

  for (const [i, c] of CASES.entries()) {
    test(c.name, async () => {
      const steps = [`${c.method ?? 'GET'} /1/${i} HTTP/1.1\r\nHost: a\r\n\r\n`, 300, 'GET /2 HTTP/1.1\r\nHost: a\r\n\r\n'];
      const [ha, orca] = await exchangeBoth(pair, steps, { readMs: 1500, done: (a) => a.endsWith('k2') || a.endsWith('evil') });
      assert.equal(ha.answer, c.expected, 'haproxy');
      assert.equal(orca.answer, ha.answer);
      // Which server connection carried /2 is haproxy's reuse policy; what each server was asked is the same.
      assert.deepEqual(orca.backend.join('').split('\r\n\r\n').sort(), ha.backend.join('').split('\r\n\r\n').sort());
    });
  }
});
