// Writes the state every server starts with, before any thread runs: UP (HAProxy starts checked servers UP and
// lets the checks take them down), MAINT when `disabled`; effective and user weight = weight; and the stick tables' headers
// (empty tables, a random hash seed each). Main thread only.

import { randomInt } from 'node:crypto';
import type { BackendConfig, Config, ServerConfig } from '../../config/model.js';
import { AdminFlag } from '../stats/status-text.js';
import { ServerState } from './layout.js';
import type { ServerSlot } from './server-slot.js';
import type { SharedState } from './state-buffer.js';
import { initStickRegion } from './stick-store.js';
import { serverSlotIndex, type Topology } from './topology.js';

/** Initial health counter of a checked server: HAProxy sets it to `rise` (up, falls at the first failure…). */
export type InitialHealth = (rise: number, fall: number) => number;

/**
 * The words a configured server starts with: at start, and for a server a reload adds (core/shared/server-slots.ts).
 * The caller makes sure no other thread writes this slot yet.
 */
export function writeServerStart(slot: ServerSlot, srv: ServerConfig, health: InitialHealth): void {
  slot.store('state', srv.disabled || srv.unresolved === true ? ServerState.MAINT : ServerState.UP);
  // No address at start (init-addr none): resolution maintenance, which only an address lifts.
  if (srv.unresolved === true) slot.store('adminState', AdminFlag.RMAINT);
  // haproxy 2.6.12 shows health 0 for a server without an address (measured), checked or not.
  slot.store('health', srv.unresolved === true ? 0 : health(srv.rise, srv.fall));
  slot.store('effectiveWeight', srv.weight);
  slot.store('userWeight', srv.weight);
  slot.store('maxconn', srv.maxconn);
  slot.store('lastChangeSec', Math.floor(Date.now() / 1000));
}

/**
 * The words backend `be` in slot `b` and its servers start with: at start, and for a backend a reload adds in a spare
 * slot (workers/reload.ts), before any other thread knows it.
 */
export function writeBackendStart(be: BackendConfig, b: number, state: SharedState, topology: Topology, health: InitialHealth): void {
  let active = 0;
  let backup = 0;
  be.servers.forEach((srv, s) => {
    writeServerStart(state.server(serverSlotIndex(topology, b, s)), srv, health);
    if (!srv.disabled && srv.unresolved !== true && srv.weight > 0) {
      if (srv.backup) backup++;
      else active++;
    }
  });
  const bs = state.backend(b);
  bs.store('activeServers', active);
  bs.store('backupServers', backup);
  bs.store('generation', 1);
  bs.store('lastChangeSec', Math.floor(Date.now() / 1000));
}

export function writeInitialState(config: Config, state: SharedState, topology: Topology, health: InitialHealth): void {
  config.backends.forEach((be, b) => writeBackendStart(be, b, state, topology, health));
  config.frontends.forEach((fe, f) => state.frontend(f).store('maxconn', fe.maxconn));
  state.storeGlobal('maxconn', config.global.maxconn);
  initStickRegion(state, topology.stick, () => randomInt(0x7fff_ffff));
}
