// Issue 15, hostile pass over the process flags: a `-sf` that fails after taking the sockets leaves the old orcalb
// serving and unsignalled; `-sf` naming a process that is not orcalb binds beside it and signals it as haproxy
// would; a taken socket the new configuration does not bind is closed while the old one keeps it until its stop; a
// PID file that is a symlink is replaced, never written through; a $NOTIFY_SOCKET that is no socket costs a warning,
// not the start. Test-runner thread.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { probeConnect, requestTag, startBackendFarm } from '../support/backend-farm.js';
import { startConnectChurn } from '../support/connect-churn.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { runOrcalbCli, startOrcalb } from '../support/orcalb-process.js';
import { tcpConfig } from '../support/tcp-config.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-i15h-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('-sf that fails after taking the sockets (PID file not writable): exit 1, the old orcalb serves on, unsignalled', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const dir = tempDir(t);
  const front = await freeTcpPort();
  const cfgText = tcpConfig(front, [farm.port('s1')]);
  const old = await startOrcalb(cfgText, { threads: 1 });
  t.after(() => old.stop());
  const churn = startConnectChurn(front, 4);
  t.after(() => churn.stop());
  await churn.completeMore(50, 10_000);
  const cfg = join(dir, 'next.cfg');
  writeFileSync(cfg, cfgText);
  const run = await runOrcalbCli(['-f', cfg, '--threads', '1', '-p', join(dir, 'missing', 'x.pid'), '-sf', String(old.pid)]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /took 1 listening socket\(s\) over/);
  assert.match(run.stderr, /\[ALERT\].*Cannot create pidfile/);
  await churn.completeMore(50, 10_000);
  assert.deepEqual((await churn.stop()).errors, {}, 'the old process served throughout');
  assert.doesNotMatch(old.stderr(), /SIGUSR1/);
});

test("-sf naming a process that is not orcalb: bound beside it (SO_REUSEPORT) with a notice, and it gets SIGUSR1 as haproxy's would", async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => sleeper.kill('SIGKILL'));
  const ended = new Promise<NodeJS.Signals | null>((resolve) => sleeper.once('exit', (_c, sig) => resolve(sig)));
  const front = await freeTcpPort();
  const lb = await startOrcalb(tcpConfig(front, [farm.port('s1')]), { threads: 1, args: ['-sf', String(sleeper.pid)] });
  t.after(() => lb.stop());
  assert.match(lb.stderr(), new RegExp(`not taking the listeners of process ${sleeper.pid} \\(it is 'sleep', not orcalb\\)`));
  assert.equal(await ended, 'SIGUSR1');
  assert.equal((await requestTag(front, 'beside')).tag, 's1');
});

test('a taken socket the new configuration does not bind is closed by the new process; the old keeps it until its stop', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const kept = await freeTcpPort();
  const dropped = await freeTcpPort();
  const oldCfg = tcpConfig(kept, [farm.port('s1')], { frontend: `    bind 127.0.0.1:${dropped}` });
  const old = await startOrcalb(oldCfg, { threads: 1 });
  t.after(() => old.stop());
  const next = await startOrcalb(tcpConfig(kept, [farm.port('s1')]), { threads: 1, args: ['-sf', String(old.pid)] });
  t.after(() => next.stop());
  assert.match(next.stderr(), /took 2 listening socket\(s\) over/);
  assert.match(next.stderr(), /1 taken socket\(s\) match no bind line of this configuration; closed/);
  assert.equal(await old.exited, 0);
  assert.equal(await probeConnect(dropped), 'refused', 'the dropped address is gone with the old process');
  assert.equal((await requestTag(kept, 'kept')).tag, 's1');
});

test('a PID file that is a symlink is replaced by the file, never written through', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const dir = tempDir(t);
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'precious\n');
  const link = join(dir, 'orcalb.pid');
  symlinkSync(victim, link);
  const front = await freeTcpPort();
  const lb = await startOrcalb(tcpConfig(front, [farm.port('s1')]), { threads: 1, args: ['-p', link] });
  t.after(() => lb.stop());
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
  assert.equal(lstatSync(link).isSymbolicLink(), false);
  assert.equal(readFileSync(link, 'utf8'), `${lb.pid}\n`);
});

test('-Ws with a $NOTIFY_SOCKET that is no socket, or a name too long: one warning, orcalb serves', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  for (const socket of ['/etc/hostname', `@${'a'.repeat(200)}`, '/nonexistent/notify']) {
    const front = await freeTcpPort();
    const lb = await startOrcalb(tcpConfig(front, [farm.port('s1')]), { threads: 1, args: ['-Ws'], env: { NOTIFY_SOCKET: socket } });
    t.after(() => lb.stop());
    assert.equal((await requestTag(front, 'served')).tag, 's1');
    lb.signal('SIGUSR1');
    assert.equal(await lb.exited, 0);
    assert.equal(lb.stderr().match(/-Ws: cannot notify systemd/g)?.length, 1, lb.stderr());
  }
});
