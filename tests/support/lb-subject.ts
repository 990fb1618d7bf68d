// The balancers a side-by-side test runs the same assertions against: real HAProxy 2.6 and orcalb (the CLI as a
// child process), both seen through one narrow shape (stderr, wait for a log line, signals, how it ended, stop).
// Test-runner thread.

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
  /** Resolves once the process has ended (stderr fully read): its exit code, or the signal that ended it. */
  readonly ended: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  stop(): Promise<unknown>;
}

/** One row of a SUBJECTS table: a name for the describe() title and how to start it on a config text. */
export interface LbSubject {
  readonly name: string;
  /** Starts the balancer on `config`; resolves once it listens on `frontendPort`. */
  start(config: string, frontendPort: number): Promise<LbProcess>;
}

/** HAProxy 2.6 in the foreground (`haproxy -db -f FILE`). */
export const HAPROXY_SUBJECT: LbSubject = {
  name: 'haproxy 2.6',
  async start(config, frontendPort) {
    const h = await startHaproxy(config, { readyPort: frontendPort });
    return { ...h, ended: h.exited };
  },
};

/** orcalb as an LbSubject: `startOrcalb` with these options (threads, accept mode, env…) and its way of ending. */
export function orcalbSubject(name: string, options: Parameters<typeof startOrcalb>[1]): LbSubject {
  return {
    name,
    async start(config) {
      const o = await startOrcalb(config, { fileName: 'haproxy.cfg', ...options });
      const ended = Promise.all([o.exited, o.exitSignal]).then(([code, signal]) => ({ code, signal }));
      return { ...o, ended };
    },
  };
}

/** orcalb with two forwarder threads, so sessions of one test really cross threads. */
export const ORCALB_SUBJECT: LbSubject = orcalbSubject('orcalb --threads 2', { threads: 2 });

/** orcalb where every forwarder accepts on its own SO_REUSEPORT socket (no acceptor thread, no fd handoff). */
export const ORCALB_REUSEPORT_SUBJECT: LbSubject = orcalbSubject('orcalb --threads 2 --accept reuseport', {
  threads: 2,
  accept: 'reuseport',
});

/**
 * Runs every closer in order, each even when an earlier one failed (a load balancer whose stop() rejects must not
 * leave the backends it fronted listening, which kept a test file's process alive), then throws the first failure.
 */
export async function closeAll(...closers: readonly (() => Promise<unknown> | undefined)[]): Promise<void> {
  let first: unknown;
  let failed = false;
  for (const close of closers) {
    try {
      await close();
    } catch (e) {
      if (!failed) first = e;
      failed = true;
    }
  }
  if (failed) throw first;
}
