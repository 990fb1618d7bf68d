// A forwarder's stats counters batched per event-loop turn (issue 10). Every HTTP transaction feeds ~20 stats words
// of its frontend, backend and server (req_tot, hrsp_*, bin/bout, rates, maxima, time averages); as one Atomics
// operation each (a BigInt for each 64-bit one) they cost ~12 % of an L7 keep-alive request's CPU. A thread instead
// adds them here into plain per-record arrays of its own, and one flush per loop turn (setImmediate: after the poll
// phase that served the requests) applies each touched word with one Atomics operation, as the single-word paths of
// core/shared/stat-counters.ts would have. Stats readers wait for a forwarder's pending counts before they read
// (core/stats/settle-stats.ts), so a reply a client got is in the next read. Only stats that nothing decides on go here:
// slot counts (curConns), queue words and the placement counters stay immediate.
// One StatBatch per thread's SharedState; a RecordStats per record that thread touched (created on first use).

import { addTimeSamples, clampTime, countRateBy, raiseMax, type StatWords, type TimeField } from './stat-counters.js';
import { stickNow } from '../stick/stick-clock.js';

// What a touched word's pending value means at the flush (a number per word: no enum under erasableSyntaxOnly).
const OP_NONE = 0;
/** Atomics.add of the summed deltas ('atomic-add' fields). */
const OP_ADD = 1;
/** raiseMax to the highest value seen ('max' fields). */
const OP_MAX = 2;
/** Events on the frequency counter starting at this word (its max field's index in `rateMax`). */
const OP_RATE = 3;
/** The flush's tick stored ('latest' fields: the last session's time; 0 means never, so 0 is stored as 1). */
const OP_LATEST = 4;
type Op = typeof OP_NONE | typeof OP_ADD | typeof OP_MAX | typeof OP_RATE | typeof OP_LATEST;

/** What the batch flushes: a record's pending stats. */
interface Pending {
  flush(now: number): void;
}

/** Where a forwarder publishes its batch's state for stats readers (its thread record's words, layout.ts). */
export interface BatchWords {
  readonly i32: Int32Array;
  readonly pendingAt: number;
  readonly flushesAt: number;
  readonly waitersAt: number;
}

/** The thread's list of records with pending stats, and the one flush per loop turn that applies them. */
export class StatBatch {
  private readonly dirty: Pending[] = [];
  private scheduled = false;
  private readonly run = (): void => this.flush();
  private words: BatchWords | undefined;

  /**
   * The forwarder holding a thread slot publishes there whether it holds pending stats, and counts its flushes, so
   * that a stats reader can wait for what was answered before it read (core/stats/settle-stats.ts).
   */
  publishAs(words: BatchWords): void {
    this.words = words;
  }

  /** A record's first pending change since the last flush: it joins the list, and a flush is scheduled. */
  mark(record: Pending): void {
    this.dirty.push(record);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.run);
    const w = this.words;
    if (w !== undefined) Atomics.store(w.i32, w.pendingAt, 1);
  }

  /** Applies every pending change now (the scheduled flush, and a thread about to exit). */
  flush(): void {
    this.scheduled = false;
    const dirty = this.dirty;
    const now = stickNow();
    for (let i = 0; i < dirty.length; i++) dirty[i]?.flush(now);
    dirty.length = 0;
    const w = this.words;
    if (w === undefined) return;
    Atomics.store(w.i32, w.pendingAt, 0);
    Atomics.add(w.i32, w.flushesAt, 1);
    if (Atomics.load(w.i32, w.waitersAt) > 0) Atomics.notify(w.i32, w.flushesAt);
  }
}

/** Where a record's 64-bit counters are: the array (none for a layout without them), the first index, the table. */
export interface WideWords<W extends string> {
  readonly i64: BigInt64Array | undefined;
  readonly base: number;
  readonly table: Readonly<Record<W, number>>;
}

/** A batch's finished transactions' times (ms, clamped): sums and maxima, for the sliding averages. */
interface TimeBatch {
  count: number;
  q: number;
  c: number;
  r: number;
  t: number;
  qMax: number;
  cMax: number;
  rMax: number;
  tMax: number;
}

/**
 * One record's pending stats on one thread: a value and an operation per 32-bit word, a delta per 64-bit word, and
 * the transaction times. Allocation-free after construction; the words touched since the flush are listed so the
 * flush visits only them.
 */
export class RecordStats<F extends string, W extends string> implements Pending {
  private readonly batch: StatBatch;
  private readonly slot: StatWords<F>;
  private readonly base: number;
  private readonly value: Float64Array;
  private readonly op: Uint8Array;
  private readonly rateMax: Int32Array;
  private readonly touched: Int32Array;
  private touchedCount = 0;
  private readonly wide: WideWords<W>;
  private readonly wideValue: Float64Array;
  /** The record's time-average words (servers and backends), undefined for a record without them. */
  private readonly timeWords: StatWords<TimeField> | undefined;
  private readonly times: TimeBatch = { count: 0, q: 0, c: 0, r: 0, t: 0, qMax: 0, cMax: 0, rMax: 0, tMax: 0 };
  private dirty = false;

  /** `base`: the record's first i32 index; `size`: its word count. */
  constructor(batch: StatBatch, slot: StatWords<F>, base: number, size: number, wide: WideWords<W>, timeWords?: StatWords<TimeField>) {
    this.batch = batch;
    this.slot = slot;
    this.base = base;
    this.value = new Float64Array(size);
    this.op = new Uint8Array(size);
    this.rateMax = new Int32Array(size);
    this.touched = new Int32Array(size);
    this.wide = wide;
    this.wideValue = new Float64Array(Object.keys(wide.table).length);
    this.timeWords = timeWords;
  }

  /** `delta` more on an 'atomic-add' field. */
  add(field: F, delta: number): void {
    const i = this.touch(field, OP_ADD);
    this.value[i] = (this.value[i] ?? 0) + delta;
  }

  /** A value the 'max' field `field` is raised to if it is higher. */
  max(field: F, v: number): void {
    const i = this.touch(field, OP_MAX);
    if (v > (this.value[i] ?? 0)) this.value[i] = v;
  }

  /** One event on the 1 s frequency counter at `tick`, its maximum in `max` (stat-counters.ts countRate). */
  rate(tick: F, max: F): void {
    const i = this.touch(tick, OP_RATE);
    this.value[i] = (this.value[i] ?? 0) + 1;
    this.rateMax[i] = this.slot.at(max);
  }

  /** The 'latest' tick field `field` takes the flush's tick (the last session's time, one loop turn late at most). */
  latest(field: F): void {
    this.touch(field, OP_LATEST);
  }

  /** `delta` more on a 64-bit counter (bin, bout: one BigInt per word and flush instead of one per add). */
  addWide(field: W, delta: number): void {
    if (delta === 0) return;
    const i = this.wide.table[field];
    this.wideValue[i] = (this.wideValue[i] ?? 0) + delta;
    this.markDirty();
  }

  /** One finished transaction's queue, connect, response and total times (ms; negative: the phase did not happen). */
  time(q: number, c: number, r: number, t: number): void {
    const s = this.times;
    const qc = clampTime(q);
    const cc = clampTime(c);
    const rc = clampTime(r);
    const tc = clampTime(t);
    s.count++;
    s.q += qc;
    s.c += cc;
    s.r += rc;
    s.t += tc;
    if (qc > s.qMax) s.qMax = qc;
    if (cc > s.cMax) s.cMax = cc;
    if (rc > s.rMax) s.rMax = rc;
    if (tc > s.tMax) s.tMax = tc;
    this.markDirty();
  }

  /** Applies the pending changes with one Atomics operation per word (StatBatch.flush). */
  flush(now: number): void {
    const words = this.slot.words;
    for (let k = 0; k < this.touchedCount; k++) {
      const i = this.touched[k] ?? 0;
      const v = this.value[i] ?? 0;
      const at = this.base + i;
      switch (this.op[i]) {
        case OP_ADD:
          if (v !== 0) Atomics.add(words, at, v | 0);
          break;
        case OP_MAX:
          raiseMax(words, at, v);
          break;
        case OP_RATE:
          countRateBy(words, at, this.rateMax[i] ?? 0, v, now);
          break;
        case OP_LATEST:
          // 0 marks "never": a tick of 0 is stored as 1.
          Atomics.store(words, at, now || 1);
          break;
      }
      this.value[i] = 0;
      this.op[i] = OP_NONE;
    }
    this.touchedCount = 0;
    this.flushWide();
    const s = this.times;
    if (s.count > 0 && this.timeWords !== undefined) {
      addTimeSamples(this.timeWords, s.count, s, s);
      s.count = s.q = s.c = s.r = s.t = s.qMax = s.cMax = s.rMax = s.tMax = 0;
    }
    this.dirty = false;
  }

  private flushWide(): void {
    const { i64, base } = this.wide;
    const v = this.wideValue;
    for (let i = 0; i < v.length; i++) {
      const delta = v[i] ?? 0;
      if (delta === 0) continue;
      if (i64 !== undefined) Atomics.add(i64, base + i, BigInt(delta));
      v[i] = 0;
    }
  }

  private touch(field: F, op: Op): number {
    const i = this.slot.at(field) - this.base;
    if (this.op[i] === OP_NONE) {
      this.op[i] = op;
      this.touched[this.touchedCount++] = i;
      this.markDirty();
    }
    return i;
  }

  private markDirty(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.batch.mark(this);
  }
}
