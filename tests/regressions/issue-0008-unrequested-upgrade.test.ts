// Issue 8 item 7: a backend's 101 to a request that asked for no protocol switch used to turn the client connection
// into a raw tunnel, so the client's next request bypassed all HTTP processing (and went to that server unparsed).
// haproxy 2.6.12 answers such a 101 with 502 and keeps serving the client in HTTP; a request with a body loses its
// Upgrade field on the way (so a 101 to it is a 502 too). Side by side with haproxy, client and backend bytes.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { answerEachRequest } from '../support/http-verdict.js';
import { exchangeBoth, startHttpPair, type HttpPair } from '../support/http-side-by-side.js';

const SWITCH = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\nRAW';
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
const KEY = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';

/** The backend answers `/next` with a plain 200 and every other request with `first`. */
function backend(first: string): ReturnType<typeof answerEachRequest> {
  return answerEachRequest((line) => (line.startsWith('GET /next ') ? OK : first));
}

interface Case {
  readonly name: string;
  readonly first: string;
  readonly steps: (string | number)[];
  readonly upgraded: boolean;
  /** What the backend must not receive. */
  readonly lacks?: RegExp;
}

const CASES: readonly Case[] = [
  {
    name: 'a 101 to a plain GET is a 502, and the next request is still HTTP',
    first: SWITCH,
    steps: ['GET / HTTP/1.1\r\nHost: a\r\n\r\n', 300, 'GET /next HTTP/1.1\r\nHost: a\r\n\r\n'],
    upgraded: false,
  },
  {
    name: 'a request with a body loses its Upgrade field, and a 101 to it is a 502',
    first: SWITCH,
    steps: ['POST / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: foo\r\nContent-Length: 5\r\n\r\nhello', 300, 'GET /next HTTP/1.1\r\nHost: a\r\n\r\n'],
    upgraded: false,
    lacks: /\r\nupgrade:/i,
  },
  {
    name: 'Upgrade without the Connection token asks for nothing: 502',
    first: SWITCH,
    steps: ['GET / HTTP/1.1\r\nHost: a\r\nUpgrade: foo\r\n\r\n', 300, 'GET /next HTTP/1.1\r\nHost: a\r\n\r\n'],
    upgraded: false,
  },
  {
    name: 'a 101 without Connection: upgrade of its own is a 502',
    first: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\n\r\nRAW',
    steps: ['GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n', 300, 'GET /next HTTP/1.1\r\nHost: a\r\n\r\n'],
    upgraded: false,
  },
  {
    name: 'a WebSocket 101 without Sec-WebSocket-Accept is a 502',
    first: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nRAW',
    steps: [`GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${KEY}\r\n`, 300, 'GET /next HTTP/1.1\r\nHost: a\r\n\r\n'],
    upgraded: false,
  },
  {
    name: 'an agreed switch still becomes a tunnel (the server gets the raw bytes)',
    first: SWITCH,
    steps: ['GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: foo\r\n\r\n', 300, 'raw-after'],
    upgraded: true,
  },
];

describe('issue 8 item 7: a 101 nobody asked for is a 502, as haproxy 2.6.12 answers it', () => {
  let pair: HttpPair;
  before(async () => {
    pair = await startHttpPair({ defaults: ['  option http-server-close'] });
  });
  after(() => pair.close());

  for (const c of CASES) {
    test(c.name, async () => {
      pair.setScript(backend(c.first));
      // Done once the answer to /next came (the upgraded case has no end: the tunnel stays open).
      const done = (a: string): boolean => !c.upgraded && a.endsWith('\r\n\r\nok');
      const [ha, orca] = await exchangeBoth(pair, c.steps, { readMs: 600, done });
      for (const r of [ha, orca]) {
        const seen = r.backend.join('');
        if (c.upgraded) {
          assert.match(r.answer, /^HTTP\/1\.1 101 /);
          assert.ok(seen.endsWith('raw-after'), JSON.stringify(seen));
        } else {
          assert.match(r.answer, /^HTTP\/1\.1 502 /, r.answer);
          // The next request went through HTTP processing: parsed, rewritten (lower-case names) and answered.
          assert.match(seen, /GET \/next HTTP\/1\.1\r\nhost: a\r\n/, JSON.stringify(seen));
          assert.match(r.answer, /\r\n\r\nok$/);
          if (c.lacks !== undefined) assert.doesNotMatch(seen, c.lacks);
        }
      }
      assert.equal(orca.answer, ha.answer);
      assert.deepEqual(orca.backend, ha.backend);
    });
  }

  test('a WebSocket upgrade request whose Sec-WebSocket-Key is not 24 characters is a 400, never forwarded', async () => {
    pair.setScript(backend(OK));
    for (const key of ['', 'Sec-WebSocket-Key: abc\r\n', `Sec-WebSocket-Key: ${'A'.repeat(25)}\r\n`]) {
      const raw = `GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${key}\r\n`;
      const [ha, orca] = await exchangeBoth(pair, [raw], { readMs: 600 });
      for (const r of [ha, orca]) {
        assert.match(r.answer, /^HTTP\/1\.1 400 /, JSON.stringify(key));
        assert.deepEqual(r.backend, []);
      }
      assert.equal(orca.answer, ha.answer);
    }
  });
});
