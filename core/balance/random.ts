// `balance random` / `random(<draws>)` (HAProxy 2.6 §4.2): draw N servers at random, weighted by effective weight,
// and keep the least loaded of them ("power of two choices" with the default N = 2). HAProxy draws random keys on
// its consistent-hash ring; a direct weighted draw gives each server exactly its weight share. Forwarder threads.

import type { BalanceArgs } from '../../config/model.js';
import {
  argsOfKind,
  LB_KIND,
  type Balancer,
  type BalancerAlgorithm,
  type BackendView,
  type PickRequest,
} from './balancer.js';
import { EligibleSnapshot } from './eligible-snapshot.js';
import type { ServerView } from '../shared/server-slot.js';

/** A source of uniform numbers in [0, 1); Math.random by default, injectable so tests can be reproducible. */
export type RandomSource = () => number;

/**
 * `random[(<draws>)]` (HAProxy 2.6 backend_parse_balance): no parenthesis means 2 draws; the draw count is a positive
 * integer, with HAProxy's texts for a count below 1 and for a character that is not a digit. Returns the parsed
 * arguments or an error text. Main thread, config load; pure.
 */
function parseRandomArgs(inner: string | undefined, rest: readonly string[]): BalanceArgs | string {
  // haproxy 2.6.12 ignores words after `random(...)`; orcalb refuses them (unchanged since it first parsed them).
  if (rest.length > 0) return `'balance random' does not take argument '${rest[0] ?? ''}'`;
  if (inner === undefined) return { kind: 'random', draws: 2 };
  // HAProxy reads the count with strtol(): a sign and digits, then ')' must follow.
  const number = /^[+-]?\d+/.exec(inner)?.[0] ?? '';
  if (number.length < inner.length) {
    return `balance random : unexpected character '${inner[number.length] ?? ''}' after argument.`;
  }
  // An empty `random()` and a signed count stay refused, as before (haproxy 2.6.12 takes them as 2 draws and as the
  // number).
  const draws = /^\d+$/.test(inner) ? Number(inner) : 0;
  if (!Number.isSafeInteger(draws) || draws < 1) return 'balance random : number of draws must be at least 1.';
  return { kind: 'random', draws };
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
  kind: LB_KIND.hash,
  needs: 'none',
  dynamicWeights: true,
  readsLoad: false,
  dynamicServers: 'always',
  parseArgs: parseRandomArgs,
  create: (backend, options) => new RandomBalancer(backend, argsOfKind(options.args, 'random').draws),
};
