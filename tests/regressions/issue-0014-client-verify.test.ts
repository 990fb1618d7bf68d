// Issue 14, client certificates side by side with haproxy 2.6.12 (`openssl s_client`): `verify optional` lets a client
// without a certificate in but closes one whose certificate the CA does not vouch for (orcalb let it in before: the
// verdict was only taken under `verify required`), and `ca-ignore-err all crt-ignore-err all` lets such a client in
// while `verify required` still closes a client with none. Test-runner thread; all traffic on 127.0.0.1.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startHttpBackends } from '../support/http-backends.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, closeAll, type LbSubject } from '../support/lb-subject.js';
import { makeTlsCerts } from '../support/tls-certs.js';
import { sClient } from '../support/tls-client.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];
const REQUEST = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

/** Two fronts on one backend: `verify optional`, and `verify required` with every verify error ignored. */
function config(optional: number, ignoring: number, server: number, pem: string, ca: string): string {
  return [
    'defaults', '  mode http', '  timeout connect 2s', '  timeout client 5s', '  timeout server 5s',
    'frontend opt', `  bind 127.0.0.1:${optional} ssl crt ${pem} verify optional ca-file ${ca}`, '  default_backend be',
    'frontend ign', `  bind 127.0.0.1:${ignoring} ssl crt ${pem} verify required ca-file ${ca} ca-ignore-err all crt-ignore-err all`,
    '  default_backend be',
    'backend be', `  server s1 127.0.0.1:${server}`, '',
  ].join('\n');
}

for (const subject of SUBJECTS) {
  describe(`issue 14 client certificates (${subject.name})`, () => {
    test('verify optional refuses a certificate from another CA; ca-ignore-err all crt-ignore-err all lets it in', async (t) => {
      const certs = await makeTlsCerts(t);
      const backends = await startHttpBackends(['s1']);
      const optional = await freeTcpPort();
      const ignoring = await freeTcpPort();
      const lb = await subject.start(config(optional, ignoring, backends.ports()[0] ?? 0, certs.rsa, certs.ca), optional);
      t.after(() => closeAll(() => lb.stop(), () => backends.close()));
      const mine = ['-cert', certs.clientCert, '-key', certs.clientKey];
      const theirs = ['-cert', certs.otherClientCert, '-key', certs.otherClientKey];
      const ok = async (port: number, args: readonly string[]): Promise<boolean> =>
        /^HTTP\/1\.1 200/.test((await sClient(port, args, REQUEST)).statusLine ?? '');
      assert.equal(await ok(optional, []), true, 'optional: no certificate is let in');
      assert.equal(await ok(optional, mine), true, 'optional: a certificate the CA vouches for is let in');
      assert.equal(await ok(optional, theirs), false, 'optional: a certificate of another CA is refused');
      assert.equal(await ok(ignoring, theirs), true, 'every verify error ignored: another CA is let in');
      assert.equal(await ok(ignoring, []), false, 'required: no certificate is still refused');
    });
  });
}
