// Stats readers wait for the forwarders' batched stats (core/shared/stat-batch.ts) before they read the counters:
// a forwarder applies what it counted once per loop turn, so a reply a client already got may not be in the words
// yet for a few µs to a few ms. Stats thread only (page, CSV, JSON, Prometheus, runtime API).

import { performance } from 'node:perf_hooks';
import type { SharedState } from '../shared/state-buffer.js';

/** Longest a stats reader waits for the forwarders' pending stats: one loop turn each, unless a thread is stuck. */
export const SETTLE_BOUND_MS = 20;

/**
 * Stats readers (the stats thread: page, CSV, runtime API), before they read the counters: waits until every live
 * forwarder that held batched stats has applied them, so that a reply a client got before the read is counted in it
 * (as when every counter was one Atomics operation at the time). Blocks the calling thread, at most `boundMs` in all;
 * a forwarder stuck longer is read as it is. Never call it from a forwarder (it would wait on itself).
 */
export function settleStats(state: SharedState, boundMs = SETTLE_BOUND_MS): void {
  const deadline = performance.now() + boundMs;
  const i32 = state.i32;
  let waiting = false;
  try {
    for (let t = 0; t < state.counts.threads; t++) {
      const slot = state.thread(t);
      if (slot.load('alive') === 0) continue;
      const flushesAt = slot.at('statsFlushes');
      const seen = Atomics.load(i32, flushesAt);
      if (slot.load('statsPending') === 0) continue;
      if (!waiting) {
        waiting = true;
        state.addGlobal('statsWaiters', 1);
        // A flush between the reads above and the count: its notify may have gone to nobody, so look again.
        if (Atomics.load(i32, flushesAt) !== seen) continue;
      }
      const left = deadline - performance.now();
      if (left <= 0) return;
      Atomics.wait(i32, flushesAt, seen, left);
    }
  } finally {
    if (waiting) state.addGlobal('statsWaiters', -1);
  }
}

