// Atomics accessors for one server's record in the shared buffer, and the read-only view balancers get.
// Health fields are stored by the health thread only; counters change only through Atomics.add/sub.

import { SERVER, SERVER_FIELDS, SERVER_WIDE, SERVER_WIDE_FIELDS, ServerState, type ServerField, type ServerWideField } from './layout.js';
import { RecordStats, StatBatch } from './stat-batch.js';

/** What a balancer may see of a server: reads only (the piscina pattern). */
export interface ServerView {
  /** Index of the server in its backend's `servers` array. */
  readonly index: number;
  readonly name: string;
  readonly backup: boolean;
  /** maxconn now (the config's, or `set maxconn server`'s), 0 = unlimited: one Atomics.load per read. */
  readonly maxconn: number;
  /** Static weight from the config (used by static-rr and hashes, which ignore slowstart). */
  readonly configWeight: number;
  /** UP and not in maintenance. */
  isUp(): boolean;
  /** Current effective weight (slowstart, runtime changes). 0 means "take no new traffic". */
  weight(): number;
  /**
   * Slots in use through any thread: TCP connections, HTTP transactions being served (HAProxy's `served`). An idle
   * keep-alive server connection between two requests holds none.
   */
  liveConns(): number;
  /** Waiters bound to this server (its queue: persistence, hash), any thread. */
  queued(): number;
  /** dolphindb-load: last load score ×1000 and connections placed since that reading. */
  loadScore(): number;
  placedSinceReading(): number;
  /** dolphindb-load: this server's cost of one placed connection ×1000 set at run time, -1 = the backend's. */
  placementCost(): number;
  /**
   * option dolphindb-inspect: exchanges of this node counted so far (every thread; the latency histogram's count) and
   * the sum of their latencies in µs. Both only grow; dolphindb-load reads their deltas.
   */
  ddbExchanges(): number;
  ddbLatencyUs(): number;
}

/** Accessors over one server record. Any thread may construct one; see layout.ts for who may write what. */
export class ServerSlot {
  private readonly i32: Int32Array;
  private readonly i64: BigInt64Array;
  private readonly base: number;
  private readonly wideBase: number;
  private readonly batch: StatBatch;
  private pending: RecordStats<ServerField, ServerWideField> | undefined;

  constructor(i32: Int32Array, i64: BigInt64Array, base: number, wideBase: number, batch = new StatBatch()) {
    this.i32 = i32;
    this.i64 = i64;
    this.base = base;
    this.wideBase = wideBase;
    this.batch = batch;
  }

  /** This thread's batched stats of the record (core/shared/stat-batch.ts): counted now, applied once per loop turn. */
  get later(): RecordStats<ServerField, ServerWideField> {
    this.pending ??= new RecordStats(this.batch, this, this.base, SERVER_FIELDS.length, { i64: this.i64, base: this.wideBase, table: SERVER_WIDE }, this);
    return this.pending;
  }

  load(field: ServerField): number {
    return Atomics.load(this.i32, this.base + SERVER[field]);
  }

  /** For single-writer fields only (layout.ts names the writer). */
  store(field: ServerField, value: number): void {
    Atomics.store(this.i32, this.base + SERVER[field], value);
  }

  /** Returns the value before the add. */
  add(field: ServerField, delta: number): number {
    return Atomics.add(this.i32, this.base + SERVER[field], delta);
  }

  /** The i32 index of `field` (frequency counters and raised maxima: core/shared/stat-counters.ts). */
  at(field: ServerField): number {
    return this.base + SERVER[field];
  }

  /** The record's 32-bit array. */
  get words(): Int32Array {
    return this.i32;
  }

  addWide(field: ServerWideField, delta: number): void {
    Atomics.add(this.i64, this.wideBase + SERVER_WIDE[field], BigInt(delta));
  }

  loadWide(field: ServerWideField): bigint {
    return Atomics.load(this.i64, this.wideBase + SERVER_WIDE[field]);
  }

  /**
   * Zeroes every word of the record, the wide counters too: a slot `add server` takes again starts clean. Main
   * thread only, while no other thread knows the slot (core/shared/server-slots.ts), so no update can be lost.
   */
  clearRecord(): void {
    for (const f of SERVER_FIELDS) Atomics.store(this.i32, this.base + SERVER[f.name], 0);
    for (const f of SERVER_WIDE_FIELDS) Atomics.store(this.i64, this.wideBase + SERVER_WIDE[f.name], 0n);
  }

  isUp(): boolean {
    return this.load('state') === ServerState.UP;
  }

  /**
   * Adds 1 to `curConns` unless it already reached `limit` (0 = no limit). Compare-and-swap, so that threads taking
   * the last slot together never overshoot maxconn. Any thread; the loop ends as soon as the count
   * reaches the limit or one exchange succeeds (each failed exchange means another thread made progress). Returns
   * the count with this slot (its smax candidate), or 0 when none was free.
   */
  takeSlot(limit: number): number {
    const at = this.base + SERVER.curConns;
    if (limit <= 0) return Atomics.add(this.i32, at, 1) + 1;
    for (let cur = Atomics.load(this.i32, at); cur < limit; ) {
      const seen = Atomics.compareExchange(this.i32, at, cur, cur + 1);
      if (seen === cur) return cur + 1;
      cur = seen;
    }
    return 0;
  }
}

/** Static facts about a server that balancers need next to its live slot. */
export interface ServerStatic {
  readonly name: string;
  readonly backup: boolean;
  readonly maxconn: number;
  readonly weight: number;
}

/** Builds the read-only view of a slot for the balancers. */
export function serverView(index: number, info: ServerStatic, slot: ServerSlot): ServerView {
  return {
    index,
    name: info.name,
    backup: info.backup,
    get maxconn() {
      return slot.load('maxconn');
    },
    configWeight: info.weight,
    isUp: () => slot.isUp(),
    weight: () => slot.load('effectiveWeight'),
    liveConns: () => slot.load('curConns'),
    queued: () => slot.load('queued'),
    loadScore: () => slot.load('loadScore'),
    placedSinceReading: () => slot.load('placedSinceReading'),
    placementCost: () => slot.load('scoreCost') - 1,
    // The histogram's buckets are contiguous in the layout, ddbLe1ms … ddbLeInf: their sum is its count.
    ddbExchanges: () => {
      let n = 0;
      for (let i = slot.at('ddbLe1ms'), last = slot.at('ddbLeInf'); i <= last; i++) n += Atomics.load(slot.words, i) >>> 0;
      return n;
    },
    ddbLatencyUs: () => Number(slot.loadWide('ddbLatencyUs')),
  };
}
