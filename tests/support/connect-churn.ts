// A bounded stream of short TCP sessions against a balancer in front of a backend farm (backend-farm.ts requestTag:
// connect, read the tag, echo a line, close), `lanes` at a time, for tests that replace or stop a balancer under
// traffic (issue 15's `-sf`): every session that failed is counted by its error code, nothing is retried. Test thread.

import { requestTag } from './backend-farm.js';

export interface ChurnTally {
  /** Sessions that completed (tag read, line echoed, closed). */
  readonly ok: number;
  /** Failed sessions by error code (ECONNREFUSED, ECONNRESET, or the message of any other failure). */
  readonly errors: Readonly<Record<string, number>>;
  /** The tags of the completed sessions, counted. */
  readonly tags: Readonly<Record<string, number>>;
}

export interface ConnectChurn {
  /** The tally so far (a copy). */
  tally(): ChurnTally;
  /** Resolves once `n` more sessions than now have completed, rejects after `timeoutMs`. */
  completeMore(n: number, timeoutMs: number): Promise<void>;
  /** Stops starting sessions; resolves with the final tally once the ones in flight ended. */
  stop(): Promise<ChurnTally>;
}

/**
 * Starts `lanes` loops of requestTag(port) that run until stop() or `maxMs` (a bound for a test that fails before
 * stopping it). Each session has its own 5 s limit.
 */
export function startConnectChurn(port: number, lanes: number, maxMs = 60_000): ConnectChurn {
  let ok = 0;
  const errors: Record<string, number> = {};
  const tags: Record<string, number> = {};
  let running = true;
  const deadline = performance.now() + maxMs;
  const waiters = new Set<{ target: number; resolve: () => void }>();
  const lane = async (id: number): Promise<void> => {
    for (let i = 0; running && performance.now() < deadline; i++) {
      try {
        const { tag } = await requestTag(port, `churn-${id}-${i}`);
        ok++;
        tags[tag] = (tags[tag] ?? 0) + 1;
        for (const w of waiters) if (ok >= w.target) w.resolve();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
        errors[code] = (errors[code] ?? 0) + 1;
      }
    }
  };
  const done = Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
  const snapshot = (): ChurnTally => ({ ok, errors: { ...errors }, tags: { ...tags } });
  return {
    tally: snapshot,
    completeMore(n, timeoutMs) {
      const target = ok + n;
      return new Promise((resolve, reject) => {
        const w = {
          target,
          resolve: () => {
            clearTimeout(timer);
            waiters.delete(w);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`churn: ${n} more sessions did not complete within ${timeoutMs} ms (${JSON.stringify(snapshot())})`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    async stop() {
      running = false;
      await done;
      return snapshot();
    },
  };
}
