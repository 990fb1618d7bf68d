// One stick table in the shared buffer (HAProxy 2.6 §4.2 stick-table; stick_table.c's stksess store): fixed-size
// open addressing with linear probes over the slots stick-layout.ts places. Lookups are lock-free (hash, key words,
// then a stamp re-check); inserts, kills and purges take the table's lock word (HAProxy takes its table lock for
// every lookup too); counters and rates are Atomics on the entry's words, so every forwarder sees one table.
// An entry in use is pinned (for one synchronous operation) or tracked (for a session's life: the per-thread track
// words, whose sum is conn_cur), and is never killed while so. Why one shared table rather than one per thread plus
// a sync: README "Stick tables". Forwarders look up, insert and count; the health thread sweeps expired entries
// (sweep()); main writes the headers and gives back a dead forwarder's words. Hot path: lookup/acquire/counters
// allocate nothing (purging a full table allocates its candidate heap once).
// Over 400 lines: the insert, kill, purge and tombstone-emptying protocols share the probe and pin invariants below,
// and splitting them would spread one concurrency argument over several files.

import { performance } from 'node:perf_hooks';
import { clearFreq, freqWords, readFreq, setFreq, updateFreq } from './freq-ctr.js';
import {
  ENTRY,
  EntryState,
  STICK_REGION_HEADER,
  STICK_REGION_MAGIC,
  TABLE,
  TABLE_FIELDS,
  type StickField,
  type StickRegionLayout,
  type StickTableLayout,
} from './stick-layout.js';
import type { SharedState } from './state-buffer.js';

/** Entry header offsets as plain numbers, so the probes read no property per word. */
const E_STATE = ENTRY.state;
const E_STAMP = ENTRY.stamp;
const E_HASH = ENTRY.hash;
const E_KEYLEN = ENTRY.keyLen;

/**
 * How long one insert may wait for the table lock. Holders keep it for microseconds, but on a loaded machine the OS
 * may preempt a holder for a scheduling quantum or more, and HAProxy would wait for it too: so the wait is long, and
 * bounded only so that a holder that died before main reclaimed its lock cannot wedge a forwarder for good.
 */
const LOCK_WAIT_MS = 500;
/** Spins on the lock word before sleeping on it: a free-again lock is usually a few hundred reads away. */
const SPINS_BEFORE_SLEEP = 200;
/** Lock-free retries of acquire() before it falls back to the locked path. */
const LOCKFREE_TRIES = 4;
/** Slots one sweep step looks at while holding the lock: short, so inserters wait microseconds. */
export const SWEEP_SLICE = 512;

/**
 * Main thread, before any other thread starts: writes the region header and each table's (capacity and entry size
 * for the attach check, a random hash seed). The entries are already zero (EMPTY).
 */
export function initStickRegion(state: SharedState, region: StickRegionLayout, seed: () => number): void {
  if (region.words === 0) return;
  const { i32 } = state;
  const at = state.offsets.stick;
  Atomics.store(i32, at, STICK_REGION_MAGIC);
  Atomics.store(i32, at + 1, region.tables.length);
  for (const t of region.tables) {
    Atomics.store(i32, at + t.base + TABLE.capacity, t.capacity);
    Atomics.store(i32, at + t.base + TABLE.entryWords, t.entryWords);
    Atomics.store(i32, at + t.base + TABLE.seed, seed() | 0);
  }
}

/**
 * A view of every table for one thread (`thread`: its forwarder slot, or -1 for main and the health thread; `peers`:
 * the peers thread, whose own writes are not changes to send).
 */
export function stickStores(state: SharedState, region: StickRegionLayout, thread: number, peers = false): StickStore[] {
  return region.tables.map((t) => new StickStore(state, t, thread, peers));
}

/**
 * One thread's view of one table. The caller writes the key into `key` (and `keyLen`) — core/stick/stick-key.ts
 * does — then calls lookup() or acquire(). Not shared between threads (the key scratch is the thread's own).
 */
export class StickStore {
  readonly layout: StickTableLayout;
  /** The key to look up, in the table's key words (unused bytes must be 0). */
  readonly key: Int32Array;
  /** The same key words as bytes (little-endian words: string and binary keys are written through this view). */
  readonly keyBytes: Uint8Array;
  /** Key bytes (string keys; the others always use their full width). */
  keyLen: number;
  /** The stamp of the entry the last lookup() found: pass it to isCurrent() after reading its words. */
  foundStamp = 0;
  /** This thread's acquire() refusals so far: the lock stayed taken past LOCK_WAIT_MS, or the table was full. */
  refusedLock = 0;
  refusedFull = 0;
  /** What warm() read: kept so that the read is not optimised away. */
  warmed = 0;
  private readonly i32: Int32Array;
  private readonly base: number;
  private readonly entries: number;
  private readonly ew: number;
  private readonly cap: number;
  private readonly thread: number;
  private readonly tag: number;
  private readonly seed: number;
  /** Whether this thread's writes mark the table changed for the peers thread (replicated tables, not the peers thread). */
  private readonly marks: boolean;
  /** Word offset of the key in an entry (layout.keyAt, read once). */
  private readonly keyAt: number;
  private sweepCursor = 0;
  private heapSlots: Int32Array | undefined;
  private heapAges: Float64Array | undefined;

  constructor(state: SharedState, layout: StickTableLayout, thread: number, peers = false) {
    this.layout = layout;
    this.marks = layout.replicated && !peers;
    this.i32 = state.i32;
    this.base = state.offsets.stick + layout.base;
    this.entries = state.offsets.stick + layout.entries;
    this.ew = layout.entryWords;
    this.cap = layout.capacity;
    this.thread = thread;
    this.keyAt = layout.keyAt;
    // Forwarder t locks as t+1; main and the health thread (the sweeper) as threads+1.
    this.tag = thread >= 0 ? thread + 1 : layout.threads + 1;
    this.key = new Int32Array(layout.keyWords);
    this.keyBytes = new Uint8Array(this.key.buffer);
    this.keyLen = layout.keyType === 'string' ? 0 : layout.keyWords * 4;
    const i32 = this.i32;
    const region = state.offsets.stick;
    if (
      Atomics.load(i32, region) !== STICK_REGION_MAGIC ||
      Atomics.load(i32, this.base + TABLE.capacity) !== layout.capacity ||
      Atomics.load(i32, this.base + TABLE.entryWords) !== layout.entryWords ||
      region + STICK_REGION_HEADER > this.base
    ) {
      throw new Error(`shared buffer: stick table '${layout.name}' does not match this thread's layout`);
    }
    this.seed = Atomics.load(i32, this.base + TABLE.seed);
  }

  /** Seeded hash of `key`/`keyLen` (murmur3's 32-bit mix): every thread computes the same. Allocation-free. */
  hash(): number {
    let h = this.seed ^ this.keyLen;
    const key = this.key;
    for (let i = 0; i < key.length; i++) {
      let k = Math.imul(key[i] ?? 0, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      h ^= Math.imul(k, 0x1b873593);
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  /**
   * Read-only lookup (src_* fetches, `stick match`): the slot of the live, unexpired entry holding `key`, or -1.
   * Lock-free; sets foundStamp. The entry may die while its words are read: check isCurrent() afterwards.
   */
  lookup(now: number): number {
    const slot = this.find(this.hash());
    if (slot < 0) return -1;
    return this.expiredUnused(this.entryAt(slot), now) ? -1 : slot;
  }

  /**
   * A software prefetch: reads the first word of the home slot of `key` and returns that slot (where the entry
   * most likely is). A thread applying a run of updates warms the next few keys' entries first, so that their cache
   * misses overlap instead of coming one after another (the peers thread: one miss per update otherwise).
   */
  warm(): number {
    const slot = this.home(this.hash());
    this.warmed ^= this.i32[this.entries + slot * this.ew] ?? 0;
    return slot;
  }

  /** True when `slot` still holds the entry lookup() found (same stamp, still live). */
  isCurrent(slot: number, stamp: number): boolean {
    const e = this.entryAt(slot);
    return Atomics.load(this.i32, e + ENTRY.state) === EntryState.LIVE && Atomics.load(this.i32, e + ENTRY.stamp) === stamp;
  }

  /**
   * Finds or creates the entry for `key`, pins it for this thread and touches it (expiry pushed to now + expire).
   * Returns its slot, or -1 when it cannot be had: the table is full and nothing can be purged (or `nopurge`), or
   * the table lock stayed taken (a holder died). The caller must track() or release() the slot before it yields.
   * A key whose entry expired is given a fresh entry, as HAProxy's expiry task would have removed the old one.
   * Forwarder threads only (needs a pin word).
   */
  acquire(now: number): number {
    const h = this.hash();
    for (let tries = 0; tries < LOCKFREE_TRIES; tries++) {
      const slot = this.find(h);
      if (slot < 0) break;
      const e = this.entryAt(slot);
      const stamp = this.foundStamp;
      this.pin(slot);
      // Pin first, then re-read: a killer compare-exchanges the state first, then reads the pins (Dekker), so
      // either it sees this pin or this re-read sees its BUSY.
      if (Atomics.load(this.i32, e + ENTRY.state) === EntryState.LIVE && Atomics.load(this.i32, e + ENTRY.stamp) === stamp) {
        if (!this.expiredUnused(e, now, true)) {
          this.touchEntry(e, now);
          return slot;
        }
        this.unpin();
        break;
      }
      this.unpin();
    }
    return this.lockedAcquire(h, now);
  }

  /** The pinned `slot` is now tracked by this thread's session (conn_cur + 1) until untrack(). */
  track(slot: number): void {
    Atomics.add(this.i32, this.entryAt(slot) + this.layout.tracksAt + this.thread, 1);
    this.unpin();
    this.noteChange();
  }

  /** A session of this thread stops tracking `slot`: touched, then conn_cur - 1 (HAProxy's stream_store_counters). */
  untrack(slot: number, now: number): void {
    const e = this.entryAt(slot);
    this.touchEntry(e, now);
    Atomics.sub(this.i32, e + this.layout.tracksAt + this.thread, 1);
    this.noteChange();
  }

  /** Drops this thread's pin (after a transient use of an acquired slot). */
  release(): void {
    this.unpin();
  }

  /** Pushes the entry's expiry to now + expire (every counter update does, as HAProxy's stktable_touch_local). */
  touch(slot: number, now: number): void {
    this.touchEntry(this.entryAt(slot), now);
  }

  /** Sessions tracking the entry now, all threads (conn_cur): a reading, plain loads of the track words. */
  tracks(slot: number): number {
    const at = this.entryAt(slot) + this.layout.tracksAt;
    let n = 0;
    for (let t = 0; t < this.layout.threads; t++) n += this.i32[at + t] ?? 0;
    return n;
  }

  /** The same with Atomics loads: what kill() weighs, after its compare-exchange (the Dekker pair of track()). */
  private tracksNow(slot: number): number {
    const at = this.entryAt(slot) + this.layout.tracksAt;
    let n = 0;
    for (let t = 0; t < this.layout.threads; t++) n += Atomics.load(this.i32, at + t);
    return n;
  }

  /** Copies the key words of the entry in `slot` into `out` (a key of the same width: another table's `key`). */
  readKey(slot: number, out: Int32Array): void {
    const at = this.entryAt(slot) + this.layout.keyAt;
    for (let i = 0; i < out.length && i < this.layout.keyWords; i++) out[i] = Atomics.load(this.i32, at + i);
  }

  /** Key bytes of the entry in `slot`. */
  readKeyLen(slot: number): number {
    return Atomics.load(this.i32, this.entryAt(slot) + ENTRY.keyLen);
  }

  /** Slots of the table: a reader listing entries (the runtime API's `show table`) walks 0 … slots-1. */
  get slots(): number {
    return this.cap;
  }

  /** True when `slot` holds a live entry (a reading: check isCurrent with its stamp after reading its words). */
  isLive(slot: number): boolean {
    return Atomics.load(this.i32, this.entryAt(slot) + ENTRY.state) === EntryState.LIVE;
  }

  /** The identity stamp of the entry in `slot` (pass it to isCurrent after reading the entry). */
  stampOf(slot: number): number {
    return Atomics.load(this.i32, this.entryAt(slot) + ENTRY.stamp);
  }

  /** Stick-clock tick when the entry in `slot` expires (HAProxy's `exp`: that minus now). */
  expireOf(slot: number): number {
    return Atomics.load(this.i32, this.entryAt(slot) + ENTRY.expire);
  }

  /** Entries in the table (table_cnt). */
  count(): number {
    return Atomics.load(this.i32, this.base + TABLE.count);
  }

  /** Word index of element `idx` of stored field `f` in `slot` (for the typed accessors below). */
  wordOf(slot: number, f: StickField, idx = 0): number {
    const width = f.storage === 'ull' ? 2 : f.storage === 'freq' ? 3 : 1;
    return this.entryAt(slot) + f.offset + idx * width;
  }

  /** Adds to a 32-bit unsigned counter; returns its new value (wrapping at 2^32, as HAProxy's uint). */
  addUint(slot: number, f: StickField, delta: number, idx = 0): number {
    const v = (Atomics.add(this.i32, this.wordOf(slot, f, idx), delta) + delta) >>> 0;
    this.noteChange();
    return v;
  }

  loadUint(slot: number, f: StickField, idx = 0): number {
    return Atomics.load(this.i32, this.wordOf(slot, f, idx)) >>> 0;
  }

  /** Sets a 32-bit counter to `value`; returns the value it held (sc_clr_gpc0 reads and clears in one step). */
  exchangeUint(slot: number, f: StickField, value: number, idx = 0): number {
    const v = Atomics.exchange(this.i32, this.wordOf(slot, f, idx), value) >>> 0;
    this.noteChange();
    return v;
  }

  /** Stores a tag or a server id (last writer wins, as HAProxy's gpt/server_id under the entry lock). */
  storeWord(slot: number, f: StickField, value: number, idx = 0): void {
    Atomics.store(this.i32, this.wordOf(slot, f, idx), value | 0);
    this.noteChange();
  }

  /** A signed word (server_id). */
  loadSint(slot: number, f: StickField, idx = 0): number {
    return Atomics.load(this.i32, this.wordOf(slot, f, idx));
  }

  /** Counts `inc` events in a rate (HAProxy's update_freq_ctr_period); returns the current period's count. */
  updateRate(slot: number, f: StickField, inc: number, now: number, idx = 0): number {
    const v = updateFreq(this.i32, this.wordOf(slot, f, idx), f.period, inc, now);
    this.noteChange();
    return v;
  }

  /** A rate as HAProxy's read_freq_ctr_period reads it. */
  readRate(slot: number, f: StickField, now: number, idx = 0): number {
    return readFreq(this.i32, this.wordOf(slot, f, idx), f.period, now);
  }

  /** A rate's three words as a peer reads them ([start tick, curr, prev] into `out`). Peers thread. */
  readRateWords(slot: number, f: StickField, out: Int32Array, idx = 0): void {
    freqWords(this.i32, this.wordOf(slot, f, idx), out);
  }

  /** Replaces a rate with a peer's reading (see freq-ctr.ts setFreq). Peers thread. */
  setRate(slot: number, f: StickField, start: number, curr: number, prev: number, idx = 0): void {
    setFreq(this.i32, this.wordOf(slot, f, idx), start, curr, prev);
  }

  /** Replaces a 64-bit counter with a peer's value (below 2^53). Peers thread; a reader between the words sees a mix. */
  storeUll(slot: number, f: StickField, value: number, idx = 0): void {
    const at = this.wordOf(slot, f, idx);
    Atomics.store(this.i32, at + 1, Math.floor(value / 0x1_0000_0000) | 0);
    Atomics.store(this.i32, at, value % 0x1_0000_0000 | 0);
    this.noteChange();
  }

  /**
   * The buffer's words and the index of entry 0, for the peers thread's change scan (entry `slot` starts at
   * `at + slot * entryWords`): plain reads only, re-checked with isCurrent. No allocation per entry.
   */
  rawEntries(): { readonly words: Int32Array; readonly at: number } {
    return { words: this.i32, at: this.entries };
  }

  /**
   * Adds `delta` (0..2^31-1) to a 64-bit counter held as low and high words: the add that carries out of the low
   * word adds 1 to the high one. A reader between the two sees 2^32 less for that instant.
   */
  addUll(slot: number, f: StickField, delta: number, idx = 0): void {
    const at = this.wordOf(slot, f, idx);
    const before = Atomics.add(this.i32, at, delta) >>> 0;
    if (before + delta > 0xffff_ffff) Atomics.add(this.i32, at + 1, 1);
    this.noteChange();
  }

  /** A 64-bit counter as a number (exact below 2^53). */
  loadUll(slot: number, f: StickField, idx = 0): number {
    const at = this.wordOf(slot, f, idx);
    for (let tries = 0; ; tries++) {
      const hi = Atomics.load(this.i32, at + 1) >>> 0;
      const lo = Atomics.load(this.i32, at) >>> 0;
      if ((Atomics.load(this.i32, at + 1) >>> 0) === hi || tries > 8) return hi * 0x1_0000_0000 + lo;
    }
  }

  /**
   * Health thread: one sweep step over the next SWEEP_SLICE slots, under the table lock: kills the entries that
   * expired and nobody uses, and empties the tombstones no probe needs any more. Returns the entries killed.
   * Skips the step (returns 0) when the lock is busy; the next step tries again.
   */
  sweep(now: number): number {
    if (!this.lock()) return 0;
    let killed = 0;
    try {
      const expires = this.layout.expire > 0;
      for (let n = 0; n < SWEEP_SLICE && n < this.cap; n++) {
        const slot = this.sweepCursor;
        this.sweepCursor = slot + 1 === this.cap ? 0 : slot + 1;
        const e = this.entryAt(slot);
        const state = Atomics.load(this.i32, e + ENTRY.state);
        if (state === EntryState.LIVE && expires && this.expiredUnused(e, now) && this.kill(slot)) killed++;
        else if (state === EntryState.TOMB) this.tryEmpty(slot);
      }
    } finally {
      this.unlock();
    }
    return killed;
  }

  /**
   * Main thread, once forwarder `thread` died: its track words and pin are zeroed (the sessions they counted died
   * with it, so conn_cur drops and the entries can expire), and the table lock is freed if it held it.
   * O(capacity); allocation-free.
   */
  reclaimThread(thread: number): void {
    const at = this.entries + this.layout.tracksAt + thread;
    for (let slot = 0; slot < this.cap; slot++) {
      const w = at + slot * this.ew;
      if (Atomics.load(this.i32, w) !== 0) Atomics.store(this.i32, w, 0);
    }
    Atomics.store(this.i32, this.base + TABLE_FIELDS.length + thread, 0);
    Atomics.compareExchange(this.i32, this.base + TABLE.lock, thread + 1, 0);
  }

  /**
   * A thread that locks with this view's tag frees a lock its dead predecessor left (the health thread restarted:
   * only one thread at a time holds that tag, and a starting one holds no lock). Call once at thread start.
   */
  releaseStaleLock(): void {
    Atomics.compareExchange(this.i32, this.base + TABLE.lock, this.tag, 0);
  }

  // ---- probes ----

  private entryAt(slot: number): number {
    return this.entries + slot * this.ew;
  }

  private home(h: number): number {
    return (h >>> 0) % this.cap;
  }

  /**
   * Lock-free probe for the live entry holding `key` (hash `h`): its slot (foundStamp set) or -1. The hot path of
   * every stick rule and of each update a peer sends: the offsets and the key are hoisted into locals and the entry
   * index steps by the entry size, so a probe reads the entry's words and nothing else (measured: reading the
   * offsets through `this` and ENTRY on each probe cost as much as the cache miss on the entry itself).
   */
  private find(h: number): number {
    const i32 = this.i32;
    const cap = this.cap;
    const ew = this.ew;
    const first = this.entries;
    const key = this.key;
    const keyWords = key.length;
    const keyLen = this.keyLen;
    const keyFrom = this.keyAt;
    const key0 = key[0] ?? 0;
    let slot = this.home(h);
    let e = first + slot * ew;
    for (let n = 0; n < cap; n++) {
      const state = Atomics.load(i32, e + E_STATE);
      if (state === EntryState.EMPTY) return -1;
      // The stamp is read (with Atomics) before the hash and key words (plain reads, the data of this seqlock): a
      // kill or a re-use meanwhile changes the stamp, which acquire() and isCurrent() re-read with Atomics.
      if (state === EntryState.LIVE) {
        const stamp = Atomics.load(i32, e + E_STAMP);
        if (i32[e + E_HASH] === h && i32[e + E_KEYLEN] === keyLen && i32[e + keyFrom] === key0) {
          let same = true;
          for (let i = 1; i < keyWords; i++) {
            if (i32[e + keyFrom + i] !== key[i]) {
              same = false;
              break;
            }
          }
          if (same) {
            this.foundStamp = stamp;
            return slot;
          }
        }
      }
      if (++slot === cap) {
        slot = 0;
        e = first;
      } else {
        e += ew;
      }
    }
    return -1;
  }

  /**
   * Under the lock: the entry for `key` is found (and killed if expired and unused) or inserted in the first
   * tombstone or empty slot of its probe sequence; pinned and touched either way.
   */
  private lockedAcquire(h: number, now: number): number {
    if (!this.lock()) {
      this.refusedLock++;
      return -1;
    }
    try {
      const found = this.find(h);
      if (found >= 0) {
        const e = this.entryAt(found);
        // No killer runs while this thread holds the lock, so the pin needs no re-check here.
        if (!this.expiredUnused(e, now) || !this.kill(found)) {
          this.pin(found);
          this.touchEntry(e, now);
          return found;
        }
      }
      const slot = this.count() >= this.layout.size && (this.layout.nopurge || this.purgeOldest(now) === 0) ? -1 : this.freeSlotFor(h);
      if (slot < 0) {
        this.refusedFull++;
        return -1;
      }
      this.fill(slot, h, now);
      return slot;
    } finally {
      this.unlock();
    }
  }

  /** Under the lock: the first tombstone or empty slot of `h`'s probe sequence, or -1 (no free slot at all). */
  private freeSlotFor(h: number): number {
    let slot = this.home(h);
    for (let n = 0; n < this.cap; n++) {
      const state = Atomics.load(this.i32, this.entryAt(slot) + ENTRY.state);
      if (state === EntryState.EMPTY || state === EntryState.TOMB) return slot;
      slot = slot + 1 === this.cap ? 0 : slot + 1;
    }
    return -1;
  }

  /** Under the lock: writes `key` into free `slot` (zeroed data), pinned for this thread, then publishes it LIVE. */
  private fill(slot: number, h: number, now: number): void {
    const i32 = this.i32;
    const e = this.entryAt(slot);
    const was = Atomics.exchange(i32, e + ENTRY.state, EntryState.BUSY);
    Atomics.add(i32, e + ENTRY.stamp, 1);
    Atomics.store(i32, e + ENTRY.hash, h);
    Atomics.store(i32, e + ENTRY.keyLen, this.keyLen);
    const keyAt = e + this.layout.keyAt;
    for (let i = 0; i < this.key.length; i++) Atomics.store(i32, keyAt + i, this.key[i] ?? 0);
    for (let w = keyAt + this.key.length; w < e + this.ew; w++) Atomics.store(i32, w, 0);
    for (const f of this.layout.fields.values()) {
      if (f.storage === 'freq') for (let k = 0; k < f.count; k++) clearFreq(i32, e + f.offset + k * 3);
    }
    this.touchEntry(e, now);
    this.pin(slot);
    Atomics.add(i32, this.base + TABLE.count, 1);
    if (was === EntryState.TOMB) Atomics.sub(i32, this.base + TABLE.tombs, 1);
    // Last: a lock-free reader that sees LIVE sees the key and the zeroed data written above.
    Atomics.store(i32, e + ENTRY.state, EntryState.LIVE);
  }

  /**
   * Under the lock: kills the entry in `slot` unless a session tracks it or a thread pins it. BUSY first, then the
   * tracks and pins are read (the other half of acquire()'s Dekker pair). True when killed (now a tombstone).
   */
  private kill(slot: number): boolean {
    const i32 = this.i32;
    const e = this.entryAt(slot);
    if (Atomics.compareExchange(i32, e + ENTRY.state, EntryState.LIVE, EntryState.BUSY) !== EntryState.LIVE) return false;
    if (this.tracksNow(slot) !== 0 || this.pinned(slot)) {
      Atomics.store(i32, e + ENTRY.state, EntryState.LIVE);
      return false;
    }
    Atomics.add(i32, e + ENTRY.stamp, 1);
    Atomics.store(i32, e + ENTRY.state, EntryState.TOMB);
    Atomics.sub(i32, this.base + TABLE.count, 1);
    Atomics.add(i32, this.base + TABLE.tombs, 1);
    // Emptied at once when no probe needs it: otherwise a flood of new keys (kill, insert, kill…) would use up the
    // empty slots between two sweeps, and every miss would then probe the whole table.
    this.tryEmpty(slot);
    return true;
  }

  /**
   * Under the lock: turns tombstone `t` back into an empty slot when no live entry's probe sequence passes over it,
   * i.e. no entry between `t` and the next empty slot has its home at or before `t` (an empty slot must never cut
   * a sequence, or its entry could no longer be found and would be inserted twice).
   */
  private tryEmpty(t: number): void {
    const i32 = this.i32;
    let q = t + 1 === this.cap ? 0 : t + 1;
    for (let n = 1; n < this.cap; n++) {
      const e = this.entryAt(q);
      const state = Atomics.load(i32, e + ENTRY.state);
      if (state === EntryState.EMPTY) break;
      if (state !== EntryState.TOMB) {
        // LIVE, or a BUSY slot left by a dead thread (treated as live: kept).
        const home = this.home(Atomics.load(i32, e + ENTRY.hash));
        const toT = (t - home + this.cap) % this.cap;
        const toQ = (q - home + this.cap) % this.cap;
        if (toT < toQ) return;
      }
      q = q + 1 === this.cap ? 0 : q + 1;
    }
    Atomics.store(i32, this.entryAt(t) + ENTRY.state, EntryState.EMPTY);
    Atomics.sub(i32, this.base + TABLE.tombs, 1);
  }

  /**
   * Under the lock, table full: kills up to size/256 + 1 of the oldest entries nobody uses (HAProxy's
   * stktable_trash_oldest batch), oldest = soonest to expire. One scan with a bounded max-heap of candidates.
   * Returns how many it killed.
   */
  private purgeOldest(now: number): number {
    const want = (this.layout.size >> 8) + 1;
    // A few spare candidates: an entry a thread pins between the scan and the kill survives, another goes instead.
    const room = want + this.layout.threads;
    this.heapSlots ??= new Int32Array(room);
    this.heapAges ??= new Float64Array(room);
    const slots = this.heapSlots;
    const ages = this.heapAges;
    let n = 0;
    const i32 = this.i32;
    // Plain reads: this is a scan of the whole table, and kill() re-checks each candidate with Atomics.
    for (let slot = 0; slot < this.cap; slot++) {
      const e = this.entryAt(slot);
      if (i32[e + ENTRY.state] !== EntryState.LIVE) continue;
      // Smaller = expires sooner = touched longer ago.
      const age = ((i32[e + ENTRY.expire] ?? 0) - now) | 0;
      if (n === room && age >= (ages[0] ?? 0)) continue;
      if (this.tracks(slot) !== 0 || this.pinned(slot)) continue;
      if (n < room) heapPush(slots, ages, n++, slot, age);
      else heapReplaceTop(slots, ages, n, slot, age);
    }
    // Oldest first: heapsort the candidates in place (the max-heap yields them in ascending age order).
    for (let end = n - 1; end > 0; end--) {
      swap(slots, ages, 0, end);
      siftDown(slots, ages, end);
    }
    let killed = 0;
    for (let i = 0; i < n && killed < want; i++) if (this.kill(slots[i] ?? 0)) killed++;
    return killed;
  }

  private expiredUnused(e: number, now: number, ignoreOwnPin = false): boolean {
    if (this.layout.expire === 0) return false;
    if (((Atomics.load(this.i32, e + ENTRY.expire) - now) | 0) > 0) return false;
    const slot = (e - this.entries) / this.ew;
    if (this.tracks(slot) !== 0) return false;
    return !this.pinned(slot, ignoreOwnPin ? this.thread : -1);
  }

  private touchEntry(e: number, now: number): void {
    // A plain store: every writer stores about "now + expire", any of them will do, and the Atomics operation that
    // follows on this thread (a track, a count, the unpin) publishes it before the sweeper can weigh the entry.
    this.i32[e + ENTRY.expire] = (now + this.layout.expire) | 0;
    this.noteChange();
  }

  /**
   * After a write to an entry of a replicated table: marks the table changed, so the peers thread's next tick scans
   * it (it scans a table nobody changed only every 10 s, as a safety net). Read first, written only when clear:
   * the word stays shared in every core's cache between two scans.
   */
  private noteChange(): void {
    if (!this.marks) return;
    const at = this.base + TABLE.changed;
    if (Atomics.load(this.i32, at) === 0) Atomics.store(this.i32, at, 1);
  }

  /** Peers thread: whether another thread changed the table since the last call (the mark is taken back). */
  takeChanged(): boolean {
    return Atomics.exchange(this.i32, this.base + TABLE.changed, 0) !== 0;
  }

  // ---- pins and lock ----

  private pin(slot: number): void {
    if (this.thread >= 0) Atomics.store(this.i32, this.base + TABLE_FIELDS.length + this.thread, slot + 1);
  }

  private unpin(): void {
    if (this.thread >= 0) Atomics.store(this.i32, this.base + TABLE_FIELDS.length + this.thread, 0);
  }

  /** True when some thread other than `except` pins `slot`. */
  private pinned(slot: number, except = -1): boolean {
    const at = this.base + TABLE_FIELDS.length;
    for (let t = 0; t < this.layout.threads; t++) {
      if (t !== except && Atomics.load(this.i32, at + t) === slot + 1) return true;
    }
    return false;
  }

  /**
   * Takes the table lock: a compare-exchange, a short spin, then sleeps on the lock word (Atomics.wait, woken by
   * unlock's notify) in slices of at most 1 ms. The one blocking wait of a forwarder, and why: holders keep the lock
   * for microseconds, but a holder the OS preempted needs a CPU to finish, and spinning waiters take it (measured:
   * 3 threads on 2 busy cores waited out 500 ms of pure spinning 3 times in 60,000 inserts). Bounded by
   * LOCK_WAIT_MS: false when the lock stayed taken (its holder died before main reclaimed it).
   */
  private lock(): boolean {
    const i32 = this.i32;
    const at = this.base + TABLE.lock;
    if (Atomics.compareExchange(i32, at, 0, this.tag) === 0) return true;
    for (let spins = 0; spins < SPINS_BEFORE_SLEEP; spins++) {
      // Test before test-and-set: waiters only read the word until it frees, sparing the holder's cache line.
      if (Atomics.load(i32, at) === 0 && Atomics.compareExchange(i32, at, 0, this.tag) === 0) return true;
    }
    const deadline = performance.now() + LOCK_WAIT_MS;
    for (;;) {
      const holder = Atomics.load(i32, at);
      if (holder === 0) {
        if (Atomics.compareExchange(i32, at, 0, this.tag) === 0) return true;
        continue;
      }
      if (performance.now() > deadline) return false;
      Atomics.wait(i32, at, holder, 1);
    }
  }

  private unlock(): void {
    const at = this.base + TABLE.lock;
    Atomics.store(this.i32, at, 0);
    Atomics.notify(this.i32, at, 1);
  }
}

/** Max-heap on ages (the youngest candidate on top, the first to be replaced by an older one). */
function heapPush(slots: Int32Array, ages: Float64Array, n: number, slot: number, age: number): void {
  let i = n;
  slots[i] = slot;
  ages[i] = age;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if ((ages[parent] ?? 0) >= (ages[i] ?? 0)) break;
    swap(slots, ages, i, parent);
    i = parent;
  }
}

function heapReplaceTop(slots: Int32Array, ages: Float64Array, n: number, slot: number, age: number): void {
  slots[0] = slot;
  ages[0] = age;
  siftDown(slots, ages, n);
}

/** Restores the max-heap property of the first `n` candidates after their top changed. */
function siftDown(slots: Int32Array, ages: Float64Array, n: number): void {
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let top = i;
    if (l < n && (ages[l] ?? 0) > (ages[top] ?? 0)) top = l;
    if (r < n && (ages[r] ?? 0) > (ages[top] ?? 0)) top = r;
    if (top === i) return;
    swap(slots, ages, i, top);
    i = top;
  }
}

function swap(slots: Int32Array, ages: Float64Array, a: number, b: number): void {
  const s = slots[a] ?? 0;
  slots[a] = slots[b] ?? 0;
  slots[b] = s;
  const g = ages[a] ?? 0;
  ages[a] = ages[b] ?? 0;
  ages[b] = g;
}
