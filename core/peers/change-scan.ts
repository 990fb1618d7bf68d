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

export class ChangeScan {
  readonly store: StickStore;
  private readonly ew: number;
  private readonly dataAt: number;
  private readonly shadow: Int32Array;
  /** Each slot's expiry when it was last sent: a touch alone is sent again once it moved by a quarter of `expire`. */
  private readonly sentExpire: Int32Array;
  private readonly touchStep: number;
  private readonly out: Changes;
  private all: Changes | undefined;
  private readonly raw: { readonly words: Int32Array; readonly at: number };

  constructor(store: StickStore) {
    this.store = store;
    const l = store.layout;
    this.ew = l.entryWords;
    this.dataAt = l.keyAt + l.keyWords;
    this.shadow = new Int32Array(l.capacity * this.ew);
    this.sentExpire = new Int32Array(l.capacity);
    this.touchStep = l.expire > 0 ? Math.max(1000, Math.floor(l.expire / 4)) : 0;
    this.raw = store.rawEntries();
    this.out = { slots: new Int32Array(l.capacity), stamps: new Int32Array(l.capacity), count: 0 };
  }

  /**
   * One pass over the table: the live entries that are new (another stamp) or whose data words differ from the
   * shadow, which is brought up to date. Allocation-free.
   */
  scan(): Changes {
    const out = this.out;
    out.count = 0;
    const store = this.store;
    const shadow = this.shadow;
    const ew = this.ew;
    const { words, at } = this.raw;
    const { tracksAt, keyAt } = store.layout;
    for (let slot = 0; slot < store.slots; slot++) {
      const e = at + slot * ew;
      const base = slot * ew;
      if (words[e + ENTRY.state] !== EntryState.LIVE) {
        shadow[base + ENTRY.state] = 0;
        continue;
      }
      const stamp = words[e + ENTRY.stamp] ?? 0;
      let changed = shadow[base + ENTRY.state] !== EntryState.LIVE || shadow[base + ENTRY.stamp] !== stamp;
      for (let w = this.dataAt; w < ew && !changed; w++) if (words[e + w] !== shadow[base + w]) changed = true;
      // The track words (conn_cur) count too.
      for (let w = tracksAt; w < keyAt && !changed; w++) if (words[e + w] !== shadow[base + w]) changed = true;
      const expire = words[e + ENTRY.expire] ?? 0;
      if (!changed && this.touchStep > 0 && ((expire - (this.sentExpire[slot] ?? 0)) | 0) >= this.touchStep) changed = true;
      if (!changed) continue;
      for (let w = 0; w < ew; w++) shadow[base + w] = words[e + w] ?? 0;
      shadow[base + ENTRY.state] = EntryState.LIVE;
      this.sentExpire[slot] = expire;
      out.slots[out.count] = slot;
      out.stamps[out.count] = stamp;
      out.count++;
    }
    return out;
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

  /** After a peer's update was applied to `slot`: take its words as seen, so it is not sent back as a change. */
  absorb(slot: number): void {
    const { words, at } = this.raw;
    const e = at + slot * this.ew;
    if (words[e + ENTRY.state] !== EntryState.LIVE) return;
    const base = slot * this.ew;
    for (let w = 0; w < this.ew; w++) this.shadow[base + w] = words[e + w] ?? 0;
    this.sentExpire[slot] = words[e + ENTRY.expire] ?? 0;
  }
}
