// Issue 14, hostile clients on an ssl bind, side by side with haproxy 2.6.12: garbage instead of a ClientHello, a
// client that stops mid-handshake (closed once `timeout client` passes), no common cipher, and 200 handshakes left
// hanging on one forwarder while another client of that forwarder is served. Each failure is counted in the SSL
// stats module's ssl_failed_handshake (`show stat`) when TLS refused it (a timeout or a client that leaves is not,
// as in haproxy), the successes in ssl_sess. And a client that closes its side before the handshake is done: closed
// at once, with `timeout client 1h` so that only its FIN can end it (found while measuring the TLS figures: orcalb held
// it half-open until the handshake timeout, one CLOSE-WAIT per wrk run, whose address probe connects and closes).
// Test-runner thread; 127.0.0.1 only.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { startHttpBackends } from '../support/http-backends.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { statRow, statsCommand } from '../support/haproxy-stats.js';
import { HAPROXY_SUBJECT, closeAll, orcalbSubject, type LbSubject } from '../support/lb-subject.js';
import { makeTlsCerts } from '../support/tls-certs.js';
import { curlHttps, sClient } from '../support/tls-client.js';

/** One forwarder, so the slow handshakes and the served client share its event loop. */
const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, orcalbSubject('orcalb --threads 1', { threads: 1 })];
const SLOW = 200;

/** The first bytes of a TLS 1.2 ClientHello record header and a few of its body: a handshake that never completes. */
const PARTIAL_HELLO = Buffer.from('160301020001000200', 'hex');

function config(front: number, server: number, crt: string, sock: string, clientTimeout = '1s'): string {
  return `
global
    stats socket ${sock} level admin
    maxconn 2000
defaults
    mode http
    timeout connect 2s
    timeout client ${clientTimeout}
    timeout server 5s
frontend fe
    bind 127.0.0.1:${front} ssl crt ${crt} ssl-max-ver TLSv1.2 ciphers ECDHE-RSA-AES128-GCM-SHA256
    default_backend be
backend be
    server s1 127.0.0.1:${server}
`;
}

/** Connects, writes `bytes`, and resolves with what came back once the peer closed (10 s bound). */
function sendAndWaitClose(port: number, bytes: Buffer): Promise<{ received: number; closed: boolean }> {
  return new Promise((resolve) => {
    let received = 0;
    const s = connect(port, '127.0.0.1', () => s.write(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ received, closed: false });
    }, 10_000);
    s.on('data', (d: Buffer) => (received += d.length));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ received, closed: true });
    });
  });
}

const counts = new Map<string, Record<string, string>>();

describe('issue 14: hostile TLS clients', () => {
  for (const subject of SUBJECTS) {
    test(`${subject.name}: garbage, a stalled handshake, no common cipher and ${SLOW} hanging handshakes fail alone`, async (t) => {
      const certs = await makeTlsCerts(t);
      const backends = await startHttpBackends(['s1']);
      const front = await freeTcpPort();
      const sock = join(certs.dir, 'stats.sock');
      const lb = await subject.start(config(front, backends.ports()[0] ?? 0, certs.rsa, sock), front);
      const slow: Socket[] = [];
      t.after(() => closeAll(async () => slow.forEach((s) => s.destroy()), () => lb.stop(), () => backends.close()));

      const garbage = await sendAndWaitClose(front, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      assert.deepEqual(garbage.closed, true, 'a plain HTTP request on the TLS port is closed');
      const stalled = await sendAndWaitClose(front, PARTIAL_HELLO);
      assert.deepEqual(stalled, { received: 0, closed: true }, 'a handshake that stops is closed by timeout client, with nothing sent');
      const noCipher = await sClient(front, ['-tls1_2', '-cipher', 'ECDHE-RSA-AES256-GCM-SHA384']);
      assert.equal(noCipher.protocol, undefined, noCipher.out);

      // SLOW clients that open a handshake and stop, all on the one forwarder; then a real client is served at once.
      await Promise.all(
        Array.from({ length: SLOW }, () =>
          new Promise<void>((resolve) => {
            const s = connect(front, '127.0.0.1', () => {
              s.write(PARTIAL_HELLO);
              resolve();
            });
            s.on('error', () => resolve());
            slow.push(s);
          }),
        ),
      );
      const served = await curlHttps('a.example', front, '/', certs.ca, ['--http1.1']);
      assert.equal(served.status, 200, served.stderr);
      // The hanging ones end with timeout client; wait for their closes (bounded by sendAndWaitClose's style bound).
      await Promise.all(slow.map((s) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())))));
      const row = statRow(await statsCommand(sock, 'show stat'), 'fe', 'FRONTEND');
      counts.set(subject.name, { ssl_sess: row['ssl_sess'] ?? '', ssl_failed_handshake: row['ssl_failed_handshake'] ?? '' });
      assert.equal(row['ssl_sess'], '1');
      assert.equal(row['scur'], '0', 'every failed handshake gave its connection slot back');
      // The garbage and the cipher mismatch; timeouts and clients that left are not TLS failures (haproxy 2.6.12).
      assert.equal(row['ssl_failed_handshake'], '2');
    });
  }

  test('orcalb counts ssl_sess and ssl_failed_handshake as haproxy does', () => {
    const [h, o] = SUBJECTS.map((s) => counts.get(s.name));
    assert.ok(h !== undefined && o !== undefined, 'both subjects ran');
    assert.deepEqual(o, h);
  });
});

/** Far below `timeout client` (1 h there): only the client's FIN can have ended the connection by then. */
const FIN_CLOSE_BOUND_MS = 5000;

/** Connects, writes `bytes` (maybe none), sends its FIN, and says whether the proxy let go within the bound. */
function finAndWaitClose(port: number, bytes: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => s.end(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, FIN_CLOSE_BOUND_MS);
    s.on('error', () => undefined);
    s.resume();
    // The proxy's FIN ('end') or a reset ('close'): either way it let the connection go.
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(true);
    };
    s.once('end', done);
    s.once('close', done);
  });
}

describe('issue 14: a client that closes before its TLS handshake is done', () => {
  for (const subject of SUBJECTS) {
    test(`${subject.name}: closed at once, not held until timeout client`, async (t) => {
      const certs = await makeTlsCerts(t);
      const backends = await startHttpBackends(['s1']);
      const front = await freeTcpPort();
      const sock = join(certs.dir, 'stats.sock');
      const lb = await subject.start(config(front, backends.ports()[0] ?? 0, certs.rsa, sock, '1h'), front);
      t.after(() => closeAll(() => lb.stop(), () => backends.close()));

      assert.equal(await finAndWaitClose(front, Buffer.alloc(0)), true, 'connect then FIN, no byte sent: still open');
      assert.equal(await finAndWaitClose(front, PARTIAL_HELLO), true, 'half a ClientHello then FIN: still open');
      const served = await curlHttps('a.example', front, '/', certs.ca, ['--http1.1']);
      assert.equal(served.status, 200, served.stderr);
    });
  }
});
