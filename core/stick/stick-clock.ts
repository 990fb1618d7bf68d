// The millisecond tick stick tables count and expire on (HAProxy's now_ms): one monotonic clock for every thread
// (CLOCK_MONOTONIC, which process.hrtime reads in any thread), folded to a wrapping 32-bit tick. Any thread.
// Each thread anchors performance.now() (its own origin, but the same clock) to hrtime once, so the hot path reads
// one performance.now() and allocates nothing; two threads' ticks then agree to well under a millisecond.

import { performance } from 'node:perf_hooks';

const origin = Number(process.hrtime.bigint() / 1_000_000n) - performance.now();

/** Now, as a wrapping 32-bit millisecond tick (compare ticks by signed difference: `((a - b) | 0) < 0`). */
export function stickNow(): number {
  return Math.floor(origin + performance.now()) | 0;
}
