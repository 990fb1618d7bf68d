// Issue 8, item 2: SIGUSR1 opened Node's V8 inspector on 127.0.0.1:9229, where any local user could run code inside
// orcalb. Now SIGUSR1 is HAProxy's soft stop, however often and however sent (kill, process._debugProcess, during
// start-up), and an inspector flag on the command line or in NODE_OPTIONS makes orcalb refuse to start unless the
// development switch ORCALB_ALLOW_INSPECTOR=1 is set; so does `--disable-sigusr1`, under which SIGUSR1 could never
// arrive. Test-runner thread; orcalb runs as a child process.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspectorFlags, workerExecArgv } from '../../core/inspector-policy.js';
import { connectTagged, startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort, isListening, listeningPortsOf } from '../support/haproxy-process.js';
import { startOrcalb, type OrcalbOptions } from '../support/orcalb-process.js';
import { pollFor, within } from '../support/wait.js';
import { tcpConfig } from '../support/tcp-config.js';

/** Node's default inspector port: what SIGUSR1 opened. */
const INSPECTOR_PORT = 9229;
const REFUSAL = /\[ALERT\] +\(\d+\) : refusing to start: the V8 inspector is enabled/;

/** Node's helper for `node inspect -p PID`: on Linux it sends SIGUSR1. Not in @types/node. */
const debugProcess = (process as unknown as { _debugProcess(pid: number): void })._debugProcess;

/** Polls (no event says "unbound" from outside) until `pid` no longer listens on `port`; bounded to 5 s. */
async function untilUnbound(pid: number, port: number): Promise<number[]> {
  let ports = listeningPortsOf(pid);
  await pollFor(() => !(ports = listeningPortsOf(pid)).includes(port), 5000, 50);
  return ports;
}

test('SIGUSR1 five times and through process._debugProcess opens no inspector: it is a soft stop, as in HAProxy', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const front = await freeTcpPort();
  const lb = await startOrcalb(tcpConfig(front, farm.ports()), { threads: 2 });
  t.after(() => lb.stop());
  assert.deepEqual(listeningPortsOf(lb.pid), [front]);
  const live = await connectTagged(front);
  t.after(() => live.destroy());

  for (let i = 0; i < 5; i++) lb.signal('SIGUSR1');
  debugProcess(lb.pid);
  await lb.waitForStderr(/SIGUSR1 received: soft stop/, 5000);
  // The listener is gone and nothing took its place: no 9229, no port of Node's choosing.
  assert.deepEqual(await untilUnbound(lb.pid, front), []);
  // The live connection is served to its end; by now an inspector would have been listening for a while.
  assert.equal((await live.exchange('during soft stop\n')).toString(), 'during soft stop\n');
  assert.deepEqual(listeningPortsOf(lb.pid), []);
  assert.equal(isListening(INSPECTOR_PORT), false, 'something listens on 127.0.0.1:9229');
  assert.doesNotMatch(lb.stderr(), /Debugger listening/);
  await live.end();
  assert.equal(await within(lb.exited, 5000, 'exit after the last connection'), 0);
  // Six SIGUSR1 made one soft stop: the proxy was stopped once.
  assert.equal(lb.stderr().match(/Proxy fe stopped \(cumulated conns: FE: 1, BE: 0\)\./g)?.length, 1, lb.stderr());
});

const REFUSED: readonly { what: string; opts: OrcalbOptions; alert: RegExp }[] = [
  { what: 'NODE_OPTIONS=--inspect=127.0.0.1:0', opts: { env: { NODE_OPTIONS: '--inspect=127.0.0.1:0' } }, alert: REFUSAL },
  { what: 'NODE_OPTIONS=--inspect-port=0 (armed for SIGUSR1)', opts: { env: { NODE_OPTIONS: '--inspect-port=0' } }, alert: REFUSAL },
  { what: 'node --inspect=127.0.0.1:0', opts: { nodeArgs: ['--inspect=127.0.0.1:0'] }, alert: REFUSAL },
  { what: 'node --inspect-port=0', opts: { nodeArgs: ['--inspect-port=0'] }, alert: REFUSAL },
  // Node 24 then blocks SIGUSR1 in every thread: the soft stop could never arrive (measured: it stays pending).
  {
    what: 'node --disable-sigusr1',
    opts: { nodeArgs: ['--disable-sigusr1'] },
    alert: /\[ALERT\] +\(\d+\) : refusing to start: SIGUSR1 blocked \(node --disable-sigusr1 blocks SIGUSR1 in every thread/,
  },
];

for (const { what, opts, alert } of REFUSED) {
  test(`${what}: orcalb refuses to start with an alert and exit code 1`, async (t) => {
    const front = await freeTcpPort();
    const cfg = tcpConfig(front, [await freeTcpPort()]);
    let pid = 0;
    const started = startOrcalb(cfg, { threads: 1, ...opts, onSpawn: (p) => (pid = p) });
    t.after(async () => (await started.catch(() => undefined))?.stop());
    await assert.rejects(started, (e: Error) => {
      assert.match(e.message, /orcalb exited \(code 1, signal null\)/);
      assert.match(e.message, alert);
      assert.doesNotMatch(e.message, /\[NOTICE\].*orcalb ready/);
      return true;
    });
    assert.notEqual(pid, 0);
    assert.equal(isListening(front), false);
  });
}

test('ORCALB_ALLOW_INSPECTOR=1 is the one way to run with --inspect, and orcalb warns that it is for development', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const front = await freeTcpPort();
  const lb = await startOrcalb(tcpConfig(front, farm.ports()), {
    threads: 1,
    nodeArgs: ['--inspect=127.0.0.1:0'],
    env: { ORCALB_ALLOW_INSPECTOR: '1' },
  });
  t.after(() => lb.stop());
  assert.match(lb.stderr(), /\[WARNING\] +\(\d+\) : V8 inspector allowed by ORCALB_ALLOW_INSPECTOR=1 .*development only/);
  const c = await connectTagged(front);
  assert.equal(c.tag, 's1');
  await c.end();
});

test('a SIGUSR1 during start-up never leaves orcalb serving with the inspector open', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  // From "before Node installed any handler" to "well into the config load".
  for (const afterMs of [0, 15, 30, 60, 120]) {
    const front = await freeTcpPort();
    let timer: NodeJS.Timeout | undefined;
    const started = startOrcalb(tcpConfig(front, farm.ports()), {
      threads: 1,
      onSpawn: (pid) => {
        timer = setTimeout(() => process.kill(pid, 'SIGUSR1'), afterMs);
      },
    });
    t.after(async () => {
      clearTimeout(timer);
      await (await started.catch(() => undefined))?.stop();
    });
    const outcome = await started.then(
      async (lb) => {
        // Ready: the held SIGUSR1 is a soft stop, and with no client orcalb leaves at once.
        assert.doesNotMatch(lb.stderr(), /Debugger listening/, `after ${afterMs} ms`);
        assert.equal(await within(lb.exited, 5000, `after ${afterMs} ms: exit`), 0, `after ${afterMs} ms: ${lb.stderr()}`);
        assert.match(lb.stderr(), /SIGUSR1 received: soft stop/);
        return 'soft stop';
      },
      (e: Error) => {
        // Too early for the guard: killed by the signal's default action, or the inspector opened and orcalb refused.
        if (/signal SIGUSR1\)/.test(e.message)) return 'killed';
        assert.match(e.message, REFUSAL, `after ${afterMs} ms`);
        return 'refused';
      },
    );
    t.diagnostic(`SIGUSR1 ${afterMs} ms after spawn: ${outcome}`);
  }
});

test('inspector flags are found on the command line and in NODE_OPTIONS, and never given to a worker thread', () => {
  assert.deepEqual(
    inspectorFlags(['--max-old-space-size=512', '--inspect-brk=0', '--debug-port=1'], '--trace-warnings "--inspect=127.0.0.1:0" --inspect-wait'),
    ['--inspect-brk=0', '--debug-port=1', '--inspect=127.0.0.1:0', '--inspect-wait'],
  );
  assert.deepEqual(inspectorFlags(['--enable-source-maps', '--experimental-network-inspection'], '--no-warnings'), []);
  assert.deepEqual(workerExecArgv(['--inspect', '--max-old-space-size=512', '--inspect-port=9230'], false), ['--max-old-space-size=512']);
  assert.deepEqual(workerExecArgv(['--inspect', '--max-old-space-size=512'], true), ['--inspect', '--max-old-space-size=512']);
});
