// `hash-type consistent` (HAProxy 2.6 §4.2, lb_chash.c): a ring of 32-bit points, weight × 16 per server
// (BE_WEIGHT_SCALE), at full_hash(id × 4096 + j) with id = the server's 1-based position, exactly HAProxy's keys,
// so a given key reaches the same server as under HAProxy. Built per forwarder thread; read without locks.

import type { ServerView } from '../shared/server-slot.js';
import type { HashLookup } from './hash-lookup.js';
import { fullHash } from './hash-functions.js';

/** HAProxy's BE_WEIGHT_SCALE: ring points per unit of user weight. */
export const POINTS_PER_WEIGHT = 16;
/** HAProxy's SRV_EWGHT_RANGE (256 × 16): the key space reserved for one server's points. */
const POINT_RANGE = 256 * POINTS_PER_WEIGHT;

/** A consistent-hash ring. Immutable once built; O(points · log points) to build, O(log points) to look up. */
export class ConsistentRing implements HashLookup {
  private readonly servers: readonly ServerView[];
  /** Point keys in ascending unsigned order. */
  private readonly keys: Uint32Array;
  /** owners[k] = index into `servers` of the point keys[k]. */
  private readonly owners: Int32Array;

  /**
   * `weights[i]` is servers[i]'s weight on the user scale (1..256); it gets weight × 16 points. Effective weights
   * may be passed: HAProxy's ring follows slowstart too (it inserts or removes a server's points as it ramps).
   */
  constructor(servers: readonly ServerView[], weights: readonly number[]) {
    this.servers = servers;
    const points: Array<[number, number]> = [];
    servers.forEach((s, i) => {
      const count = Math.min(POINT_RANGE, Math.max(0, Math.round((weights[i] ?? 0) * POINTS_PER_WEIGHT)));
      // HAProxy's default server id is its 1-based position in the backend, backups included.
      const base = (s.index + 1) * POINT_RANGE;
      for (let j = 0; j < count; j++) points.push([fullHash(base + j), i]);
    });
    // Ties keep insertion order (stable sort), as HAProxy's tree keeps duplicates in insertion order.
    points.sort((a, b) => a[0] - b[0]);
    this.keys = Uint32Array.from(points, (p) => p[0]);
    this.owners = Int32Array.from(points, (p) => p[1]);
  }

  get size(): number {
    return this.keys.length;
  }

  /** Index of the first point with key >= hash, or 0 (wrap) when there is none. */
  private ceiling(hash: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] ?? 0) < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.keys.length ? 0 : lo;
  }

  /**
   * The owner of the point closest to `hash` on the ring (the point before wins a tie, as in HAProxy's
   * chash_get_server_hash); when `skip` rejects it, the owners of the following points, at most one lap.
   */
  byHash(hash: number, skip?: (s: ServerView) => boolean): ServerView | undefined {
    const n = this.keys.length;
    if (n === 0) return undefined;
    const h = hash >>> 0;
    const next = this.ceiling(h);
    const prev = next === 0 ? n - 1 : next - 1;
    // Distances are measured modulo 2^32 so that the ring wraps around.
    const toPrev = (h - (this.keys[prev] ?? 0)) >>> 0;
    const toNext = ((this.keys[next] ?? 0) - h) >>> 0;
    return this.walk(toPrev <= toNext ? prev : next, skip);
  }

  /** Round-robin fallback: the owner of point ticket % size, walking on past skipped servers. */
  byTicket(ticket: number, skip?: (s: ServerView) => boolean): ServerView | undefined {
    const n = this.keys.length;
    return n === 0 ? undefined : this.walk(ticket % n, skip);
  }

  private walk(start: number, skip?: (s: ServerView) => boolean): ServerView | undefined {
    const n = this.keys.length;
    for (let step = 0; step < n; step++) {
      const s = this.servers[this.owners[(start + step) % n] ?? 0];
      if (s !== undefined && (skip === undefined || !skip(s))) return s;
    }
    return undefined;
  }
}
