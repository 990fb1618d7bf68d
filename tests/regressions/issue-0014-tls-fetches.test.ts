// Issue 14, the SSL fetches in rules, side by side with haproxy 2.6.12: `redirect scheme https if !{ ssl_fc }` on the
// clear-text bind, `http-request set-header X-Forwarded-Proto https if { ssl_fc }`, and the headers a server sees from
// ssl_fc_sni, ssl_fc_protocol, ssl_fc_cipher, ssl_fc_alpn, ssl_c_used, ssl_c_verify, ssl_c_s_dn and ssl_c_sha1 with
// and without a client certificate. Test-runner thread; all traffic on 127.0.0.1.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startHttpBackends } from '../support/http-backends.js';
import { rawHttpRequest } from '../support/http-tagged-backends.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_REUSEPORT_SUBJECT, ORCALB_SUBJECT, closeAll, type LbSubject } from '../support/lb-subject.js';
import { makeTlsCerts } from '../support/tls-certs.js';
import { curlHttps } from '../support/tls-client.js';

// orcalb in both accept modes: fds handed off by the acceptor, and sockets each forwarder accepts itself.
const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT, ORCALB_REUSEPORT_SUBJECT];

const HEADERS = [
  'X-Forwarded-Proto', 'X-Sni', 'X-Proto', 'X-Cipher', 'X-Alpn', 'X-Used', 'X-Verify', 'X-Dn', 'X-Sha1',
] as const;

function config(plain: number, secure: number, server: number, crt: string, ca: string): string {
  return `
defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:${plain}
    bind 127.0.0.1:${secure} ssl crt ${crt} alpn http/1.1 verify optional ca-file ${ca}
    redirect scheme https code 301 if !{ ssl_fc }
    http-request set-header X-Forwarded-Proto https if { ssl_fc }
    http-request set-header X-Sni %[ssl_fc_sni]
    http-request set-header X-Proto %[ssl_fc_protocol]
    http-request set-header X-Cipher %[ssl_fc_cipher]
    http-request set-header X-Alpn %[ssl_fc_alpn]
    http-request set-header X-Used %[ssl_c_used]
    http-request set-header X-Verify %[ssl_c_verify]
    http-request set-header X-Dn %[ssl_c_s_dn]
    http-request set-header X-Sha1 %[ssl_c_sha1,hex]
    default_backend be
backend be
    server s1 127.0.0.1:${server}
`;
}

/** The values of HEADERS in the last request the server saw ('' for an absent one). */
function seenHeaders(head: string): string[] {
  return HEADERS.map((h) => new RegExp(`^${h}: ?(.*)$`, 'mi').exec(head)?.[1] ?? '');
}

const results = new Map<string, { redirect: string; anonymous: string[]; client: string[] }>();

describe('issue 14: SSL fetches in rules', () => {
  for (const subject of SUBJECTS) {
    test(`${subject.name}: redirect to https, X-Forwarded-Proto and the ssl_* headers`, async (t) => {
      const certs = await makeTlsCerts(t);
      const backends = await startHttpBackends(['s1']);
      const plain = await freeTcpPort();
      const secure = await freeTcpPort();
      const lb = await subject.start(config(plain, secure, backends.ports()[0] ?? 0, certs.rsa, certs.ca), plain);
      t.after(() => closeAll(() => lb.stop(), () => backends.close()));
      const r = await rawHttpRequest(plain, 'GET /p?q=1 HTTP/1.1\r\nHost: a.example');
      const redirect = `${r.status} ${r.values('location')[0] ?? ''}`;
      assert.equal(redirect, '301 https://a.example/p?q=1');
      const anon = await curlHttps('a.example', secure, '/', certs.ca, ['--http1.1']);
      assert.equal(anon.status, 200, anon.stderr);
      const anonymous = seenHeaders(backends.requests.at(-1)?.head ?? '');
      const withCert = await curlHttps('a.example', secure, '/', certs.ca, ['--http1.1', '--cert', certs.clientCert, '--key', certs.clientKey]);
      assert.equal(withCert.status, 200, withCert.stderr);
      const client = seenHeaders(backends.requests.at(-1)?.head ?? '');
      assert.deepEqual(anonymous.slice(0, 3), ['https', 'a.example', 'TLSv1.3']);
      assert.deepEqual([anonymous[4], anonymous[5], anonymous[6]], ['http/1.1', '0', '0']);
      assert.deepEqual([client[5], client[6], client[7]], ['1', '0', '/CN=client-1']);
      assert.match(client[8] ?? '', /^[0-9A-F]{40}$/);
      results.set(subject.name, { redirect, anonymous, client });
    });
  }

  test('orcalb sets the same values as haproxy', () => {
    const [h, ...others] = SUBJECTS.map((s) => results.get(s.name));
    assert.ok(h !== undefined && others.every((o) => o !== undefined), 'every subject ran');
    // The certificate fingerprint differs per run (each test made its own certificates): compare its shape only.
    const strip = (v: { redirect: string; anonymous: string[]; client: string[] } | undefined): unknown => v && { ...v, client: v.client.slice(0, 8) };
    for (const o of others) assert.deepEqual(strip(o), strip(h));
  });
});
