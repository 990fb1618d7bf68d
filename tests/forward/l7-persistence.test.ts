// Cookie persistence through the HTTP engine (HAProxy 2.6 §4.2 `cookie SRV insert indirect nocache`, `option
// redispatch`): a new client gets a Set-Cookie naming its server, a client presenting it stays on that server over
// new connections (the cookie itself is not forwarded), and moves to another server, with a new cookie, when its
// server goes down. runL7Session runs in the test process (tests/support/l7-harness.ts).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CookieConfig } from '../../config/model.js';
import { startHttpBackends, type HttpBackends } from '../support/http-backends.js';
import { rawRequest } from '../support/http-client.js';
import { startL7Harness, type L7Harness } from '../support/l7-harness.js';

const COOKIE: CookieConfig = {
  source: { file: 't.cfg', line: 1 },
  name: 'SRV',
  mode: 'insert',
  indirect: true,
  nocache: true,
  postonly: false,
  httponly: false,
  secure: false,
  domains: [],
};

function get(cookie?: string): string {
  return `GET /p HTTP/1.1\r\nHost: x\r\n${cookie === undefined ? '' : `Cookie: ${cookie}\r\n`}Connection: close\r\n\r\n`;
}

describe('cookie persistence', () => {
  let backends: HttpBackends;
  let h: L7Harness;

  before(async () => {
    backends = await startHttpBackends(['n1', 'n2', 'n3']);
    h = await startL7Harness({
      serverPorts: backends.ports(),
      serverCookies: ['a', 'b', 'c'],
      cookie: COOKIE,
      options: { redispatch: true },
      retries: 1,
      timeouts: { connect: 300 },
    });
  });

  after(async () => {
    await h.close();
    await backends.close();
  });

  test('a client without the cookie gets Set-Cookie naming the server that answered', async () => {
    const r = await rawRequest(h.port, get());
    const name = r.body.toString().trim();
    const value = { n1: 'a', n2: 'b', n3: 'c' }[name];
    assert.deepEqual(r.headers.find(([k]) => k === 'set-cookie'), ['set-cookie', `SRV=${value}; path=/`]);
  });

  test('a client presenting SRV=b stays on n2 over new connections; the cookie is not forwarded; no new Set-Cookie', async () => {
    const from = backends.requests.length;
    for (let i = 0; i < 6; i++) {
      const r = await rawRequest(h.port, get('SRV=b; lang=en'));
      assert.equal(r.body.toString().trim(), 'n2');
      assert.equal(r.headers.find(([k]) => k === 'set-cookie'), undefined);
    }
    for (const seen of backends.requests.slice(from)) assert.match(seen.head, /\ncookie: lang=en$/m);
  });

  test('when n2 goes down, the client is redispatched to another server and given its cookie', async () => {
    await backends.stop('n2');
    const r = await rawRequest(h.port, get('SRV=b'));
    const name = r.body.toString().trim();
    assert.notEqual(name, 'n2');
    const value = { n1: 'a', n3: 'c' }[name];
    assert.deepEqual(r.headers.find(([k]) => k === 'set-cookie'), ['set-cookie', `SRV=${value}; path=/`]);
  });
});
