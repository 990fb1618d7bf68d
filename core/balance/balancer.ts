// The Balancer contract and the algorithm descriptor (one file per algorithm implements both: HAProxy's lb ops table),
// and the eligibility rule shared by all of them: active servers first, backups only when no active server is usable
// (HAProxy §4.2 `backup`, `option allbackups`). Descriptors parse their arguments on the main thread at config load;
// balancers run on forwarder threads, read server state through ServerView and never write it.

import type { BalanceArgs, HashTypeConfig } from '../../config/model.js';
import { OrcaError } from '../errors.js';
import type { RequestHead } from '../http1/parser.js';
import type { ServerView } from '../shared/server-slot.js';

/** What a balancer sees of its backend. */
export interface BackendView {
  readonly name: string;
  /** All servers in config order, backups included. `servers[i].index === i`. */
  readonly servers: readonly ServerView[];
  readonly allbackups: boolean;
  /** Changes whenever any server's state or effective weight changes: rebuild caches when it moves. */
  generation(): number;
  /** A round-robin ticket unique across all threads (Atomics.add on the shared cursor). */
  nextTicket(): number;
}

export interface PickRequest {
  /** Hash input: the client address for `source`; the URI, parameter or header value for L7 hashes. */
  readonly key?: string | Uint8Array;
  /** Servers the caller cannot use now (already tried on redispatch, or at their maxconn). */
  readonly skip?: (server: ServerView) => boolean;
}

export interface Balancer {
  /**
   * Chooses one server, or undefined when none is usable. Never returns a server that is down, in maintenance,
   * has effective weight 0, or is rejected by `skip`. May take a round-robin ticket. Does not throw.
   */
  pick(request: PickRequest): ServerView | undefined;
}

export interface BalancerOptions {
  /** What the descriptor's parseArgs() returned at config load. */
  readonly args: BalanceArgs;
  readonly hashType: HashTypeConfig;
}

/** What input an algorithm needs: none, the client address, or the HTTP request. */
export type BalancerNeeds = 'none' | 'addr' | 'http';

/**
 * HAProxy's BE_LB_KIND: how an algorithm chooses. Only `hash` changes behaviour outside the algorithm: after a failed
 * connect, `option redispatch` moves a request at once only when no key pins it (backend.c; core/forward/dispatch.ts).
 */
export const LB_KIND = {
  /** Turns over the servers by weight (roundrobin, static-rr). */
  roundRobin: 'round-robin',
  /** Looks at the servers' connections or load (leastconn, first; dolphindb-load). */
  connectionBased: 'connection-based',
  /** Maps a key to a server (source, uri, url_param, hdr; random, which HAProxy files here as it draws hash keys). */
  hash: 'hash',
} as const;
export type LbKind = (typeof LB_KIND)[keyof typeof LB_KIND];

/** The request key of an L7 hash, or undefined when the request has none (the balancer then goes round robin). */
export type RequestKey = (head: RequestHead) => string | undefined;

export interface BalancerAlgorithm {
  /** The `balance` keyword as users write it. */
  readonly name: string;
  readonly kind: LbKind;
  readonly needs: BalancerNeeds;
  /** True when the algorithm follows effective weights at run time (slowstart). */
  readonly dynamicWeights: boolean;
  /** True when it picks by the DolphinDB nodes' load: the health thread then reads getPerf() for its servers. */
  readonly readsLoad: boolean;
  /**
   * Whether `add server` may put a server in a backend balanced by it (HAProxy's BE_LB_PROP_DYN): 'consistent-hash'
   * only with `hash-type consistent` (a map-based table is sized once). Decides the spare slots reserved at start.
   */
  readonly dynamicServers: 'always' | 'never' | 'consistent-hash';
  /**
   * Parses the arguments of `balance <name>[(<inner>)] [<rest>…]` once, at config load: the parsed form goes into the
   * model, or an error text in HAProxy's wording where haproxy 2.6 refuses the same line (a text starting with
   * "balance " is printed as it is, others after `'balance' :`). Main thread; pure.
   */
  parseArgs(inner: string | undefined, rest: readonly string[]): BalanceArgs | string;
  /**
   * Builds the balancer for one backend on one thread. Throws OrcaError ORCA_INTERNAL when `options.args` are another
   * algorithm's (config load must have produced them with parseArgs()).
   */
  create(backend: BackendView, options: BalancerOptions): Balancer;
  /** needs 'http' only: the per-request key extractor for these arguments, built once per backend per thread. */
  requestKey?(args: BalanceArgs): RequestKey;
}

/** The arguments of the algorithms that take none. */
export const NO_ARGS: BalanceArgs = Object.freeze({ kind: 'none' });

/**
 * parseArgs() of an algorithm without arguments: a parenthesised part or any word after it is an error (haproxy 2.6
 * refuses the first and ignores the second; orcalb refuses both). Pure.
 */
export function noArguments(name: string, inner: string | undefined, rest: readonly string[]): BalanceArgs | string {
  if (inner !== undefined) return `'${name}' does not take an argument in parentheses`;
  return rest.length === 0 ? NO_ARGS : `${name} takes no argument (got '${rest.join(' ')}')`;
}

/** The parsed arguments of one shape. */
export type ArgsOfKind<K extends BalanceArgs['kind']> = Extract<BalanceArgs, { readonly kind: K }>;

function isKind<K extends BalanceArgs['kind']>(args: BalanceArgs, kind: K): args is ArgsOfKind<K> {
  return args.kind === kind;
}

/**
 * `args` as the shape `kind` (the descriptor's own), for create() and requestKey(). Throws OrcaError ORCA_INTERNAL
 * for another algorithm's arguments: the model pairs each algorithm with what its own parseArgs() returned.
 */
export function argsOfKind<K extends BalanceArgs['kind']>(args: BalanceArgs, kind: K): ArgsOfKind<K> {
  if (isKind(args, kind)) return args;
  throw new OrcaError('ORCA_INTERNAL', `balance arguments of kind '${args.kind}' where '${kind}' was expected`);
}

/**
 * The servers an algorithm may choose from right now, in config order: usable active servers; if none, usable
 * backups (all of them with `option allbackups`, else only the first). "Usable" = up and effective weight > 0.
 */
export function eligibleServers(backend: BackendView): ServerView[] {
  const active: ServerView[] = [];
  const backups: ServerView[] = [];
  for (const s of backend.servers) {
    if (!s.isUp() || s.weight() <= 0) continue;
    (s.backup ? backups : active).push(s);
  }
  if (active.length > 0) return active;
  if (backend.allbackups) return backups;
  return backups.slice(0, 1);
}
