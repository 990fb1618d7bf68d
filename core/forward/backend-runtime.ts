// One backend as a forwarder sees it: its config, its servers' shared slots, the read-only BackendView, the
// balancer and L7 key extractor built from the `balance` keyword and this thread's queue. Built once per forwarder
// thread at start.

import type { BackendConfig, Config, ServerConfig, ServerTlsConfig } from '../../config/model.js';
import type { ServerSetChange } from '../shared/server-slots.js';
import { LB_KIND, type Balancer, type BackendView, type RequestKey } from '../balance/balancer.js';
import { createBalancer, getAlgorithm, requestKeyExtractor } from '../balance/registry.js';
import type { ConnAccounting } from '../shared/conn-accounting.js';
import { serverView, type ServerSlot, type ServerView } from '../shared/server-slot.js';
import type { BackendSlot } from '../shared/record-slots.js';
import type { SharedState } from '../shared/state-buffer.js';
import { serverSlotIndex, type Topology } from '../shared/topology.js';
import { BackendQueue } from './backend-queue.js';
import { ServerTlsClient } from '../tls/server-tls.js';

export interface BackendRuntime {
  readonly index: number;
  readonly config: BackendConfig;
  readonly slot: BackendSlot;
  /** Shared slots of the servers, same order as config.servers. */
  readonly serverSlots: readonly ServerSlot[];
  /** Slot indexes in the shared buffer, same order. */
  readonly serverSlotIndexes: readonly number[];
  readonly view: BackendView;
  /** Replaced when `add server` / `del server` changes the set (applyServerSet): read it through the runtime. */
  balancer: Balancer;
  /**
   * This thread's server-set generation of the backend: bumped by applyServerSet. What a session caches about the
   * backend's servers (the L4 address needs) is kept with it and built again when it moves.
   */
  serverSet: number;
  /** `balance uri|url_param|hdr`: the hash key of a request head (undefined for the other algorithms). */
  readonly requestKey: RequestKey | undefined;
  /**
   * The algorithm maps a key to one server whatever its load (the hashes: `needs` is not 'none'). HAProxy 2.6 binds a
   * request that has a key to that server: it waits in that server's queue when the server is full.
   */
  readonly bindsByKey: boolean;
  /** `balance source`: the key is the client's address (in HTTP mode, as the rules left it: set-src). */
  readonly keyBySource: boolean;
  /**
   * The algorithm is of HAProxy's hash kind (BE_LB_KIND_HI, random included): after a failed connect, `option
   * redispatch` does not move the request at once, as a key may pin it to its server.
   */
  readonly hashKind: boolean;
  /** This thread's waiters for a slot of this backend (maxconn reached). */
  readonly queue: BackendQueue;
  /** Per server (same order as config.servers): its TLS client on this thread when the server has `ssl`. */
  readonly serverTls: readonly (ServerTlsClient | undefined)[];
  /** Some server has an `sni` expression: HTTP sessions evaluate it per request (l7-server-dial.ts requestSni). */
  readonly anySni: boolean;
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
    const servers: ServerView[] = be.servers.map((srv, s) => viewOf(srv, s, serverSlots[s] as ServerSlot));
    const serverTls = be.servers.map((srv) => serverTlsOf(config, b, srv.tls));
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
      serverSet: 0,
      ...balanceFields(be),
      queue: new BackendQueue({ index: b, name: be.name, servers, serverSlotIndexes }, state, owner.accounting, owner.thread),
      serverTls,
      anySni: serverTls.some((t) => t?.hasSni === true),
    };
  });
}

/** What a runtime derives from its backend's `balance` line besides the balancer. Throws as createBalancer() does. */
function balanceFields(be: BackendConfig): Pick<BackendRuntime, 'requestKey' | 'bindsByKey' | 'keyBySource' | 'hashKind'> {
  // createBalancer() throws for an unknown algorithm, so `algorithm` is defined whenever the runtime exists.
  const algorithm = getAlgorithm(be.balance.algorithm);
  return {
    requestKey: requestKeyExtractor(be.name, be.balance),
    bindsByKey: (algorithm?.needs ?? 'none') !== 'none',
    keyBySource: algorithm?.needs === 'addr',
    hashKind: algorithm?.kind === LB_KIND.hash,
  };
}

/**
 * A reload changed the backend's `balance` line (its config already holds the new one): the balancer and what follows
 * from the algorithm are built again, and the server-set generation moves so that what a session cached about the
 * backend is built again too. The servers keep their slots, health and counts. Forwarder thread; a control message,
 * never a hot path. Throws OrcaError ORCA_INTERNAL as createBalancer() does (the runtime is then unchanged).
 */
export function applyBalance(rt: BackendRuntime): void {
  const fields = balanceFields(rt.config);
  const balancer = createBalancer(rt.view, rt.config.balance);
  // The runtime's fields are built here and in buildBackends, and only read elsewhere.
  Object.assign(rt as { -readonly [K in keyof BackendRuntime]: BackendRuntime[K] }, fields, { balancer });
  rt.serverSet++;
}

/**
 * Why a server's TLS client could not be built (a reload checks a server it adds on the main thread first, so that no
 * forwarder fails to), or undefined. Allocates a throwaway client. Never throws.
 */
export function serverTlsProblem(config: Config, b: number, tls: ServerTlsConfig): string | undefined {
  try {
    serverTlsOf(config, b, tls);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** A server's TLS client for this thread (its context compiled once); throws when it cannot be built. */
function serverTlsOf(config: Config, b: number, tls: ServerTlsConfig | undefined): ServerTlsClient | undefined {
  if (tls === undefined) return undefined;
  const be = config.backends[b] as BackendConfig;
  const env = { world: config, proxyName: be.name, frontend: config.frontends.findIndex((f) => f.name === be.name), backend: b, cache: new Map<string, unknown>() };
  const client = ServerTlsClient.build(tls, env);
  if ('error' in client) throw new Error(`backend '${be.name}': ${client.error}`);
  return client;
}

function viewOf(srv: ServerConfig, s: number, slot: ServerSlot): ServerView {
  return serverView(s, { name: srv.name, backup: srv.backup, maxconn: srv.maxconn, weight: srv.weight }, slot);
}

/**
 * `add server` / `del server` on this thread (core/shared/server-slots.ts): the thread's Config already holds the
 * change (applyServerSetChange); the runtime's arrays take the server's view and slot at its index (the queue and
 * the view share these arrays) and the balancer is built again over the new set, so no pick pays for the change.
 * A retired server keeps its view: it is in maintenance, no balancer picks it. Forwarder thread; a control message,
 * never a hot path. Throws OrcaError ORCA_INTERNAL as createBalancer() does.
 */
export function applyServerSet(rt: BackendRuntime, change: ServerSetChange, state: SharedState, topology: Topology, config?: Config): void {
  const srv = rt.config.servers[change.index];
  if (srv === undefined || change.index > rt.view.servers.length) return;
  // Built before anything changes: a server with `ssl` whose client cannot be built stays out of this thread's view
  // (never dialled in clear text). Only a reload adds one (`add server` refuses the TLS words); it needs `config`.
  const tls = srv.tls === undefined ? undefined : config === undefined ? undefined : serverTlsOf(config, rt.index, srv.tls);
  if (srv.tls !== undefined && tls === undefined) throw new Error(`backend '${rt.config.name}': server '${srv.name}': its TLS client needs the Config`);
  const slotIndex = serverSlotIndex(topology, rt.index, change.index);
  const slot = state.server(slotIndex);
  // The runtime's arrays are built here and only read elsewhere: this is their one writer.
  (rt.serverSlotIndexes as number[])[change.index] = slotIndex;
  (rt.serverSlots as ServerSlot[])[change.index] = slot;
  (rt.view.servers as ServerView[])[change.index] = viewOf(srv, change.index, slot);
  // A slot reused by a server without TLS carries none.
  (rt.serverTls as (ServerTlsClient | undefined)[])[change.index] = tls;
  if (tls?.hasSni === true) (rt as { anySni: boolean }).anySni = true;
  rt.balancer = createBalancer(rt.view, rt.config.balance);
  rt.serverSet++;
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
