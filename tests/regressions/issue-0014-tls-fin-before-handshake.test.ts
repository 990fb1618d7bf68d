// Issue 14, found while measuring the TLS figures: a client that closes its side before the handshake is done (wrk's
// address probe connects and closes at once, so every wrk run made one) was held half-open by orcalb until the
// handshake timeout (`timeout client`, 1 h in the bench): a socket in CLOSE-WAIT and a frontend slot per such client.
// haproxy 2.6.12 closes it at once. Side by side, with `timeout client 1h` so that only the FIN can end it.
// Test-runner thread; 127.0.0.1 only.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { startHttpBackends } from '../support/http-backends.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, closeAll, orcalbSubject, type LbSubject } from '../support/lb-subject.js';
import { makeTlsCerts } from '../support/tls-certs.js';
import { curlHttps } from '../support/tls-client.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, orcalbSubject('orcalb --threads 1', { threads: 1 })];
/** Far below `timeout client`: only the client's FIN can have ended the connection by then. */
const CLOSE_BOUND_MS = 5000;
/** The first bytes of a TLS 1.2 ClientHello: a handshake under way. */
const PARTIAL_HELLO = Buffer.from('160301020001000200', 'hex');

function config(front: number, server: number, crt: string): string {
  return `
defaults
    mode http
    timeout connect 2s
    timeout client 1h
    timeout server 5s
frontend fe
    bind 127.0.0.1:${front} ssl crt ${crt}
    default_backend be
backend be
    server s1 127.0.0.1:${server}
`;
}

/** Connects, writes `bytes` (maybe none), sends its FIN, and says whether the proxy closed its side within the bound. */
function finAndWaitClose(port: number, bytes: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => s.end(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, CLOSE_BOUND_MS);
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
      const lb = await subject.start(config(front, backends.ports()[0] ?? 0, certs.rsa), front);
      t.after(() => closeAll(() => lb.stop(), () => backends.close()));

      assert.equal(await finAndWaitClose(front, Buffer.alloc(0)), true, 'connect then FIN, no byte sent: still open');
      assert.equal(await finAndWaitClose(front, PARTIAL_HELLO), true, 'half a ClientHello then FIN: still open');
      // The forwarder serves on.
      const served = await curlHttps('a.example', front, '/', certs.ca, ['--http1.1']);
      assert.equal(served.status, 200, served.stderr);
    });
  }
});
