// The stats counters the forwarders feed besides the connection accounting (HAProxy's per-proxy and per-server
// counters of `show stat`): HTTP answers by status class, requests, sessions per second with their maximum (a
// frequency counter, core/shared/freq-ctr.ts, over 1 s periods) and the last session's time. Each is one Atomics
// operation or two on a word of a record (layout.ts names the writer kind: 'atomic-add', 'max', 'latest').
// Forwarder threads, hot path (per request, per session): allocation-free.

import { readFreq, updateFreq } from './freq-ctr.js';

/** HAProxy's rates are per second. */
export const RATE_PERIOD_MS = 1000;
/** Bound on compare-exchange retries while raising a maximum: each failure means another thread raised it. */
const MAX_SPINS = 64;

/** A record with the stats words (a server, backend or frontend slot). */
export interface StatWords<F extends string> {
  readonly words: Int32Array;
  at(field: F): number;
  add(field: F, delta: number): number;
}

type HrspField = 'hrsp1xx' | 'hrsp2xx' | 'hrsp3xx' | 'hrsp4xx' | 'hrsp5xx' | 'hrspOther';
const HRSP: readonly HrspField[] = ['hrspOther', 'hrsp1xx', 'hrsp2xx', 'hrsp3xx', 'hrsp4xx', 'hrsp5xx'];

/** The hrsp_* field of `status` (HAProxy: 1xx … 5xx by its first digit, anything else `other`). Pure. */
export function hrspField(status: number): HrspField {
  const cls = (status / 100) | 0;
  return cls >= 1 && cls <= 5 ? (HRSP[cls] ?? 'hrspOther') : 'hrspOther';
}

/** One answer with `status` counted on `slot`. */
export function countAnswer<F extends string>(slot: StatWords<F | HrspField>, status: number): void {
  slot.add(hrspField(status), 1);
}

/** Raises the word at `index` to `value` when it is lower (compare-exchange; 'max' fields). */
export function raiseMax(i32: Int32Array, index: number, value: number): void {
  let cur = Atomics.load(i32, index);
  for (let spins = 0; cur < value && spins < MAX_SPINS; spins++) {
    const seen = Atomics.compareExchange(i32, index, cur, value);
    if (seen === cur) return;
    cur = seen;
  }
}

/**
 * One event on the 1 s frequency counter starting at field `tick` (tick, curr, prev in that order), and its
 * maximum raised to the current period's count (HAProxy keeps the max of the count update_freq_ctr returns).
 */
export function countRate<F extends string>(slot: StatWords<F>, tick: F, max: F, now: number): void {
  countRateBy(slot.words, slot.at(tick), slot.at(max), 1, now);
}

/** `inc` events on the frequency counter at i32 index `tickAt`, its maximum at `maxAt` (a batch of events: stat-batch.ts). */
export function countRateBy(i32: Int32Array, tickAt: number, maxAt: number, inc: number, now: number): void {
  raiseMax(i32, maxAt, updateFreq(i32, tickAt, RATE_PERIOD_MS, inc, now));
}

/**
 * HAProxy's qtime/ctime/rtime/ttime are averages over a sliding window of the last transactions (2.6 keeps 512
 * samples and advertises "the last 1024"): each word holds a sliding sum, where a new sample replaces one window-th of
 * it. Until the window is full it is as wide as the samples so far, so the first averages are not pulled to 0.
 */
export const TIME_WINDOW = 512;
/** A sample is clamped so that a full window's sum stays in 32 bits read unsigned (≈ 2.3 h per sample). */
const TIME_CLAMP_MS = 8_000_000;

/** A phase's time as the sliding averages take it, ms: a negative one (the phase did not happen) counts as 0. */
export function clampTime(ms: number): number {
  return Math.min(TIME_CLAMP_MS, Math.max(0, ms));
}

/** The words a record's transaction times go to (servers and backends). */
export type TimeField = 'qtimeSum' | 'ctimeSum' | 'rtimeSum' | 'ttimeSum' | 'timeSamples' | 'qtimeMax' | 'ctimeMax' | 'rtimeMax' | 'ttimeMax';

/**
 * sum += total - k·sum/n: `k` samples adding up to `total` (HAProxy's swrate_add_scaled; exactly one sample's slide
 * when k is 1). k samples filling the whole window replace it: the sum becomes n times their mean. Compare-exchange,
 * so no thread's samples are lost.
 */
function slide(i32: Int32Array, at: number, total: number, k: number, n: number): void {
  let cur = Atomics.load(i32, at);
  for (let spins = 0; spins < MAX_SPINS; spins++) {
    const old = cur >>> 0;
    const next = (k >= n ? Math.round((total * n) / k) : old + total - Math.round((old * k) / n)) | 0;
    const seen = Atomics.compareExchange(i32, at, cur, next);
    if (seen === cur) return;
    cur = seen;
  }
}

/** Four phases' times (ms), as sums over a batch or maxima of one. */
export interface PhaseTimes {
  readonly q: number;
  readonly c: number;
  readonly r: number;
  readonly t: number;
}

/** Maxima of a batch's phase times (ms). */
export interface PhaseMaxima {
  readonly qMax: number;
  readonly cMax: number;
  readonly rMax: number;
  readonly tMax: number;
}

/**
 * `k` finished transactions' clamped times into a server's or backend's sliding sums (`sums`: their totals) and
 * maxima (`max`). A few compare-exchanges; allocation-free. The per-thread batch (stat-batch.ts) calls it once per
 * loop turn.
 */
export function addTimeSamples<F extends string>(slot: StatWords<F | TimeField>, k: number, sums: PhaseTimes, max: PhaseMaxima): void {
  const i32 = slot.words;
  const n = Math.min(TIME_WINDOW, slot.add('timeSamples', k) + k);
  slide(i32, slot.at('qtimeSum'), sums.q, k, n);
  slide(i32, slot.at('ctimeSum'), sums.c, k, n);
  slide(i32, slot.at('rtimeSum'), sums.r, k, n);
  slide(i32, slot.at('ttimeSum'), sums.t, k, n);
  raiseMax(i32, slot.at('qtimeMax'), max.qMax);
  raiseMax(i32, slot.at('ctimeMax'), max.cMax);
  raiseMax(i32, slot.at('rtimeMax'), max.rMax);
  raiseMax(i32, slot.at('ttimeMax'), max.tMax);
}

/** One finished transaction's times (ms; a negative one, a phase that did not happen, counts as 0). */
export function addTimeSample<F extends string>(slot: StatWords<F | TimeField>, q: number, c: number, r: number, t: number): void {
  const times = { q: clampTime(q), c: clampTime(c), r: clampTime(r), t: clampTime(t) };
  addTimeSamples(slot, 1, times, { qMax: times.q, cMax: times.c, rMax: times.r, tMax: times.t });
}

/** The average of a sliding sum field, ms (0 before any sample). Any thread. */
export function readTimeAverage<F extends string>(slot: StatWords<F> & { load(f: F): number }, sum: F, samples: F): number {
  const n = Math.min(TIME_WINDOW, slot.load(samples) >>> 0);
  return n === 0 ? 0 : Math.round((slot.load(sum) >>> 0) / n);
}

/** The sliding rate (events in the last second) of the counter at field `tick`. Any thread. */
export function readRate<F extends string>(slot: StatWords<F>, tick: F, now: number): number {
  return readFreq(slot.words, slot.at(tick), RATE_PERIOD_MS, now);
}
