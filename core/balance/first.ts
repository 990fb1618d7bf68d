// `balance first` (HAProxy 2.6 §4.2, lb_fas.c): the first server in declaration order that still has a free
// connection slot (liveConns < maxconn) takes the connection, so the others can be stopped when idle. Weights
// only matter as 0 = "take nothing". Forwarder threads, no lock; no ticket is taken.

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
 * Returns the first eligible server (config order = HAProxy's default server id order) whose live connections
 * are below its maxconn; maxconn 0 means unlimited, so that server takes everything. Undefined when all are full
 * (HAProxy then queues: the caller decides). One instance per forwarder thread.
 */
export class FirstBalancer implements Balancer {
  private readonly snapshot: EligibleSnapshot;

  constructor(backend: BackendView) {
    this.snapshot = new EligibleSnapshot(backend, 'effective');
  }

  pick(request: PickRequest): ServerView | undefined {
    this.snapshot.refresh();
    for (const s of this.snapshot.servers) {
      if (s.maxconn > 0 && s.liveConns() >= s.maxconn) continue;
      if (request.skip !== undefined && request.skip(s)) continue;
      return s;
    }
    return undefined;
  }
}

export const firstAlgorithm: BalancerAlgorithm = {
  name: 'first',
  kind: LB_KIND.connectionBased,
  needs: 'none',
  dynamicWeights: false,
  readsLoad: false,
  dynamicServers: 'always',
  parseArgs: (inner, rest) => noArguments('first', inner, rest),
  create: (backend, options) => {
    argsOfKind(options.args, 'none');
    return new FirstBalancer(backend);
  },
};
