// HTTP engine settings driven by the config model (built by hand here; their keywords are parsed elsewhere):
// http-request/http-response header rules in order (frontend then backend), `option originalto`, `option forwardfor
// header NAME if-none`, an errorfile replacing the 503, and `retry-on` replaying a safe request. runL7Session runs in
// the test process behind a real listener (tests/support/l7-harness.ts).

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import type { HeaderRule } from '../../config/model.js';
import { closedPort } from '../support/check-target.js';
import { startHttpBackends } from '../support/http-backends.js';
import { RawHttpConnection, rawRequest } from '../support/http-client.js';
import { httpRules, startL7Harness, type L7Harness } from '../support/l7-harness.js';

const at = { file: 't.cfg', line: 1 };

function rule(action: HeaderRule['action'], name: string, value?: string): HeaderRule {
  return { source: at, action, name, ...(value === undefined ? {} : { value }) };
}

describe('HTTP engine settings', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  async function harness(spec: Parameters<typeof startL7Harness>[0]): Promise<L7Harness> {
    const h = await startL7Harness(spec);
    cleanups.push(() => h.close());
    return h;
  }

  test('header rules: frontend request rules, then backend ones, then forwardfor/originalto; response rules', async () => {
    const backends = await startHttpBackends(['n1']);
    cleanups.push(() => backends.close());
    const h = await harness({
      serverPorts: backends.ports(),
      options: { forwardfor: { header: 'X-Client', ifNone: true }, originalto: { header: 'X-Original-To' } },
      frontendHttp: httpRules({
        request: [rule('del-header', 'user-agent'), rule('set-header', 'X-Who', 'fe %[src]')],
        response: [rule('add-header', 'X-Fe', '1')],
      }),
      backendHttp: httpRules({
        request: [rule('add-header', 'X-Who', 'be'), rule('set-header', 'X-Port', '%[dst_port]')],
        response: [rule('del-header', 'x-server')],
      }),
    });
    const r = await rawRequest(h.port, 'GET /r HTTP/1.1\r\nHost: x\r\nUser-Agent: ua\r\nConnection: close\r\n\r\n');
    assert.equal(r.status, 200);
    assert.equal(
      backends.requests[0]?.head,
      [
        'GET /r HTTP/1.1',
        'host: x',
        'x-who: fe 127.0.0.1',
        'x-who: be',
        `x-port: ${h.port}`,
        'x-client: 127.0.0.1',
        'x-original-to: 127.0.0.1',
      ].join('\n'),
    );
    // Backend response rules run before the frontend's: x-server is gone, x-fe is added, the close is announced.
    assert.equal(r.headers.find(([k]) => k === 'x-server'), undefined);
    assert.deepEqual(r.headers.slice(-2), [
      ['x-fe', '1'],
      ['connection', 'close'],
    ]);
  });

  test('forwardfor if-none: a request that has the header keeps it alone', async () => {
    const backends = await startHttpBackends(['n1']);
    cleanups.push(() => backends.close());
    const h = await harness({ serverPorts: backends.ports(), options: { forwardfor: { header: 'X-Client', ifNone: true } } });
    await rawRequest(h.port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Client: 192.0.2.1\r\nConnection: close\r\n\r\n');
    assert.equal(backends.requests[0]?.head, 'GET / HTTP/1.1\nhost: x\nx-client: 192.0.2.1');
  });

  test('errorfile 503 (backend) replaces the 503 page', async () => {
    const h = await harness({
      serverPorts: [await closedPort()],
      retries: 0,
      backendHttp: httpRules({
        errorfiles: { 503: 'HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nmaint.\r\n\r\n' },
      }),
    });
    const r = await rawRequest(h.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(r.status, 503);
    assert.equal(r.head, 'HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 9\r\n\r\n');
    assert.equal(r.body.toString(), 'maint.\r\n\r\n'.slice(0, 9));
  });

  test('CONNECT answered 2xx by the server becomes a byte tunnel', async () => {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.once('data', () => {
        s.write('HTTP/1.1 200 Connection established\r\n\r\n');
        s.on('data', (d: Buffer) => s.write(Buffer.concat([Buffer.from('echo:'), d])));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    });
    const h = await harness({ serverPorts: [(server.address() as net.AddressInfo).port], timeouts: { tunnel: 2000 } });
    const c = await RawHttpConnection.open(h.port);
    c.write('CONNECT db.example:8848 HTTP/1.1\r\nHost: db.example:8848\r\n\r\n');
    assert.equal((await c.response(5000, true)).status, 200);
    const echoed = new Promise<string>((resolve) => c.socket.once('data', (d: Buffer) => resolve(d.toString())));
    c.write('GET not-http\r\n\r\n');
    assert.equal(await echoed, 'echo:GET not-http\r\n\r\n');
    c.destroy();
  });

  test('retry-on empty-response: a GET whose server closes without a byte is replayed on a new connection', async () => {
    // Drops the first connection after reading the request and every POST; answers the rest.
    let accepted = 0;
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      const n = ++accepted;
      s.once('data', (d: Buffer) =>
        n === 1 || d.toString('latin1').startsWith('POST') ? s.destroy() : s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    });
    const port = (server.address() as net.AddressInfo).port;
    const h = await harness({ serverPorts: [port], retryOn: ['empty-response'] });
    const r = await rawRequest(h.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(r.status, 200);
    assert.equal(accepted, 2);
    // The same failure for a POST is not replayed, whatever retry-on says.
    const r2 = await rawRequest(h.port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx');
    assert.equal(r2.status, 502);
    assert.equal(accepted, 3);
  });
});
