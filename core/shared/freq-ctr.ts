// HAProxy's frequency counter (freq_ctr: include/haproxy/freq_ctr.h, src/freq_ctr.c) on three words of the shared
// buffer: the start tick of the current period (bit 0 is the rotation lock), the events of the current period and
// those of the previous one. The rate a reader sees is the current count plus the previous one weighted by the part
// of the period still to run, so it slides instead of dropping to 0 at each period's end (manual §4.2 *_rate).
// Any thread; every step is an Atomics operation, allocation-free. Stick-table entries hold these (stick-store.ts).

/** Word offsets of a counter's three words. */
const TICK = 0;
const CURR = 1;
const PREV = 2;

/**
 * Ticks are 32-bit and wrap (every 49.7 days), so "before" and "after" are signed differences. A difference below
 * -CLOCK_SKEW_MS is read as "long ago" (a wrapped tick), one in (-CLOCK_SKEW_MS, 0) as a caller's clock reading a
 * little older than another thread's: threads read one monotonic clock, but a session may hold its reading a while.
 */
export const CLOCK_SKEW_MS = 60_000;

/** Bound on the spins waiting for another thread's rotation (a few stores): a dead rotator cannot wedge a caller. */
const ROTATION_SPINS = 10_000;

/**
 * Adds `inc` events at tick `now` (ms, a wrapping 32-bit tick from core/stick/stick-clock.ts) to the counter at
 * `i32[at…at+2]` with period `period` ms (1..2^31-1), rotating the period first when it is over: the current count
 * becomes the previous one, or both restart from 0 when at least two periods went by (the period then restarts at
 * `now`; a fresh counter, tick 0, starts its first period at `now` too). One thread rotates (it takes bit 0 of the
 * tick word); the others add to the current count meanwhile, which lands in the new period, as in HAProxy. A `now` slightly behind the period start (a caller whose clock
 * reading is a few µs older than another thread's) counts in the current period. Returns the current count.
 */
export function updateFreq(i32: Int32Array, at: number, period: number, inc: number, now: number): number {
  let tick = 0;
  let locked = false;
  for (let spins = 0; spins < ROTATION_SPINS; spins++) {
    tick = Atomics.load(i32, at + TICK);
    const start = tick & ~1;
    const elapsed = (now - start) | 0;
    if (start !== 0 && elapsed < period && elapsed > -CLOCK_SKEW_MS) return (Atomics.add(i32, at + CURR, inc) + inc) >>> 0;
    if ((tick & 1) === 0 && Atomics.compareExchange(i32, at + TICK, tick, tick | 1) === tick) {
      locked = true;
      break;
    }
  }
  // A rotator that never released bit 0 (its thread died mid-rotation): count in the current period.
  if (!locked) return (Atomics.add(i32, at + CURR, inc) + inc) >>> 0;
  Atomics.store(i32, at + PREV, Atomics.exchange(i32, at + CURR, inc));
  let start = (tick + period) | 0;
  const since = (now - start) | 0;
  if (tick === 0 || since >= period || since < -CLOCK_SKEW_MS) {
    // A fresh counter, or two periods or more without an event: nothing of them remains to weigh.
    Atomics.store(i32, at + PREV, 0);
    start = now;
  }
  // Tick 0 marks a counter that never counted: a period starting at tick 0 is stored as tick 2.
  Atomics.store(i32, at + TICK, (start & ~1) || 2);
  return inc;
}

/**
 * The rate at tick `now`: events of the current period plus the previous period's, weighted by the share of the
 * period still to run, rounded down (HAProxy's read_freq_ctr_period). With no event in the current period and at
 * most one in the previous, the previous count is returned as is (HAProxy's "flapping correction", so that one event
 * per period does not read as 0 half of the time). Takes a snapshot of the three words under one unchanged period
 * start (re-read while a rotation is under way). Allocation-free; any thread.
 */
export function readFreq(i32: Int32Array, at: number, period: number, now: number): number {
  let tick = 0;
  let curr = 0;
  let past = 0;
  for (let spins = 0; spins < ROTATION_SPINS; spins++) {
    tick = Atomics.load(i32, at + TICK);
    if ((tick & 1) !== 0) continue;
    curr = Atomics.load(i32, at + CURR);
    past = Atomics.load(i32, at + PREV);
    // The previous count only changes in a rotation, which changes the tick: an unchanged even tick means the
    // three words belong together (a count added meanwhile only makes `curr` a hair old).
    if (Atomics.load(i32, at + TICK) === tick) break;
  }
  tick &= ~1;
  curr >>>= 0;
  past >>>= 0;
  const elapsed = (now - tick) | 0;
  // A period start "ahead" by more than any clock skew is one so old its tick wrapped: nothing of it remains.
  if (tick === 0 || elapsed < -CLOCK_SKEW_MS) return 0;
  // A reader whose clock is a hair behind the period start sees the whole period still to run, no more.
  let remain = elapsed < 0 ? period : period - elapsed;
  if (remain < 0) {
    remain += period;
    past = remain >= 0 ? curr : 0;
    curr = 0;
  }
  if (curr === 0 && past <= 1) return past;
  return curr + Math.floor((past * remain) / period);
}

/** Clears a counter (a fresh entry). Only for words no other thread can reach yet. */
export function clearFreq(i32: Int32Array, at: number): void {
  Atomics.store(i32, at + TICK, 0);
  Atomics.store(i32, at + CURR, 0);
  Atomics.store(i32, at + PREV, 0);
}

/**
 * Replaces a counter with a peer's reading (the peers protocol sends the period start as "ms ago", the current and
 * the previous count): takes the rotation bit so no rotation or reader mixes the old and new words, then publishes
 * the start tick last. `start` 0 means a counter that never counted. Peers thread; allocation-free.
 */
export function setFreq(i32: Int32Array, at: number, start: number, curr: number, prev: number): void {
  for (let spins = 0; spins < ROTATION_SPINS; spins++) {
    const tick = Atomics.load(i32, at + TICK);
    if ((tick & 1) === 0 && Atomics.compareExchange(i32, at + TICK, tick, tick | 1) === tick) break;
  }
  Atomics.store(i32, at + CURR, curr | 0);
  Atomics.store(i32, at + PREV, prev | 0);
  Atomics.store(i32, at + TICK, start === 0 ? 0 : (start & ~1) || 2);
}

/** The counter's three words as the peers protocol sends them: [period start tick (0: never counted), curr, prev]. */
export function freqWords(i32: Int32Array, at: number, out: Int32Array): void {
  out[0] = Atomics.load(i32, at + TICK) & ~1;
  out[1] = Atomics.load(i32, at + CURR);
  out[2] = Atomics.load(i32, at + PREV);
}
