// `balance roundrobin` (HAProxy 2.6 §4.2): weighted round robin over EFFECTIVE weights, which slowstart and
// `set weight` change at run time. HAProxy walks a weighted tree (lb_fwrr.c); we use the smooth weighted sequence
// (nginx's algorithm), which never sends a burst to the heavy server. Runs on forwarder threads, no lock.

import { argsOfKind, LB_KIND, noArguments, type BalancerAlgorithm } from './balancer.js';
import { weightGcd } from './eligible-snapshot.js';
import { SequenceBalancer } from './ticket-sequence.js';

/**
 * One period of the smooth weighted round-robin sequence: at each step every server's credit grows by its weight,
 * the richest server (first in config order on a tie) is picked and pays the total weight back.
 * Weights 5,1,1 give a,a,b,a,c,a,a; equal weights give 0,1,2,…. Pure; O(period × servers); allocates the result.
 */
export function smoothWeightedSequence(weights: readonly number[]): Int32Array {
  // Scaling every weight by the same factor yields the same picks, so dividing by the gcd shortens the period
  // (weights 100,100,100 → a period of 3, not 300) without changing the order.
  const g = weightGcd(weights);
  const w = weights.map((x) => (x > 0 ? x / g : 0));
  const total = w.reduce((a, b) => a + b, 0);
  const out = new Int32Array(total);
  const credit = new Float64Array(w.length);
  for (let step = 0; step < total; step++) {
    let best = -1;
    for (let i = 0; i < w.length; i++) {
      const wi = w[i] ?? 0;
      if (wi <= 0) continue;
      credit[i] = (credit[i] ?? 0) + wi;
      // Strictly greater: ties go to the server declared first, which makes the sequence start at server 0.
      if (best < 0 || (credit[i] ?? 0) > (credit[best] ?? 0)) best = i;
    }
    out[step] = best;
    credit[best] = (credit[best] ?? 0) - total;
  }
  return out;
}

export const roundrobinAlgorithm: BalancerAlgorithm = {
  name: 'roundrobin',
  kind: LB_KIND.roundRobin,
  needs: 'none',
  dynamicWeights: true,
  readsLoad: false,
  dynamicServers: 'always',
  parseArgs: (inner, rest) => noArguments('roundrobin', inner, rest),
  create: (backend, options) => {
    argsOfKind(options.args, 'none');
    return new SequenceBalancer(backend, 'effective', smoothWeightedSequence);
  },
};
