// `balance static-rr` (HAProxy 2.6 §4.2, lb_map.c map_get_server_rr): weighted round robin over the STATIC
// weights of the server lines; slowstart and `set weight` do not change the proportions. The sequence is
// HAProxy's own map order (see hash-map-based.ts), walked by the shared ticket. Forwarder threads, no lock.

import { argsOfKind, LB_KIND, noArguments, type BalancerAlgorithm, type BackendView } from './balancer.js';
import { weightGcd } from './eligible-snapshot.js';
import { haproxyWeightMap } from './hash-map-based.js';
import { SequenceBalancer } from './ticket-sequence.js';

/**
 * A static-rr balancer: the gcd of all configured weights is taken once, as HAProxy's init_server_map() does, so
 * weights 10,10,20 cycle a,c,b,c (period 4, not 40). One per forwarder thread.
 */
export function createStaticRr(backend: BackendView): SequenceBalancer {
  const gcd = weightGcd(backend.servers.map((s) => s.configWeight));
  return new SequenceBalancer(backend, 'config', (weights) =>
    haproxyWeightMap(weights.map((w) => Math.max(1, Math.ceil(w / gcd)))),
  );
}

export const staticRrAlgorithm: BalancerAlgorithm = {
  name: 'static-rr',
  kind: LB_KIND.roundRobin,
  needs: 'none',
  dynamicWeights: false,
  readsLoad: false,
  dynamicServers: 'never',
  parseArgs: (inner, rest) => noArguments('static-rr', inner, rest),
  create: (backend, options) => {
    argsOfKind(options.args, 'none');
    return createStaticRr(backend);
  },
};
