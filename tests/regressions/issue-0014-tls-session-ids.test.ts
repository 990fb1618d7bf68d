// Issue 14, session resumption by id (TLS 1.2 without tickets: a client without ticket support, or a bind with
// `no-tls-tickets`), side by side with haproxy 2.6.12 seen by `openssl s_client -sess_out/-sess_in`: a session made on
// one of orcalb's two forwarders resumes on the other through the cache they share (core/tls/session-cache.ts), as
// haproxy's shared cache does; `tune.ssl.cachesize 0` turns it off. Before this, orcalb kept no session by id, and
// every such client did a full handshake. Test-runner thread; all traffic on 127.0.0.1.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startHttpBackends } from '../support/http-backends.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, closeAll, type LbSubject } from '../support/lb-subject.js';
import { makeTlsCerts } from '../support/tls-certs.js';
import { sClient } from '../support/tls-client.js';
import { idleConnection, tlsFrontConfig } from '../support/tls-front-lab.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];
const REQUEST = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

/** One full handshake saving its session, then `again` connections offering it: whether each resumed. */
async function resumptions(front: number, dir: string, name: string, args: readonly string[], again: number): Promise<boolean[]> {
  const sess = join(dir, name);
  const first = await sClient(front, [...args, '-sess_out', sess], REQUEST);
  assert.equal(first.reused, false, first.out);
  assert.match(first.statusLine ?? '', /^HTTP\/1\.1 200/, first.out);
  const out: boolean[] = [];
  for (let i = 0; i < again; i++) {
    const holder = i % 2 === 1 ? await idleConnection(front) : undefined;
    const r = await sClient(front, [...args, '-sess_in', sess], REQUEST);
    holder?.destroy();
    assert.match(r.statusLine ?? '', /^HTTP\/1\.1 200/, r.out);
    out.push(r.reused);
  }
  return out;
}

describe('issue 14 TLS front: resumption by session id', () => {
  for (const subject of SUBJECTS) {
    test(`${subject.name}: a TLS 1.2 client without tickets resumes by id on every later connection`, async (t) => {
      const certs = await makeTlsCerts(t);
      const backends = await startHttpBackends(['s1']);
      const front = await freeTcpPort();
      const lb = await subject.start(tlsFrontConfig(front, backends.ports()[0] ?? 0, `ssl crt ${certs.ecdsa}`), front);
      t.after(() => closeAll(() => lb.stop(), () => backends.close()));
      assert.deepEqual(await resumptions(front, certs.dir, 'no-ticket', ['-tls1_2', '-no_ticket'], 6), [true, true, true, true, true, true]);
    });

    test(`${subject.name}: a bind with no-tls-tickets resumes TLS 1.2 sessions by id`, async (t) => {
      const certs = await makeTlsCerts(t);
      const backends = await startHttpBackends(['s1']);
      const front = await freeTcpPort();
      const lb = await subject.start(tlsFrontConfig(front, backends.ports()[0] ?? 0, `ssl crt ${certs.rsa} no-tls-tickets`), front);
      t.after(() => closeAll(() => lb.stop(), () => backends.close()));
      assert.deepEqual(await resumptions(front, certs.dir, 'bind-no-tickets', ['-tls1_2'], 4), [true, true, true, true]);
    });
  }

  test('orcalb: tune.ssl.cachesize 0 keeps no session by id (full handshakes), tickets still resume', async (t) => {
    const certs = await makeTlsCerts(t);
    const backends = await startHttpBackends(['s1']);
    const front = await freeTcpPort();
    const lb = await ORCALB_SUBJECT.start(tlsFrontConfig(front, backends.ports()[0] ?? 0, `ssl crt ${certs.ecdsa}`, 'http', '    tune.ssl.cachesize 0'), front);
    t.after(() => closeAll(() => lb.stop(), () => backends.close()));
    assert.deepEqual(await resumptions(front, certs.dir, 'off', ['-tls1_2', '-no_ticket'], 2), [false, false]);
    assert.deepEqual(await resumptions(front, certs.dir, 'ticket', ['-tls1_2'], 2), [true, true]);
  });
});
