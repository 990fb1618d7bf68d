// The Balancer contract (one file per algorithm implements it) and the eligibility rule shared by all of them:
// active servers first, backups only when no active server is usable (HAProxy §4.2 `backup`, `option allbackups`).
// Balancers run on forwarder threads; they read server state through ServerView and never write it.

import type { HashTypeConfig } from '../../config/model.js';
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
  readonly args: readonly string[];
  readonly hashType: HashTypeConfig;
}

/** What input an algorithm needs: none, the client address, or the HTTP request. */
export type BalancerNeeds = 'none' | 'addr' | 'http';

export interface BalancerAlgorithm {
  /** The `balance` keyword as users write it. */
  readonly name: string;
  readonly needs: BalancerNeeds;
  /** True when the algorithm follows effective weights at run time (slowstart). */
  readonly dynamicWeights: boolean;
  /** Checks `balance` arguments at config time; returns an error text, or undefined when valid. */
  validateArgs(args: readonly string[]): string | undefined;
  create(backend: BackendView, options: BalancerOptions): Balancer;
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
