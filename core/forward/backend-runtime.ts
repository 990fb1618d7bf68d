// One backend as a forwarder sees it: its config, its servers' shared slots, the read-only BackendView and the
// balancer built from the `balance` keyword. Built once per forwarder thread at start; all reads go to the buffer.

import type { BackendConfig, Config } from '../../config/model.js';
import type { Balancer, BackendView } from '../balance/balancer.js';
import { createBalancer } from '../balance/registry.js';
import { serverView, type ServerSlot, type ServerView } from '../shared/server-slot.js';
import type { BackendSlot } from '../shared/backend-slot.js';
import type { SharedState } from '../shared/state-buffer.js';
import { serverSlotIndex, type Topology } from '../shared/topology.js';

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
}

/** Builds the runtime of every backend. Forwarder thread (or tests); allocates once. */
export function buildBackends(config: Config, state: SharedState, topology: Topology): BackendRuntime[] {
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
    };
  });
}

/** True when the server can take one more connection (its maxconn, 0 = unlimited). */
export function hasFreeSlot(server: ServerView): boolean {
  return server.maxconn === 0 || server.liveConns() < server.maxconn;
}
