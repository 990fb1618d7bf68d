// The `balance` keyword → algorithm table (HAProxy 2.6 §4.2 `balance`, backend_parse_balance): the users'
// vocabulary in one place. config/ reads names and metadata from here and parses `balance` lines with
// parseBalanceWords(); forwarder threads build their balancers and L7 key extractors here at start.
// Adding an algorithm = one file exporting a BalancerAlgorithm + one line below (+ its BalanceArgs shape if it has any).

import type { BalanceArgs, BalanceConfig } from '../../config/model.js';
import { OrcaError } from '../errors.js';
import type { Balancer, BalancerAlgorithm, BackendView, RequestKey } from './balancer.js';
import { dolphindbLoadAlgorithm } from './dolphindb-load.js';
import { firstAlgorithm } from './first.js';
import { hdrAlgorithm } from './hdr.js';
import { leastconnAlgorithm } from './leastconn.js';
import { randomAlgorithm } from './random.js';
import { roundrobinAlgorithm } from './roundrobin.js';
import { sourceAlgorithm } from './source.js';
import { staticRrAlgorithm } from './static-rr.js';
import { uriAlgorithm } from './uri.js';
import { urlParamAlgorithm } from './url-param.js';

// In HAProxy's documentation order, then orcalb's own.
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

/** What parseBalanceWords() makes of a `balance` line. */
export type ParsedBalance =
  | { readonly kind: 'ok'; readonly algorithm: string; readonly args: BalanceArgs }
  /** No algorithm of that name (or a malformed `name(...)` word). */
  | { readonly kind: 'unknown' }
  /** The algorithm's own error text (see BalancerAlgorithm.parseArgs). */
  | { readonly kind: 'error'; readonly message: string };

/**
 * Parses the words after `balance` (`['hdr(Host)', 'use_domain_only']`): the first is the algorithm, with an argument
 * in parentheses for `random(<draws>)` and `hdr(<name>)`, the rest its options; the algorithm's descriptor parses its
 * arguments. Main thread, config load; pure.
 */
export function parseBalanceWords(words: readonly string[]): ParsedBalance {
  const word = words[0] ?? '';
  const m = /^([a-z_-]+)(?:\((.*)\))?$/.exec(word);
  const algorithm = m === null ? undefined : getAlgorithm(m[1] ?? '');
  if (m === null || algorithm === undefined) return { kind: 'unknown' };
  const args = algorithm.parseArgs(m[2], words.slice(1));
  return typeof args === 'string' ? { kind: 'error', message: args } : { kind: 'ok', algorithm: algorithm.name, args };
}

/** The registered algorithm of a backend's `balance`; ORCA_INTERNAL when there is none (config load checked it). */
function algorithmOf(backendName: string, balance: BalanceConfig): BalancerAlgorithm {
  const algorithm = getAlgorithm(balance.algorithm);
  if (algorithm === undefined) {
    throw new OrcaError('ORCA_INTERNAL', `backend '${backendName}': unknown balance algorithm '${balance.algorithm}'`);
  }
  return algorithm;
}

/**
 * Builds the balancer a forwarder thread uses for one backend. Call once per backend per thread (balancers cache
 * per-thread tables). Throws OrcaError ORCA_INTERNAL for an unknown algorithm or arguments that are not its own:
 * config load must have produced the pair, so reaching it is a bug.
 */
export function createBalancer(backend: BackendView, balance: BalanceConfig): Balancer {
  const algorithm = algorithmOf(backend.name, balance);
  return algorithm.create(backend, { args: balance.args, hashType: balance.hashType });
}

/**
 * True when `add server` may add a server to a backend with this `balance` (HAProxy 2.6 refuses static-rr and the
 * map-based hashes: "Backend must use a dynamic load balancing to support dynamic servers."). Any thread; pure.
 */
export function takesDynamicServers(balance: BalanceConfig): boolean {
  const mode = getAlgorithm(balance.algorithm)?.dynamicServers ?? 'never';
  return mode === 'always' || (mode === 'consistent-hash' && balance.hashType.method === 'consistent');
}

/**
 * The per-request key of an L7 hash (`balance uri|url_param|hdr(name)`): what the HTTP forwarder passes as
 * PickRequest.key for each request head. Undefined for the other algorithms (they need no request). Built once per
 * backend per thread (core/forward/backend-runtime.ts); the extractor itself is pure and never throws. Throws
 * OrcaError ORCA_INTERNAL as createBalancer() does.
 */
export function requestKeyExtractor(backendName: string, balance: BalanceConfig): RequestKey | undefined {
  return algorithmOf(backendName, balance).requestKey?.(balance.args);
}
