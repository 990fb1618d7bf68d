// `balance dolphindb-load [COST]` (orcalb's own, for DolphinDB data nodes): the server with the lowest
// loadScore + COST × placedSinceReading, where loadScore is the health thread's last getPerf() reading (×1000, formula
// in core/dolphindb/load-score.ts) and placedSinceReading counts the connections every forwarder placed there since
// that reading. Forwarder threads, no lock: only Atomics loads of the shared buffer.

import { performance } from 'node:perf_hooks';
import {
  argsOfKind,
  LB_KIND,
  type Balancer,
  type BalancerAlgorithm,
  type BackendView,
  type PickRequest,
} from './balancer.js';
import { EligibleSnapshot } from './eligible-snapshot.js';
import { LOAD_SCORE } from '../dolphindb/load-score.js';
import { RecentLatency } from '../dolphindb/recent-latency.js';
import type { ServerView } from '../shared/server-slot.js';

/** Default COST of one placed connection, in score units ×1000 (0.05). */
export const DEFAULT_PLACEMENT_COST = 50;

/** `balance dolphindb-load [COST]`: COST is a decimal load fraction 0..10 (e.g. 0.05), kept ×1000. Pure. */
export function placementCost(args: readonly string[]): number | undefined {
  if (args.length === 0) return DEFAULT_PLACEMENT_COST;
  const text = args[0] ?? '';
  if (args.length > 1 || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  const cost = Number(text);
  return cost <= 10 ? Math.round(cost * 1000) : undefined;
}

/**
 * The score a pick compares for one server, ×1000: its reading (LOAD_SCORE.failed included), or `neutral` when it
 * has none yet (LOAD_SCORE.noReading, or any negative value a future sentinel may use). Pure.
 */
export function effectiveScore(raw: number, neutral: number): number {
  return raw < 0 ? neutral : raw;
}

/**
 * Why the placed count: a reading is up to `inter` old, and a session's work shows in the node's figures only later.
 * Picking by the reading alone sends every client of a burst to the node that looked idle (DolphinDB's own client
 * HA herds exactly so: protocol notes §8). Counting each placed connection as COST (default 0.05, i.e. 5 % of a
 * node's capacity) fills the nodes like water levels: the least loaded one takes connections until it looks as busy
 * as the next one, then both share, and so on. Ties go to the fewest live connections, then round robin. A node
 * without a reading yet counts as the mean of the known scores; a failed reading counts as worse than any.
 */
export class DolphinDbLoadBalancer implements Balancer {
  private readonly backend: BackendView;
  private readonly snapshot: EligibleSnapshot;
  private readonly cost: number;
  private readonly latency = new RecentLatency();

  constructor(backend: BackendView, cost: number) {
    this.backend = backend;
    this.snapshot = new EligibleSnapshot(backend, 'effective');
    this.cost = cost;
  }

  pick(request: PickRequest): ServerView | undefined {
    this.snapshot.refresh();
    const servers = this.snapshot.servers;
    const n = servers.length;
    if (n === 0) return undefined;
    const neutral = this.neutralScore(servers);
    // With option dolphindb-inspect, a node slower than the fastest lately scores more (recent-latency.ts).
    this.latency.refresh(this.backend.servers, performance.now());
    const start = this.backend.nextTicket() % n;
    let best: ServerView | undefined;
    let bestKey = 0;
    let bestConns = 0;
    for (let k = 0; k < n; k++) {
      const s = servers[(start + k) % n];
      if (s === undefined || (request.skip !== undefined && request.skip(s))) continue;
      // Two Atomics loads; the health thread may move either in between, which at worst costs one imprecise pick.
      // `set dolphindb B/S score-cost` (runtime API) overrides the backend's cost for one server.
      const own = s.placementCost();
      const key = effectiveScore(s.loadScore(), neutral) + (own >= 0 ? own : this.cost) * Math.max(0, s.placedSinceReading())
        + this.latency.penalty(s.index);
      const conns = s.liveConns();
      // Strict comparisons: the first in the rotated order keeps a full tie, so ties go round robin.
      if (best === undefined || key < bestKey || (key === bestKey && conns < bestConns)) {
        best = s;
        bestKey = key;
        bestConns = conns;
      }
    }
    return best;
  }

  /**
   * The mean of the real readings among the eligible servers (0 when there is none). A node that was just started
   * or came back from DOWN is then neither flooded as "idle" nor starved: it gets an average share until its
   * first reading, one check interval later.
   */
  private neutralScore(servers: readonly ServerView[]): number {
    let sum = 0;
    let count = 0;
    for (const s of servers) {
      const raw = s.loadScore();
      if (raw < 0 || raw > LOAD_SCORE.saturated) continue;
      sum += raw;
      count++;
    }
    return count === 0 ? 0 : Math.round(sum / count);
  }
}

export const dolphindbLoadAlgorithm: BalancerAlgorithm = {
  name: 'dolphindb-load',
  // Like leastconn, it looks at what the servers carry; no key pins a client to one.
  kind: LB_KIND.connectionBased,
  needs: 'none',
  // Weights only decide eligibility (0 = no new traffic); the load reading replaces them.
  dynamicWeights: false,
  readsLoad: true,
  dynamicServers: 'always',
  parseArgs: (inner, rest) => {
    if (inner !== undefined) return "'dolphindb-load' does not take an argument in parentheses";
    const cost = placementCost(rest);
    return cost === undefined
      ? `dolphindb-load takes an optional cost per placed connection, a number from 0 to 10 (got '${rest.join(' ')}')`
      : { kind: 'dolphindb-load', cost };
  },
  create: (backend, options) => new DolphinDbLoadBalancer(backend, argsOfKind(options.args, 'dolphindb-load').cost),
};
