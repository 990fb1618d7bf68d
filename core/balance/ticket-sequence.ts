// A weighted pick sequence walked by the backend's shared round-robin ticket: the lock-free core of `roundrobin`
// and `static-rr` (HAProxy 2.6 §4.2). Ticket t picks position t mod period, so picks interleave exactly across
// threads while each forwarder thread builds and caches the (deterministic) sequence on its own.

import type { Balancer, BackendView, PickRequest } from './balancer.js';
import { EligibleSnapshot, type WeightSource } from './eligible-snapshot.js';
import type { ServerView } from '../shared/server-slot.js';

/** Builds one period of a weighted sequence: indexes into `weights`, each index i appearing weights[i] times. */
export type SequenceBuilder = (weights: readonly number[]) => Int32Array;

/**
 * A Balancer that maps tickets onto a cached sequence. Rebuilt whenever the eligible set or a weight changes.
 * One instance per forwarder thread: not safe to share between threads (it caches), cheap to create.
 */
export class SequenceBalancer implements Balancer {
  private readonly backend: BackendView;
  private readonly snapshot: EligibleSnapshot;
  private readonly build: SequenceBuilder;
  private sequence: Int32Array = new Int32Array(0);

  constructor(backend: BackendView, source: WeightSource, build: SequenceBuilder) {
    this.backend = backend;
    this.snapshot = new EligibleSnapshot(backend, source);
    this.build = build;
  }

  pick(request: PickRequest): ServerView | undefined {
    if (this.snapshot.refresh()) this.sequence = this.build(this.snapshot.weights);
    const servers = this.snapshot.servers;
    const sequence = this.sequence;
    const period = sequence.length;
    if (period === 0) return undefined;
    let ticket = this.backend.nextTicket();
    const first = servers[sequence[ticket % period] ?? 0];
    const skip = request.skip;
    if (skip === undefined || (first !== undefined && !skip(first))) return first;
    // The server at our position is full or already tried. Check once that someone is left, so an all-full backend
    // costs one pass and no further ticket.
    if (!servers.some((s) => !skip(s))) return undefined;
    // Take fresh tickets rather than the next local position: the skipped server's turn is then spent, and the
    // others keep their proportions (walking locally would hand every turn after a run of skipped positions to
    // the same server). At most one lap: alone, that visits every position, so it finds the usable server.
    for (let tries = 1; tries < period; tries++) {
      ticket = this.backend.nextTicket();
      const s = servers[sequence[ticket % period] ?? 0];
      if (s !== undefined && !skip(s)) return s;
    }
    // Other threads took the positions we needed meanwhile: finish with one local lap, which must succeed.
    for (let step = 1; step <= period; step++) {
      const s = servers[sequence[(ticket + step) % period] ?? 0];
      if (s !== undefined && !skip(s)) return s;
    }
    return undefined;
  }
}
