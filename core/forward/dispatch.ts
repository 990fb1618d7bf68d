// Chooses a server and connects to it, with HAProxy's `retries`, turn-around delay, `option redispatch` (on the last
// retry, to another server) and the backend queue when every usable server is at its maxconn (§4.2 retries,
// option redispatch, timeout queue). Forwarder threads; waits on the shared `released` word, never on messages.

import type net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerConfig } from '../../config/model.js';
import { eligibleServers } from '../balance/balancer.js';
import { OrcaError } from '../errors.js';
import type { ServerView } from '../shared/server-slot.js';
import type { ConnAccounting } from '../shared/conn-accounting.js';
import { releasedIndex } from '../shared/conn-accounting.js';
import type { SharedState } from '../shared/state-buffer.js';
import { hasFreeSlot, type BackendRuntime } from './backend-runtime.js';
import { connectServer } from './connect-server.js';

export interface DispatchContext {
  readonly state: SharedState;
  readonly accounting: ConnAccounting;
  readonly thread: number;
  /** Hash key for address/L7 algorithms (client address for `source`). */
  readonly key?: string;
  /**
   * The port the client connected to (the PROXY header's destination with `accept-proxy`): servers with a relative
   * port (`server s 10.0.0.1`, `:+1`) are reached there, plus their offset. Undefined (a UNIX client) counts as 0.
   */
  readonly dstPort?: number;
  /** Aborted when the client went away or orcalb hard-stops. */
  readonly signal?: AbortSignal;
  /**
   * HTTP keep-alive: an open, already counted connection this session holds to server `index`, to use instead of a
   * new one when the balancer picks that server again. undefined = connect as usual.
   */
  readonly reuse?: (index: number) => net.Socket | undefined;
  /**
   * Persistence (HTTP `cookie`): the server the request is bound to. Used first while it is up (whatever its weight,
   * as HAProxy serves persisted clients of a draining server) or always with `preferDown` (`option persist`); once
   * it failed and redispatch moved on, the balancer chooses.
   */
  readonly prefer?: number;
  readonly preferDown?: boolean;
  /**
   * When the connection to `prefer` fails (cookie-persistence.ts PersistRedispatch): 'never' retries it until the
   * retries run out, 'at-once' goes to the balancer after the first failure, 'on-last-retry' for the last retry.
   * Default: the usual rule (shouldRedispatch).
   */
  readonly preferRedispatch?: 'never' | 'at-once' | 'on-last-retry';
}

export interface Dispatched {
  /** Index of the server in its backend. */
  readonly server: number;
  readonly socket: net.Socket;
  /** The socket came from DispatchContext.reuse (its slot was counted when it was first opened). */
  readonly reused?: boolean;
}

/** Longest single wait on the shared `released` word; bounds how long an aborted waiter lingers. */
const QUEUE_WAIT_SLICE_MS = 250;

/**
 * Returns a connected server socket whose slot is already counted in the shared buffer (the caller must call
 * accounting.serverClosed when it ends), or rejects with an OrcaError (no server, queue timeout, connect failures
 * after all retries). Never throws synchronously.
 */
export async function dispatch(rt: BackendRuntime, ctx: DispatchContext): Promise<Dispatched> {
  const cfg = rt.config;
  const tried = new Set<number>();
  let retriesLeft = cfg.retries;
  let current: ServerView | undefined;
  let lastError: OrcaError | undefined;
  for (;;) {
    if (ctx.signal?.aborted === true) throw new OrcaError('ORCA_CLIENT_CLOSED', 'client left while connecting');
    current ??= preferred(rt, ctx, tried) ?? (await pickOrQueue(rt, ctx, tried));
    const slotIndex = rt.serverSlotIndexes[current.index] ?? 0;
    const srvCfg = cfg.servers[current.index];
    if (srvCfg === undefined) throw new OrcaError('ORCA_INTERNAL', 'picked server out of range');
    const held = ctx.reuse?.(current.index);
    if (held !== undefined) return { server: current.index, socket: held, reused: true };
    ctx.accounting.serverOpened(ctx.thread, rt.index, slotIndex);
    try {
      const socket = await connectServer(srvCfg.address, serverPort(srvCfg, ctx.dstPort), cfg.timeouts.connect);
      return { server: current.index, socket };
    } catch (e) {
      ctx.accounting.serverClosed(ctx.thread, rt.index, slotIndex);
      lastError = e instanceof OrcaError ? e : new OrcaError('ORCA_SERVER_CONNECT_ERROR', String(e));
      rt.serverSlots[current.index]?.add('connectErrors', 1);
      rt.slot.add('connectErrors', 1);
      if (retriesLeft <= 0) throw lastError;
      retriesLeft--;
      const direct = ctx.prefer === current.index && ctx.preferRedispatch !== undefined;
      if (direct ? directRedispatch(ctx.preferRedispatch, retriesLeft) : shouldRedispatch(rt, current, retriesLeft)) {
        // Another server, at once: the failed one is skipped while any other is usable.
        tried.add(current.index);
        rt.serverSlots[current.index]?.add('redispatches', 1);
        rt.slot.add('redispatches', 1);
        current = undefined;
      } else {
        // Same server again after the turn-around timer: min(timeout connect, 1 s) (§4.2 retries).
        rt.serverSlots[current.index]?.add('retries', 1);
        rt.slot.add('retries', 1);
        await sleep(Math.min(cfg.timeouts.connect ?? 1000, 1000), undefined, { ref: false });
      }
    }
  }
}

/**
 * Where a server is reached for this client: its fixed port, or the client's destination port plus its offset (§5.2
 * server). A result outside 1-65535 makes the connect fail (and count) like any refused one. Pure.
 */
export function serverPort(server: Pick<ServerConfig, 'port' | 'portOffset'>, dstPort: number | undefined): number {
  if (server.portOffset === undefined) return server.port;
  const port = (dstPort ?? 0) + server.portOffset;
  return port >= 1 && port <= 65535 ? port : 0;
}

/** HAProxy's rule for a direct (cookie-persisted) connection that failed: no shortcut for non-hash algorithms. */
function directRedispatch(policy: DispatchContext['preferRedispatch'], retriesLeft: number): boolean {
  if (policy === 'at-once') return true;
  return policy === 'on-last-retry' && retriesLeft === 0;
}

/** The persisted server of DispatchContext.prefer when it may take this request, else undefined. */
function preferred(rt: BackendRuntime, ctx: DispatchContext, tried: Set<number>): ServerView | undefined {
  if (ctx.prefer === undefined || tried.has(ctx.prefer)) return undefined;
  const view = rt.view.servers[ctx.prefer];
  if (view === undefined || !hasFreeSlot(view)) return undefined;
  return view.isUp() || ctx.preferDown === true ? view : undefined;
}

/** Algorithms HAProxy files under "hash" (BE_LB_KIND_HI): a retry stays on the server the key maps to. */
const HASH_KIND = new Set(['source', 'uri', 'url_param', 'hdr', 'random', 'rdp-cookie']);

/**
 * HAProxy 2.6's rule (backend.c, after a failed connect) with `option redispatch`: move to another server when the
 * failed one is no longer running, on the last retry, or at once whenever more than one server is active and the
 * algorithm is not a hash (no key pins the client to this server). Without the option: never.
 */
function shouldRedispatch(rt: BackendRuntime, server: ServerView, retriesLeft: number): boolean {
  if (!rt.config.options.redispatch) return false;
  if (!server.isUp() || retriesLeft === 0) return true;
  return rt.slot.load('activeServers') > 1 && !HASH_KIND.has(rt.config.balance.algorithm);
}

/** A usable server with a free slot, waiting in the backend queue (timeout queue) while all are full. */
async function pickOrQueue(rt: BackendRuntime, ctx: DispatchContext, tried: Set<number>): Promise<ServerView> {
  const deadline = rt.config.timeouts.queue === undefined ? Infinity : Date.now() + rt.config.timeouts.queue;
  const wordIndex = releasedIndex(ctx.state, rt.index);
  let queued = false;
  try {
    for (;;) {
      const seen = Atomics.load(ctx.state.i32, wordIndex);
      const pick = rt.balancer.pick({
        ...(ctx.key === undefined ? {} : { key: ctx.key }),
        skip: (s) => tried.has(s.index) || !hasFreeSlot(s),
      });
      if (pick !== undefined) return pick;
      const eligible = eligibleServers(rt.view);
      if (tried.size > 0 && eligible.length > 0 && eligible.every((s) => tried.has(s.index))) {
        // Every usable server failed once: retries go on over all of them again.
        tried.clear();
        continue;
      }
      const waiting = eligible.filter((s) => !tried.has(s.index));
      if (waiting.length === 0) {
        rt.slot.add('noServer', 1);
        throw new OrcaError('ORCA_NO_SERVER', `backend '${rt.config.name}' has no server available`);
      }
      // Every usable server is at its maxconn: wait for a slot to be released on any thread.
      if (!queued) {
        queued = true;
        rt.slot.add('queued', 1);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new OrcaError('ORCA_QUEUE_TIMEOUT', `waited ${rt.config.timeouts.queue ?? 0} ms in queue`);
      if (ctx.signal?.aborted === true) throw new OrcaError('ORCA_CLIENT_CLOSED', 'client left while queued');
      const wait = Atomics.waitAsync(ctx.state.i32, wordIndex, seen, Math.min(left, QUEUE_WAIT_SLICE_MS));
      if (wait.async) await wait.value;
    }
  } finally {
    if (queued) rt.slot.add('queued', -1);
  }
}
