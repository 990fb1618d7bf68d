// The interface between the hash balancer (hash-balancer.ts) and its two tables, `hash-type map-based`
// (hash-map-based.ts) and `consistent` (hash-consistent.ts), HAProxy 2.6 §4.2 `hash-type`. Kept apart so that the
// tables do not import the balancer that builds them. Forwarder threads.

import type { ServerView } from '../shared/server-slot.js';

/** A hash table as the hash balancer uses it. Immutable once built; read without locks. */
export interface HashLookup {
  /** Number of slots or ring points; 0 when no server is eligible. */
  readonly size: number;
  byHash(hash: number, skip?: (s: ServerView) => boolean): ServerView | undefined;
  /** Round-robin fallback when the request carries no key. */
  byTicket(ticket: number, skip?: (s: ServerView) => boolean): ServerView | undefined;
}
