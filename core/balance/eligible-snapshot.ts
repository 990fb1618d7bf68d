// A per-thread snapshot of a backend's eligible servers and the weights an algorithm works with, re-checked on
// every pick so that cached tables (rr sequences, hash maps, rings) are rebuilt the moment a state or weight moves.
// HAProxy rebuilds such tables under the LBPRM lock on server up/down/weight callbacks (lb_fwrr.c, lb_map.c);
// each forwarder thread keeps its own copy instead, so no thread ever waits on another.

import { eligibleServers, type BackendView } from './balancer.js';
import type { ServerView } from '../shared/server-slot.js';

/**
 * Which weight an algorithm follows: `effective` (changes at run time: slowstart, `set weight`) or `config` (the
 * static `weight` of the server line, as HAProxy's map-based algorithms use it).
 */
export type WeightSource = 'effective' | 'config';

/** The eligible servers and their weights, valid until the next `refresh()` returns true. */
export class EligibleSnapshot {
  private readonly backend: BackendView;
  private readonly source: WeightSource;
  /** Per backend server, the effective weight last seen, or 0 when it was unusable (down, maint, weight 0). */
  private readonly seen: Int32Array;
  private generation = 0;
  private built = false;
  /** Eligible servers in config order (see eligibleServers()). */
  servers: readonly ServerView[] = [];
  /** Weight of each eligible server, same order; always > 0. */
  weights: readonly number[] = [];
  /** Sum of `weights`. */
  total = 0;

  constructor(backend: BackendView, source: WeightSource) {
    this.backend = backend;
    this.source = source;
    this.seen = new Int32Array(backend.servers.length);
  }

  /**
   * Re-reads every server's state and weight (two Atomics loads each) and the backend generation. Returns true when
   * anything differs from the last call, after rebuilding `servers`/`weights`. Forwarder thread; no allocation
   * unless something changed; never throws.
   */
  refresh(): boolean {
    const generation = this.backend.generation();
    let changed = !this.built || generation !== this.generation;
    const list = this.backend.servers;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (s === undefined) continue;
      // Reading the generation first and the servers after means a change that lands in between is seen now or,
      // at worst, on the next pick: the health thread bumps the generation after it stores state and weight.
      const w = s.isUp() ? Math.max(0, s.weight()) : 0;
      if (this.seen[i] !== w) {
        this.seen[i] = w;
        changed = true;
      }
    }
    if (!changed) return false;
    this.generation = generation;
    this.built = true;
    this.rebuild();
    return true;
  }

  private rebuild(): void {
    const servers: ServerView[] = [];
    const weights: number[] = [];
    for (const s of eligibleServers(this.backend)) {
      // eligibleServers() re-reads the buffer; a change racing with us is caught by the next refresh(), because
      // `seen` still holds the older value. Use `seen` so the table matches what refresh() compared against.
      const w = this.source === 'config' ? s.configWeight : (this.seen[s.index] ?? 0);
      if (w <= 0) continue;
      servers.push(s);
      weights.push(w);
    }
    this.servers = servers;
    this.weights = weights;
    this.total = weights.reduce((a, b) => a + b, 0);
  }
}

/** Greatest common divisor of the positive numbers in `values` (1 when there are none). Pure. */
export function weightGcd(values: Iterable<number>): number {
  let g = 0;
  for (const v of values) {
    let a = v;
    if (a <= 0) continue;
    let b = g;
    while (b !== 0) {
      const t = a % b;
      a = b;
      b = t;
    }
    g = a;
  }
  return g === 0 ? 1 : g;
}
