// `hash-type map-based` (HAProxy 2.6 §4.2, lb_map.c): a table of tot_weight slots where each server appears as
// often as its static weight (divided by the gcd of all weights); a hash picks slot hash % tot_weight. The same
// table is `static-rr`'s sequence. Built per forwarder thread; read without locks.

import type { ServerView } from '../shared/server-slot.js';
import type { HashLookup } from './hash-lookup.js';

/**
 * The slot order HAProxy's recalc_server_map() produces, so a given client hashes to the same server as under
 * HAProxy: per slot, every server's score grows by its weight, the first server with the highest
 * trunc((score + total) / total) wins and pays `total` back. Weights 5,1,1 → a,a,a,b,a,a,c.
 * Returns indexes into `weights`. Pure; O(total × servers).
 */
export function haproxyWeightMap(weights: readonly number[]): Int32Array {
  const total = weights.reduce((a, b) => a + (b > 0 ? b : 0), 0);
  const out = new Int32Array(total);
  const score = new Float64Array(weights.length);
  for (let slot = 0; slot < total; slot++) {
    let best = -1;
    let max = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i] ?? 0;
      if (w <= 0) continue;
      // HAProxy's one-slot table must name the first server: its formula would divide by a total of 1.
      if (total === 1) {
        best = i;
        break;
      }
      score[i] = (score[i] ?? 0) + w;
      // C integer division truncates toward zero; scores go negative after a win, so trunc, not floor.
      const v = Math.trunc(((score[i] ?? 0) + total) / total);
      if (best < 0 || v > max) {
        max = v;
        best = i;
      }
    }
    out[slot] = best;
    if (total > 1) score[best] = (score[best] ?? 0) - total;
  }
  return out;
}

/** A hash → server table in HAProxy's map order (see haproxyWeightMap). Immutable once built. */
export class WeightMapLookup implements HashLookup {
  private readonly servers: readonly ServerView[];
  private readonly map: Int32Array;

  /** `weights` must already be divided by the backend's weight gcd, as HAProxy does at config time. */
  constructor(servers: readonly ServerView[], weights: readonly number[]) {
    this.servers = servers;
    this.map = haproxyWeightMap(weights);
  }

  get size(): number {
    return this.map.length;
  }

  /**
   * The server at slot hash % size; when `skip` rejects it, the next slots in map order, at most one lap
   * (HAProxy's map lookup ignores the server to avoid; our contract forbids returning a skipped server).
   */
  byHash(hash: number, skip?: (s: ServerView) => boolean): ServerView | undefined {
    return this.walk((hash >>> 0) % Math.max(1, this.map.length), skip);
  }

  /** The round-robin fallback when the request has no key: slot ticket % size, same skip rule. */
  byTicket(ticket: number, skip?: (s: ServerView) => boolean): ServerView | undefined {
    return this.walk(ticket % Math.max(1, this.map.length), skip);
  }

  private walk(start: number, skip?: (s: ServerView) => boolean): ServerView | undefined {
    const n = this.map.length;
    for (let step = 0; step < n; step++) {
      const s = this.servers[this.map[(start + step) % n] ?? 0];
      if (s !== undefined && (skip === undefined || !skip(s))) return s;
    }
    return undefined;
  }
}
