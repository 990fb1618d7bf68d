// Health checks over TLS (HAProxy 2.6 §5.2 `check-ssl`, `check-sni`, `no-check-ssl`; an `ssl` server is checked over
// TLS unless `port`/`addr` send checks elsewhere), side by side with haproxy 2.6.12: the same servers go DOWN with
// the same reason and info (Layer6 invalid response "SSL handshake failure" for a refused chain, "Server presented
// an SSL certificate different from the expected one" for a wrong name, Layer6 timeout for a stalled handshake), the
// good ones stay UP; `option httpchk` and plain connect checks both run over the TLS connection. Through the CLIs.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbSubject } from '../support/lb-subject.js';
import { TlsBackend } from '../support/tls-backend.js';
import { type CertFiles, TlsCerts } from '../support/tls-certs.js';
import { delay } from '../support/wait.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];

let certs: TlsCerts;
let ca: CertFiles;
let otherCa: CertFiles;
let srv: CertFiles;

before(() => {
  certs = new TlsCerts();
  ca = certs.ca('ca');
  otherCa = certs.ca('other-ca');
  srv = certs.issue(ca, 'srv', { names: ['srv.test'] });
});
after(() => certs.cleanup());

/** A TCP server that answers every connection its own way: HTTP in clear, nothing at all, or junk. */
async function rawServer(mode: 'http' | 'stall' | 'junk'): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    if (mode === 'junk') s.end('HTTP/1.0 400 nope\r\n\r\n');
    if (mode === 'http') s.on('data', () => s.end('HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** `Server b/s is DOWN, reason: …, info: "…"` without the pid, the duration and the counts that follow. */
function downLines(stderr: string): string[] {
  return [...stderr.matchAll(/Server (\S+) is DOWN, (reason: [^,]+(?:, info: "[^"]*")?)/g)].map((m) => `${m[1] ?? ''} ${m[2] ?? ''}`).sort();
}

for (const subject of SUBJECTS) {
  describe(`TLS checks (${subject.name})`, () => {
    test('check-ssl, check-sni, no-check-ssl and ssl servers: UP and DOWN as haproxy', async (t) => {
      const tlsServer = await TlsBackend.start(srv);
      t.after(() => tlsServer.close());
      const plain = await rawServer('http');
      const stall = await rawServer('stall');
      const junk = await rawServer('junk');
      t.after(() => plain.close());
      t.after(() => stall.close());
      t.after(() => junk.close());
      const port = await freeTcpPort();
      const every = 'check inter 1s rise 1 fall 1';
      const tlsAt = `127.0.0.1:${tlsServer.port}`;
      const config = [
        'defaults', '  mode http', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s', '  timeout check 2s',
        'frontend f', `  bind 127.0.0.1:${port}`, '  default_backend h',
        'backend h',
        '  option httpchk GET /',
        `  server ok ${tlsAt} ssl verify required ca-file ${ca.cert} check-sni srv.test ${every}`,
        `  server chain ${tlsAt} ssl verify required ca-file ${ca.cert} ${every}`,
        `  server badca ${tlsAt} ssl verify required ca-file ${otherCa.cert} ${every}`,
        `  server badname ${tlsAt} ssl verify required ca-file ${ca.cert} check-sni other.test ${every}`,
        `  server clearcheck ${tlsAt} ssl verify none no-check-ssl ${every}`,
        `  server plainhttp 127.0.0.1:${plain.port} check-ssl verify none ${every}`,
        `  server plainok 127.0.0.1:${plain.port} ${every}`,
        `  server junk 127.0.0.1:${junk.port} ssl verify none ${every}`,
        `  server stall 127.0.0.1:${stall.port} ssl verify none ${every}`,
        'backend c',
        `  server ok ${tlsAt} ssl verify none ${every}`,
        `  server checkonly ${tlsAt} check-ssl verify none ${every}`,
        `  server badname ${tlsAt} ssl verify required ca-file ${ca.cert} check-sni other.test ${every}`,
        '',
      ].join('\n');
      const lb = await subject.start(config, port);
      t.after(() => lb.stop());
      const expected = ['c/badname', 'h/badca', 'h/badname', 'h/clearcheck', 'h/junk', 'h/plainhttp', 'h/stall'];
      await lb.waitForStderr(/Server h\/stall is DOWN/, 8000);
      // A few more rounds: a server that should stay UP would have gone DOWN by now (rise 1 fall 1, inter 1s).
      await delay(2500);
      const lines = downLines(lb.stderr());
      assert.deepEqual(lines.map((l) => l.split(' ')[0]), expected, lb.stderr());
      assert.deepEqual(lines, [
        'c/badname reason: Layer6 invalid response, info: "Server presented an SSL certificate different from the expected one"',
        'h/badca reason: Layer6 invalid response, info: "SSL handshake failure"',
        'h/badname reason: Layer6 invalid response, info: "Server presented an SSL certificate different from the expected one"',
        'h/clearcheck reason: Layer7 invalid response',
        'h/junk reason: Layer6 invalid response, info: "SSL handshake failure"',
        'h/plainhttp reason: Layer6 invalid response, info: "SSL handshake failure"',
        'h/stall reason: Layer6 timeout',
      ]);
      // The TLS server saw checks with the check's SNI (check-sni), and none with the `sni` of the traffic.
      assert.ok(tlsServer.handshakes.some((h) => h.sni === 'srv.test'));
    });
  });
}
