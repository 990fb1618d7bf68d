// The stick tables' expiry sweeper (HAProxy's process_table_expire task), run by the health-check thread: every
// TICK_MS it sweeps a share of each table, so that a whole table is swept about once per pass (a tenth of the
// table's expire, within 100 ms..1 s; 10 s for tables without expire, which only have tombstones to empty).
// Why the health thread: main hands every accepted connection to a forwarder and must not stall for a sweep; the
// health thread only runs timers, and a sweep step holds a table's lock for a few microseconds (SWEEP_SLICE).
// Expiry itself is exact without it: lookups treat an expired, unused entry as absent and inserts replace it; the
// sweep frees the slot and lowers table_cnt.

import { SWEEP_SLICE } from '../shared/stick-store.js';
import { stickNow } from './stick-clock.js';
import type { StickTables } from './stick-tables.js';

export const SWEEP_TICK_MS = 50;

/** Slices of SWEEP_SLICE slots table `capacity` needs per tick to be swept whole every `passMs`. */
export function slicesPerTick(capacity: number, passMs: number): number {
  const ticks = Math.max(1, Math.floor(passMs / SWEEP_TICK_MS));
  return Math.max(1, Math.ceil(capacity / SWEEP_SLICE / ticks));
}

/** How often a table is swept whole: a tenth of its expire, kept within 100 ms..1 s (10 s without expire). */
export function passMsFor(expire: number): number {
  if (expire === 0) return 10_000;
  return Math.min(1000, Math.max(100, Math.floor(expire / 10)));
}

export class StickSweeper {
  private readonly tables: StickTables;
  private readonly slices: readonly number[];
  private timer: NodeJS.Timeout | undefined;
  /** Entries killed since start (tests and the hostile pass). */
  killed = 0;

  constructor(tables: StickTables) {
    this.tables = tables;
    this.slices = tables.stores.map((s) => slicesPerTick(s.layout.capacity, passMsFor(s.layout.expire)));
    // A restarted health thread: a lock the dead one held in the middle of a sweep step is freed.
    for (const store of tables.stores) store.releaseStaleLock();
  }

  /** One tick: each table sweeps its share. Exposed for tests, which drive it with their own clock. */
  tick(now = stickNow()): void {
    this.tables.stores.forEach((store, i) => {
      for (let n = 0; n < (this.slices[i] ?? 1); n++) this.killed += store.sweep(now);
    });
  }

  /** Starts the timer (unref'ed: it never keeps the thread alive). No-op without tables. */
  start(): void {
    if (this.timer !== undefined || this.tables.stores.length === 0) return;
    this.timer = setInterval(() => this.tick(), SWEEP_TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
