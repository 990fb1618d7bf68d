// `server … ssl` (HAProxy 2.6 §5.2): traffic re-encrypted to TLS servers, side by side with haproxy 2.6.12 on the
// same config: `verify required` + `ca-file` with the certificate's name checked against the SNI sent (`sni
// str(…)`, `sni req.hdr(host)`), else `verifyhost`, else not at all; a refused certificate answers 503 after the
// retries (haproxy logs SC--); `verify none`; TLS session reuse to the server unless `no-ssl-reuse`; mode tcp; `crt`
// (a client certificate to the server); `alpn`. Through the CLIs, real sockets on 127.0.0.1.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { httpExchange } from '../support/http-exchange.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject } from '../support/lb-subject.js';
import { TlsBackend } from '../support/tls-backend.js';
import { type CertFiles, TlsCerts } from '../support/tls-certs.js';
import { within } from '../support/wait.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];

let certs: TlsCerts;
let ca: CertFiles;
let srv: CertFiles;
let client: CertFiles;
let otherCa: CertFiles;

before(() => {
  certs = new TlsCerts();
  ca = certs.ca('ca');
  otherCa = certs.ca('other-ca', 'ec');
  srv = certs.issue(ca, 'srv', { names: ['srv.test', '*.wild.test'], alg: 'ec' });
  client = certs.issue(ca, 'client', { names: ['lb-client'], client: true });
});
after(() => certs.cleanup());

const DEFAULTS = ['defaults', '  mode http', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s', '  retries 1'];

/** A frontend on `port` routing /NAME to backend NAME, one server each (its words after the address). */
function httpConfig(port: number, backends: Readonly<Record<string, string>>): string {
  const names = Object.keys(backends);
  return [
    ...DEFAULTS,
    'frontend f',
    `  bind 127.0.0.1:${port}`,
    ...names.map((n) => `  use_backend ${n} if { path_beg /${n} }`),
    ...names.flatMap((n) => [`backend ${n}`, `  server s ${backends[n] ?? ''}`]),
    '',
  ].join('\n');
}

async function run(subject: LbSubject, config: string, port: number): Promise<LbProcess> {
  return subject.start(config, port);
}

for (const subject of SUBJECTS) {
  describe(`server ssl (${subject.name})`, () => {
    test('verify required: the SNI sent, else verifyhost, else the chain alone; a refused certificate is a 503', async (t) => {
      const b = await TlsBackend.start(srv);
      t.after(() => b.close());
      const port = await freeTcpPort();
      const at = `127.0.0.1:${b.port} ssl verify required ca-file ${ca.cert}`;
      const lb = await run(subject, httpConfig(port, {
        good: `${at} sni str(srv.test)`,
        wild: `${at} sni str(a.wild.test)`,
        wrongname: `${at} sni str(other.test)`,
        chain: at,
        vhbad: `${at} verifyhost bad.test`,
        vhgood: `${at} verifyhost srv.test`,
        otherca: `127.0.0.1:${b.port} ssl verify required ca-file ${otherCa.cert}`,
        none: `127.0.0.1:${b.port} ssl verify none`,
        hdr: `${at} sni req.hdr(host)`,
      }), port);
      t.after(() => lb.stop());
      const status = async (path: string, headers: Record<string, string> = {}): Promise<string> => {
        const a = await httpExchange(port, 'GET', path, { headers, timeoutMs: 8000 });
        return `${a.status} ${a.status === 200 ? a.body.trim() : ''}`.trim();
      };
      assert.equal(await status('/good'), '200 tls sni=srv.test');
      assert.equal(await status('/wild'), '200 tls sni=a.wild.test');
      assert.equal(await status('/wrongname'), '503');
      assert.equal(await status('/chain'), '200 tls sni=false');
      assert.equal(await status('/vhbad'), '503');
      assert.equal(await status('/vhgood'), '200 tls sni=false');
      assert.equal(await status('/otherca'), '503');
      assert.equal(await status('/none'), '200 tls sni=false');
      assert.equal(await status('/hdr', { host: 'srv.test' }), '200 tls sni=srv.test');
      assert.equal(await status('/hdr', { host: 'evil.test' }), '503');
    });

    test('TLS sessions to a server are reused, not with no-ssl-reuse', async (t) => {
      const reused = await TlsBackend.start(srv, { name: 'reused' });
      const fresh = await TlsBackend.start(srv, { name: 'fresh' });
      t.after(() => reused.close());
      t.after(() => fresh.close());
      const port = await freeTcpPort();
      const lb = await run(subject, httpConfig(port, {
        reuse: `127.0.0.1:${reused.port} ssl verify none`,
        noreuse: `127.0.0.1:${fresh.port} ssl verify none no-ssl-reuse`,
      }), port);
      t.after(() => lb.stop());
      // Each request on its own client connection, and `Connection: close` so no server connection is kept.
      for (let i = 0; i < 6; i++) {
        for (const path of ['/reuse', '/noreuse']) {
          const a = await httpExchange(port, 'GET', path, { headers: { connection: 'close' } });
          assert.equal(a.status, 200);
        }
      }
      assert.equal(fresh.resumedCount(), 0);
      // Two threads in orcalb: each keeps its own session (HAProxy keeps one per thread too); the first of each is full.
      assert.ok(reused.resumedCount() >= 6 - 2, JSON.stringify(reused.handshakes));
    });

    test('mode tcp: bytes go through a TLS connection; crt presents a client certificate; alpn is offered', async (t) => {
      const b = await TlsBackend.start(srv, { echo: true, clientCa: ca.certText, alpn: ['ddb', 'http/1.1'] });
      t.after(() => b.close());
      const port = await freeTcpPort();
      const lb = await run(subject, [
        'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s',
        'listen l',
        `  bind 127.0.0.1:${port}`,
        `  server s 127.0.0.1:${b.port} ssl verify required ca-file ${ca.cert} sni str(srv.test) crt ${client.pem} alpn ddb`,
        '',
      ].join('\n'), port);
      t.after(() => lb.stop());
      const c = net.connect(port, '127.0.0.1');
      t.after(() => c.destroy());
      const got = await within(new Promise<string>((resolve, reject) => {
        let text = '';
        c.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.length >= 10) resolve(text);
        });
        c.on('error', reject);
        c.write('ping-pong!');
      }), 5000, 'echo through TLS');
      assert.equal(got, 'ping-pong!');
      assert.deepEqual(b.clientNames, ['lb-client']);
      assert.equal(b.handshakes[0]?.alpn, 'ddb');
      assert.equal(b.handshakes[0]?.sni, 'srv.test');
    });
  });
}
