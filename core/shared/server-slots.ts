// The one owner of "a server slot comes into use / goes out of use" at run time (HAProxy 2.6's `add server` / `del
// server`, management.txt §9.3; next the reload's in-place changes and server-template/discovery): which slot a new
// server of a backend takes, the words it starts with, and the change every thread applies to its own copy of the
// Config. A backend holds BackendConfig.serverSlots slots (its `server` lines plus spares, core/shared/topology.ts);
// server `s` of backend `b` always sits in slot firstServerSlot[b] + s, so a deleted server stays in its backend's
// array as a retired entry until a new one takes its index.
// ServerSlots runs on the main thread (the topology's keeper); applyServerSetChange on every thread.

import type { BackendConfig, Config, ServerConfig } from '../../config/model.js';
import { AdminFlag } from '../stats/status-text.js';
import { writeServerStart, type InitialHealth } from './initial-state.js';
import { ServerState, THREAD_SERVER_FIELDS } from './layout.js';
import type { ServerSlot } from './server-slot.js';
import type { SharedState } from './state-buffer.js';
import { serverSlotIndex, serverSlotsOf, type Topology } from './topology.js';

/**
 * One server coming or going: `server` is the entry at `index` of backend `backend`'s servers from now on (retired
 * for a deletion). Posted by main to the forwarders, the health thread and the stats thread (workers/messages.ts).
 */
export interface ServerSetChange {
  readonly backend: number;
  readonly index: number;
  readonly server: ServerConfig;
}

/** True for a server that exists (not a slot left by `del server`). Pure. */
export function isLiveServer(server: ServerConfig): boolean {
  return server.retired !== true;
}

/** The live server named `name` in `be`, with its index; undefined when there is none. Pure. */
export function findLiveServer(be: BackendConfig, name: string): { readonly index: number; readonly server: ServerConfig } | undefined {
  const index = be.servers.findIndex((s) => s.name === name && isLiveServer(s));
  const server = be.servers[index];
  return server === undefined ? undefined : { index, server };
}

/** HAProxy's id of server `s` of a backend (ServerConfig.id, else its position + 1). Pure. */
export function serverId(server: ServerConfig, s: number): number {
  return server.id ?? s + 1;
}

/** The lowest id no live server of `be` holds: what haproxy 2.6.12 gives a dynamic server. Pure. */
function freeServerId(be: BackendConfig): number {
  const used = new Set(be.servers.map((srv, s) => (isLiveServer(srv) ? serverId(srv, s) : 0)));
  let id = 1;
  while (used.has(id)) id++;
  return id;
}

/**
 * The index a new server of `be` takes: the next unused slot while there is one (so, as in haproxy, the servers
 * added stay listed after the others), else the first slot a deletion freed; -1 when every slot is in use. Pure.
 */
export function freeServerIndex(be: BackendConfig): number {
  if (be.servers.length < serverSlotsOf(be)) return be.servers.length;
  return be.servers.findIndex((s) => !isLiveServer(s));
}

/** How many servers `be` can still take: its unused slots and those deletions freed. Pure. */
export function freeServerSlots(be: BackendConfig): number {
  return serverSlotsOf(be) - be.servers.length + be.servers.filter((s) => !isLiveServer(s)).length;
}

/**
 * Applies one change to this thread's copy of the Config, in place: every structure that holds the backend's
 * servers array sees it. Returns false (and changes nothing) for an index outside the backend's slots or past the
 * end of its array. Any thread; not on a hot path (a control message).
 */
export function applyServerSetChange(config: Config, change: ServerSetChange): boolean {
  const be = config.backends[change.backend];
  if (be === undefined || change.index < 0 || change.index >= serverSlotsOf(be) || change.index > be.servers.length) return false;
  // The Config is readonly to its readers; this module is its one writer for the server sets.
  (be.servers as ServerConfig[])[change.index] = change.server;
  return true;
}

/**
 * Main thread: takes and frees server slots, keeping main's Config (the one restarted threads are given) current.
 * Each method writes the slot's words before returning the change, so a thread that learns of the server reads a
 * record already set.
 */
export class ServerSlots {
  readonly #config: Config;
  readonly #state: SharedState;
  readonly #topology: Topology;

  constructor(config: Config, state: SharedState, topology: Topology) {
    this.#config = config;
    this.#state = state;
    this.#topology = topology;
  }

  /**
   * Puts `server` in a free slot of backend `b`, in maintenance (HAProxy creates dynamic servers with the MAINT admin
   * flag; `enable server` / `set server … state ready` brings them in) and with its checks disabled until `enable
   * health`, as haproxy 2.6.12 does. Returns the change to post, or undefined when the backend has no free slot.
   * The record is zeroed first: nothing of a deleted server's counters carries over.
   */
  activate(b: number, server: ServerConfig): ServerSetChange | undefined {
    const be = this.#config.backends[b];
    const taken = be === undefined ? undefined : this.#takeSlot(b, be);
    if (be === undefined || taken === undefined) return undefined;
    const { index, slot } = taken;
    slot.store('state', ServerState.MAINT);
    slot.store('adminState', AdminFlag.MAINT | (server.check ? AdminFlag.NOCHECK : 0));
    slot.store('health', 0);
    // haproxy 2.6.12 shows a dynamic server's weight as 1 until it is first enabled (measured: weight 3 or 20, MAINT,
    // `show stat` weight 1); `ready` then publishes the user weight (core/health/health-checker.ts admin).
    slot.store('effectiveWeight', 1);
    slot.store('userWeight', server.weight);
    slot.store('maxconn', server.maxconn);
    slot.store('lastChangeSec', Math.floor(Date.now() / 1000));
    const change: ServerSetChange = { backend: b, index, server: { ...server, disabled: false, dynamic: true, id: freeServerId(be) } };
    applyServerSetChange(this.#config, change);
    return change;
  }

  /**
   * A reload's new server (workers/reload.ts): as a `server` line at start — UP (checks, if any, take it down), MAINT
   * when `disabled`, its configured weight and health counter (core/shared/initial-state.ts) — in a free slot of
   * backend `b`. Returns the change to post, or undefined when the backend has no free slot.
   */
  activateConfigured(b: number, server: ServerConfig, health: InitialHealth): ServerSetChange | undefined {
    const be = this.#config.backends[b];
    const taken = be === undefined ? undefined : this.#takeSlot(b, be);
    if (be === undefined || taken === undefined) return undefined;
    writeServerStart(taken.slot, server, health);
    const change: ServerSetChange = { backend: b, index: taken.index, server: { ...server, id: freeServerId(be) } };
    applyServerSetChange(this.#config, change);
    return change;
  }

  /**
   * The slot a new server of backend `b` takes, its record and per-thread words zeroed (nothing of a deleted
   * server's counters carries over); undefined when every slot is in use.
   */
  #takeSlot(b: number, be: BackendConfig): { readonly index: number; readonly slot: ServerSlot } | undefined {
    const index = freeServerIndex(be);
    if (index < 0) return undefined;
    const slotIndex = serverSlotIndex(this.#topology, b, index);
    const slot = this.#state.server(slotIndex);
    // No thread knows this slot yet (a retired one has no session: del server and the reload's drain checked), so
    // main may write any word.
    slot.clearRecord();
    for (let t = 0; t < this.#state.counts.threads; t++) {
      for (const f of THREAD_SERVER_FIELDS) Atomics.store(this.#state.i32, this.#state.threadServerIndex(t, slotIndex, f.name), 0);
    }
    return { index, slot };
  }

  /**
   * Frees the slot of server `s` of backend `b` (the caller checked HAProxy's conditions: in maintenance, no
   * session; or the reload's drain did). Its entry stays, retired, so the other servers keep their indexes. Returns the change to post.
   */
  retire(b: number, s: number): ServerSetChange | undefined {
    const server = this.#config.backends[b]?.servers[s];
    if (server === undefined || !isLiveServer(server)) return undefined;
    const change: ServerSetChange = { backend: b, index: s, server: { ...server, retired: true } };
    applyServerSetChange(this.#config, change);
    return change;
  }
}
