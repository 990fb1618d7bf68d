// Issue 8: SIGTTOU pauses the listeners and SIGTTIN resumes them (HAProxy's `-sf` handshake: the old process stops
// listening so a new one can bind, and listens again if the new one failed). While paused the port refuses
// connections and another process can bind it; live connections go on; `Paused frontend fe.` / `Resumed frontend
// fe.` are logged as haproxy logs them. Side by side with haproxy 2.6.12, both accept modes. Test-runner thread.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { connectTagged, probeConnect, requestTag, startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_REUSEPORT_SUBJECT, ORCALB_SUBJECT, orcalbSubject, type LbSubject } from '../support/lb-subject.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { tcpConfig } from '../support/tcp-config.js';

/** Without the addon (no master sockets) pausing closes each forwarder's own socket and resuming binds again. */
const ORCALB_NO_ADDON: LbSubject = orcalbSubject('orcalb without the fd-dup addon', {
  threads: 2,
  env: { ORCALB_FD_DUP_ADDON: '/nonexistent/fd_dup.node' },
});
const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT, ORCALB_REUSEPORT_SUBJECT, ORCALB_NO_ADDON];

/** Resolves once something else could listen on 127.0.0.1:port (and closed it again); rejects with the bind error. */
function bindElsewhere(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

for (const subject of SUBJECTS) {
  describe(subject.name, () => {
    test('SIGTTOU: refused and bindable by another process, live connections go on; SIGTTIN: serving again', async (t) => {
      const farm = await startBackendFarm(['s1']);
      t.after(() => farm.close());
      const front = await freeTcpPort();
      const lb = await subject.start(tcpConfig(front, [farm.port('s1')]), front);
      t.after(() => lb.stop());
      const live = await connectTagged(front);
      t.after(() => live.destroy());
      assert.equal((await live.exchange('before\n')).toString(), 'before\n');

      // Twice: the second one changes nothing (one 'Paused' line). Not later: a SIGTTOU still pending when SIGTTIN
      // arrives would be delivered after it (the kernel delivers pending signals lowest number first).
      lb.signal('SIGTTOU');
      lb.signal('SIGTTOU');
      await lb.waitForStderr(/\[WARNING\].*Paused frontend fe\./, 5000);
      assert.equal(await probeConnect(front), 'refused');
      await bindElsewhere(front);
      assert.equal((await live.exchange('while paused\n')).toString(), 'while paused\n');
      lb.signal('SIGTTIN');
      await lb.waitForStderr(/\[WARNING\].*Resumed frontend fe\./, 5000);
      for (let i = 0; i < 4; i++) assert.equal((await requestTag(front, `resumed-${i}`)).tag, 's1');
      assert.equal((await live.exchange('after\n')).toString(), 'after\n');
      assert.equal(lb.stderr().match(/Paused frontend fe\./g)?.length, 1);
    });
  });
}

// haproxy 2.6.12 aborts on SIGTTOU with a UNIX listener (`FATAL: bug condition "l->rx.fd == -1"` in
// pause_listener, measured), so there is nothing to compare with. A UNIX socket cannot leave LISTEN state and come
// back, so orcalb pauses it by not accepting: a client connecting meanwhile waits in the kernel's queue.
for (const accept of ['acceptor', 'reuseport'] as const) {
  test(`--accept ${accept}: a UNIX listener paused by SIGTTOU keeps its clients waiting, SIGTTIN serves them`, async (t) => {
    const farm = await startBackendFarm(['s1']);
    t.after(() => farm.close());
    const dir = await mkdtemp(join(tmpdir(), 'orcalb-unix-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'lb.sock');
    const front = await freeTcpPort();
    const cfg = tcpConfig(front, [farm.port('s1')]).replace(`bind 127.0.0.1:${front}`, `bind 127.0.0.1:${front}\n    bind ${path}`);
    const lb = await startOrcalb(cfg, { threads: 2, accept });
    t.after(() => lb.stop());

    lb.signal('SIGTTOU');
    await lb.waitForStderr(/Paused frontend fe\./, 5000);
    assert.equal(await probeConnect(front), 'refused');
    const waiting = connect(path);
    t.after(() => waiting.destroy());
    waiting.on('error', () => undefined);
    const tag = new Promise<string>((resolve) => waiting.once('data', (d: Buffer) => resolve(d.toString())));
    await new Promise((resolve) => waiting.once('connect', resolve));
    // Connected at the kernel, not served: no connection reached the server while paused.
    await assert.rejects(farm.waitFor(() => farm.seq() > 0, 300, 'a connection while paused'));

    lb.signal('SIGTTIN');
    await lb.waitForStderr(/Resumed frontend fe\./, 5000);
    assert.equal(await tag, 's1\n');
    assert.equal((await requestTag(front, 'tcp-after')).tag, 's1');
  });
}
