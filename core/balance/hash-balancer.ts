// The balancer shared by every hashing algorithm (source, uri, url_param, hdr): a key → 32-bit hash → server via
// the `hash-type` table, map-based or consistent (HAProxy 2.6 §4.2 `hash-type`). Requests without a usable key are
// spread round robin over the same table, as HAProxy falls back. One instance per forwarder thread.

import type { HashTypeConfig } from '../../config/model.js';
import type { ServerView } from '../shared/server-slot.js';
import type { Balancer, BackendView, PickRequest } from './balancer.js';
import { EligibleSnapshot, weightGcd } from './eligible-snapshot.js';
import { ConsistentRing } from './hash-consistent.js';
import { hashKey } from './hash-functions.js';
import type { HashLookup } from './hash-lookup.js';
import { WeightMapLookup } from './hash-map-based.js';

/** Turns `PickRequest.key` into the final 32-bit hash (avalanche included); undefined when the key is unusable. */
export type KeyHasher = (key: string | Uint8Array) => number | undefined;

/** The L7 hasher (uri, url_param, hdr): HAProxy's gen_hash() with the configured function, then `avalanche`. */
export function httpHasher(hashType: HashTypeConfig): KeyHasher {
  return (key) => hashKey(key, hashType);
}

const EMPTY: HashLookup = { size: 0, byHash: () => undefined, byTicket: () => undefined };

/**
 * Picks by hash. map-based follows STATIC weights divided by the gcd of all the backend's weights (HAProxy's
 * init_server_map), so `hash % total` names the same slot as HAProxy; consistent follows EFFECTIVE weights, as
 * HAProxy's ring does. Not thread-safe (it caches); build one per forwarder thread.
 */
export class HashBalancer implements Balancer {
  private readonly backend: BackendView;
  private readonly consistent: boolean;
  private readonly hasher: KeyHasher;
  private readonly snapshot: EligibleSnapshot;
  /** map-based only: HAProxy divides every weight by their gcd once, at config time, over all servers. */
  private readonly gcd: number;
  private lookup: HashLookup = EMPTY;

  constructor(backend: BackendView, hashType: HashTypeConfig, hasher: KeyHasher) {
    this.backend = backend;
    this.consistent = hashType.method === 'consistent';
    this.hasher = hasher;
    this.snapshot = new EligibleSnapshot(backend, this.consistent ? 'effective' : 'config');
    this.gcd = weightGcd(backend.servers.map((s) => s.configWeight));
  }

  pick(request: PickRequest): ServerView | undefined {
    if (this.snapshot.refresh()) this.lookup = this.rebuild();
    const lookup = this.lookup;
    if (lookup.size === 0) return undefined;
    const hash = request.key === undefined ? undefined : this.hasher(request.key);
    if (hash === undefined) return lookup.byTicket(this.backend.nextTicket(), request.skip);
    return lookup.byHash(hash, request.skip);
  }

  private rebuild(): HashLookup {
    const { servers, weights } = this.snapshot;
    if (servers.length === 0) return EMPTY;
    if (this.consistent) return new ConsistentRing(servers, weights);
    // Weights are positive multiples of the gcd only when unchanged since config; ceil keeps any server >= 1 slot.
    return new WeightMapLookup(
      servers,
      weights.map((w) => Math.max(1, Math.ceil(w / this.gcd))),
    );
  }
}
