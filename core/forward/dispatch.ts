// Chooses a server and connects to it (HAProxy 2.6 §4.2 retries, option redispatch, timeout queue; §5.2 maxconn,
// maxqueue). A server slot is taken first — at once when one is free, else in the backend queue or in the queue of
// the server the request is bound to (persistence, hash; backend-queue.ts) — and kept through the retries on that
// server, as HAProxy keeps a stream's place. Forwarder threads; hot path: one pick and one compare-and-swap.

import type net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackendConfig, ServerConfig } from '../../config/model.js';
import { eligibleServers } from '../balance/balancer.js';
import { OrcaError } from '../errors.js';
import type { ServerView } from '../shared/server-slot.js';
import type { ConnAccounting } from '../shared/conn-accounting.js';
import { hasFreeSlot, takesNewcomers, type BackendRuntime } from './backend-runtime.js';
import { connectServer, type ConnectVia } from './connect-server.js';
import { countTermination, dispatchTermination } from './termination.js';

export interface DispatchContext {
  readonly accounting: ConnAccounting;
  readonly thread: number;
  /** Hash key for address/L7 algorithms (client address for `source`). */
  readonly key?: string;
  /**
   * The port the client connected to (the PROXY header's destination with `accept-proxy`): servers with a relative
   * port (`server s 10.0.0.1`, `:+1`) are reached there, plus their offset. Undefined (a UNIX client) counts as 0.
   */
  readonly dstPort?: number;
  /** Aborted when the client went away or orcalb hard-stops: a queued request leaves its queue at once. */
  readonly signal?: AbortSignal;
  /**
   * HTTP keep-alive: an open connection this session holds idle (or one of the thread's idle pool) to server
   * `index`, to carry the request instead of a new one once a slot of that server is taken. undefined = connect.
   */
  readonly reuse?: (index: number) => net.Socket | undefined;
  /**
   * Persistence (HTTP `cookie`): the server the request is bound to. Used first while it is up (whatever its weight,
   * as HAProxy serves persisted clients of a draining server) or always with `preferDown` (`option persist`), waiting
   * in that server's queue when it is full; once it failed and redispatch moved on, the balancer chooses.
   */
  readonly prefer?: number;
  readonly preferDown?: boolean;
  /**
   * When the connection to `prefer` fails (cookie-persistence.ts PersistRedispatch): 'never' retries it until the
   * retries run out, 'at-once' goes to the balancer after the first failure, 'on-last-retry' for the last retry.
   * Default: the usual rule (shouldRedispatch).
   */
  readonly preferRedispatch?: 'never' | 'at-once' | 'on-last-retry';
  /** A session reading through the thread's SocketIo: server sockets are built by it, reading into its sink. */
  readonly connectVia?: ConnectVia;
}

export interface Dispatched {
  /** Index of the server in its backend. */
  readonly server: number;
  readonly socket: net.Socket;
  /** The socket came from DispatchContext.reuse (an idle connection; the slot was taken for this request). */
  readonly reused?: boolean;
}

/** Picks lost to another thread taking the same last slot before falling back to the queue. */
const MAX_PICK_RACES = 4;

/** The server a failing dispatch is blamed on: the one it was connecting to, or bound to in its queue. */
interface Blame {
  server: number | undefined;
}

/**
 * Returns a connected (or reused) server socket with one slot of its server taken for the caller, who must call
 * accounting.serverClosed once the connection (TCP) or the transaction (HTTP) is over. Rejects with an OrcaError:
 * ORCA_NO_SERVER, ORCA_QUEUE_TIMEOUT, ORCA_QUEUE_FULL, ORCA_CLIENT_CLOSED, or the last connect error once the retries
 * (for errors that are retryable) are spent; no slot is held then. A rejection is counted here, once, in the
 * backend's and the blamed server's stats counters (termination.ts: econ, cli_abrt, eint). Never throws synchronously.
 */
export async function dispatch(rt: BackendRuntime, ctx: DispatchContext): Promise<Dispatched> {
  // One async function, not a wrapper around another: this runs per HTTP request, and a second frame is a second
  // promise on every request.
  const blame: Blame = { server: undefined };
  try {
    const cfg = rt.config;
    const tried = new Set<number>();
    let retriesLeft = cfg.retries;
    for (;;) {
      blame.server = undefined;
      if (gone(ctx)) throw new OrcaError('ORCA_CLIENT_CLOSED', 'client left while connecting');
      const server = await acquireSlot(rt, ctx, tried, blame);
      blame.server = server.index;
      const slotIndex = rt.serverSlotIndexes[server.index] ?? 0;
      // The slot goes to the caller with the socket; every other way out of this block gives it back.
      let handedOver = false;
      try {
        const srvCfg = cfg.servers[server.index];
        if (srvCfg === undefined) throw new OrcaError('ORCA_INTERNAL', 'picked server out of range');
        const held = ctx.reuse?.(server.index);
        if (held !== undefined) {
          handedOver = true;
          return { server: server.index, socket: held, reused: true };
        }
        for (;;) {
          try {
            const port = serverPort(srvCfg, ctx.dstPort);
            const socket = await connectServer(srvCfg.address, port, cfg.timeouts.connect, ctx.connectVia);
            handedOver = true;
            return { server: server.index, socket };
          } catch (e) {
            const err = e instanceof OrcaError ? e : new OrcaError('ORCA_SERVER_CONNECT_ERROR', String(e));
            // econ counts a session once, when it gives up (dispatch's catch), not every failed attempt: haproxy
            // 2.6.12 shows econ 1 and wretr 3 for one client after `retries 3` against a refusing server.
            if (retriesLeft <= 0 || !err.retryable) throw err;
            retriesLeft--;
            const direct = ctx.prefer === server.index && ctx.preferRedispatch !== undefined;
            if (direct ? directRedispatch(ctx.preferRedispatch, retriesLeft) : shouldRedispatch(rt, server, retriesLeft)) {
              // Another server, at once: the failed one is avoided while any other is usable.
              tried.add(server.index);
              rt.serverSlots[server.index]?.add('redispatches', 1);
              rt.slot.add('redispatches', 1);
              break;
            }
            // Same server again after the turn-around timer: min(timeout connect, 1 s) (§4.2 retries).
            rt.serverSlots[server.index]?.add('retries', 1);
            rt.slot.add('retries', 1);
            await sleep(Math.min(cfg.timeouts.connect ?? 1000, 1000), undefined, { ref: false });
            if (gone(ctx)) throw new OrcaError('ORCA_CLIENT_CLOSED', 'client left while connecting');
          }
        }
      } finally {
        if (!handedOver) ctx.accounting.serverClosed(ctx.thread, rt.index, slotIndex);
      }
    }
  } catch (e) {
    const server = blame.server === undefined ? undefined : rt.serverSlots[blame.server];
    countTermination(dispatchTermination(e), rt.slot, server);
    throw e;
  }
}

/** The client left (or orcalb hard-stops): read through a call, as the signal changes across awaits. */
function gone(ctx: DispatchContext): boolean {
  return ctx.signal?.aborted === true;
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

/**
 * HAProxy 2.6's rule (backend.c, after a failed connect) with `option redispatch`: move to another server when the
 * failed one is no longer running, on the last retry, or at once whenever more than one server is active and the
 * algorithm is not a hash (no key pins the client to this server). Without the option: never.
 */
function shouldRedispatch(rt: BackendRuntime, server: ServerView, retriesLeft: number): boolean {
  if (!rt.config.options.redispatch) return false;
  if (!server.isUp() || retriesLeft === 0) return true;
  return rt.slot.load('activeServers') > 1 && !rt.hashKind;
}

/** The server a request is bound to, and whether by its persistence cookie (`direct`, HAProxy's SF_DIRECT). */
interface Binding {
  readonly index: number;
  readonly direct: boolean;
}

/**
 * The server this request must wait for, if any: its persisted server while that one may take it, else the server
 * a hash maps its key to (HAProxy's hash balancers ignore maxconn: the request queues there). undefined: any server.
 */
function bindingOf(rt: BackendRuntime, ctx: DispatchContext, tried: ReadonlySet<number>): Binding | undefined {
  const p = ctx.prefer;
  if (p !== undefined && !tried.has(p)) {
    const view = rt.view.servers[p];
    if (view !== undefined && (view.isUp() || ctx.preferDown === true)) return { index: p, direct: true };
  }
  if (!rt.bindsByKey || ctx.key === undefined) return undefined;
  const key = ctx.key;
  const hashed = rt.balancer.pick({ key, skip: (s) => tried.has(s.index) }) ?? rt.balancer.pick({ key });
  return hashed === undefined ? undefined : { index: hashed.index, direct: false };
}

/** A server the balancer gives this request among those `free` accepts, avoiding failed ones while others remain. */
function pickFree(
  rt: BackendRuntime,
  ctx: DispatchContext,
  tried: ReadonlySet<number>,
  free: (s: ServerView) => boolean,
): ServerView | undefined {
  const key = ctx.key === undefined ? {} : { key: ctx.key };
  const pick = rt.balancer.pick({ ...key, skip: (s) => tried.has(s.index) || !free(s) });
  if (pick !== undefined || tried.size === 0) return pick;
  // Every other usable server is full or failed: the avoided one is better than waiting (HAProxy's "srvtoavoid").
  return rt.balancer.pick({ ...key, skip: (s) => !free(s) });
}

/** `timeout queue`, or `timeout connect` when unset (§4.2), or no limit when neither is set (as HAProxy). */
function queueDeadline(cfg: BackendConfig): number {
  const ms = cfg.timeouts.queue ?? cfg.timeouts.connect;
  return ms === undefined ? Infinity : Date.now() + ms;
}

/**
 * A server whose slot is now taken for this thread: at once when the bound server (or, unbound, one the balancer
 * picks) has a free slot and nobody waits before us, else after waiting in the queue. Rejects as dispatch does.
 */
async function acquireSlot(
  rt: BackendRuntime,
  ctx: DispatchContext,
  tried: ReadonlySet<number>,
  blame: Blame,
): Promise<ServerView> {
  const be = rt.index;
  let bound = bindingOf(rt, ctx, tried);
  blame.server = bound?.index;
  if (bound !== undefined) {
    const view = rt.view.servers[bound.index];
    if (view === undefined) throw new OrcaError('ORCA_INTERNAL', 'bound server out of range');
    const queued = view.queued();
    const slot = rt.serverSlotIndexes[bound.index] ?? 0;
    if (queued === 0 && ctx.accounting.takeServerSlot(ctx.thread, be, slot, view.maxconn)) return view;
    const maxqueue = rt.config.servers[bound.index]?.maxqueue ?? 0;
    if (maxqueue > 0 && queued >= maxqueue) {
      // §5.2 maxqueue: a full server queue sends a cookie-persisted request to the other servers when `option
      // redispatch` allows it (not under `option persist`); otherwise it is refused (503), as HAProxy's queue error.
      if (!bound.direct || !rt.config.options.redispatch || ctx.preferDown === true) {
        throw new OrcaError('ORCA_QUEUE_FULL', `server '${view.name}' has ${queued} requests queued (maxqueue ${maxqueue})`);
      }
      bound = undefined;
      blame.server = undefined;
    }
  }
  if (bound === undefined) {
    // Newcomers never pass waiters: with anyone in the backend queue, the queue decides who goes first.
    if (rt.slot.load('queued') === 0) {
      for (let race = 0; race < MAX_PICK_RACES; race++) {
        const view = pickFree(rt, ctx, tried, takesNewcomers);
        if (view === undefined) break;
        if (ctx.accounting.takeServerSlot(ctx.thread, be, rt.serverSlotIndexes[view.index] ?? 0, view.maxconn)) return view;
      }
    }
    if (eligibleServers(rt.view).length === 0) {
      rt.slot.add('noServer', 1);
      throw new OrcaError('ORCA_NO_SERVER', `backend '${rt.config.name}' has no server available`);
    }
  }
  const forced = bound?.direct === true && ctx.preferDown === true;
  return rt.queue.wait({
    bound: bound?.index,
    pick: () => pickFree(rt, ctx, tried, hasFreeSlot),
    usable: (index) => forced || rt.view.servers[index]?.isUp() === true,
    // A bound waiter whose server went away is moved only with `option redispatch` (and never under `option
    // persist`), as HAProxy redistributes a down server's queue: a hash then maps the key again, a cookie no more.
    rebind: () => {
      if (!rt.config.options.redispatch || forced) return null;
      if (!rt.bindsByKey || ctx.key === undefined) return undefined;
      return rt.balancer.pick({ key: ctx.key, skip: (s) => tried.has(s.index) })?.index;
    },
    deadline: queueDeadline(rt.config),
    signal: ctx.signal,
  });
}
