// Chooses a server and connects to it (HAProxy 2.6 §4.2 retries, option redispatch, timeout connect; §5.2 maxconn,
// maxqueue): a server slot first (dispatch-slot.ts: at once when free, else in a queue), kept through the retries on
// that server as HAProxy keeps a stream's place, then an open connection the caller holds or a new one.
// Forwarder threads. ServerDial is event-driven ('connect'/'error' events, one timer for connect and turn-around):
// the HTTP engine dials for every request that needs a new connection, so no promise or async frame is made per
// attempt; a request that takes a connection it already holds completes synchronously. The TCP engine's session is
// its own DialHooks too (l4-session.ts); dispatch() wraps a ServerDial in a promise (tests).

import { performance } from 'node:perf_hooks';
import { serverFixedPort, serverHost } from '../shared/server-address.js';
import type { ServerSlot } from '../shared/server-slot.js';
import net from 'node:net';
import type { ServerConfig } from '../../config/model.js';
import { OrcaError } from '../errors.js';
import { Deadline, type DeadlineOwner, type DeadlineSweep } from '../io/deadline-sweep.js';
import type { ReadSink, SocketIo } from '../io/socket-io.js';
import type { ServerView } from '../shared/server-slot.js';
import type { BackendRuntime } from './backend-runtime.js';
import { takeSlotNow, waitForSlot, type SlotRequest, type SlotSearch } from './dispatch-slot.js';
import { countTermination, dispatchTermination } from './termination.js';
import { sniMismatch } from '../tls/server-tls.js';

export interface DispatchContext extends SlotRequest {
  /** dispatch()'s sockets and connect timing; the engines open their own through DialHooks.open. */
  readonly connectVia?: ConnectVia;
  /**
   * The port the client connected to (the PROXY header's destination with `accept-proxy`): servers with a relative
   * port (`server s 10.0.0.1`, `:+1`) are reached there, plus their offset. Undefined (a UNIX client) counts as 0.
   */
  readonly dstPort?: number | undefined;
  /**
   * The address the client connected to (as the rules left it: set-dst): a server whose address is 0.0.0.0 or ::
   * is reached there, as HAProxy reaches such a server (§5.2 server address). Undefined keeps the server's address.
   */
  readonly dstAddress?: string | undefined;
  /** Aborted when the client went away or orcalb hard-stops: a queued request leaves its queue at once. */
  readonly signal?: AbortSignal | undefined;
  /**
   * When the connection to `prefer` fails (cookie-persistence.ts PersistRedispatch): 'never' retries it until the
   * retries run out, 'at-once' goes to the balancer after the first failure, 'on-last-retry' for the last retry.
   * Default: the usual rule (shouldRedispatch).
   */
  readonly preferRedispatch?: 'never' | 'at-once' | 'on-last-retry' | undefined;
}

/**
 * How a TCP session opens its server sockets through the thread's SocketIo (reading into its sink from the first byte)
 * and times its connects on the thread's sweep (no Node timer per attempt).
 */
export interface ConnectVia {
  readonly io: SocketIo;
  readonly sink: ReadSink;
  readonly sweep: DeadlineSweep;
}

export interface Dispatched {
  /** Index of the server in its backend. */
  readonly server: number;
  readonly socket: net.Socket;
}

/** What a ServerDial reports to, and asks of, its caller (one object; an HTTP session is its own hooks). */
export interface DialHooks {
  /**
   * A slot of server `index` is taken for this request: true when the caller has an open connection to that server
   * it will use (its own idle one, or one from its thread's pool); the dial then ends with dialed(index, undefined).
   */
  reuse(index: number): boolean;
  /** A new socket connecting to address:port (server `index`), for one attempt (the caller chooses how it reads). */
  open(address: string, port: number, index: number): net.Socket;
  /**
   * The dial ended with a slot of `server` taken for the caller (who owes accounting.serverClosed) and `socket`
   * connected, or undefined when reuse() said yes. At most once per begin(); may run synchronously inside begin().
   */
  dialed(server: number, socket: net.Socket | undefined): void;
  /** The dial failed, already counted (termination.ts); no slot is held. May run synchronously inside begin(). */
  dialFailed(err: OrcaError): void;
}

/**
 * What a dial did, for a traffic log line (%Tw %rc %s): filled only when the caller gives one (its frontend logs),
 * so a session that does not log pays nothing.
 */
export interface DialFacts {
  /** Sweep ms the dial began, and the server slot was taken (0: not yet). */
  begunAt: number;
  slotAt: number;
  /** The last server tried (-1: none), connect retries made, and whether one went to another server. */
  server: number;
  retries: number;
  redispatched: boolean;
}

/** A DialFacts to fill. */
export function newDialFacts(): DialFacts {
  return { begunAt: 0, slotAt: 0, server: -1, retries: 0, redispatched: false };
}

const Phase = { idle: 0, queued: 1, connecting: 2, turnaround: 3, done: 4 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

const NONE_TRIED: ReadonlySet<number> = new Set();
const kDial = Symbol('orcalb.dial');

interface DialSocket extends net.Socket {
  [kDial]: ServerDial | undefined;
}

// Shared by every dial: the socket carries its dial, so no closure is made per attempt.
function onDialConnect(this: DialSocket): void {
  this[kDial]?.connected(this);
}
function onDialError(this: DialSocket, e: NodeJS.ErrnoException): void {
  this[kDial]?.attemptError(this, e);
}
function onDialTimer(dial: ServerDial): void {
  dial.onDeadline();
}

/**
 * One request's way to a server, reusable for the next request of the same session (begin() again). Mirrors HAProxy's
 * connection setup: slot, then connect within `timeout connect`; a retryable failure is retried `retries` times, on the
 * same server after a turn-around of min(timeout connect, 1 s), or on another one when `option redispatch` says so.
 * A failure is counted once, when the dial gives up (econ/cli_abrt, termination.ts): haproxy 2.6.12 shows econ 1 and
 * wretr 3 for one client after `retries 3` against a refusing server.
 */
export class ServerDial implements DeadlineOwner {
  private readonly hooks: DialHooks;
  private readonly sweep: DeadlineSweep | undefined;
  private readonly deadline: Deadline | undefined;
  private rt: BackendRuntime | undefined = undefined;
  private ctx: DispatchContext | undefined = undefined;
  private phase: Phase = Phase.idle;
  private retriesLeft = 0;
  private tried: Set<number> | undefined = undefined;
  private readonly search: SlotSearch = { blame: undefined, bound: undefined };
  private server: ServerView | undefined = undefined;
  private slotIndex = 0;
  private socket: DialSocket | undefined = undefined;
  private timer: NodeJS.Timeout | undefined = undefined;
  /** Created when the request queues without a signal of its own; cancel() aborts it. */
  private controller: AbortController | undefined = undefined;
  private cancelled = false;
  /** Bumped by begin() and cancel(): a queue answer for an older request is ignored. */
  private generation = 0;
  /** Where begin() reports what the dial does, for the caller's log line; undefined: nobody logs. */
  facts: DialFacts | undefined = undefined;

  /** `sweep`: the thread's timer wheel for connect and turn-around limits; without it, a Node timer per attempt. */
  constructor(hooks: DialHooks, sweep?: DeadlineSweep) {
    this.hooks = hooks;
    this.sweep = sweep;
    this.deadline = sweep === undefined ? undefined : new Deadline(this);
  }

  /** Starts a dial for one request on backend `rt`. The previous dial must have ended (dialed or failed). */
  begin(rt: BackendRuntime, ctx: DispatchContext): void {
    this.rt = rt;
    this.ctx = ctx;
    this.generation++;
    this.cancelled = false;
    this.retriesLeft = rt.config.retries;
    this.tried = undefined;
    const facts = this.facts;
    if (facts !== undefined) {
      facts.begunAt = this.clock();
      facts.slotAt = 0;
      facts.server = -1;
      facts.retries = 0;
      facts.redispatched = false;
    }
    this.nextServer();
  }

  /**
   * The client left: a queued request leaves its queue (counted as a client abort), a turn-around ends the same way,
   * a connect in progress is dropped and its slot given back; no hook is called afterwards. Idempotent.
   */
  cancel(): void {
    if (this.phase === Phase.done || this.phase === Phase.idle) return;
    this.cancelled = true;
    if (this.phase === Phase.queued) {
      // The queue rejects with ORCA_CLIENT_CLOSED, which is counted in queueFailed.
      this.controller?.abort();
      return;
    }
    this.stopTimer();
    if (this.phase === Phase.connecting) this.dropSocket();
    else this.countFailure(new OrcaError('ORCA_CLIENT_CLOSED', 'client left while connecting'));
    this.giveBack();
    this.phase = Phase.done;
  }

  /** Loop top: a server with a slot, at once or after the queue. */
  private nextServer(): void {
    const rt = this.rt as BackendRuntime;
    const ctx = this.ctx as DispatchContext;
    this.search.blame = undefined;
    if (this.gone()) return this.fail(new OrcaError('ORCA_CLIENT_CLOSED', 'client left while connecting'));
    let view: ServerView | undefined;
    try {
      view = takeSlotNow(rt, ctx, this.tried ?? NONE_TRIED, this.search);
    } catch (e) {
      return this.fail(e);
    }
    if (view !== undefined) return this.haveSlot(view);
    this.phase = Phase.queued;
    let signal = ctx.signal;
    if (signal === undefined) {
      this.controller = new AbortController();
      signal = this.controller.signal;
    }
    const gen = this.generation;
    waitForSlot(rt, ctx, this.tried ?? NONE_TRIED, this.search, signal).then(
      (v) => this.queued(gen, v),
      (e: unknown) => this.queueFailed(gen, e),
    );
  }

  private queued(gen: number, view: ServerView): void {
    if (gen !== this.generation || this.phase !== Phase.queued) {
      // A slot handed to a request that is gone goes straight back.
      const rt = this.rt as BackendRuntime;
      (this.ctx as DispatchContext).accounting.serverClosed((this.ctx as DispatchContext).thread, rt.index, rt.serverSlotIndexes[view.index] ?? 0);
      return;
    }
    this.haveSlot(view);
  }

  private queueFailed(gen: number, e: unknown): void {
    if (gen !== this.generation || this.phase !== Phase.queued) return;
    if (this.cancelled) {
      this.phase = Phase.done;
      this.countFailure(e);
      return;
    }
    this.fail(e);
  }

  private haveSlot(view: ServerView): void {
    const rt = this.rt as BackendRuntime;
    this.server = view;
    this.search.blame = view.index;
    this.slotIndex = rt.serverSlotIndexes[view.index] ?? 0;
    const facts = this.facts;
    if (facts !== undefined) {
      facts.slotAt = this.clock();
      facts.server = view.index;
    }
    if (rt.config.servers[view.index] === undefined) {
      this.giveBack();
      return this.fail(new OrcaError('ORCA_INTERNAL', 'picked server out of range'));
    }
    if (this.hooks.reuse(view.index)) {
      this.phase = Phase.done;
      this.hooks.dialed(view.index, undefined);
      return;
    }
    this.connect();
  }

  private connect(): void {
    const rt = this.rt as BackendRuntime;
    const index = (this.server as ServerView).index;
    const srv = rt.config.servers[index] as ServerConfig;
    this.phase = Phase.connecting;
    // `set server B/S addr` (runtime API): the address and port the health thread published, else the config's.
    const slot = rt.serverSlots[index] as ServerSlot;
    // A server that started without an address (init-addr none, a discovered template slot) is reached only where
    // discovery or `set server … addr` put it: its 0.0.0.0 and missing port are placeholders, not "the destination".
    const pinned = srv.unresolved === true;
    const host = !pinned && (srv.address === '0.0.0.0' || srv.address === '::') ? (this.ctx?.dstAddress ?? srv.address) : serverHost(slot, srv);
    const port = pinned || srv.portOffset === undefined ? serverFixedPort(slot, srv) : serverPort(srv, this.ctx?.dstPort);
    const socket = this.hooks.open(host, port, index) as DialSocket;
    socket[kDial] = this;
    // A TLS server (`ssl`) is connected once its handshake is done and its certificate accepted, within `timeout
    // connect` as in haproxy 2.6.12 (a stalled handshake ends sC, a refused certificate SC; both are retried).
    socket.on(rt.serverTls[index] === undefined ? 'connect' : 'secureConnect', onDialConnect);
    socket.on('error', onDialError);
    this.socket = socket;
    const limit = rt.config.timeouts.connect;
    // No `timeout connect`: HAProxy warns at load and waits for the kernel's own limit.
    if (limit !== undefined) this.startTimer(limit);
  }

  /** The attempt's socket connected: the slot and the socket go to the caller. */
  connected(socket: DialSocket): void {
    if (socket !== this.socket || this.phase !== Phase.connecting) return;
    this.stopTimer();
    this.detach(socket);
    this.socket = undefined;
    this.phase = Phase.done;
    this.hooks.dialed((this.server as ServerView).index, socket);
  }

  attemptError(socket: DialSocket, e: NodeJS.ErrnoException): void {
    if (socket !== this.socket || this.phase !== Phase.connecting) return;
    const code = e.code === 'ECONNREFUSED' ? 'ORCA_SERVER_CONNECT_REFUSED' : 'ORCA_SERVER_CONNECT_ERROR';
    this.attemptFailed(new OrcaError(code, `${this.where()}: ${e.message}`, { cause: e, detail: e.code ?? '' }), sniMismatch(socket, e));
  }

  /** The connect or turn-around timer (sweep or Node timer). */
  onDeadline(): void {
    this.timer = undefined;
    if (this.phase === Phase.connecting) {
      const limit = this.rt?.config.timeouts.connect ?? 0;
      this.attemptFailed(new OrcaError('ORCA_SERVER_CONNECT_TIMEOUT', `${this.where()}: no answer within ${limit} ms`));
    } else if (this.phase === Phase.turnaround) {
      if (this.gone()) {
        this.giveBack();
        this.fail(new OrcaError('ORCA_CLIENT_CLOSED', 'client left while connecting'));
      } else {
        this.connect();
      }
    }
  }

  /** address:port of the current attempt, for messages. */
  private where(): string {
    const srv = this.rt?.config.servers[this.server?.index ?? -1];
    return srv === undefined ? '?' : `${srv.address}:${serverPort(srv, this.ctx?.dstPort)}`;
  }

  /** `atOnce`: the same server is tried again without the turn-around (see sniMismatch). */
  private attemptFailed(err: OrcaError, atOnce = false): void {
    this.stopTimer();
    this.dropSocket();
    const rt = this.rt as BackendRuntime;
    const ctx = this.ctx as DispatchContext;
    const server = this.server as ServerView;
    if (this.retriesLeft <= 0 || !err.retryable) {
      this.giveBack();
      return this.fail(err);
    }
    this.retriesLeft--;
    if (this.facts !== undefined) this.facts.retries++;
    const direct = ctx.prefer === server.index && ctx.preferRedispatch !== undefined;
    if (direct ? directRedispatch(ctx.preferRedispatch, this.retriesLeft) : shouldRedispatch(rt, server, this.retriesLeft)) {
      // Another server, at once: the failed one is avoided while any other is usable.
      (this.tried ??= new Set()).add(server.index);
      if (this.facts !== undefined) this.facts.redispatched = true;
      rt.serverSlots[server.index]?.add('redispatches', 1);
      rt.slot.add('redispatches', 1);
      this.giveBack();
      return this.nextServer();
    }
    // Same server again after the turn-around timer: min(timeout connect, 1 s) (§4.2 retries).
    // haproxy 2.6.12 retries a certificate that does not match the SNI at once and leaves wretr as it was (measured:
    // the log shows 3 retries, show stat wretr 0).
    if (atOnce) return this.connect();
    rt.serverSlots[server.index]?.add('retries', 1);
    rt.slot.add('retries', 1);
    this.phase = Phase.turnaround;
    this.startTimer(Math.min(rt.config.timeouts.connect ?? 1000, 1000));
  }

  private fail(e: unknown): void {
    this.phase = Phase.done;
    this.countFailure(e);
    this.hooks.dialFailed(e instanceof OrcaError ? e : new OrcaError('ORCA_INTERNAL', String(e)));
  }

  /** The termination counters of a dial that gave up, on the backend and the server it is blamed on. */
  private countFailure(e: unknown): void {
    const rt = this.rt as BackendRuntime;
    const blamed = this.search.blame === undefined ? undefined : rt.serverSlots[this.search.blame];
    countTermination(dispatchTermination(e), rt.slot, blamed);
  }

  /** The dial's clock for DialFacts: the sweep's when it has one. */
  private clock(): number {
    return this.sweep === undefined ? performance.now() : this.sweep.now();
  }

  private gone(): boolean {
    return this.cancelled || this.ctx?.signal?.aborted === true;
  }

  private giveBack(): void {
    const rt = this.rt as BackendRuntime;
    const ctx = this.ctx as DispatchContext;
    ctx.accounting.serverClosed(ctx.thread, rt.index, this.slotIndex);
  }

  private dropSocket(): void {
    const s = this.socket;
    if (s === undefined) return;
    this.socket = undefined;
    this.detach(s);
    // A late error of a dropped attempt must not reach the event loop unheard.
    s.on('error', ignoreError);
    s.destroy();
  }

  private detach(s: DialSocket): void {
    s[kDial] = undefined;
    s.off('connect', onDialConnect);
    s.off('secureConnect', onDialConnect);
    s.off('error', onDialError);
  }

  private startTimer(ms: number): void {
    if (this.sweep !== undefined && this.deadline !== undefined) {
      this.deadline.due = this.sweep.now() + ms;
      this.sweep.arm(this.deadline);
    } else {
      this.timer = setTimeout(onDialTimer, ms, this);
    }
  }

  private stopTimer(): void {
    if (this.deadline !== undefined) this.sweep?.disarm(this.deadline);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function ignoreError(): void {
  // The socket is being destroyed; its error (if any) was already handled or no longer matters.
}

/**
 * Returns a connected server socket with one slot of its server taken for the caller, who must call
 * accounting.serverClosed once the connection is over. Rejects with an OrcaError: ORCA_NO_SERVER, ORCA_QUEUE_TIMEOUT,
 * ORCA_QUEUE_FULL, ORCA_CLIENT_CLOSED, or the last connect error once the retries (for errors that are retryable) are
 * spent; no slot is held then. A rejection is counted once, in the backend's and the blamed server's stats counters
 * (termination.ts). One promise per call over a ServerDial (tests; the engines are their own DialHooks). Never throws
 * synchronously.
 */
export function dispatch(rt: BackendRuntime, ctx: DispatchContext, facts?: DialFacts): Promise<Dispatched> {
  return new Promise<Dispatched>((resolve, reject) => {
    const via = ctx.connectVia;
    const dial = new ServerDial(
      {
        reuse: () => false,
        open: (address, port) =>
          via === undefined ? net.connect({ host: address, port, noDelay: true }) : via.io.connect({ host: address, port }, via.sink),
        dialed: (server, socket) => resolve({ server, socket: socket as net.Socket }),
        dialFailed: reject,
      },
      via?.sweep,
    );
    dial.facts = facts;
    dial.begin(rt, ctx);
  });
}

/**
 * Whether a server is reached where the client connected (an address 0.0.0.0 or ::, or a relative port): its
 * connections belong to that client (never pooled) and the dial needs the client's destination. Pure.
 */
export function followsDestination(server: Pick<ServerConfig, 'address' | 'portOffset' | 'unresolved'>): boolean {
  if (server.unresolved === true) return false;
  return server.portOffset !== undefined || server.address === '0.0.0.0' || server.address === '::';
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
