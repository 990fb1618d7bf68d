// Main thread's part of the runtime API's `add server` and `del server` (HAProxy 2.6 management.txt §9.3, answers
// and conditions of haproxy 2.6.12, measured with socat): checks the request, takes or frees the slot through the
// topology's owner (core/shared/server-slots.ts), then posts the change to every thread that holds server
// configs — the forwarders (balancers, dials), the health thread (checks) and the stats thread (stats, CLI) — before
// answering, so the CLI client's next command already sees it. Main thread.

import type { Config } from '../config/model.js';
import { parseDynamicServer } from '../config/dynamic-server.js';
import { takesDynamicServers } from '../core/balance/registry.js';
import type { CliRelayAnswer } from '../core/cli/cli-relay.js';
import { ServerState } from '../core/shared/layout.js';
import { findLiveServer, ServerSlots, type ServerSetChange } from '../core/shared/server-slots.js';
import type { SharedState } from '../core/shared/state-buffer.js';
import { serverSlotIndex, serverSlotsOf, type Topology } from '../core/shared/topology.js';
import { AdminFlag } from '../core/stats/status-text.js';

// haproxy 2.6.12 ends some of these answers without the usual empty line: those texts carry no newline here (the
// CLI server adds one, core/cli/cli-connection.ts).
const NO_BACKEND = 'No such backend.';
const NO_SERVER = 'No such server.';

/** Whom a change goes to: every thread that keeps a copy of the backends' servers. */
export type PostServerSet = (change: ServerSetChange) => void;

export class ServerSetControl {
  readonly #config: Config;
  readonly #state: SharedState;
  readonly #topology: Topology;
  readonly #slots: ServerSlots;
  readonly #post: PostServerSet;

  /** `config` is main's own Config, the one restarted threads are given: the slots keep it current. */
  constructor(config: Config, state: SharedState, topology: Topology, post: PostServerSet) {
    this.#config = config;
    this.#state = state;
    this.#topology = topology;
    this.#slots = new ServerSlots(config, state, topology);
    this.#post = post;
  }

  /** `add server B/S ADDR[:PORT] [kw…]`: the new server, in maintenance, in a free slot of B. Never throws. */
  add(backend: string, name: string, args: readonly string[]): CliRelayAnswer {
    const b = this.#config.backends.findIndex((be) => be.name === backend);
    const be = this.#config.backends[b];
    if (be === undefined) return { ok: false, message: NO_BACKEND };
    if (!takesDynamicServers(be.balance)) return { ok: false, message: 'Backend must use a dynamic load balancing to support dynamic servers.' };
    const server = parseDynamicServer(name, args[0], args.slice(1));
    if (typeof server === 'string') return { ok: false, message: server };
    if (findLiveServer(be, name) !== undefined) return { ok: false, message: 'Already exists a server with the same name in backend.\n' };
    const change = this.#slots.activate(b, server);
    if (change === undefined) {
      return {
        ok: false,
        message: `orcalb has no free server slot left in backend '${be.name}' (${serverSlotsOf(be)} reserved at start): delete a server first, or add it to the configuration and reload.\n`,
      };
    }
    this.#post(change);
    return { ok: true, message: 'New server registered.\n' };
  }

  /**
   * `del server B/S`: only a server in maintenance with no session and nobody queued for it (haproxy 2.6.12's
   * conditions); its slot is freed for the next `add server`. Never throws.
   */
  del(backend: string, name: string): CliRelayAnswer {
    const b = this.#config.backends.findIndex((be) => be.name === backend);
    const be = this.#config.backends[b];
    if (be === undefined) return { ok: false, message: NO_BACKEND };
    const found = findLiveServer(be, name);
    if (found === undefined) return { ok: false, message: NO_SERVER };
    const slot = this.#state.server(serverSlotIndex(this.#topology, b, found.index));
    const inMaint = slot.load('state') === ServerState.MAINT || (slot.load('adminState') & AdminFlag.MAINT) !== 0;
    if (!inMaint) return { ok: false, message: 'Only servers in maintenance mode can be deleted.' };
    if (slot.load('curConns') > 0 || slot.load('queued') > 0) {
      return { ok: false, message: 'Server still has connections attached to it, cannot remove it.' };
    }
    const change = this.#slots.retire(b, found.index);
    if (change === undefined) return { ok: false, message: NO_SERVER };
    this.#post(change);
    return { ok: true, message: 'Server deleted.' };
  }
}
