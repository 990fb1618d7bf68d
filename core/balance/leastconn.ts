// `balance leastconn` (HAProxy 2.6 §4.2, lb_fwlc.c): the server with the fewest live connections relative to its
// effective weight; equally loaded servers take turns. Live counts are read from the shared buffer, so every
// forwarder thread sees the connections the others placed. Forwarder threads, no lock.

import {
  argsOfKind,
  LB_KIND,
  noArguments,
  type Balancer,
  type BalancerAlgorithm,
  type BackendView,
  type PickRequest,
} from './balancer.js';
import { EligibleSnapshot } from './eligible-snapshot.js';
import type { ServerView } from '../shared/server-slot.js';

/**
 * Picks by HAProxy's leastconn key: 0 for an idle server, else (conns + 1) / weight, i.e. the load the server
 * would carry with this connection added, so an idle server always wins and weights scale the load. Compared as
 * exact fractions: HAProxy truncates the key to an integer (scale 4096), which can only tie keys we tell apart.
 * Ties go round robin: the scan starts at the next ticket, and the first of the lowest keys wins.
 */
export class LeastconnBalancer implements Balancer {
  private readonly backend: BackendView;
  private readonly snapshot: EligibleSnapshot;

  constructor(backend: BackendView) {
    this.backend = backend;
    this.snapshot = new EligibleSnapshot(backend, 'effective');
  }

  pick(request: PickRequest): ServerView | undefined {
    this.snapshot.refresh();
    const { servers, weights } = this.snapshot;
    const n = servers.length;
    if (n === 0) return undefined;
    const start = this.backend.nextTicket() % n;
    let best: ServerView | undefined;
    // The best key as a fraction bestNum / bestDen; idle servers have 0 / 1.
    let bestNum = 0;
    let bestDen = 1;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      const s = servers[i];
      if (s === undefined || (request.skip !== undefined && request.skip(s))) continue;
      const conns = s.liveConns();
      const num = conns <= 0 ? 0 : conns + 1;
      const den = conns <= 0 ? 1 : (weights[i] ?? 1);
      // num/den < bestNum/bestDen, cross-multiplied; strict so the earliest in the rotated order keeps a tie.
      if (best === undefined || num * bestDen < bestNum * den) {
        best = s;
        bestNum = num;
        bestDen = den;
      }
    }
    return best;
  }
}

export const leastconnAlgorithm: BalancerAlgorithm = {
  name: 'leastconn',
  kind: LB_KIND.connectionBased,
  needs: 'none',
  dynamicWeights: true,
  readsLoad: false,
  dynamicServers: 'always',
  parseArgs: (inner, rest) => noArguments('leastconn', inner, rest),
  create: (backend, options) => {
    argsOfKind(options.args, 'none');
    return new LeastconnBalancer(backend);
  },
};
