// The `balance` keyword → algorithm table (HAProxy 2.6 §4.2 `balance`): the users' vocabulary in one place.
// config/ reads names and metadata from here (validation); forwarder threads call createBalancer() at start.
// Adding an algorithm = one file exporting a BalancerAlgorithm + one line below.

import type { BalanceConfig } from '../../config/model.js';
import { OrcaError } from '../errors.js';
import type { Balancer, BalancerAlgorithm, BackendView } from './balancer.js';
import { dolphindbLoadAlgorithm } from './dolphindb-load.js';
import { firstAlgorithm } from './first.js';
import { hdrAlgorithm, uriAlgorithm, urlParamAlgorithm } from './http-hash.js';
import { leastconnAlgorithm } from './leastconn.js';
import { randomAlgorithm } from './random.js';
import { roundrobinAlgorithm } from './roundrobin.js';
import { sourceAlgorithm } from './source.js';
import { staticRrAlgorithm } from './static-rr.js';

// In HAProxy's documentation order, then orcalb's own. `hdr` is written `hdr(<name>)` and `random` `random(<draws>)`
// in a config: config/ passes the parenthesised part as the first argument.
const ALGORITHMS: readonly BalancerAlgorithm[] = [
  roundrobinAlgorithm,
  staticRrAlgorithm,
  leastconnAlgorithm,
  firstAlgorithm,
  sourceAlgorithm,
  uriAlgorithm,
  urlParamAlgorithm,
  hdrAlgorithm,
  randomAlgorithm,
  dolphindbLoadAlgorithm,
];

const BY_NAME: ReadonlyMap<string, BalancerAlgorithm> = new Map(ALGORITHMS.map((a) => [a.name, a]));

/** The algorithm registered under a `balance` keyword, or undefined. Any thread; pure. */
export function getAlgorithm(name: string): BalancerAlgorithm | undefined {
  return BY_NAME.get(name);
}

/** Every registered `balance` keyword, in HAProxy's documentation order. Any thread; returns a fresh array. */
export function algorithmNames(): string[] {
  return ALGORITHMS.map((a) => a.name);
}

/**
 * Builds the balancer a forwarder thread uses for one backend. Call once per backend per thread (balancers cache
 * per-thread tables). Throws OrcaError ORCA_INTERNAL for an unknown algorithm or bad arguments: config validation
 * must have rejected those already, so reaching it is a bug.
 */
export function createBalancer(backend: BackendView, balance: BalanceConfig): Balancer {
  const algorithm = getAlgorithm(balance.algorithm);
  if (algorithm === undefined) {
    throw new OrcaError('ORCA_INTERNAL', `backend '${backend.name}': unknown balance algorithm '${balance.algorithm}'`);
  }
  const problem = algorithm.validateArgs(balance.args);
  if (problem !== undefined) {
    throw new OrcaError('ORCA_INTERNAL', `backend '${backend.name}': balance ${balance.algorithm}: ${problem}`);
  }
  return algorithm.create(backend, { args: balance.args, hashType: balance.hashType });
}
