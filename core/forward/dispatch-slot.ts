// Taking a server slot for a request or a TCP session (HAProxy 2.6 §5.2 `maxconn`, `maxqueue`, §4.2 `timeout queue`):
// the server a request is bound to (persistence, hash) or the one the balancer gives, at once when a slot is free and
// nobody waits before us, else a place in the backend queue or in that server's queue (backend-queue.ts).
// Forwarder threads. Hot path (once per HTTP request): takeSlotNow is synchronous — one pick, one compare-and-swap —
// so a request that finds a free slot costs no promise; only a request that must wait goes through waitForSlot.

import type { BackendConfig } from '../../config/model.js';
import { eligibleServers } from '../balance/balancer.js';
import { OrcaError } from '../errors.js';
import type { ServerView } from '../shared/server-slot.js';
import type { ConnAccounting } from '../shared/conn-accounting.js';
import { hasFreeSlot, takesNewcomers, type BackendRuntime } from './backend-runtime.js';

/** What the slot search of one request reads (a slice of DispatchContext, dispatch.ts). */
export interface SlotRequest {
  readonly accounting: ConnAccounting;
  readonly thread: number;
  /** Hash key for address/L7 algorithms (client address for `source`). */
  readonly key?: string | undefined;
  /** Persistence: the server the request is bound to, and `option persist` (use it even when down). */
  readonly prefer?: number | undefined;
  readonly preferDown?: boolean | undefined;
}

/** The server a request is bound to, and whether by its persistence cookie (`direct`, HAProxy's SF_DIRECT). */
export interface Binding {
  readonly index: number;
  readonly direct: boolean;
}

/**
 * The state of one slot search, filled by takeSlotNow: the server a failure is blamed on (the one it was connecting
 * to, or bound to in its queue), and the queue to wait in when no slot could be taken at once. One per dial, reused.
 */
export interface SlotSearch {
  blame: number | undefined;
  bound: Binding | undefined;
}

/** Picks lost to another thread taking the same last slot before falling back to the queue. */
const MAX_PICK_RACES = 4;

/**
 * The server this request must wait for, if any: its persisted server while that one may take it, else the server
 * a hash maps its key to (HAProxy's hash balancers ignore maxconn: the request queues there). undefined: any server.
 */
function bindingOf(rt: BackendRuntime, req: SlotRequest, tried: ReadonlySet<number>): Binding | undefined {
  const p = req.prefer;
  if (p !== undefined && !tried.has(p)) {
    const view = rt.view.servers[p];
    if (view !== undefined && (view.isUp() || req.preferDown === true)) return { index: p, direct: true };
  }
  if (!rt.bindsByKey || req.key === undefined) return undefined;
  const key = req.key;
  const hashed = rt.balancer.pick({ key, skip: (s) => tried.has(s.index) }) ?? rt.balancer.pick({ key });
  return hashed === undefined ? undefined : { index: hashed.index, direct: false };
}

/** A server the balancer gives this request among those `free` accepts, avoiding failed ones while others remain. */
function pickFree(
  rt: BackendRuntime,
  req: SlotRequest,
  tried: ReadonlySet<number>,
  free: (s: ServerView) => boolean,
): ServerView | undefined {
  // The common case (no key, nothing failed, newcomers' rule) allocates nothing: a constant argument.
  if (req.key === undefined && tried.size === 0 && free === takesNewcomers) return rt.balancer.pick(PICK_NEWCOMER);
  const key = req.key === undefined ? {} : { key: req.key };
  const pick = rt.balancer.pick(
    tried.size === 0 ? { ...key, skip: (s) => !free(s) } : { ...key, skip: (s) => tried.has(s.index) || !free(s) },
  );
  if (pick !== undefined || tried.size === 0) return pick;
  // Every other usable server is full or failed: the avoided one is better than waiting (HAProxy's "srvtoavoid").
  return rt.balancer.pick({ ...key, skip: (s) => !free(s) });
}

const PICK_NEWCOMER = { skip: (s: ServerView): boolean => !takesNewcomers(s) };

/** `timeout queue`, or `timeout connect` when unset (§4.2), or no limit when neither is set (as HAProxy). */
function queueDeadline(cfg: BackendConfig): number {
  const ms = cfg.timeouts.queue ?? cfg.timeouts.connect;
  return ms === undefined ? Infinity : Date.now() + ms;
}

/**
 * A server whose slot is now taken for this thread: the bound server (or, unbound, one the balancer picks) when it
 * has a free slot and nobody waits before us. undefined when the request must wait: `search.bound` then names the
 * queue (waitForSlot). Throws OrcaError ORCA_NO_SERVER (nothing usable), ORCA_QUEUE_FULL (the bound server's queue is
 * at maxqueue), ORCA_INTERNAL. `search.blame` is kept up to date for the caller's termination counters. Synchronous;
 * allocates only the balancer's pick arguments.
 */
export function takeSlotNow(
  rt: BackendRuntime,
  req: SlotRequest,
  tried: ReadonlySet<number>,
  search: SlotSearch,
): ServerView | undefined {
  const be = rt.index;
  let bound = bindingOf(rt, req, tried);
  search.blame = bound?.index;
  search.bound = bound;
  if (bound !== undefined) {
    const view = rt.view.servers[bound.index];
    if (view === undefined) throw new OrcaError('ORCA_INTERNAL', 'bound server out of range');
    const queued = view.queued();
    const slot = rt.serverSlotIndexes[bound.index] ?? 0;
    if (queued === 0 && req.accounting.takeServerSlot(req.thread, be, slot, view.maxconn)) return view;
    const maxqueue = rt.config.servers[bound.index]?.maxqueue ?? 0;
    if (maxqueue > 0 && queued >= maxqueue) {
      // §5.2 maxqueue: a full server queue sends a cookie-persisted request to the other servers when `option
      // redispatch` allows it (not under `option persist`); otherwise it is refused (503), as HAProxy's queue error.
      if (!bound.direct || !rt.config.options.redispatch || req.preferDown === true) {
        throw new OrcaError('ORCA_QUEUE_FULL', `server '${view.name}' has ${queued} requests queued (maxqueue ${maxqueue})`);
      }
      bound = undefined;
      search.blame = undefined;
      search.bound = undefined;
    }
  }
  if (bound === undefined) {
    // Newcomers never pass waiters: with anyone in the backend queue, the queue decides who goes first.
    if (rt.slot.load('queued') === 0) {
      for (let race = 0; race < MAX_PICK_RACES; race++) {
        const view = pickFree(rt, req, tried, takesNewcomers);
        if (view === undefined) break;
        if (req.accounting.takeServerSlot(req.thread, be, rt.serverSlotIndexes[view.index] ?? 0, view.maxconn)) return view;
      }
    }
    if (eligibleServers(rt.view).length === 0) {
      rt.slot.add('noServer', 1);
      throw new OrcaError('ORCA_NO_SERVER', `backend '${rt.config.name}' has no server available`);
    }
  }
  return undefined;
}

/**
 * Waits in the queue takeSlotNow named (`search.bound`; none = the backend queue) and resolves with a server whose slot
 * is taken for this thread, in arrival order across threads. Rejects with ORCA_QUEUE_TIMEOUT at `timeout queue`, or
 * ORCA_CLIENT_CLOSED once `signal` aborts. Not on the hot path: only requests that found every slot taken get here.
 */
export function waitForSlot(
  rt: BackendRuntime,
  req: SlotRequest,
  tried: ReadonlySet<number>,
  search: SlotSearch,
  signal: AbortSignal | undefined,
): Promise<ServerView> {
  const bound = search.bound;
  const forced = bound?.direct === true && req.preferDown === true;
  return rt.queue.wait({
    bound: bound?.index,
    pick: () => pickFree(rt, req, tried, hasFreeSlot),
    usable: (index) => forced || rt.view.servers[index]?.isUp() === true,
    // A bound waiter whose server went away is moved only with `option redispatch` (and never under `option
    // persist`), as HAProxy redistributes a down server's queue: a hash then maps the key again, a cookie no more.
    rebind: () => {
      if (!rt.config.options.redispatch || forced) return null;
      if (!rt.bindsByKey || req.key === undefined) return undefined;
      return rt.balancer.pick({ key: req.key, skip: (s) => tried.has(s.index) })?.index;
    },
    deadline: queueDeadline(rt.config),
    signal,
  });
}
