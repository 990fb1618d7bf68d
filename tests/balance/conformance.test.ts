// Every registered `balance` algorithm runs the shared conformance suite (tests/support/balancer-conformance.ts);
// the hashing ones run it under both hash-type methods and with avalanche.

import { getAlgorithm, algorithmNames } from '../../core/balance/registry.js';
import { balancerConformance } from '../support/balancer-conformance.js';

// Arguments for the algorithms that require one (as config/ passes `hdr(X-Key)` and `url_param id`).
const ARGS: Readonly<Record<string, readonly string[]>> = { hdr: ['X-Key'], url_param: ['id'] };

for (const name of algorithmNames()) {
  const args = ARGS[name] ?? [];
  balancerConformance(name, { args });
  if (getAlgorithm(name)?.needs !== 'none') {
    balancerConformance(name, {
      args,
      label: 'hash-type consistent',
      hashType: { method: 'consistent', function: 'sdbm', avalanche: false },
    });
    balancerConformance(name, {
      args,
      label: 'hash-type map-based djb2 avalanche',
      hashType: { method: 'map-based', function: 'djb2', avalanche: true },
    });
  }
}
