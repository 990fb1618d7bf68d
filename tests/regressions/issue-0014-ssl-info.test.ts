// Issue 14, the TLS figures of `show info` side by side with haproxy 2.6.12: after 10 HTTPS connections (one full
// handshake, then 9 resuming its session), CumSslConns counts the 10 handshakes, SslRate and SslFrontendKeyRate are
// the last second's handshakes and new keys, and SslFrontendSessionReuse_pct the share that made no new key;
// CurrSslConns follows the TLS clients connected now. They read 0 on orcalb before (its frontends counted handshakes, but show info did not sum or rate them). Test-runner
// thread; all traffic on 127.0.0.1, the runtime API on a UNIX socket in the test's temp dir.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, test, type TestContext } from 'node:test';
import tls from 'node:tls';
import { sessionReusePercent } from '../../core/stats/collect-info.js';
import { cliCommand } from '../support/cli-client.js';
import { startHttpBackends } from '../support/http-backends.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, closeAll, type LbSubject } from '../support/lb-subject.js';
import { makeTlsCerts } from '../support/tls-certs.js';
import { sClient } from '../support/tls-client.js';
import { pollUntil } from '../support/wait.js';
import { tlsFrontConfig } from '../support/tls-front-lab.js';

const REQUEST = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

/** `Name: value` lines of show info, as numbers. */
function infoNumbers(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+): (-?\d+)$/.exec(line.trim());
    if (m?.[1] !== undefined) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** An ssl bind (ECDSA) in front of one server, with the runtime API on a UNIX socket; stopped after the test. */
async function tlsFrontWithCli(t: TestContext, subject: LbSubject): Promise<{ front: number; sock: string; dir: string }> {
  const certs = await makeTlsCerts(t);
  const backends = await startHttpBackends(['s1']);
  const front = await freeTcpPort();
  const sock = join(certs.dir, 'admin.sock');
  const lb = await subject.start(tlsFrontConfig(front, backends.ports()[0] ?? 0, `ssl crt ${certs.ecdsa}`, 'http', `    stats socket ${sock} level admin`), front);
  t.after(() => closeAll(() => lb.stop(), () => backends.close()));
  return { front, sock, dir: certs.dir };
}

describe('issue 14: show info counts TLS handshakes', () => {
  for (const subject of [HAPROXY_SUBJECT, ORCALB_SUBJECT] as readonly LbSubject[]) {
    test(`${subject.name}: CumSslConns, SslRate, SslFrontendKeyRate and the reuse share after 1 full and 9 resumed handshakes`, async (t) => {
      const { front, sock, dir } = await tlsFrontWithCli(t, subject);
      const sess = join(dir, 'sess');
      const started = Date.now();
      assert.equal((await sClient(front, ['-tls1_3', '-sess_out', sess], REQUEST)).reused, false);
      for (let i = 0; i < 9; i++) assert.equal((await sClient(front, ['-tls1_3', '-sess_in', sess], REQUEST)).reused, true);
      const info = infoNumbers(await cliCommand(sock, 'show info'));
      const tookS = (Date.now() - started) / 1000;
      assert.equal(info.get('CumSslConns'), 10);
      // Rates over about the last second: some of the 10 fall in it (all of them when the run took under a second).
      const rate = info.get('SslRate') ?? 0;
      const keys = info.get('SslFrontendKeyRate') ?? 0;
      assert.ok(rate >= 1 && rate <= 10, `SslRate ${rate} (the 10 handshakes took ${tookS} s)`);
      assert.ok(keys <= 1 && keys <= rate, `SslFrontendKeyRate ${keys}`);
      // The maximum is raised with the current period's count at each handshake (as haproxy's), so it can read below
      // the smoothed rate read later: only that it moved.
      assert.ok((info.get('MaxSslRate') ?? 0) >= 1);
      assert.equal(info.get('SslFrontendMaxKeyRate'), 1);
      assert.equal(info.get('SslFrontendSessionReuse_pct'), sessionReusePercent(keys, rate));
    });
  }

  for (const subject of [HAPROXY_SUBJECT, ORCALB_SUBJECT] as readonly LbSubject[]) {
    test(`${subject.name}: CurrSslConns counts the TLS clients connected now, and drops as they leave`, async (t) => {
      const { front, sock } = await tlsFrontWithCli(t, subject);
      const clients: tls.TLSSocket[] = [];
      t.after(() => clients.forEach((c) => c.destroy()));
      for (let i = 0; i < 3; i++) {
        const c = tls.connect({ host: '127.0.0.1', port: front, rejectUnauthorized: false });
        clients.push(c);
        await once(c, 'secureConnect');
      }
      const current = async (): Promise<number | undefined> => infoNumbers(await cliCommand(sock, 'show info')).get('CurrSslConns');
      // Secured on the client first: the proxy's side may finish its handshake a moment later.
      await pollUntil(async () => (await current()) === 3, 5000, 'CurrSslConns 3');
      clients.splice(0, 2).forEach((c) => c.destroy());
      await pollUntil(async () => (await current()) === 1, 5000, 'CurrSslConns 1 after two left');
    });
  }

  test("the reuse share: haproxy's rounding, 0 without handshakes or when every one made a key", () => {
    assert.equal(sessionReusePercent(0, 0), 0);
    assert.equal(sessionReusePercent(5, 5), 0);
    assert.equal(sessionReusePercent(0, 10), 100);
    assert.equal(sessionReusePercent(1, 10), 90);
    assert.equal(sessionReusePercent(1, 3), 67);
    assert.equal(sessionReusePercent(2, 3), 33);
  });
});
