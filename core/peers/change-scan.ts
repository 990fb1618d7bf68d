// Which entries of a replicated table changed since the peers thread last looked: a shadow copy of every slot's
// stamp and data words, compared on each pass (HAProxy's equivalent is its per-table update tree, filled by every
// local touch). Why a shadow rather than a change ring the forwarders write: the forwarders' paths stay exactly as
// they are (no extra word written per counted event, nothing to overflow), and the pass costs the peers thread a
// read of the table, which stays well under its budget at HAProxy's sizes (README "Peers"). Peers thread only.

import { ENTRY, EntryState } from '../shared/stick-layout.js';
import type { StickStore } from '../shared/stick-store.js';

/** Slots of one pass whose entry is new or whose data changed, with the stamp they were read under. */
export interface Changes {
  readonly slots: Int32Array;
  readonly stamps: Int32Array;
  count: number;
}

/** A shadow record: [stamp, expiry last sent, track words…, data words…]. */
const SHADOW_EXPIRE = 1;
const SHADOW_TRACKS = 2;

export class ChangeScan {
  readonly store: StickStore;
  private readonly ew: number;
  private readonly dataAt: number;
  private readonly tracksAt: number;
  private readonly tracks: number;
  /** Words per slot in the shadow: the stamp, the expiry last sent, the track words, the data words. */
  private readonly sw: number;
  /**
   * Per slot: the stamp, the expiry, the track words and data words last sent. Only the words a change is judged on
   * are kept, in one record, so a pass and an absorb() move about half the bytes a copy of the whole entry would, and
   * an absorb() (one per applied update, at a random slot) misses the cache once, not once per array.
   */
  private readonly shadow: Int32Array;
  /** 1 where the shadow holds a live entry. */
  private readonly seen: Uint8Array;
  private readonly touchStep: number;
  private readonly out: Changes;
  private all: Changes | undefined;
  private readonly raw: { readonly words: Int32Array; readonly at: number };

  constructor(store: StickStore) {
    this.store = store;
    const l = store.layout;
    this.ew = l.entryWords;
    this.dataAt = l.keyAt + l.keyWords;
    this.tracksAt = l.tracksAt;
    this.tracks = l.keyAt - l.tracksAt;
    this.sw = SHADOW_TRACKS + this.tracks + (this.ew - this.dataAt);
    this.shadow = new Int32Array(l.capacity * this.sw);
    this.seen = new Uint8Array(l.capacity);
    this.touchStep = l.expire > 0 ? Math.max(1000, Math.floor(l.expire / 4)) : 0;
    this.raw = store.rawEntries();
    this.out = { slots: new Int32Array(l.capacity), stamps: new Int32Array(l.capacity), count: 0 };
  }

  /**
   * One pass over the table: the live entries that are new (another stamp) or whose data or track words differ
   * from the shadow, which is brought up to date. Allocation-free.
   */
  scan(): Changes {
    const out = this.out;
    out.count = 0;
    const { shadow, seen, ew, sw, tracks, touchStep } = this;
    const { words } = this.raw;
    const slots = this.store.slots;
    // Offsets from an entry's first word and a shadow record's first word, hoisted: the pass is one stream
    // through the table and one through the shadow, and its cost is mostly the per-slot work (measured: reading
    // only the state words takes about a quarter of a full pass).
    const tracksFrom = this.tracksAt;
    const tracksTo = tracksFrom + tracks;
    const dataFrom = this.dataAt;
    const shadowData = SHADOW_TRACKS + tracks - dataFrom;
    const shadowTracks = SHADOW_TRACKS - tracksFrom;
    const STATE = ENTRY.state;
    const STAMP = ENTRY.stamp;
    const EXPIRE = ENTRY.expire;
    const LIVE = EntryState.LIVE;
    for (let slot = 0, e = this.raw.at, base = 0; slot < slots; slot++, e += ew, base += sw) {
      if (words[e + STATE] !== LIVE) {
        // Written only when it changes: an untouched shadow line stays clean in the cache.
        if (seen[slot] !== 0) seen[slot] = 0;
        continue;
      }
      const stamp = words[e + STAMP] ?? 0;
      // Branch-free compare of the words a change is judged on (the stamp, the track words, the data words).
      let diff = (stamp ^ (shadow[base] ?? 0)) | (seen[slot] ?? 0) ^ 1;
      for (let w = tracksFrom; w < tracksTo; w++) diff |= (words[e + w] ?? 0) ^ (shadow[base + shadowTracks + w] ?? 0);
      for (let w = dataFrom; w < ew; w++) diff |= (words[e + w] ?? 0) ^ (shadow[base + shadowData + w] ?? 0);
      const expire = words[e + EXPIRE] ?? 0;
      if (diff === 0 && (touchStep === 0 || ((expire - (shadow[base + SHADOW_EXPIRE] ?? 0)) | 0) < touchStep)) continue;
      this.take(slot, e, stamp, expire);
      out.slots[out.count] = slot;
      out.stamps[out.count] = stamp;
      out.count++;
    }
    return out;
  }

  /** The shadow of `slot` becomes the entry at word `e` as read now. */
  private take(slot: number, e: number, stamp: number, expire: number): void {
    const { words } = this.raw;
    const shadow = this.shadow;
    const base = slot * this.sw;
    shadow[base] = stamp;
    shadow[base + SHADOW_EXPIRE] = expire;
    for (let w = 0; w < this.tracks; w++) shadow[base + SHADOW_TRACKS + w] = words[e + this.tracksAt + w] ?? 0;
    for (let w = this.dataAt, s = base + SHADOW_TRACKS + this.tracks; w < this.ew; w++, s++) shadow[s] = words[e + w] ?? 0;
    this.seen[slot] = 1;
  }

  /**
   * Every live entry, for a peer that asks for a full resync; the shadow is left alone, so the changes the other
   * sessions are owed still go out on the next scan(). Uses its own arrays (allocated on first use).
   */
  listAll(): Changes {
    this.all ??= { slots: new Int32Array(this.store.slots), stamps: new Int32Array(this.store.slots), count: 0 };
    const out = this.all;
    out.count = 0;
    const { words, at } = this.raw;
    for (let slot = 0; slot < this.store.slots; slot++) {
      const e = at + slot * this.ew;
      if (words[e + ENTRY.state] !== EntryState.LIVE) continue;
      out.slots[out.count] = slot;
      out.stamps[out.count] = words[e + ENTRY.stamp] ?? 0;
      out.count++;
    }
    return out;
  }

  /** What warm() read: kept so that the read is not optimised away. */
  warmed = 0;

  /** Reads the shadow record of `slot` (see StickStore.warm), so its line is in the cache when absorb() writes it. */
  warm(slot: number): void {
    this.warmed ^= this.shadow[slot * this.sw] ?? 0;
  }

  /** After a peer's update was applied to `slot`: take its words as seen, so it is not sent back as a change. */
  absorb(slot: number): void {
    const { words, at } = this.raw;
    const e = at + slot * this.ew;
    if (words[e + ENTRY.state] !== EntryState.LIVE) return;
    this.take(slot, e, words[e + ENTRY.stamp] ?? 0, words[e + ENTRY.expire] ?? 0);
  }
}
