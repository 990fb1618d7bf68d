// `balance random` / `random(<draws>)` (HAProxy 2.6 §4.2): draw N servers at random, weighted by effective weight,
// and keep the least loaded of them ("power of two choices" with the default N = 2). HAProxy draws random keys on
// its consistent-hash ring; a direct weighted draw gives each server exactly its weight share. Forwarder threads.

import type { Balancer, BalancerAlgorithm, BackendView, PickRequest } from './balancer.js';
import { EligibleSnapshot } from './eligible-snapshot.js';
import type { ServerView } from '../shared/server-slot.js';

/** A source of uniform numbers in [0, 1); Math.random by default, injectable so tests can be reproducible. */
export type RandomSource = () => number;

/** Parses `random(<draws>)` arguments: none → 2; one positive integer; else an error text. Pure. */
export function parseDraws(args: readonly string[]): number | string {
  if (args.length === 0) return 2;
  const text = args[0] ?? '';
  const n = Number(text);
  if (args.length > 1 || text.trim() === '' || !Number.isInteger(n)) {
    return `random : expects one integer number of draws (got '${args.join(' ')}')`;
  }
  if (n < 1) return 'random : number of draws must be at least 1';
  return n;
}

/** The random(N) balancer. One per forwarder thread (it caches the eligible set). */
export class RandomBalancer implements Balancer {
  private readonly snapshot: EligibleSnapshot;
  private readonly draws: number;
  private readonly random: RandomSource;
  /** cumulative[i] = sum of weights[0..i]; rebuilt with the snapshot. */
  private cumulative = new Float64Array(0);

  constructor(backend: BackendView, draws: number, random: RandomSource = Math.random) {
    this.snapshot = new EligibleSnapshot(backend, 'effective');
    this.draws = Math.max(1, Math.floor(draws));
    this.random = random;
  }

  pick(request: PickRequest): ServerView | undefined {
    if (this.snapshot.refresh()) {
      let sum = 0;
      this.cumulative = Float64Array.from(this.snapshot.weights, (w) => (sum += w));
    }
    const skip = request.skip;
    let best: ServerView | undefined;
    let bestWeight = 0;
    for (let d = 0; d < this.draws; d++) {
      const drawn = skip === undefined ? this.draw() : this.drawUnskipped(skip);
      if (drawn === undefined) return undefined;
      const [s, w] = drawn;
      // HAProxy keeps the earlier draw when it is strictly less loaded per unit of weight (conns/weight compared
      // by cross-multiplying); on a tie the new draw wins.
      if (best !== undefined && best !== s && s.liveConns() * bestWeight > best.liveConns() * w) continue;
      best = s;
      bestWeight = w;
    }
    return best;
  }

  /** One weighted draw over all eligible servers: binary search of a uniform point in the cumulative weights. */
  private draw(): [ServerView, number] | undefined {
    const { servers, weights, total } = this.snapshot;
    if (total <= 0) return undefined;
    const point = this.random() * total;
    let lo = 0;
    let hi = servers.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulative[mid] ?? 0) > point) hi = mid;
      else lo = mid + 1;
    }
    const s = servers[lo];
    return s === undefined ? undefined : [s, weights[lo] ?? 0];
  }

  // With a skip filter the draw is over the servers it lets through, so skipped servers' shares are spread in
  // proportion to the others' weights. O(servers) per draw; only used on redispatch or when some are full.
  private drawUnskipped(skip: (s: ServerView) => boolean): [ServerView, number] | undefined {
    const { servers, weights } = this.snapshot;
    let total = 0;
    for (let i = 0; i < servers.length; i++) {
      const s = servers[i];
      if (s !== undefined && !skip(s)) total += weights[i] ?? 0;
    }
    if (total <= 0) return undefined;
    let point = this.random() * total;
    let last: [ServerView, number] | undefined;
    for (let i = 0; i < servers.length; i++) {
      const s = servers[i];
      if (s === undefined || skip(s)) continue;
      const w = weights[i] ?? 0;
      last = [s, w];
      if (point < w) return last;
      point -= w;
    }
    // Floating-point rounding can leave point a hair above the last weight: the last candidate takes it.
    return last;
  }
}

export const randomAlgorithm: BalancerAlgorithm = {
  name: 'random',
  needs: 'none',
  dynamicWeights: true,
  validateArgs: (args) => {
    const draws = parseDraws(args);
    return typeof draws === 'string' ? draws : undefined;
  },
  create: (backend, options) => {
    const draws = parseDraws(options.args);
    return new RandomBalancer(backend, typeof draws === 'number' ? draws : 2);
  },
};
