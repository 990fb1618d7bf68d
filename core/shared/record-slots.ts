// Atomics accessors for the shared buffer's 32-bit records other than servers' (core/shared/server-slot.ts): one
// per backend (the generation counter the health thread bumps, the shared round-robin cursor), per frontend and per
// forwarder thread, over one base that reads a field table of layout.ts. Any thread; SharedState builds them once.

import {
  BACKEND,
  BACKEND_FIELDS,
  BACKEND_WIDE,
  BACKEND_WIDE_FIELDS,
  FRONTEND_FIELDS,
  FRONTEND_WIDE_FIELDS,
  type BackendWideField,
  FRONTEND,
  FRONTEND_WIDE,
  THREAD,
  type BackendField,
  type FrontendField,
  type FrontendWideField,
  type ThreadField,
} from './layout.js';
import { RecordStats, StatBatch } from './stat-batch.js';

class Record32<F extends string> {
  protected readonly i32: Int32Array;
  protected readonly base: number;
  private readonly table: Readonly<Record<F, number>>;

  constructor(i32: Int32Array, base: number, table: Readonly<Record<F, number>>) {
    this.i32 = i32;
    this.base = base;
    this.table = table;
  }

  load(field: F): number {
    return Atomics.load(this.i32, this.base + this.table[field]);
  }

  /** For single-writer fields only (layout.ts names the writer). */
  store(field: F, value: number): void {
    Atomics.store(this.i32, this.base + this.table[field], value);
  }

  /** Returns the value before the add. */
  add(field: F, delta: number): number {
    return Atomics.add(this.i32, this.base + this.table[field], delta);
  }

  /** The i32 index of `field` (frequency counters and raised maxima work on the array: core/shared/stat-counters.ts). */
  at(field: F): number {
    return this.base + this.table[field];
  }

  /** The record's 32-bit array. */
  get words(): Int32Array {
    return this.i32;
  }
}

export class BackendSlot extends Record32<BackendField> {
  private readonly i64: BigInt64Array | undefined;
  private readonly wideBase: number;
  private readonly batch: StatBatch;
  private pending: RecordStats<BackendField, BackendWideField> | undefined;

  constructor(i32: Int32Array, base: number, i64?: BigInt64Array, wideBase = 0, batch = new StatBatch()) {
    super(i32, base, BACKEND);
    this.i64 = i64;
    this.wideBase = wideBase;
    this.batch = batch;
  }

  /** This thread's batched stats of the record (core/shared/stat-batch.ts): counted now, applied once per loop turn. */
  get later(): RecordStats<BackendField, BackendWideField> {
    this.pending ??= new RecordStats(this.batch, this, this.base, BACKEND_FIELDS.length, { i64: this.i64, base: this.wideBase, table: BACKEND_WIDE }, this);
    return this.pending;
  }

  addWide(field: BackendWideField, delta: number): void {
    if (this.i64 !== undefined) Atomics.add(this.i64, this.wideBase + BACKEND_WIDE[field], BigInt(delta));
  }

  loadWide(field: BackendWideField): bigint {
    return this.i64 === undefined ? 0n : Atomics.load(this.i64, this.wideBase + BACKEND_WIDE[field]);
  }

  /**
   * Zeroes every word of the record, the wide counters too: a spare slot a reload takes again starts clean. Main
   * thread only, while no other thread knows the slot (core/shared/proxy-slots.ts).
   */
  clearRecord(): void {
    for (const f of BACKEND_FIELDS) this.store(f.name, 0);
    if (this.i64 !== undefined) for (const f of BACKEND_WIDE_FIELDS) Atomics.store(this.i64, this.wideBase + BACKEND_WIDE[f.name], 0n);
  }

  /** A ticket for round-robin: unique across threads, so picks interleave exactly. Wraps at 2^32. */
  nextTicket(): number {
    return this.add('rrCursor', 1) >>> 0;
  }
}

export class FrontendSlot extends Record32<FrontendField> {
  private readonly i64: BigInt64Array;
  private readonly wideBase: number;
  private readonly batch: StatBatch;
  private pending: RecordStats<FrontendField, FrontendWideField> | undefined;

  constructor(i32: Int32Array, base: number, i64: BigInt64Array, wideBase: number, batch = new StatBatch()) {
    super(i32, base, FRONTEND);
    this.i64 = i64;
    this.wideBase = wideBase;
    this.batch = batch;
  }

  /** This thread's batched stats of the record (core/shared/stat-batch.ts): counted now, applied once per loop turn. */
  get later(): RecordStats<FrontendField, FrontendWideField> {
    this.pending ??= new RecordStats(this.batch, this, this.base, FRONTEND_FIELDS.length, { i64: this.i64, base: this.wideBase, table: FRONTEND_WIDE });
    return this.pending;
  }

  addWide(field: FrontendWideField, delta: number): void {
    Atomics.add(this.i64, this.wideBase + FRONTEND_WIDE[field], BigInt(delta));
  }

  loadWide(field: FrontendWideField): bigint {
    return Atomics.load(this.i64, this.wideBase + FRONTEND_WIDE[field]);
  }

  /** As BackendSlot.clearRecord: main thread, while no other thread knows the slot. */
  clearRecord(): void {
    for (const f of FRONTEND_FIELDS) this.store(f.name, 0);
    for (const f of FRONTEND_WIDE_FIELDS) Atomics.store(this.i64, this.wideBase + FRONTEND_WIDE[f.name], 0n);
  }
}

export class ThreadSlot extends Record32<ThreadField> {
  constructor(i32: Int32Array, base: number) {
    super(i32, base, THREAD);
  }

  /** Takes this slot for the calling forwarder if it is free (alive 0 → 1). True when taken. */
  claim(): boolean {
    return Atomics.compareExchange(this.i32, this.base + THREAD.alive, 0, 1) === 0;
  }
}
