// `set weight`'s `W` / `W%` turned into an absolute user weight, with haproxy 2.6.12's answers for each mistake
// (measured with socat; `B/S` is resolved by show-servers.ts serverByPath). Stats thread; pure.

import type { BackendConfig, ServerConfig } from '../../config/model.js';
import { getAlgorithm } from '../balance/registry.js';

/** HAProxy's SRV_UWGHT_MAX. */
const MAX_WEIGHT = 256;

/**
 * HAProxy's static algorithms (no BE_LB_PROP_DYN): static-rr and the map-based hashes, whose server weights cannot
 * change at run time except to 0 and back to the initial weight.
 */
export function hasStaticWeights(backend: BackendConfig): boolean {
  const { algorithm } = backend.balance;
  if (algorithm === 'static-rr') return true;
  return getAlgorithm(algorithm)?.kind === 'hash' && algorithm !== 'random' && backend.balance.hashType.method === 'map-based';
}

/**
 * The new user weight of `server` for the word `W` or `W%` (a percentage of the initial weight, capped at 256), or
 * the answer text that refuses it. strtol's reading, as haproxy's: leading blanks and a sign are allowed.
 */
export function parseWeightChange(backend: BackendConfig, server: ServerConfig, word: string | undefined): number | { readonly message: string } {
  if (word === undefined || word === '') return { message: 'Require <weight> or <weight%>.\n' };
  const m = /^\s*([+-]?\d+)(.*)$/s.exec(word);
  // haproxy 2.6.12 prints the next three without the empty line that ends its other answers.
  if (m === null) return { message: 'Empty weight string empty or preceded by garbage' };
  const n = Number(m[1]);
  const rest = m[2] ?? '';
  let weight: number;
  if (rest === '%') {
    if (n < 0) return { message: 'Relative weight must be positive.\n' };
    weight = Math.min(MAX_WEIGHT, Math.floor((server.weight * n) / 100));
  } else if (rest !== '') {
    return { message: 'Trailing garbage in weight string' };
  } else {
    if (n < 0 || n > MAX_WEIGHT) return { message: 'Absolute weight can only be between 0 and 256 inclusive.\n' };
    weight = n;
  }
  if (hasStaticWeights(backend) && weight !== 0 && weight !== server.weight) {
    return { message: "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n" };
  }
  return weight;
}
