// The HTTP session's state (HAProxy 2.6 §4 HTTP connection modes): the client and server states, every field one
// client connection carries between socket callbacks, and the small steps that only touch the server connection and
// its slot (release, park, give back). The base of the session's class chain: l7-session-state.ts → l7-session-ends.ts
// → l7-server-dial.ts → l7-server-side.ts → l7-transaction.ts → l7-session.ts, one file per part of the state machine
// (they all read and write these fields, so they are one object; a chain keeps one hidden class and monomorphic calls).
// Past 400 lines because the stats and traffic-log hooks sit beside the fields they read (each a test of one field;
// the log lines themselves are built in core/log/http-session-log.ts). Forwarder threads; hot path.

import type { DdbHttpExchange } from './l7-ddb-exchange.js';
import type net from 'node:net';
import type { FrontendConfig, HttpRules, Timeouts } from '../../config/model.js';
import { METHOD, type MethodId } from '../http1/head-names.js';
import { BODY, HeadView, type BodyKind } from '../http1/head-view.js';
import { Deadline, type DeadlineOwner } from '../io/deadline-sweep.js';
import type { BackendRuntime } from './backend-runtime.js';
import type { PersistenceDecision } from './cookie-persistence.js';
import { followsDestination, ServerDial, type DispatchContext } from './dispatch.js';
import { BodyRelay } from './l7-body-relay.js';
import { httpModeOf, type ConnFlags, type HttpMode } from './l7-connection-mode.js';
import { ClientAddresses, SessionRewrite } from './l7-rewrite.js';
import { scratchOf, type L7Scratch } from './l7-scratch.js';
import { ServerConn } from './l7-server-conn.js';
import type { SessionEnv } from './session-env.js';
import type { FetchContext } from '../acl/fetch-context.js';
import type { PendingStores } from '../stick/persistence.js';
import type { StickCounters } from '../stick/stick-counters.js';
import { NO_BACKEND_PLAN, NO_PLAN, type FrontendPlan } from './l7-plans.js';
import { SessionBackend } from './l7-session-backend.js';
import { afterResponseOn } from './l7-after-response.js';
import { HttpRuleSet } from './http-rules/rule-set.js';
import { statMessageBytes } from '../http1/head-bytes.js';
import { hrspField } from '../shared/stat-counters.js';
import type { LogRecord } from '../log/log-record.js';
import type { FrontendLine } from '../log/traffic-lines.js';
import { proxyHeaderError, type ProxyWaitEnd } from '../log/connection-error.js';
import { HTX_EXTRA, answerConnectionBytes, clientSentNothing, closeTransaction, openTransaction } from '../log/http-session-log.js';
import type { DialFacts } from './dispatch.js';

/** What client bytes mean now. */
export const C = {
  /** A PROXY header (`accept-proxy`). */
  proxy: 0,
  /** A request head (idle between requests, or partly received). */
  head: 1,
  /** A request is being given a server: its body bytes wait. */
  wait: 2,
  /** The server is ready: the head goes out with the body bytes at hand. */
  send: 3,
  /** The request body is being relayed. */
  body: 4,
  /** The request is complete: bytes are the next request, kept until this one is answered. */
  hold: 5,
  /** Closing: the last bytes to the client are flushed, then the lingering close. Client bytes are dropped. */
  flush: 6,
  closing: 7,
  /** Handed to the tunnel. */
  tunnel: 8,
  done: 9,
} as const;
export type CState = (typeof C)[keyof typeof C];

/** What server bytes mean now. */
export const S = { none: 0, head: 1, body: 2, after: 3, idle: 4 } as const;
export type SState = (typeof S)[keyof typeof S];

/** Why the client is not being read (a bit each). */
export const PAUSE_UPLOAD = 1;
export const PAUSE_FULL = 2;

/** How the request body transfer of the current transaction stands (HAProxy's abort reasons, as before). */
export type Upload = 'done' | 'running' | 'src-timeout' | 'src-closed' | 'dst-failed' | 'bad-chunk';

export const EMPTY = Buffer.alloc(0);

/** The per-connection state of one HTTP client. Fields are initialised in one fixed order (one hidden class). */
export abstract class L7SessionState implements DeadlineOwner {
  protected readonly env: SessionEnv;
  protected readonly feIndex: number;
  protected readonly fe: FrontendConfig;
  /** The frontend's compiled rules (l7-plans.ts). */
  protected readonly plan: FrontendPlan;
  /**
   * The backend of the current transaction (use_backend, else the default) and what the session derives from it,
   * copied into the fields below when a request goes to another backend than the last one (l7-session-backend.ts).
   */
  protected be: SessionBackend | undefined = undefined;
  /** Every backend this session used, by index (only for a frontend with use_backend rules). */
  protected beCache: (SessionBackend | undefined)[] | undefined = undefined;
  protected rt: BackendRuntime | undefined = undefined;
  /** The backend's `timeout server` (undefined: none, or no backend). */
  protected serverTimeout: number | undefined = undefined;
  protected readonly feMode: HttpMode;
  protected beMode: HttpMode;
  protected errorRules: readonly (HttpRules | undefined)[];
  protected readonly scratch: L7Scratch;
  protected readonly deadline: Deadline;
  protected readonly resolve: () => void;
  protected readonly acceptProxy: boolean;
  /** The bind the connection came in on (its index in the frontend): the connection error line names it. */
  protected readonly bindIndex: number;
  /** Some server of the backend is reached at the client's destination port plus an offset. */
  protected needsDstPort = false;
  /**
   * What the rules read (HAProxy's stream as the fetches see it): created for the first request of a frontend whose
   * plan is active (or handed over by tcp-request rules, `carried`), never for a frontend without rules.
   */
  protected fetch: FetchContext | undefined = undefined;
  /** The connection's sticky counters (in `fetch`), and the `stick store-*` keys waiting for a server. */
  protected counters: StickCounters | undefined = undefined;
  protected pending: PendingStores | undefined = undefined;
  /** The backend tcp-request rules chose before the connection became HTTP (carried), -1 for none. */
  protected carriedBackend = -1;
  /** A `stick match` (or `option dolphindb-json-affinity`) named this server of the current backend (-1: none). */
  protected stickServer = -1;
  /** The DolphinDB JSON-API side of the transactions (issue 16), built for the first one that needs it. */
  protected ddbx: DdbHttpExchange | undefined = undefined;
  /** A tarpitted request: when its answer goes out, the answer, and whether the connection closes after it. */
  protected tarpitDue = Infinity;
  protected tarpitBytes: Buffer | undefined = undefined;
  protected tarpitClose = false;
  protected tarpitStatus = 0;
  protected client: net.Socket | undefined = undefined;
  /** The stats: the backend the current transaction counted its request on (its answers count there too), -1 none. */
  protected statBackend = -1;
  /**
   * The stats' times of the current transaction (sweep ms): head received, server asked for, slot taken, connection
   * ready, request sent, response head; 0 = not reached.
   */
  protected tReq = 0;
  protected tDial = 0;
  protected tSlot = 0;
  protected tConnected = 0;
  protected tSent = 0;
  protected tResp = 0;
  /** The stats' count of the current request's head as received (its HTX size: HAProxy's bin counts it so). */
  protected reqStat = 0;
  /**
   * The traffic log (option httplog, log-format): the frontend's line and the connection's record, undefined when
   * the frontend does not log (every hook is then one test); `logOpen` while a transaction's line has not gone.
   */
  protected readonly logLine: FrontendLine | undefined;
  protected rec: LogRecord | undefined = undefined;
  protected logOpen = false;
  protected dialFacts: DialFacts | undefined = undefined;
  protected dial: ServerDial | undefined = undefined;
  protected dialContext: Mutable<DispatchContext> | undefined = undefined;

  // Client side.
  protected cstate: CState = C.head;
  /**
   * Client bytes kept (copied) because they could not be handled in their read: cin[cinStart, cinEnd). Consumed bytes
   * only move the start (a deep pipeline is not shifted once per request); the rest is moved down when room runs out.
   */
  protected cin: Buffer = EMPTY;
  protected cinStart = 0;
  protected cinEnd = 0;
  protected clientPause = 0;
  protected clientFin = false;
  /** clientInput() is running: a state change inside it is picked up by its loop, not by a new pass. */
  protected inInput = false;
  /** A request head is under way (bytes came, or the connection's first request): 408 at headDue. */
  protected headWaiting = true;
  /**
   * When the current head's first byte came, if the head did not come whole in one read (0: it did, or no byte yet):
   * the traffic log's %TR and <BADREQ> lines. Cleared when the next request is awaited.
   */
  protected tHeadStart = 0;
  protected headDue = Infinity;
  /** A request head parsed across reads keeps its own view (its bytes are in cin), so each parse goes on from where
   * the last one stopped (head-resume.ts); undefined while heads come whole. */
  protected headView: HeadView | undefined = undefined;
  /** The client's addresses, read when first needed; and what the head rewrites read (both once per session). */
  protected addrs: ClientAddresses | undefined = undefined;
  protected rewrite: SessionRewrite | undefined = undefined;
  protected transactions = 0;

  // The transaction in progress: what later steps need of its request once the head's bytes are gone.
  protected reqVersion: '1.0' | '1.1' = '1.1';
  protected reqMethod: MethodId = METHOD.OTHER;
  protected reqBody: BodyKind = BODY.NONE;
  protected reqLength = 0;
  /** The outgoing request head, kept as bytes when it cannot be written at once (a connect) or may be replayed. */
  protected reqHead: Buffer | undefined = undefined;
  protected upload: Upload = 'done';
  protected readonly up = new BodyRelay();
  /** Last progress of the upload (bytes read or a drain) and when its write got blocked (performance.now()). */
  protected upActive = 0;
  protected upBlockedAt = 0;
  /** When request body bytes last went to the server / response bytes to the client. */
  protected lastUpload = 0;
  protected lastDownload = 0;
  protected clientClose = false;
  protected serverClose = false;
  /** What the request asked of a protocol switch (its Connection's `upgrade`, its Upgrade field): the 101 checks. */
  protected readonly ask = { upgrade: false, upgradeField: false, websocket: false };
  /** The request method as text, kept only for cookie persistence (`postonly`, cacheability). */
  protected reqMethodText = '';
  /** retry-on names a response failure: a request head is kept for a replay. */
  protected mayReplay = false;
  protected replayable = false;
  protected attemptsLeft = 0;
  /** The balancer's key of the request (kept for a replay). */
  protected reqKey: string | undefined = undefined;
  protected persist: PersistenceDecision | undefined = undefined;
  protected responseStarted = false;
  protected reusable = false;

  // Server side.
  protected server: ServerConn | undefined = undefined;
  /** A new connection being opened by the dial. */
  protected opening: ServerConn | undefined = undefined;
  /** The current request's SNI per server of its backend (`sni <expr>` on `ssl` servers); undefined until one needs it. */
  protected sniNames: string[] | undefined = undefined;
  protected serverIdle = false;
  /** The server sent bytes beyond its response: its connection is out of step and never reused. */
  protected serverDirty = false;
  /**
   * Shared-buffer index of the server slot the current transaction holds, taken by the dial and given back when the
   * transaction ends or its server connection is dropped (HAProxy's `served`: maxconn counts requests being served,
   * never an idle keep-alive connection, so no request ever waits behind a slot its own session holds).
   */
  protected slotHeld = -1;
  protected sstate: SState = S.none;
  /** Server bytes of an unfinished response head; sin[0, sinLen); its own view while unfinished. */
  protected sin: Buffer = EMPTY;
  protected sinLen = 0;
  protected resView: HeadView | undefined = undefined;
  protected serverPaused = false;
  /** When the request went out (or the last interim answer came): the response head's `timeout server` runs from it. */
  protected since = 0;
  protected readonly down = new BodyRelay();
  protected downActive = 0;
  protected downBlockedAt = 0;

  /** The sweep's call (l7-session-ends.ts). */
  abstract onDeadline(now: number): void;

  constructor(env: SessionEnv, fe: number, frontend: FrontendConfig | undefined, bind: number, resolve: () => void) {
    this.env = env;
    this.feIndex = fe;
    // A session is only started for a frontend of the config; the fallback keeps the type honest.
    this.fe = frontend ?? (env.frontends[0] as FrontendConfig);
    this.plan = env.plans.frontends[fe] ?? NO_PLAN;
    this.feMode = httpModeOf(this.fe.options);
    this.beMode = this.feMode;
    // Until a backend is known (a 400 before any request): the frontend's errorfiles.
    this.errorRules = [undefined, this.fe.http];
    this.scratch = scratchOf(env.io);
    this.deadline = new Deadline(this);
    this.resolve = resolve;
    this.acceptProxy = this.fe.binds[bind]?.acceptProxy === true;
    this.bindIndex = bind;
    this.logLine = env.logLines?.[fe];
  }

  /**
   * `accept-proxy`: the header failed (`how`, with `held` bytes received): HAProxy's connection error line
   * (core/log/connection-error.ts); the caller closes the connection.
   */
  protected proxyFailed(how: ProxyWaitEnd, held: number): void {
    if (this.rec !== undefined) this.logLine?.connectionError(this.rec, proxyHeaderError(how, held), this.bindIndex, this.now());
  }

  /**
   * The current transaction goes to backend `index` (an index of env.backends): its SessionBackend (built on first
   * use) becomes the session's. A held idle server connection of another backend goes to the pool first, so that
   * a keep-alive client's next request never reaches the last backend's server. Nothing happens when it is the
   * backend already in use (the common case: no allocation, no copy).
   */
  protected useBackend(index: number): void {
    const cur = this.be;
    if (cur !== undefined && cur.index === index) return;
    const rt = this.env.backends[index];
    if (rt === undefined) return;
    this.releaseSlot();
    if (this.server !== undefined && this.server.backend !== index) this.parkServer();
    let sb: SessionBackend | undefined;
    if (cur !== undefined) {
      // A second backend: from now on the session keeps each one it builds.
      const cache = (this.beCache ??= []);
      cache[cur.index] = cur;
      sb = cache[index];
    }
    if (sb === undefined) {
      const plans = this.env.plans;
      sb = new SessionBackend(index, rt, plans.backends[index] ?? NO_BACKEND_PLAN, plans.rules.backend(index, this.feIndex), this.fe, this.addrs as ClientAddresses);
      if (this.beCache !== undefined) this.beCache[index] = sb;
    }
    this.be = sb;
    this.rt = sb.rt;
    this.rewrite = sb.rewrite;
    this.serverTimeout = sb.serverTimeout;
    this.beMode = sb.mode;
    this.errorRules = sb.errorRules;
    this.needsDstPort = sb.needsDstPort;
    this.mayReplay = sb.mayReplay;
  }

  /** A status the client gets (from the server or from orcalb), counted as HAProxy counts it. */
  /**
   * The stats (HAProxy's proxy counters): a request head received (req_tot, req_rate); `invalid` also counts ereq.
   * Every stat* hook counts through the thread's batch (core/shared/stat-batch.ts): plain adds, applied once per
   * loop turn; allocation-free.
   */
  protected statRequest(invalid: boolean, head?: HeadView): void {
    const f = this.env.state.frontend(this.feIndex).later;
    f.add('reqTot', 1);
    this.reqStat = head === undefined ? 0 : head.length - 4 * head.count;
    if (this.reqStat > 0) f.addWide('bytesIn', this.reqStat);
    if (invalid) f.add('requestErrors', 1);
    f.rate('reqRatetick', 'reqRateMax');
    this.statBackend = -1;
    this.tReq = this.now();
    this.tDial = 0;
    this.tSlot = 0;
    this.tConnected = 0;
    this.tSent = 0;
    this.tResp = 0;
    if (this.rec !== undefined && this.logLine !== undefined) {
      openTransaction(this.logLine, this.rec, head, this.reqStat, this.tReq, this.tHeadStart);
      this.logOpen = true;
    }
  }

  /** The traffic log: the transaction's termination state (§8.5) when the session knows it before the end. */
  protected logState(state: string): void {
    const rec = this.rec;
    if (rec !== undefined && this.logOpen && rec.termination === '--') rec.termination = state;
  }

  /** The traffic log: the transaction is over, its line goes (once), its server's slot already given back. */
  protected logClose(): void {
    const rec = this.rec;
    const line = this.logLine;
    if (!this.logOpen || rec === undefined || line === undefined) return;
    this.logOpen = false;
    const server = rec.server >= 0 ? rec.server : (this.dialFacts?.server ?? -1);
    const slot = server < 0 ? undefined : this.rt?.serverSlots[server];
    const srv = server < 0 ? undefined : this.rt?.config.servers[server];
    if (srv !== undefined) {
      rec.serverAddress = srv.address;
      rec.serverPort = srv.port;
    }
    const nothing = clientSentNothing(rec, this.tHeadStart !== 0, this.cinEnd - this.cinStart);
    closeTransaction(line, rec, this.tDial, this.tSlot, this.tConnected, this.dialFacts, this.statBackend, server, slot?.load('curConns') ?? 0, this.now(), nothing);
  }

  /**
   * The stats: a transaction server `server` answered is over: its queue, connect, response and total times go
   * into the server's and the backend's sliding averages (HAProxy's qtime/ctime/rtime/ttime).
   */
  protected statTimes(server: number): void {
    const rt = this.rt;
    if (rt === undefined || this.tResp === 0 || this.tSlot === 0) return;
    const now = this.now();
    const q = this.tSlot - this.tDial;
    const c = this.tConnected === 0 ? 0 : this.tConnected - this.tSlot;
    const r = this.tResp - this.tSent;
    const t = now - this.tReq;
    rt.serverSlots[server]?.later.time(q, c, r, t);
    rt.slot.later.time(q, c, r, t);
    this.tResp = 0;
  }

  /** The stats: the transaction's request goes to backend `rt` (its req_tot); its answers now count there too. */
  protected statBackendChosen(rt: BackendRuntime): void {
    const b = rt.slot.later;
    b.add('reqTot', 1);
    if (this.reqStat > 0) b.addWide('bytesIn', this.reqStat);
    this.statBackend = rt.index;
  }

  /**
   * The stats: request body data relayed to server `server` (bin of frontend, backend and server), and the head
   * once when it goes out (`head`: the received head's count).
   */
  protected statUpload(server: number, data: number, head: boolean): void {
    const n = data + (head ? this.reqStat : 0);
    if (n === 0) return;
    if (this.rec !== undefined) this.rec.bytesIn += data;
    const rt = this.rt;
    rt?.serverSlots[server]?.later.addWide('bytesIn', n);
    if (data > 0) {
      this.env.state.frontend(this.feIndex).later.addWide('bytesIn', data);
      rt?.slot.later.addWide('bytesIn', data);
    }
  }

  /** The stats: response bytes relayed from server `server` (bout of the three; `n` as BodyRelay.sent counts). */
  protected statDownload(server: number, n: number): void {
    if (n === 0) return;
    const rt = this.rt;
    rt?.serverSlots[server]?.later.addWide('bytesOut', n);
    rt?.slot.later.addWide('bytesOut', n);
    this.env.state.frontend(this.feIndex).later.addWide('bytesOut', n);
  }

  /**
   * The stats: an answer with `status` goes to the client: counted on the frontend, the transaction's backend, and
   * server `server` of it when the server answered (-1: orcalb answered). `bytes`: an answer orcalb built (its
   * frontend bout; a server's response bytes are counted as they are relayed).
   */
  protected statAnswer(status: number, server: number, bytes?: Buffer): void {
    const f = this.env.state.frontend(this.feIndex).later;
    const hrsp = hrspField(status);
    f.add(hrsp, 1);
    const n = bytes === undefined ? 0 : statMessageBytes(bytes);
    if (n > 0) f.addWide('bytesOut', n);
    const rec = this.rec;
    if (rec !== undefined) {
      rec.status = status;
      // An answer orcalb makes counts as the message it is (%B); a server's, from its head (captureResponse).
      if (bytes !== undefined) rec.bytesOut += n + HTX_EXTRA - answerConnectionBytes(bytes);
      if (server >= 0) rec.server = server;
    }
    const be = this.statBackend;
    if (be < 0) return;
    const rt = this.env.backends[be];
    if (rt === undefined) return;
    const b = rt.slot.later;
    b.add(hrsp, 1);
    if (n > 0) b.addWide('bytesOut', n);
    if (server >= 0) rt.serverSlots[server]?.later.add(hrsp, 1);
  }

  protected countStatus(status: number): void {
    const c = this.counters;
    if (c === undefined) return;
    if (status >= 400 && status < 500) c.countHttpError();
    else if (status >= 500 && status < 600 && status !== 501 && status !== 505) c.countHttpFail();
  }

  /** A complete answer orcalb makes (a rule's, a 503, a 502…) after the proxies' http-after-response rules. */
  protected answerBytes(bytes: Buffer): Buffer {
    const ctx = this.fetch;
    if (ctx === undefined) return bytes;
    return afterResponseOn(bytes, ctx, this.be?.sets.afterResponse ?? HttpRuleSet.EMPTY, this.plan.sets.afterResponse);
  }

  /** Closes the server connection (used or idle) and gives back the transaction's slot if it holds one. Idempotent. */
  protected releaseServer(): void {
    this.releaseSlot();
    const s = this.server;
    if (s === undefined) return;
    this.server = undefined;
    this.serverIdle = false;
    this.serverPaused = false;
    this.serverDirty = false;
    this.sinLen = 0;
    s.close();
  }

  /** Hands an idle server connection to the thread's pool, or closes it when it cannot be reused. Idempotent. */
  protected parkServer(): void {
    this.releaseSlot();
    const s = this.server;
    if (s === undefined) return;
    // A server reached at the client's own destination port (a relative port) is that client's alone; nothing is
    // parked once the thread hard-stops.
    // A connection that began with a PROXY header announced this client: never another's.
    const srv = this.env.backends[s.backend]?.config.servers[s.index];
    const shareable = srv !== undefined && !followsDestination(srv) && !s.proxied && !this.env.stopSignal.aborted;
    if (!this.serverIdle || !shareable || !this.env.idlePool.park(s)) return this.releaseServer();
    this.server = undefined;
    this.serverIdle = false;
  }

  /** Gives back the current transaction's server slot (wakes queued requests on every thread). Idempotent. */
  protected releaseSlot(): void {
    const slot = this.slotHeld;
    if (slot < 0 || this.rt === undefined) return;
    this.slotHeld = -1;
    this.env.accounting.serverClosed(this.env.thread, this.rt.index, slot);
  }

  protected pauseClient(bit: number): void {
    if (this.clientPause === 0) this.client?.pause();
    this.clientPause |= bit;
  }

  protected resumeClient(bit: number): void {
    if ((this.clientPause & bit) === 0) return;
    this.clientPause &= ~bit;
    if (this.clientPause === 0 && this.cstate < C.flush) this.client?.resume();
  }

  /** The thread is stopping, or a reload removed this session's frontend: no keep-alive after this response. */
  protected stopping(): boolean {
    return this.env.softStopSignal?.aborted === true || this.env.frontends[this.feIndex]?.retired === true;
  }

  protected now(): number {
    return this.env.sweep.now();
  }

}

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A head's Connection tokens as l7-connection-mode.ts reads them. */
export function flagsOf(view: HeadView): ConnFlags {
  return { close: view.connClose, keepAlive: view.connKeepAlive, upgrade: view.connUpgrade };
}

/** now + limit, or no limit. */
export function due(from: number, limit: number | undefined): number {
  return limit === undefined ? Infinity : from + limit;
}

/** `timeout http-request`, or `timeout client` when unset (HAProxy's fallback). */
export function requestLimit(t: Timeouts): number | undefined {
  return t.httpRequest ?? t.client;
}

/** `timeout http-keep-alive`, then http-request, then client. */
export function idleLimit(t: Timeouts): number | undefined {
  return t.httpKeepAlive ?? t.httpRequest ?? t.client;
}
