// A DolphinDB node's own recent latency for `balance dolphindb-load` (issue 16): each balancer (one per backend per
// forwarder thread) reads the `option dolphindb-inspect` histogram's count and latency sum of every node once per
// window and keeps the mean of the exchanges that ended in it; a node slower than the backend's fastest then scores
// up to LATENCY_WEIGHT more, so new sessions go elsewhere while it stays slow. Every thread reads the same shared
// counters, so they agree to within one window. Forwarder threads; the pick path, allocation-free after warm-up.

import type { ServerView } from '../shared/server-slot.js';

/** How often the means are taken, ms. */
export const LATENCY_WINDOW_MS = 1000;
/** Windows a node's mean is kept while it has no new exchange (a slow node that now gets none stays slow). */
const KEEP_WINDOWS = 10;
/**
 * Means below this count as this (µs): under 5 ms the difference between two nodes is mostly the script's and the
 * network's noise, and chasing it would make two equal nodes look different.
 */
export const LATENCY_FLOOR_US = 5000;
/** Score ×1000 a node adds when it is infinitely slower than the fastest: 0.5, about 10 placed connections. */
export const LATENCY_WEIGHT = 500;

export class RecentLatency {
  private due = 0;
  private readonly count: number[] = [];
  private readonly sum: number[] = [];
  /** Mean of the last window with exchanges, µs; 0 when unknown. */
  private readonly mean: number[] = [];
  private readonly age: number[] = [];
  private readonly penalties: number[] = [];

  /**
   * Takes a new window when the last one is LATENCY_WINDOW_MS old (`now`: performance.now() ms): every server's
   * delta since the previous window becomes its mean, then each known mean's penalty against the fastest known.
   */
  refresh(servers: readonly ServerView[], now: number): void {
    if (now < this.due) return;
    const first = this.due === 0;
    this.due = now + LATENCY_WINDOW_MS;
    let fastest = Infinity;
    for (let i = 0; i < servers.length; i++) {
      const s = servers[i] as ServerView;
      const n = s.ddbExchanges();
      const us = s.ddbLatencyUs();
      const dn = n - (this.count[i] ?? 0);
      const dus = us - (this.sum[i] ?? 0);
      this.count[i] = n;
      this.sum[i] = us;
      // The first look has no previous window: the whole history stands in for the recent one.
      if (dn > 0) {
        this.mean[i] = Math.max(LATENCY_FLOOR_US, dus / dn);
        this.age[i] = 0;
      } else if ((this.age[i] = (this.age[i] ?? 0) + 1) > KEEP_WINDOWS || first) {
        this.mean[i] = 0;
      }
      const m = this.mean[i] ?? 0;
      if (m > 0 && m < fastest) fastest = m;
    }
    for (let i = 0; i < servers.length; i++) {
      const m = this.mean[i] ?? 0;
      this.penalties[i] = m > 0 ? Math.round(LATENCY_WEIGHT * (1 - fastest / m)) : 0;
    }
  }

  /** Server `index`'s latency term, score ×1000 (0 for the fastest, for an unknown node, and without inspect). */
  penalty(index: number): number {
    return this.penalties[index] ?? 0;
  }
}
