// Main thread's fan-out of the runtime API's session requests (`show sess`, `shutdown session(s)`): the request goes
// to every forwarder (each holds its own sessions: core/forward/session-registry.ts), the answers are gathered, and a
// forwarder that does not answer in time (restarting, stalled) is left out rather than holding the CLI client.
// Main thread only.

import type { SessionsOp } from '../core/cli/cli-relay.js';
import type { ControlMessage, ReportMessage } from './messages.js';

/** A forwarder silent this long after the request is left out of the answer. */
const GATHER_TIMEOUT_MS = 2000;

type SessionsReport = Extract<ReportMessage, { readonly type: 'sessions' }>;

/** What the forwarders answered together: every line (thread order) and how many sessions were cut. */
export interface SessionsGathered {
  readonly lines: readonly string[];
  readonly cut: number;
}

export class SessionAsks {
  readonly #open = new Map<number, (r: SessionsReport) => void>();
  #nextId = 1;

  /** Posts `op` with `post` to `threads` forwarders and resolves once each answered (or the timeout). */
  ask(post: (msg: ControlMessage) => void, threads: number, op: SessionsOp): Promise<SessionsGathered> {
    const id = this.#nextId++;
    const answers = new Map<number, SessionsReport>();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#open.delete(id);
        const all = [...answers.values()].sort((a, b) => a.thread - b.thread);
        resolve({ lines: all.flatMap((a) => a.lines), cut: all.reduce((n, a) => n + a.cut, 0) });
      };
      const timer = setTimeout(done, GATHER_TIMEOUT_MS);
      this.#open.set(id, (r) => {
        answers.set(r.thread, r);
        // A cut by id is done as soon as the thread that held it answered.
        if (answers.size >= threads || (op.op === 'shutdown' && r.cut > 0)) done();
      });
      post({ type: 'sessions', id, op });
    });
  }

  /** A forwarder answered. */
  settle(r: SessionsReport): void {
    this.#open.get(r.id)?.(r);
  }
}
