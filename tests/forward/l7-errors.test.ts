// HTTP mode errors end to end through orcalb: HAProxy 2.6's exact 400/502/503/504 answers (bytes captured from
// haproxy 2.6.12), which of them keep the client connection, and that a request whose server died after receiving
// it is not replayed. Test-runner thread; orcalb runs as a child process.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_400, HAPROXY_502, HAPROXY_503, HAPROXY_504, withClose } from '../support/http-error-pages.js';
import { RawHttpConnection } from '../support/http-client.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';

/** A raw TCP server whose behaviour on each request is given; counts the requests it saw. */
async function rawServer(
  onRequest: (socket: net.Socket) => void,
  record?: string[],
): Promise<{ port: number; seen: () => number; close: () => Promise<void> }> {
  let seen = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    let buf = '';
    s.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      if (!buf.includes('\r\n\r\n')) return;
      record?.push(buf);
      buf = '';
      seen++;
      onRequest(s);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    seen: () => seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('HTTP mode errors', () => {
  let orcalb: OrcalbProcess;
  const ports: Record<string, number> = {};
  const servers: Awaited<ReturnType<typeof rawServer>>[] = [];
  let closer: Awaited<ReturnType<typeof rawServer>>;
  let flaky: Awaited<ReturnType<typeof rawServer>>;
  let eofPort = 0;
  /** What the eof server received, per request (head and whatever body came with it). */
  const eofHeads: string[] = [];

  before(async () => {
    const garbage = await rawServer((s) => s.end('garbage\r\n\r\n'));
    closer = await rawServer((s) => s.destroy());
    const silent = await rawServer(() => undefined);
    // Answers the first request of each connection (keep-alive), then drops the connection on the next one: the
    // race of a server closing an idle connection just as the proxy reuses it.
    const answered = new WeakSet<net.Socket>();
    flaky = await rawServer((s) => {
      if (answered.has(s)) return void s.destroy();
      answered.add(s);
      s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    });
    const eof = await rawServer((s) => s.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil-close body'), eofHeads);
    servers.push(garbage, closer, silent, flaky, eof);
    eofPort = eof.port;
    for (const name of ['none', 'garbage', 'closer', 'silent', 'flaky', 'eof']) ports[name] = await freeTcpPort();
    const config = [
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 5s',
      '  timeout server 400ms',
      '  retries 1',
      `frontend f_none`,
      `  bind 127.0.0.1:${ports['none']}`,
      '  default_backend b_none',
      'backend b_none',
      '  server s1 127.0.0.1:1 disabled',
      `frontend f_garbage`,
      `  bind 127.0.0.1:${ports['garbage']}`,
      '  default_backend b_garbage',
      'backend b_garbage',
      `  server s1 127.0.0.1:${garbage.port}`,
      `frontend f_closer`,
      `  bind 127.0.0.1:${ports['closer']}`,
      '  default_backend b_closer',
      'backend b_closer',
      `  server s1 127.0.0.1:${closer.port}`,
      `frontend f_silent`,
      `  bind 127.0.0.1:${ports['silent']}`,
      '  default_backend b_silent',
      'backend b_silent',
      `  server s1 127.0.0.1:${silent.port}`,
      `frontend f_flaky`,
      `  bind 127.0.0.1:${ports['flaky']}`,
      '  default_backend b_flaky',
      'backend b_flaky',
      `  server s1 127.0.0.1:${flaky.port}`,
      `frontend f_eof`,
      `  bind 127.0.0.1:${ports['eof']}`,
      '  default_backend b_eof',
      'backend b_eof',
      `  server s1 127.0.0.1:${eofPort}`,
      '',
    ].join('\n');
    orcalb = await startOrcalb(config, { threads: 1 });
  });

  after(async () => {
    await orcalb.stop();
    for (const s of servers) await s.close();
  });

  async function twoRequests(port: number, expected: string): Promise<void> {
    const c = await RawHttpConnection.open(port);
    try {
      // Two requests on one connection: HAProxy answers both, its 5xx answers keep an HTTP/1.1 client open.
      for (let i = 0; i < 2; i++) {
        c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        const r = await c.response();
        assert.equal(r.head + r.body.toString('latin1'), expected);
      }
    } finally {
      c.destroy();
    }
  }

  test('no usable server: 503 with HAProxy bytes, the client connection stays open', async () => {
    await twoRequests(ports['none'] ?? 0, HAPROXY_503);
  });

  test('an HTTP/1.0 client gets the 503 with connection: close, then the close', async () => {
    const c = await RawHttpConnection.open(ports['none'] ?? 0);
    c.write('GET / HTTP/1.0\r\n\r\n');
    const r = await c.response();
    assert.equal(r.head + r.body.toString('latin1'), withClose(HAPROXY_503));
    await c.waitClosed();
  });

  test('a server answering garbage: 502', async () => {
    await twoRequests(ports['garbage'] ?? 0, HAPROXY_502);
  });

  test('a server that never answers within timeout server: 504', async () => {
    await twoRequests(ports['silent'] ?? 0, HAPROXY_504);
  });

  test('a server closing after receiving a POST: 502, and the request is not replayed', async () => {
    const before = closer.seen();
    const c = await RawHttpConnection.open(ports['closer'] ?? 0);
    c.write('POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc');
    const r = await c.response();
    c.destroy();
    // The head may carry `connection: close` when the body could not be delivered: only status and page are fixed.
    assert.equal(r.status, 502);
    assert.equal(r.body.toString('latin1'), HAPROXY_502.slice(HAPROXY_502.indexOf('\r\n\r\n') + 4));
    assert.equal(closer.seen() - before, 1);
  });

  test('a GET whose fresh server connection closes is not replayed without retry-on: 502 once', async () => {
    const before = closer.seen();
    const c = await RawHttpConnection.open(ports['closer'] ?? 0);
    c.write('GET /x HTTP/1.1\r\nHost: x\r\n\r\n');
    const r = await c.response();
    c.destroy();
    assert.equal(r.status, 502);
    assert.equal(closer.seen() - before, 1);
  });

  // HAProxy 2.6.12, measured with the same server: the second request of a keep-alive client whose server connection
  // closes without a byte gets no answer, the client connection is closed (so the client retries by itself).
  for (const [method, extra] of [['GET', ''], ['POST', 'Content-Length: 2\r\n\r\nhi']] as const) {
    test(`a later ${method} of a keep-alive client whose server drops it: the client is closed, no 502, no replay`, async () => {
      const c = await RawHttpConnection.open(ports['flaky'] ?? 0);
      c.write('GET /g HTTP/1.1\r\nHost: x\r\n\r\n');
      assert.equal((await c.response()).status, 200);
      const before = flaky.seen();
      c.write(`${method} /p HTTP/1.1\r\nHost: x\r\n${extra === '' ? '\r\n' : extra}`);
      await c.waitClosed();
      assert.equal(c.closed, true, 'bytes were sent before the close');
      assert.equal(flaky.seen() - before, 1);
    });
  }

  test('a response without a length is relayed until the server closes, with connection: close (as haproxy 2.6.12)', async () => {
    const c = await RawHttpConnection.open(ports['eof'] ?? 0);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const r = await c.response();
    assert.equal(r.head, 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n');
    assert.equal(r.body.toString(), 'until-close body');
    assert.equal(c.closed, true);
    c.destroy();
  });

  test('a malformed request (space before the colon): 400 with HAProxy bytes, then the close', async () => {
    const c = await RawHttpConnection.open(ports['none'] ?? 0);
    c.write('GET / HTTP/1.1\r\nHost : x\r\n\r\n');
    const r = await c.response();
    assert.equal(r.head + r.body.toString('latin1'), HAPROXY_400);
    await c.waitClosed();
  });

  // haproxy 2.6.12 on the same bytes: forwarded chunked without Content-Length, answered, then the client is closed.
  test('both Content-Length and Transfer-Encoding: chunked wins, Content-Length dropped, client closed after', async () => {
    const c = await RawHttpConnection.open(ports['eof'] ?? 0);
    c.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    const r = await c.response();
    assert.equal(r.status, 200);
    assert.equal(r.headers.find(([k]) => k === 'connection')?.[1], 'close');
    await c.waitClosed();
    // The test server splits on blank lines only, so the chunked body may show up as an entry of its own.
    assert.match(eofHeads.find((t) => t.startsWith('POST')) ?? '', /^POST \/ HTTP\/1\.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n/);
  });
});
