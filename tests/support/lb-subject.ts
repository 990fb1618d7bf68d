// The balancers a side-by-side test runs the same assertions against: real HAProxy 2.6 and orcalb (the CLI as a
// child process), both seen through one narrow shape (stderr, wait for a log line, stop). Test-runner thread.

import { setTimeout as delay } from 'node:timers/promises';
import { startHaproxy } from './haproxy-process.js';
import { startOrcalb } from './orcalb-process.js';

/** A running balancer as a test sees it. */
export interface LbProcess {
  readonly pid: number;
  /** Sends a signal by PID (SIGTTOU, SIGTTIN…) without waiting. */
  signal(sig: NodeJS.Signals): void;
  /** Everything written on stderr so far (alerts, warnings, server state changes). */
  stderr(): string;
  /** Resolves with the first stderr line matching `re`; rejects after timeoutMs with the stderr text. */
  waitForStderr(re: RegExp, timeoutMs: number): Promise<string>;
  stop(): Promise<unknown>;
}

/** One row of a SUBJECTS table: a name for the describe() title and how to start it on a config text. */
export interface LbSubject {
  readonly name: string;
  /** Starts the balancer on `config`; resolves once it listens on `frontendPort`. */
  start(config: string, frontendPort: number): Promise<LbProcess>;
}

/** startHaproxy gives stderr() only: poll it, bounded by the timeout (there is no event to wait on). */
export async function pollStderr(read: () => string, re: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = read().split('\n').find((l) => re.test(l));
    if (line !== undefined) return line;
    if (Date.now() > deadline) throw new Error(`no stderr line matching ${String(re)} within ${timeoutMs} ms; stderr:\n${read()}`);
    await delay(20);
  }
}

/** HAProxy 2.6 in the foreground (`haproxy -db -f FILE`). */
export const HAPROXY_SUBJECT: LbSubject = {
  name: 'haproxy 2.6',
  async start(config, frontendPort) {
    const h = await startHaproxy(config, { readyPort: frontendPort });
    return {
      pid: h.pid,
      signal: (sig) => process.kill(h.pid, sig),
      stderr: h.stderr,
      waitForStderr: (re, ms) => pollStderr(h.stderr, re, ms),
      stop: h.stop,
    };
  },
};

/** orcalb with two forwarder threads, so sessions of one test really cross threads. */
export const ORCALB_SUBJECT: LbSubject = {
  name: 'orcalb --threads 2',
  start: (config) => startOrcalb(config, { threads: 2, fileName: 'haproxy.cfg' }),
};

/** orcalb where every forwarder accepts on its own SO_REUSEPORT socket (no acceptor thread, no fd handoff). */
export const ORCALB_REUSEPORT_SUBJECT: LbSubject = {
  name: 'orcalb --threads 2 --accept reuseport',
  start: (config) => startOrcalb(config, { threads: 2, accept: 'reuseport', fileName: 'haproxy.cfg' }),
};
