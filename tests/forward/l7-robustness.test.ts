// Random and hostile byte streams against the HTTP engine (seeded, reproducible): truncated heads, bad chunk sizes,
// conflicting lengths, garbage, resets at any point, split writes. Every connection must end (answered or closed),
// no exception may escape a session (it would crash this process), nothing is logged as unexpected, and a valid
// request is still served afterwards. runL7Session runs in the test process (tests/support/l7-harness.ts).

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startHttpBackends, type HttpBackends } from '../support/http-backends.js';
import { rawRequest } from '../support/http-client.js';
import { startL7Harness, type L7Harness } from '../support/l7-harness.js';
import { prng } from '../support/prng.js';

const PIECES = [
  'GET / HTTP/1.1\r\n',
  'POST /p HTTP/1.1\r\n',
  'GET / HTTP/1.0\r\n',
  'GET /x HTTP/9.9\r\n',
  'Host: x\r\n',
  'Host : x\r\n',
  'Content-Length: 5\r\n',
  'Content-Length: 5, 6\r\n',
  'Content-Length: -1\r\n',
  'Transfer-Encoding: chunked\r\n',
  'Transfer-Encoding: gzip\r\n',
  'Connection: close\r\n',
  'Connection: keep-alive\r\n',
  'Expect: 100-continue\r\n',
  'Upgrade: websocket\r\nConnection: Upgrade\r\n',
  '\r\n',
  '\n',
  'hello',
  '5\r\nhello\r\n0\r\n\r\n',
  'zz\r\nhello\r\n',
  '0\r\n\r\n',
  'X-Big: ' + 'a'.repeat(9000) + '\r\n',
  '\x00\x01\x02',
  ' folded\r\n',
];

describe('HTTP engine under random input', () => {
  let backends: HttpBackends;
  let h: L7Harness;

  before(async () => {
    backends = await startHttpBackends(['n1', 'n2']);
    h = await startL7Harness({
      serverPorts: backends.ports(),
      timeouts: { httpRequest: 200, client: 400, server: 1000, connect: 500 },
    });
  });

  after(async () => {
    await h.close();
    await backends.close();
  });

  /** Connections the proxy never closed within 4 s (each one is a leak). */
  let stuck = 0;

  /** One hostile connection: random pieces in random splits, then FIN, reset or silence. Resolves once closed. */
  function hostile(rand: () => number): Promise<void> {
    return new Promise((resolve) => {
      const s = net.connect({ port: h.port, host: '127.0.0.1' });
      s.on('error', () => undefined);
      s.on('data', () => undefined);
      const timer = setTimeout(() => {
        stuck++;
        s.destroy();
      }, 4000);
      s.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      const count = 1 + Math.floor(rand() * 8);
      let text = '';
      for (let i = 0; i < count; i++) text += PIECES[Math.floor(rand() * PIECES.length)] ?? '';
      const bytes = Buffer.from(text, 'latin1');
      const ending = rand();
      const send = (at: number): void => {
        if (s.destroyed) return;
        if (at >= bytes.length) {
          if (ending < 0.4) s.end();
          else if (ending < 0.6) s.resetAndDestroy();
          // else: stay silent; the proxy's timeouts must close it.
          return;
        }
        const n = 1 + Math.floor(rand() * 64);
        s.write(bytes.subarray(at, at + n));
        setImmediate(() => send(at + n));
      };
      s.once('connect', () => send(0));
    });
  }

  test('300 hostile connections all end, nothing escapes, and the proxy still serves', async () => {
    const rand = prng(0x0c0ffee);
    for (let batch = 0; batch < 6; batch++) {
      await Promise.all(Array.from({ length: 50 }, () => hostile(rand)));
    }
    assert.equal(stuck, 0, 'connections the proxy left open past every timeout');
    const r = await rawRequest(h.port, 'GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(r.status, 200);
    assert.deepEqual(h.logger.lines.filter((l) => l.level === 'err'), []);
  });
});
