// The main thread's duties seen from outside: `-c` on the users' seed files, HAProxy-style bind errors, dropping to
// `user`/`group` after binding, and `hard-stop-after` cutting live connections after a soft stop (SIGUSR1).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { connectTagged, startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { runOrcalbCli, startOrcalb } from '../support/orcalb-process.js';
import { within } from '../support/wait.js';
import { SEED_DIR } from '../support/seed-config.js';
import { tcpConfig } from '../support/tcp-config.js';

/** `orcalb -c -f FILE`: exit status and everything it printed. */
async function orcalbCheck(file: string): Promise<{ code: number; out: string }> {
  const r = await runOrcalbCli(['-c', '-f', file]);
  return { code: r.code, out: r.stdout + r.stderr };
}

test('orcalb -c accepts the seed TCP config unchanged and rejects the HTTP one with one error per server', async () => {
  const tcp = await orcalbCheck(resolve(SEED_DIR, 'haproxy-tcp.cfg'));
  assert.equal(tcp.code, 0, tcp.out);
  assert.match(tcp.out, /Configuration file is valid/);
  const http = await orcalbCheck(resolve(SEED_DIR, 'haproxy-http.cfg'));
  assert.equal(http.code, 1, http.out);
  const alerts = http.out.split('\n').filter((l) => l.includes('could not resolve address'));
  assert.deepEqual(
    alerts.map((l) => /\[(?:[^\]]*\/)?haproxy-http\.cfg:(\d+)\] : 'server ddb_backend\/(node\d)' : could not resolve address 'xxx\.xxx\.xxx\.(\d)'/.exec(l)?.slice(1)),
    [['34', 'node1', '1'], ['35', 'node2', '2'], ['36', 'node3', '3'], ['37', 'node4', '4']],
  );
});

test('a port already in use is an HAProxy-style alert and exit code 1', async (t) => {
  const taken = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => taken.once('listening', r));
  t.after(() => taken.close());
  const port = (taken.address() as net.AddressInfo).port;
  const cfg = `defaults\n    mode tcp\nfrontend fe\n    bind 127.0.0.1:${port}\n    default_backend be\nbackend be\n    server s 127.0.0.1:1\n`;
  // HAProxy 2.6.12's words (measured): the bind line's location, then the address after `for`.
  await assert.rejects(
    startOrcalb(cfg, { threads: 1 }),
    /\[ALERT\].*Binding \[(?:[^\]]*\/)?orcalb\.cfg:4\] for frontend fe: cannot bind socket \(Address already in use\) for \[127\.0\.0\.1:\d+\][^]*Some protocols failed to start their listeners! Exiting\./,
  );
});

test('user/group: as root orcalb binds first and then runs as that user; otherwise it warns and runs as it is', async (t) => {
  const farm = await startBackendFarm(['s1']);
  const front = await freeTcpPort();
  t.after(() => farm.close());
  const cfg = tcpConfig(front, [farm.port('s1')], { global: '    user nobody\n    group nogroup' });
  const lb = await startOrcalb(cfg, { threads: 1 });
  t.after(() => lb.stop());
  const status = readFileSync(`/proc/${lb.pid}/status`, 'utf8');
  if (process.getuid?.() === 0) {
    assert.match(status, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
    assert.match(status, /^Gid:\s+65534\s+65534\s+65534\s+65534$/m);
  } else {
    assert.match(lb.stderr(), /'user'\/'group' : not running as root/);
  }
  const c = await connectTagged(front);
  assert.equal(c.tag, 's1');
  await c.end();
});

test('hard-stop-after: live connections are cut that long after SIGUSR1, with HAProxy\'s lines, then orcalb exits 0', async (t) => {
  const farm = await startBackendFarm(['s1']);
  const front = await freeTcpPort();
  t.after(() => farm.close());
  const cfg = tcpConfig(front, [farm.port('s1')], { global: '    hard-stop-after 400ms' });
  const lb = await startOrcalb(cfg, { threads: 2 });
  t.after(() => lb.stop());
  const c = await connectTagged(front);
  lb.signal('SIGUSR1');
  // Still served during the grace period…
  assert.equal((await c.exchange('ping\n')).toString(), 'ping\n');
  // …then cut, and the process ends on its own.
  await within(c.closed, 5000, 'the live connection cut by hard-stop-after');
  assert.equal(await within(lb.exited, 5000, 'exit after hard-stop-after'), 0);
  assert.match(lb.stderr(), /\[WARNING\]  \(\d+\) : soft-stop running for too long, performing a hard-stop\.\n/);
  assert.match(lb.stderr(), /\[WARNING\]  \(\d+\) : Proxy fe hard-stopped \(1 remaining conns will be closed\)\.\n/);
});

test('SIGTERM during a soft stop cuts live connections at once; the process ends killed by SIGTERM', async (t) => {
  const farm = await startBackendFarm(['s1']);
  const front = await freeTcpPort();
  t.after(() => farm.close());
  const cfg = tcpConfig(front, [farm.port('s1')]);
  const lb = await startOrcalb(cfg, { threads: 2 });
  t.after(() => lb.stop());
  const c = await connectTagged(front);
  lb.signal('SIGUSR1');
  await lb.waitForStderr(/SIGUSR1 received/, 5000);
  assert.equal((await c.exchange('still here\n')).toString(), 'still here\n');
  lb.signal('SIGTERM');
  await within(c.closed, 5000, 'the live connection cut by SIGTERM');
  assert.equal(await within(lb.exitSignal, 5000, 'end after SIGTERM'), 'SIGTERM');
});

test('without the fd-dup addon orcalb warns and accepts with reuseport', async (t) => {
  const farm = await startBackendFarm(['s1']);
  const front = await freeTcpPort();
  t.after(() => farm.close());
  const cfg = tcpConfig(front, [farm.port('s1')]);
  const lb = await startOrcalb(cfg, { threads: 2, env: { ORCALB_FD_DUP_ADDON: '/nonexistent/fd_dup.node' } });
  t.after(() => lb.stop());
  assert.match(lb.stderr(), /\[WARNING\].*fd-dup addon is not built.*reuseport/);
  assert.match(await lb.waitForStderr(/orcalb ready/, 1000), /accept=reuseport/);
  const c = await connectTagged(front);
  assert.equal(c.tag, 's1');
  await c.end();
});
