// Issue 15: the drop-in process flags through the orcalb CLI: -p / global pidfile (written at start, removed at
// exit while it holds our PID), -Ws (READY=1 with MAINPID, then STOPPING=1, over $NOTIFY_SOCKET), -D / global daemon
// (exit 0 once the detached daemon serves, or 1 with its alert; -db keeps the foreground), -q, -N (beside haproxy
// 2.6.12), and what `pidof`, `ps` and `top -H` see (process title, thread names). Test-runner thread.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { requestTag, startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { statRow, statsCommand } from '../support/haproxy-stats.js';
import { runOrcalbCli, startOrcalb } from '../support/orcalb-process.js';
import { tcpConfig } from '../support/tcp-config.js';
import { startUnixDgramSink } from '../support/unix-dgram-sink.js';
import { pollUntil } from '../support/wait.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-i15-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Kills a process we started (a daemon the test made), by PID; nothing if it is gone. */
function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('-p writes the PID and removes the file at exit; -p wins over global pidfile with haproxy\'s alert', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const dir = tempDir(t);
  const front = await freeTcpPort();
  const fromConfig = join(dir, 'global.pid');
  const fromCli = join(dir, 'cli.pid');
  const lb = await startOrcalb(tcpConfig(front, [farm.port('s1')], { global: `    pidfile ${fromConfig}` }), { threads: 1, args: ['-p', fromCli] });
  t.after(() => lb.stop());
  assert.equal(readFileSync(fromCli, 'utf8'), `${lb.pid}\n`);
  assert.equal(existsSync(fromConfig), false);
  assert.match(lb.stderr(), /\[ALERT\].*'pidfile' already specified\. Continuing\./);
  lb.signal('SIGUSR1');
  assert.equal(await lb.exited, 0);
  assert.equal(existsSync(fromCli), false, 'removed at exit');
});

test('global pidfile alone is written; a file another process rewrote is left alone at exit (the -sf successor\'s)', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const dir = tempDir(t);
  const front = await freeTcpPort();
  const path = join(dir, 'orcalb.pid');
  const lb = await startOrcalb(tcpConfig(front, [farm.port('s1')], { global: `    pidfile ${path}` }), { threads: 1 });
  t.after(() => lb.stop());
  assert.equal(readFileSync(path, 'utf8'), `${lb.pid}\n`);
  writeFileSync(path, '424242\n');
  await lb.stop();
  assert.equal(readFileSync(path, 'utf8'), '424242\n');
});

test('-Ws tells $NOTIFY_SOCKET READY=1 with MAINPID once listening (in the foreground despite global daemon), and STOPPING=1 on SIGUSR1', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const sink = await startUnixDgramSink();
  t.after(() => sink.close());
  const front = await freeTcpPort();
  // A haproxy.cfg written for init scripts often says `daemon`: under -Ws (systemd) it stays in the foreground.
  const lb = await startOrcalb(tcpConfig(front, [farm.port('s1')], { global: '    daemon' }), { threads: 1, args: ['-Ws'], env: { NOTIFY_SOCKET: sink.path } });
  t.after(() => lb.stop());
  await sink.waitFor((s) => s.includes('READY=1'), 5000, 'READY=1');
  assert.equal(sink.text(), `READY=1\nMAINPID=${lb.pid}\n`);
  assert.equal((await requestTag(front, 'after-ready')).tag, 's1');
  lb.signal('SIGUSR1');
  await sink.waitFor((s) => s.includes('STOPPING=1'), 5000, 'STOPPING=1');
  assert.equal(await lb.exited, 0);
});

test('without -Ws nothing is sent to $NOTIFY_SOCKET', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const sink = await startUnixDgramSink();
  t.after(() => sink.close());
  const front = await freeTcpPort();
  const lb = await startOrcalb(tcpConfig(front, [farm.port('s1')]), { threads: 1, args: ['-W'], env: { NOTIFY_SOCKET: sink.path } });
  t.after(() => lb.stop());
  await lb.stop();
  assert.equal(sink.text(), '');
});

test('-D exits 0 once the detached daemon serves (stdio on /dev/null, its own session); the daemon writes -p', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const dir = tempDir(t);
  const front = await freeTcpPort();
  const cfg = join(dir, 'orcalb.cfg');
  const pidPath = join(dir, 'orcalb.pid');
  writeFileSync(cfg, tcpConfig(front, [farm.port('s1')]));
  const run = await runOrcalbCli(['-D', '-f', cfg, '-p', pidPath, '--threads', '1']);
  const pid = Number(readFileSync(pidPath, 'utf8'));
  t.after(() => killPid(pid));
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, new RegExp(`orcalb ready: .* pid ${pid}`));
  assert.ok(alive(pid));
  assert.equal(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[3], String(pid), 'session leader');
  assert.equal(readlinkSync(`/proc/${pid}/fd/0`), '/dev/null');
  assert.equal(readlinkSync(`/proc/${pid}/fd/1`), '/dev/null');
  assert.equal((await requestTag(front, 'daemon')).tag, 's1');
  process.kill(pid, 'SIGUSR1');
  await pollUntil(() => !alive(pid), 10_000, 'the daemon ends after SIGUSR1', 20);
  assert.equal(existsSync(pidPath), false);
});

test('-D with a port already taken exits 1 with the bind alert, as haproxy -D does; -db overrides global daemon', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const dir = tempDir(t);
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const port = (taken.address() as { port: number }).port;
  const cfg = join(dir, 'taken.cfg');
  writeFileSync(cfg, tcpConfig(port, [farm.port('s1')]));
  const run = await runOrcalbCli(['-D', '-f', cfg, '--threads', '1']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /\[ALERT\].*cannot bind socket \(Address already in use\)/);

  const front = await freeTcpPort();
  const lb = await startOrcalb(tcpConfig(front, [farm.port('s1')], { global: '    daemon' }), { threads: 1, args: ['-db'] });
  t.after(() => lb.stop());
  assert.match(lb.stderr(), new RegExp(`pid ${lb.pid}`), 'the foreground process itself serves');
  assert.equal((await requestTag(front, 'db')).tag, 's1');
});

test('-q: no notice or warning on stderr (the listeners still open); -V brings them back', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const dir = tempDir(t);
  const front = await freeTcpPort();
  const cfg = join(dir, 'q.cfg');
  // An unknown-but-harmless keyword warns at start: -q hides it.
  writeFileSync(cfg, tcpConfig(front, [farm.port('s1')], { global: '    tune.maxaccept 10\n    quiet' }));
  const pidPath = join(dir, 'q.pid');
  const run = runOrcalbCli(['-f', cfg, '-p', pidPath, '--threads', '1'], {}, 15_000);
  await pollUntil(() => existsSync(pidPath), 10_000, 'the quiet orcalb writes its PID', 20);
  const pid = Number(readFileSync(pidPath, 'utf8'));
  t.after(() => killPid(pid));
  // The PID file comes before the listeners open (CI, 2026-12-05: a request right after it was refused).
  await pollUntil(async () => (await requestTag(front, 'quiet').catch(() => undefined))?.tag === 's1', 10_000, 'the quiet orcalb serves', 20);
  process.kill(pid, 'SIGUSR1');
  const done = await run;
  assert.equal(done.code, 0);
  assert.equal(done.stderr, '', 'global quiet: nothing below an alert');
  const verbose = await startOrcalb(tcpConfig(front, [farm.port('s1')], { global: '    tune.maxaccept 10\n    quiet' }), { threads: 1, args: ['-V'] });
  t.after(() => verbose.stop());
  assert.match(verbose.stderr(), /\[WARNING\].*tune\.maxaccept/);
});

test('-N sets the maxconn of a frontend that sets none, as haproxy 2.6.12 shows it (slim)', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const dir = tempDir(t);
  const slim: Record<string, string> = {};
  for (const subject of ['haproxy', 'orcalb'] as const) {
    const front = await freeTcpPort();
    const sock = join(dir, `${subject}.sock`);
    const cfg = tcpConfig(front, [farm.port('s1')], { global: `    stats socket ${sock} level admin` }).replace('maxconn 200', 'maxconn 500');
    const lb = subject === 'haproxy'
      ? await startHaproxy(cfg, { args: ['-N', '37'] })
      : await startOrcalb(cfg, { threads: 1, args: ['-N', '37', '-L', 'peer1'] });
    t.after(() => lb.stop());
    slim[subject] = statRow(await statsCommand(sock, 'show stat'), 'fe', 'FRONTEND')['slim'] ?? '';
  }
  assert.deepEqual(slim, { haproxy: '37', orcalb: '37' });
});

test('pidof orcalb finds it; ps and top -H name the threads (forwarder N, acceptor)', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const front = await freeTcpPort();
  const lb = await startOrcalb(tcpConfig(front, [farm.port('s1')]), { threads: 2 });
  t.after(() => lb.stop());
  assert.equal(readFileSync(`/proc/${lb.pid}/comm`, 'utf8').trim(), 'orcalb');
  const pids = await new Promise<string>((resolve) => execFile('pidof', ['orcalb'], (_e, out) => resolve(out)));
  assert.ok(pids.trim().split(/\s+/).includes(String(lb.pid)), `pidof orcalb: '${pids.trim()}'`);
  const names = readdirSync(`/proc/${lb.pid}/task`).map((tid) => readFileSync(`/proc/${lb.pid}/task/${tid}/comm`, 'utf8').trim());
  for (const want of ['forwarder 0', 'forwarder 1', 'acceptor']) assert.ok(names.includes(want), `${want} in ${names.join(', ')}`);
});
