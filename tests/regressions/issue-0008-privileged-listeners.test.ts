// Issue 8, item 14: listening sockets survive thread restarts after the privilege drop. The users' seed config
// drops to `user haproxy`; with a port below 1024, a restarted acceptor (or, with --accept reuseport, a restarted
// forwarder) used to bind again as haproxy, fail, and the supervisor ignored it: the port was lost silently. Now the
// main thread binds before the drop and keeps the sockets; threads listen on dups. Without the addon there is no
// way to keep them, so orcalb refuses to start. Tests run as root. Test-runner thread; orcalb as a child process.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { connectTagged, requestTag, startBackendFarm } from '../support/backend-farm.js';
import { freePrivilegedPort } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { seedTcpConfig } from '../support/seed-config.js';
import { lookupUserId } from '../../config/system-accounts.js';

const NODES = ['node1', 'node2', 'node3'];

function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'));
  return Number(line?.split(/\s+/)[2]);
}

// One forwarder in reuseport mode: it is then the only listener, so its restart must keep the port by itself.
const MODES = [
  { accept: 'acceptor', threads: 2, crash: 'crash-acceptor', restarted: /acceptor thread exited; restarting it/ },
  { accept: 'reuseport', threads: 1, crash: 'crash-forwarder 0', restarted: /forwarder 0 restarted/ },
] as const;

for (const m of MODES) {
  test(`--accept ${m.accept} --threads ${m.threads}: after '${m.crash}' as user haproxy, port < 1024 still accepts and nothing is bound again`, async (t) => {
    assert.equal(process.getuid?.(), 0, 'this test binds a port below 1024 and needs root');
    const farm = await startBackendFarm(NODES, { expectProxy: true });
    t.after(() => farm.close());
    const port = await freePrivilegedPort();
    const cfg = await seedTcpConfig(port, farm.ports(), { inter: '300ms' });
    const lb = await startOrcalb(cfg, { threads: m.threads, accept: m.accept, env: { ORCALB_TEST_HOOKS: '1' } });
    t.after(() => lb.stop());
    assert.equal(uidOf(lb.pid), lookupUserId('haproxy'), 'orcalb runs as haproxy, as the seed config says');

    const live = await connectTagged(port);
    t.after(() => live.destroy());
    assert.ok(NODES.includes(live.tag));
    assert.equal((await live.exchange('before\n')).toString(), 'before\n');

    lb.send(m.crash);
    await lb.waitForStderr(m.restarted, 5000);
    // The master socket kept listening meanwhile: this connection waited in its queue if the thread was not back yet.
    for (let i = 0; i < 6; i++) assert.ok(NODES.includes((await requestTag(port, `after-${i}`, 10_000)).tag));
    assert.doesNotMatch(lb.stderr(), /cannot bind|Permission denied|could not listen/);
    if (m.accept === 'acceptor') assert.equal((await live.exchange('still\n')).toString(), 'still\n');
  });
}

test('without the fd-dup addon, a port below 1024 with user/group is refused at start (it could not be kept)', async (t) => {
  assert.equal(process.getuid?.(), 0, 'this test binds a port below 1024 and needs root');
  const farm = await startBackendFarm(NODES, { expectProxy: true });
  t.after(() => farm.close());
  const port = await freePrivilegedPort();
  const cfg = await seedTcpConfig(port, farm.ports());
  // An orcalb that starts after all is stopped at once, so the failure is reported, not left running.
  const text = await startOrcalb(cfg, { threads: 2, env: { ORCALB_FD_DUP_ADDON: '/nonexistent/fd_dup.node' } }).then(
    async (lb) => {
      await lb.stop();
      return `started:\n${lb.stderr()}`;
    },
    (e: unknown) => String(e),
  );
  assert.match(text, /exited \(code 1/);
  assert.match(
    text,
    new RegExp(`\\[ALERT\\].*port \\[127\\.0\\.0\\.1:${port}\\] is below 1024 and 'user'/'group' drop privileges: without the fd-dup addon`),
  );
});
