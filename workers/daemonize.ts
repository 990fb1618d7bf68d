// `-D` / global `daemon` (management.txt §3): Node cannot fork a running process, so orcalb re-spawns itself
// detached (a new session, stdin and stdout on /dev/null) and the first process waits: it relays the daemon's stderr
// (its start-up alerts) and exits 0 once the daemon says it is ready, or 1 (or the daemon's own exit status) when
// it ends first, as `haproxy -D` exits 1 with its alerts when it cannot start. The daemon's stderr is a pipe to the
// first process; once that one is gone, its writes fail and are ignored (haproxy -D closes stderr too). Main thread.

import { spawn } from 'node:child_process';

/** Set in the daemon's environment: it runs the start itself instead of spawning again. */
const DAEMON_CHILD_ENV = 'ORCALB_DAEMON_CHILD';
const READY = 'orcalb-daemon-ready';

/** True in the process `-D` spawned (it must not spawn again). */
export function isDaemonChild(): boolean {
  return process.env[DAEMON_CHILD_ENV] === '1' && typeof process.send === 'function';
}

/**
 * The waiting side: spawns `node [execArgv] main.js ARGV` detached and resolves with 0 once it reports ready, or with
 * its exit status (1 if it was killed) when it ends first. Its stderr is copied to ours meanwhile.
 */
export function runAsDaemon(argv: readonly string[]): Promise<number> {
  const script = process.argv[1] ?? '';
  const child = spawn(process.execPath, [...process.execArgv, script, ...argv], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, [DAEMON_CHILD_ENV]: '1' },
  });
  return new Promise((resolve) => {
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    child.on('message', (msg: unknown) => {
      if (msg !== READY) return;
      // Leave it running on its own: no pipe or channel keeps this process (or the daemon's writes) waiting.
      child.stderr?.destroy();
      child.disconnect();
      child.unref();
      resolve(0);
    });
    child.once('error', (e) => {
      process.stderr.write(`orcalb: cannot start the daemon: ${e.message}\n`);
      resolve(1);
    });
    child.once('exit', (code) => resolve(code === null || code === 0 ? 1 : code));
  });
}

/**
 * The daemon's side, once its listeners are open (and its PID file written): tells the waiting process, and from
 * then on ignores errors on stderr, whose reader is about to go. No-op outside a daemon.
 */
export function daemonReady(): void {
  if (!isDaemonChild()) return;
  process.stderr.on('error', () => undefined);
  process.send?.(READY, () => process.disconnect?.());
}
