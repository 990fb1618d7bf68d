// One backend as a forwarder sees it: its config, its servers' shared slots, the read-only BackendView, the
// balancer built from the `balance` keyword and this thread's queue. Built once per forwarder thread at start.

import type { BackendConfig, Config } from '../../config/model.js';
import type { Balancer, BackendView } from '../balance/balancer.js';
import { createBalancer, getAlgorithm } from '../balance/registry.js';
import type { ConnAccounting } from '../shared/conn-accounting.js';
import { serverView, type ServerSlot, type ServerView } from '../shared/server-slot.js';
import type { BackendSlot } from '../shared/backend-slot.js';
import type { SharedState } from '../shared/state-buffer.js';
import { serverSlotIndex, type Topology } from '../shared/topology.js';
import { BackendQueue } from './backend-queue.js';

export interface BackendRuntime {
  readonly index: number;
  readonly config: BackendConfig;
  readonly slot: BackendSlot;
  /** Shared slots of the servers, same order as config.servers. */
  readonly serverSlots: readonly ServerSlot[];
  /** Slot indexes in the shared buffer, same order. */
  readonly serverSlotIndexes: readonly number[];
  readonly view: BackendView;
  readonly balancer: Balancer;
  /**
   * The algorithm maps a key to one server whatever its load (the hashes: `needs` is not 'none'). HAProxy 2.6 binds a
   * request that has a key to that server: it waits in that server's queue when the server is full.
   */
  readonly bindsByKey: boolean;
  /** This thread's waiters for a slot of this backend (maxconn reached). */
  readonly queue: BackendQueue;
}

/** Who takes slots through these runtimes: the forwarder thread's accounting and its thread slot. */
export interface RuntimeOwner {
  readonly accounting: ConnAccounting;
  readonly thread: number;
}

/**
 * Builds the runtime of every backend for the forwarder `owner` (its queues and slots are counted as that thread's). Forwarder thread
 * (or tests); allocates once.
 */
export function buildBackends(
  config: Config,
  state: SharedState,
  topology: Topology,
  owner: RuntimeOwner,
): BackendRuntime[] {
  return config.backends.map((be, b) => {
    const slot = state.backend(b);
    const serverSlotIndexes = be.servers.map((_, s) => serverSlotIndex(topology, b, s));
    const serverSlots = serverSlotIndexes.map((i) => state.server(i));
    const servers: ServerView[] = be.servers.map((srv, s) =>
      serverView(
        s,
        { name: srv.name, backup: srv.backup, maxconn: srv.maxconn, weight: srv.weight },
        serverSlots[s] as ServerSlot,
      ),
    );
    const view: BackendView = {
      name: be.name,
      servers,
      allbackups: be.options.allbackups,
      generation: () => slot.load('generation'),
      nextTicket: () => slot.nextTicket(),
    };
    return {
      index: b,
      config: be,
      slot,
      serverSlots,
      serverSlotIndexes,
      view,
      balancer: createBalancer(view, be.balance),
      bindsByKey: (getAlgorithm(be.balance.algorithm)?.needs ?? 'none') !== 'none',
      queue: new BackendQueue({ index: b, name: be.name, servers, serverSlotIndexes }, state, owner.accounting, owner.thread),
    };
  });
}

/** True when the server has a slot free under its maxconn (0 = unlimited), whoever may be queued for it. */
export function hasFreeSlot(server: ServerView): boolean {
  return server.maxconn === 0 || server.liveConns() < server.maxconn;
}

/**
 * True when a new arrival may take a slot of this server now: a free slot and nobody in its queue (HAProxy's
 * balancers treat a server with a queue as full, so that newcomers never pass those already waiting).
 */
export function takesNewcomers(server: ServerView): boolean {
  return server.maxconn === 0 || (server.liveConns() < server.maxconn && server.queued() === 0);
}
