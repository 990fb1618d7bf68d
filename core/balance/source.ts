// `balance source` (HAProxy 2.6 §4.2): the client address picks the server, so a client keeps its server while
// the set of servers does not change. Key = PickRequest.key, the client IP as Node prints it (or its raw bytes).
// Runs on forwarder threads: one HashBalancer per thread.

import type { HashTypeConfig } from '../../config/model.js';
import { argsOfKind, LB_KIND, noArguments, type BalancerAlgorithm } from './balancer.js';
import { HashBalancer, type KeyHasher } from './hash-balancer.js';
import { fullHash } from './hash-functions.js';
import { sourceAddressHash } from './hash-input.js';

/**
 * The source hasher for a `hash-type`. HAProxy 2.6 (backend.c get_server_sh) XORs the address's 32-bit words and
 * applies only the `avalanche` modifier: the hash *function* (sdbm, djb2…) is not used for source. We do the same,
 * so a client lands on the server HAProxy would give it. Keys that are not numeric IPs get round robin.
 */
export function sourceHasher(hashType: HashTypeConfig): KeyHasher {
  return (key) => {
    const h = sourceAddressHash(key);
    if (h === undefined) return undefined;
    return hashType.avalanche ? fullHash(h) : h;
  };
}

export const sourceAlgorithm: BalancerAlgorithm = {
  name: 'source',
  kind: LB_KIND.hash,
  needs: 'addr',
  // Static under map-based (HAProxy's default); the consistent ring follows effective weights (see HashBalancer).
  dynamicWeights: false,
  readsLoad: false,
  dynamicServers: 'consistent-hash',
  parseArgs: (inner, rest) => noArguments('source', inner, rest),
  create: (backend, options) => {
    argsOfKind(options.args, 'none');
    return new HashBalancer(backend, options.hashType, sourceHasher(options.hashType));
  },
};
