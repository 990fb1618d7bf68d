// Issue 11, set-src / set-src-port / set-dst / set-dst-port end to end, side by side with haproxy 2.6.12: the address
// a rule sets is what every later consumer sees — X-Forwarded-For, the PROXY header to send-proxy and send-proxy-v2
// servers (HTTP and TCP mode), a stick table keyed on src, balance source — in http-request rules and in tcp-request
// connection/session/content rules; an http-request change ends with its request (haproxy 2.6 keeps addresses per
// stream: the next request of a keep-alive client has the connection's again), a connection rule's lasts. Real
// sockets on 127.0.0.1.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { get } from '../fixtures/acl-corpus.js';
import { startBackendFarm, requestTag } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { RawHttpConnection } from '../support/http-client.js';
import { startTaggedHttpFarm, type TaggedHttpBackend } from '../support/http-tagged-backends.js';
import { closeAll, HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject } from '../support/lb-subject.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];

const DEFAULTS = ['defaults', '  mode http', '  timeout connect 2s', '  timeout client 5s', '  timeout server 5s'];

/** The X-Forwarded-For value of the last head a backend received. */
function lastForwardedFor(b: TaggedHttpBackend): string | undefined {
  const head = b.headLog.at(-1) ?? '';
  return /\r\nx-forwarded-for: ([^\r]*)/i.exec(head)?.[1];
}

/** One request on `conn` (keep-alive); resolves with the status and the answering backend. */
async function ask(conn: RawHttpConnection, request: string): Promise<{ status: number; backend: string | undefined }> {
  conn.write(request);
  const r = await conn.response(5000);
  return { status: r.status, backend: r.headers.find(([n]) => n === 'x-served-by')?.[1] };
}

/** One request on a new connection, closed after its answer. */
async function askOnce(port: number, request: string): Promise<{ status: number; backend: string | undefined }> {
  const conn = await RawHttpConnection.open(port);
  try {
    return await ask(conn, request);
  } finally {
    conn.destroy();
  }
}

for (const subject of SUBJECTS) {
  describe(`set-src and set-dst on ${subject.name}`, () => {
    test('http-request set-src: X-Forwarded-For and the PROXY v1/v2 header carry it, for that request only', async (t) => {
      const farm = await startTaggedHttpFarm(['v1', 'v2'], { expectProxy: true });
      const port = await freeTcpPort();
      const config = [
        ...DEFAULTS,
        'frontend fe',
        `  bind 127.0.0.1:${port}`,
        '  option forwardfor',
        '  http-request set-src req.hdr(x-real-ip) if { req.hdr(x-real-ip) -m found }',
        '  http-request set-dst-port int(8443) if { path_beg /dport }',
        '  use_backend be_v2 if { path_beg /v2 }',
        '  default_backend be_v1',
        'backend be_v1',
        `  server s 127.0.0.1:${farm.byName('v1').port} send-proxy`,
        'backend be_v2',
        `  server s 127.0.0.1:${farm.byName('v2').port} send-proxy-v2`,
        '',
      ].join('\n');
      let lb: LbProcess | undefined;
      // Registered before the start: a start that fails must not leave the farm listening.
      t.after(() => closeAll(() => lb?.stop(), () => farm.close()));
      lb = await subject.start(config, port);
      const v1 = farm.byName('v1');
      const v2 = farm.byName('v2');

      const conn = await RawHttpConnection.open(port);
      t.after(() => conn.destroy());
      const local = conn.socket.localPort;
      assert.deepEqual(await ask(conn, get('/a', ['X-Real-IP: 10.1.2.3'])), { status: 200, backend: 'v1' });
      assert.equal(lastForwardedFor(v1), '10.1.2.3');
      // The next request sends no header: the connection's own source again (haproxy 2.6.12 changes the stream's).
      assert.deepEqual(await ask(conn, get('/b')), { status: 200, backend: 'v1' });
      assert.equal(lastForwardedFor(v1), '127.0.0.1');
      assert.deepEqual(v1.proxyLog, [`v1 TCP4 10.1.2.3 127.0.0.1 ${local} ${port}`, `v1 TCP4 127.0.0.1 127.0.0.1 ${local} ${port}`]);
      // An IPv6 source toward a v1 server: TCP6, the IPv4 destination written as ::ffff:127.0.0.1.
      assert.deepEqual(await ask(conn, get('/c', ['X-Real-IP: 2001:db8::7'])), { status: 200, backend: 'v1' });
      assert.equal(lastForwardedFor(v1), '2001:db8::7');
      assert.equal(v1.proxyLog.at(-1), `v1 TCP6 2001:db8::7 ::ffff:127.0.0.1 ${local} ${port}`);
      // The same toward a v2 server, and a destination port set by a rule.
      assert.deepEqual(await ask(conn, get('/v2', ['X-Real-IP: 192.0.2.9'])), { status: 200, backend: 'v2' });
      assert.equal(lastForwardedFor(v2), '192.0.2.9');
      assert.equal(v2.proxyLog.at(-1), `v2 TCP4 192.0.2.9 127.0.0.1 ${local} ${port}`);
      assert.deepEqual(await ask(conn, get('/dport')), { status: 200, backend: 'v1' });
      assert.equal(v1.proxyLog.at(-1), `v1 TCP4 127.0.0.1 127.0.0.1 ${local} 8443`);

      // Another client is not touched by the first one's changes.
      const other = await RawHttpConnection.open(port);
      t.after(() => other.destroy());
      assert.deepEqual(await ask(other, get('/d')), { status: 200, backend: 'v1' });
      assert.equal(lastForwardedFor(v1), '127.0.0.1');
      assert.equal(v1.proxyLog.at(-1), `v1 TCP4 127.0.0.1 127.0.0.1 ${other.socket.localPort} ${port}`);
    });

    test('a stick table keyed on src counts the address set-src gave', async (t) => {
      const farm = await startTaggedHttpFarm(['be']);
      const port = await freeTcpPort();
      const config = [
        ...DEFAULTS,
        'frontend fe',
        `  bind 127.0.0.1:${port}`,
        '  http-request set-src req.hdr(x-real-ip) if { req.hdr(x-real-ip) -m found }',
        '  http-request track-sc0 src table st',
        '  http-request deny deny_status 429 if { sc_http_req_cnt(0) gt 2 }',
        '  default_backend be',
        'backend st',
        '  stick-table type ip size 1k expire 1m store http_req_cnt',
        'backend be',
        `  server s 127.0.0.1:${farm.byName('be').port}`,
        '',
      ].join('\n');
      let lb: LbProcess | undefined;
      // Registered before the start: a start that fails must not leave the farm listening.
      t.after(() => closeAll(() => lb?.stop(), () => farm.close()));
      lb = await subject.start(config, port);
      const statuses: number[] = [];
      // Each on its own connection: the table, not the connection, carries the count.
      for (const ip of ['10.5.5.5', '10.5.5.5', '10.5.5.5', '10.5.5.5', '10.6.6.6']) {
        statuses.push((await askOnce(port, get('/', [`X-Real-IP: ${ip}`]))).status);
      }
      statuses.push((await askOnce(port, get('/'))).status);
      assert.deepEqual(statuses, [200, 200, 429, 429, 200, 200]);
    });

    test('tcp-request connection, session and content rules set the addresses a send-proxy TCP server is told', async (t) => {
      const farm = await startBackendFarm(['s1'], { expectProxy: true });
      const port = await freeTcpPort();
      const config = [
        'defaults', '  mode tcp', '  timeout connect 2s', '  timeout client 5s', '  timeout server 5s',
        'frontend fe',
        `  bind 127.0.0.1:${port}`,
        '  tcp-request inspect-delay 1s',
        '  tcp-request connection set-src ipv4(10.8.8.8)',
        '  tcp-request session set-dst ipv6(2001:db8::9)',
        '  tcp-request content set-src-port int(4242)',
        '  default_backend be',
        'backend be',
        `  server s1 127.0.0.1:${farm.port('s1')} send-proxy`,
        '',
      ].join('\n');
      let lb: LbProcess | undefined;
      // Registered before the start: a start that fails must not leave the farm listening.
      t.after(() => closeAll(() => lb?.stop(), () => farm.close()));
      lb = await subject.start(config, port);
      const got = await requestTag(port, 'hello-set-src');
      assert.equal(got.tag, 's1');
      const seen = farm.dataConnections('s1').at(-1);
      assert.equal(seen?.proxyLine, `PROXY TCP6 ::ffff:10.8.8.8 2001:db8::9 4242 ${port}`);
    });

    test('tcp-request connection set-src in an HTTP frontend: every request of the connection forwards the new address', async (t) => {
      const farm = await startTaggedHttpFarm(['be'], { expectProxy: true });
      const port = await freeTcpPort();
      const config = [
        ...DEFAULTS,
        'frontend fe',
        `  bind 127.0.0.1:${port}`,
        '  option forwardfor',
        '  tcp-request connection set-src ipv4(198.51.100.4)',
        '  http-request set-header X-Src %[src]',
        '  default_backend be',
        'backend be',
        `  server s 127.0.0.1:${farm.byName('be').port} send-proxy`,
        '',
      ].join('\n');
      let lb: LbProcess | undefined;
      // Registered before the start: a start that fails must not leave the farm listening.
      t.after(() => closeAll(() => lb?.stop(), () => farm.close()));
      lb = await subject.start(config, port);
      const conn = await RawHttpConnection.open(port);
      t.after(() => conn.destroy());
      const be = farm.byName('be');
      // A connection rule's change lasts: every request of the connection carries it.
      for (const path of ['/1', '/2']) {
        assert.deepEqual(await ask(conn, get(path)), { status: 200, backend: 'be' });
        assert.equal(lastForwardedFor(be), '198.51.100.4');
        assert.match(be.headLog.at(-1) ?? '', /\r\nx-src: 198\.51\.100\.4(\r\n|$)/i);
        assert.equal(be.proxyLog.at(-1), `v1 TCP4 198.51.100.4 127.0.0.1 ${conn.socket.localPort} ${port}`);
      }
    });

    // haproxy reaches a `server … 0.0.0.0:0` at the client's destination (address and port), as the rules left it.
    // Only the port can be moved here (tests keep to 127.0.0.1): set-dst-port points the server at the backend.
    for (const mode of ['http', 'tcp'] as const) {
      test(`${mode} mode: set-dst-port moves a server 0.0.0.0:0 to the new port`, async (t) => {
        const farm = await startTaggedHttpFarm(['be']);
        const port = await freeTcpPort();
        const rule = mode === 'http' ? 'http-request set-dst-port' : 'tcp-request content set-dst-port';
        const config = [
          ...DEFAULTS.map((l) => (l === '  mode http' ? `  mode ${mode}` : l)),
          'frontend fe',
          `  bind 127.0.0.1:${port}`,
          `  ${rule} int(${farm.byName('be').port})`,
          '  default_backend be',
          'backend be',
          '  server s 0.0.0.0:0',
          '',
        ].join('\n');
        let lb: LbProcess | undefined;
        // Registered before the start: a start that fails must not leave the farm listening.
        t.after(() => closeAll(() => lb?.stop(), () => farm.close()));
        lb = await subject.start(config, port);
        assert.deepEqual(await askOnce(port, get('/x')), { status: 200, backend: 'be' });
        assert.match(farm.byName('be').headLog.at(-1) ?? '', /^GET \/x HTTP\/1\.1\r\n/);
      });
    }
  });
}

test('balance source in HTTP mode hashes the address set-src gave, as haproxy does', async (t) => {
  const farm = await startTaggedHttpFarm(['s1', 's2', 's3']);
  t.after(() => farm.close());
  const ips = ['10.0.0.1', '10.0.0.1', '10.0.0.1', '10.0.0.2', '10.0.0.2', '10.0.0.7', '10.0.0.7', '192.0.2.200', '192.0.2.200',
    '2001:db8::5', '2001:db8::5', '2001:db8::6', '::ffff:10.0.0.9', '::ffff:10.0.0.9', '::ffff:10.0.0.10'];
  const picks: string[][] = [];
  for (const subject of SUBJECTS) {
    const port = await freeTcpPort();
    const config = [
      ...DEFAULTS,
      'frontend fe',
      `  bind 127.0.0.1:${port}`,
      '  http-request set-src req.hdr(x-real-ip)',
      '  default_backend be',
      'backend be',
      '  balance source',
      ...['s1', 's2', 's3'].map((s) => `  server ${s} 127.0.0.1:${farm.byName(s).port}`),
      '',
    ].join('\n');
    const lb = await subject.start(config, port);
    try {
      const got: string[] = [];
      for (const ip of ips) got.push((await askOnce(port, get('/', [`X-Real-IP: ${ip}`]))).backend ?? 'none');
      picks.push(got);
    } finally {
      await lb.stop();
    }
  }
  const [haproxy, orcalb] = picks;
  assert.deepEqual(orcalb, haproxy);
  // One address, one server (a round robin would move it), and not every address on the same one.
  assert.equal(new Set(haproxy?.slice(0, 3)).size, 1);
  assert.ok(new Set(haproxy).size > 1, JSON.stringify(haproxy));
});
