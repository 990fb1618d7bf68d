// Every registered `balance` algorithm runs the shared conformance suite (tests/support/balancer-conformance.ts);
// the hashing ones run it under both hash-type methods and with avalanche.

import { getAlgorithm, algorithmNames } from '../../core/balance/registry.js';
import { balancerConformance } from '../support/balancer-conformance.js';

// The `balance` lines of the algorithms that require an argument.
const LINES: Readonly<Record<string, string>> = { hdr: 'hdr(X-Key)', url_param: 'url_param id' };

for (const name of algorithmNames()) {
  const line = LINES[name] ?? name;
  balancerConformance(name, { line });
  if (getAlgorithm(name)?.needs !== 'none') {
    balancerConformance(name, {
      line,
      label: 'hash-type consistent',
      hashType: { method: 'consistent', function: 'sdbm', avalanche: false },
    });
    balancerConformance(name, {
      line,
      label: 'hash-type map-based djb2 avalanche',
      hashType: { method: 'map-based', function: 'djb2', avalanche: true },
    });
  }
}
