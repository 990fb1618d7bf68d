// L7 server choice through orcalb: `balance uri` keeps a URI on one server across connections, a dead server's
// requests are redispatched before any byte reaches the client, `accept-proxy` feeds X-Forwarded-For, keep-alive
// idle clients are closed after `timeout http-keep-alive`, and a soft stop (SIGUSR1) closes idle keep-alive clients.
// Test-runner thread; orcalb runs as a child process.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { closedPort } from '../support/check-target.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startHttpBackends, type HttpBackends } from '../support/http-backends.js';
import { RawHttpConnection, rawRequest } from '../support/http-client.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { within } from '../support/wait.js';

function serverOf(body: Buffer): string {
  return body.toString().trim();
}

describe('HTTP mode server choice', () => {
  let orcalb: OrcalbProcess;
  let backends: HttpBackends;
  const ports: Record<string, number> = {};

  before(async () => {
    backends = await startHttpBackends(['n1', 'n2', 'n3']);
    const [p1, p2, p3] = backends.ports();
    const dead = await closedPort();
    for (const name of ['uri', 'redispatch', 'proxy']) ports[name] = await freeTcpPort();
    const config = [
      'defaults',
      '  mode http',
      '  timeout connect 500ms',
      '  timeout client 5s',
      '  timeout server 5s',
      '  timeout http-keep-alive 300ms',
      'frontend f_uri',
      `  bind 127.0.0.1:${ports['uri']}`,
      '  default_backend b_uri',
      'backend b_uri',
      '  balance uri',
      `  server n1 127.0.0.1:${p1}`,
      `  server n2 127.0.0.1:${p2}`,
      `  server n3 127.0.0.1:${p3}`,
      'frontend f_redispatch',
      `  bind 127.0.0.1:${ports['redispatch']}`,
      '  default_backend b_redispatch',
      'backend b_redispatch',
      '  option redispatch',
      '  retries 2',
      `  server dead 127.0.0.1:${dead}`,
      `  server n1 127.0.0.1:${p1}`,
      'frontend f_proxy',
      `  bind 127.0.0.1:${ports['proxy']} accept-proxy`,
      '  option forwardfor except 127.0.0.0/8',
      '  default_backend b_proxy',
      'backend b_proxy',
      `  server n2 127.0.0.1:${p2}`,
      '',
    ].join('\n');
    orcalb = await startOrcalb(config, { threads: 2 });
  });

  after(async () => {
    await orcalb.stop();
    await backends.close();
  });

  test('balance uri: each path keeps its server over new connections; different paths spread', async () => {
    const chosen = new Map<string, Set<string>>();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 12; i++) {
        const path = `/item/${i}?v=${round}`;
        const r = await rawRequest(ports['uri'] ?? 0, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        const set = chosen.get(`/item/${i}`) ?? new Set<string>();
        set.add(serverOf(r.body));
        chosen.set(`/item/${i}`, set);
      }
    }
    // The query string is not hashed (no `whole`): every round lands on the same server per path.
    for (const [path, servers] of chosen) assert.equal(servers.size, 1, `${path} moved between ${[...servers].join(',')}`);
    const used = new Set([...chosen.values()].flatMap((s) => [...s]));
    assert.ok(used.size >= 2, `12 paths all hashed to ${[...used].join(',')}`);
  });

  test('a server refusing connections: the request is redispatched and answered by another', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await rawRequest(ports['redispatch'] ?? 0, `GET /r${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.equal(r.status, 200);
      assert.equal(serverOf(r.body), 'n1');
    }
  });

  test('accept-proxy: the address announced in the PROXY header is the X-Forwarded-For client', async () => {
    const from = backends.requests.length;
    const r = await rawRequest(
      ports['proxy'] ?? 0,
      'PROXY TCP4 203.0.113.9 127.0.0.1 40000 80\r\nGET /p HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    assert.equal(r.status, 200);
    assert.equal(backends.requests[from]?.head, 'GET /p HTTP/1.1\nhost: x\nx-forwarded-for: 203.0.113.9');
  });

  test('timeout http-keep-alive: an idle keep-alive client is closed silently after it', async () => {
    const c = await RawHttpConnection.open(ports['uri'] ?? 0);
    c.write('GET /ka HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal((await c.response()).status, 200);
    const t0 = performance.now();
    await c.waitClosed(3000);
    assert.equal(c.closed, true, 'bytes were sent before the close');
    assert.ok(performance.now() - t0 >= 250, 'closed before timeout http-keep-alive');
  });

  test('a soft stop (SIGUSR1) closes an idle keep-alive client at once and orcalb exits', async () => {
    const c = await RawHttpConnection.open(ports['uri'] ?? 0);
    c.write('GET /before-stop HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal((await c.response()).status, 200);
    orcalb.signal('SIGUSR1');
    await c.waitClosed(3000);
    assert.equal(await within(orcalb.exited, 5000, 'exit after the soft stop'), 0);
  });
});
