// Issue 11, set-src as an outsider attacks it, side by side with haproxy 2.6.12: huge and garbage header values
// (digits, dots, control bytes, a valid quad drowned in junk, ports of thousands of digits), an IPv6 source toward a
// send-proxy v1 server, and a keep-alive client that changes its claimed address on every request toward a
// keep-alive send-proxy server: no PROXY header may ever announce another request's client, and the balancer keeps
// serving. Real sockets on 127.0.0.1; every loop bounded.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { get } from '../fixtures/acl-corpus.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { RawHttpConnection } from '../support/http-client.js';
import { startTaggedHttpFarm, type TaggedHttpBackend } from '../support/http-tagged-backends.js';
import { closeAll, HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject } from '../support/lb-subject.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];

function config(port: number, server: string): string {
  return [
    'defaults', '  mode http', '  timeout connect 2s', '  timeout client 5s', '  timeout server 5s',
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    '  option forwardfor',
    '  http-request set-src req.hdr(x-real-ip) if { req.hdr(x-real-ip) -m found }',
    '  http-request set-src-port req.hdr(x-port) if { req.hdr(x-port) -m found }',
    '  http-request set-header X-Src-Port %[src_port]',
    '  default_backend be',
    'backend be',
    `  server s ${server}`,
    '',
  ].join('\n');
}

/** A header value of its own in the head of `b`'s last request. */
function lastHeader(b: TaggedHttpBackend, name: string): string | undefined {
  return new RegExp(`\\r\\n${name}: ([^\\r]*)`, 'i').exec(b.headLog.at(-1) ?? '')?.[1];
}

/** [what, header lines, X-Forwarded-For at the server, X-Src-Port at the server ('' when none) or undefined]. */
const HOSTILE: readonly (readonly [string, readonly string[], string, string | undefined])[] = [
  ['8000 digits', [`X-Real-IP: ${'9'.repeat(8000)}`], '127.0.0.1', undefined],
  ['8000 dots', [`X-Real-IP: ${'.'.repeat(8000)}`], '127.0.0.1', undefined],
  ['a valid quad then 8000 bytes of junk', [`X-Real-IP: 10.1.2.3${'x'.repeat(8000)}`], '10.1.2.3', undefined],
  ['a quad in 8000 leading zeros (they are decimal zeros)', [`X-Real-IP: ${'0'.repeat(8000)}10.1.2.3`], '10.1.2.3', undefined],
  ['control bytes', ['X-Real-IP: 10.\x01.2.3\x7f'], '127.0.0.1', undefined],
  ['Latin-1 bytes after a quad', ['X-Real-IP: 10.1.2.3\xe9\xff'], '10.1.2.3', undefined],
  ['an IPv6 literal of 60 characters', [`X-Real-IP: ${'1:'.repeat(29)}1`], '127.0.0.1', undefined],
  ['an IPv6 zone', ['X-Real-IP: fe80::1%eth0'], '127.0.0.1', undefined],
  ['a bracketed IPv6', ['X-Real-IP: [::1]'], '127.0.0.1', undefined],
  ['100 values: the last one', [`X-Real-IP: ${Array.from({ length: 100 }, (_, i) => `10.0.0.${i}`).join(', ')}`], '10.0.0.99', undefined],
  ['a port of 8000 digits', [`X-Port: ${'9'.repeat(8000)}`], '127.0.0.1', '65535'],
  ['a negative port of 8000 digits', [`X-Port: -${'9'.repeat(8000)}`], '127.0.0.1', ''],
  ['a port of 20 digits under 2^63', ['X-Port: 0000009223372036854775806'], '127.0.0.1', '65534'],
];

for (const subject of SUBJECTS) {
  describe(`set-src with hostile values on ${subject.name}`, () => {
    test('huge and garbage addresses and ports: the value haproxy takes, or nothing; the balancer keeps serving', async (t) => {
      const farm = await startTaggedHttpFarm(['be'], { expectProxy: true });
      const port = await freeTcpPort();
      let lb: LbProcess | undefined;
      // Registered before the start: a start that fails must not leave the farm listening.
      t.after(() => closeAll(() => lb?.stop(), () => farm.close()));
      lb = await subject.start(config(port, `127.0.0.1:${farm.byName('be').port} send-proxy`), port);
      const be = farm.byName('be');
      for (const [what, headers, xff, srcPort] of HOSTILE) {
        const conn = await RawHttpConnection.open(port);
        try {
          conn.write(Buffer.from(get('/', [...headers]), 'latin1'));
          const r = await conn.response(5000);
          assert.equal(r.status, 200, what);
        } finally {
          conn.destroy();
        }
        assert.equal(lastHeader(be, 'x-forwarded-for'), xff, what);
        if (srcPort !== undefined) assert.equal(lastHeader(be, 'x-src-port'), srcPort, what);
        // The PROXY header agrees with X-Forwarded-For (an IPv4 source here: TCP4).
        assert.match(be.proxyLog.at(-1) ?? '', new RegExp(`^v1 TCP4 ${xff.replaceAll('.', '\\.')} 127\\.0\\.0\\.1 `), what);
      }
    });

    test('an IPv6 source toward a send-proxy v1 server: a TCP6 header, the IPv4 destination mapped', async (t) => {
      const farm = await startTaggedHttpFarm(['be'], { expectProxy: true });
      const port = await freeTcpPort();
      let lb: LbProcess | undefined;
      // Registered before the start: a start that fails must not leave the farm listening.
      t.after(() => closeAll(() => lb?.stop(), () => farm.close()));
      lb = await subject.start(config(port, `127.0.0.1:${farm.byName('be').port} send-proxy`), port);
      const conn = await RawHttpConnection.open(port);
      t.after(() => conn.destroy());
      conn.write(get('/', ['X-Real-IP: ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'X-Port: 0']));
      assert.equal((await conn.response(5000)).status, 200);
      assert.equal(farm.byName('be').proxyLog.at(-1), `v1 TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ::ffff:127.0.0.1 0 ${port}`);
    });

    test('a keep-alive client that changes its address on every request: each PROXY header tells the truth', async (t) => {
      const farm = await startTaggedHttpFarm(['be'], { expectProxy: true, keepAlive: true });
      const port = await freeTcpPort();
      let lb: LbProcess | undefined;
      // Registered before the start: a start that fails must not leave the farm listening.
      t.after(() => closeAll(() => lb?.stop(), () => farm.close()));
      lb = await subject.start(config(port, `127.0.0.1:${farm.byName('be').port} send-proxy`), port);
      const be = farm.byName('be');
      const conn = await RawHttpConnection.open(port);
      t.after(() => conn.destroy());
      const local = conn.socket.localPort;
      // Pairs of requests with one address: the second may reuse the first's server connection, no other may.
      const claims: (string | undefined)[] = [];
      for (let i = 0; i < 60; i++) claims.push(i % 6 < 2 ? '10.0.0.1' : i % 6 < 4 ? '2001:db8::1' : undefined);
      for (const ip of claims) {
        conn.write(get('/', ip === undefined ? [] : [`X-Real-IP: ${ip}`]));
        assert.equal((await conn.response(5000)).status, 200);
      }
      assert.equal(be.headLog.length, claims.length);
      // Which PROXY header each request travelled under: that of the server connection it came on.
      const proxyOfConnection = be.proxyLog;
      for (let i = 0; i < claims.length; i++) {
        const ip = claims[i] ?? '127.0.0.1';
        const line = proxyOfConnection[(be.connectionLog[i] ?? 0) - 1] ?? '';
        const want = ip.includes(':') ? `v1 TCP6 ${ip} ::ffff:127.0.0.1 ${local} ${port}` : `v1 TCP4 ${ip} 127.0.0.1 ${local} ${port}`;
        assert.equal(line, want, `request ${i}`);
      }
      // A change of address needs a new server connection; one address twice in a row may share one (haproxy does).
      assert.ok(be.proxyLog.length >= 30 && be.proxyLog.length <= 60, String(be.proxyLog.length));
    });
  });
}
