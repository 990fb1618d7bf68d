// One client connection in mode http (HAProxy 2.6 §4 HTTP connection modes, §4.2 timeouts, forwardfor, retries, cookie):
// requests in order, a server per request (L7 keys, persistence, keep-alive reuse), bodies streamed, errors, 101 tunnel.
// Forwarder threads; hot path (every read of every HTTP connection); every failure closes this client only.
//
// Design (../shared/perf/README.md §1, §2; issue 10): a synchronous state machine driven by socket callbacks. Both
// sockets read into the thread's shared buffer (SocketIo `onread`); a head is parsed straight from it into a byte-level
// view (core/http1/head-parse.ts), and client bytes are copied into the session only when they cannot be handled in
// that read (a partial head, a pipelined request, a body waiting for its server). Heads are rewritten in place
// (head-edit.ts) and go out together with the body bytes at hand in ONE write; bodies go from the read buffer to the
// kernel (try-write), the source paused until the destination drains (one chunk in flight per direction). One
// Deadline entry in the thread's sweep holds every limit, chosen by the phase; activity only writes a time stamp. No
// promise, await, timer or closure per request: only a queue wait and a tunnel are async, and they are rare. Measured
// (native-bench, 1 forwarder, shared 2-core machine): L7 keep-alive 0.81–1.16 of HAProxy's CPU per request, against
// 0.32–0.36 for the await-per-step engine it replaces.
// Over 400 lines: one state machine whose two halves (client side, server side) read and write the same transaction
// fields at every step; what needs none of them lives beside it (l7-body-relay.ts, l7-scratch.ts, l7-rewrite.ts,
// l7-replies.ts, l7-server-conn.ts, l7-idle-pool.ts, l7-tunnel.ts, l7-limits.ts, dispatch.ts).

import type net from 'node:net';
import type { FrontendConfig, HttpRules, Timeouts } from '../../config/model.js';
import { OrcaError } from '../errors.js';
import { anyHasToken } from '../http1/head-checks.js';
import type { HeadEdit } from '../http1/head-edit.js';
import { requestCookie } from '../http1/head-cookie.js';
import { responseBody } from '../http1/head-framing.js';
import { HDR, isIdempotent, METHOD, type MethodId } from '../http1/head-names.js';
import { requestHeadOf } from '../http1/head-objects.js';
import { continueRequest, continueResponse, parseRequest, parseResponse } from '../http1/head-parse.js';
import { rewriteRequest, rewriteResponse, rewriteSwitch } from '../http1/head-rewrite.js';
import { BODY, HEAD, HeadView, type BodyKind } from '../http1/head-view.js';
import { Deadline, type DeadlineOwner } from '../io/deadline-sweep.js';
import { sinkOf, type ReadSink } from '../io/socket-io.js';
import { parseProxyHeader } from '../proxy-protocol/parse.js';
import type { BackendRuntime } from './backend-runtime.js';
import { persistenceDecision, type PersistenceDecision } from './cookie-persistence.js';
import { ServerDial, type DialHooks, type DispatchContext } from './dispatch.js';
import { BodyRelay, checkBufferedChunks } from './l7-body-relay.js';
import {
  clientWantsCloseForRequest,
  clientWantsCloseForResponse,
  httpModeOf,
  serverReusable,
  serverWantsCloseForRequest,
  upgradeAgreed,
  type ConnFlags,
  type HttpMode,
} from './l7-connection-mode.js';
import { HEAD_LIMITS, HOLD_LIMIT, retryAllowed } from './l7-limits.js';
import { ClientAddresses, SessionRewrite } from './l7-rewrite.js';
import { scratchOf, type L7Scratch } from './l7-scratch.js';
import { earlyReply, proxyReply } from './l7-replies.js';
import { ServerConn, type ServerUser } from './l7-server-conn.js';
import { unwatchSoftStop, watchSoftStop, type SoftStoppable } from './l7-soft-stop.js';
import { runTunnel } from './l7-tunnel.js';
import { LINGER_MS } from './lingering-close.js';
import { pipeTimeouts } from './pipe-timeouts.js';
import { adoptClient, type CarriedConnection, type ClientConn, type SessionEnv } from './session-env.js';
import { countTermination } from './termination.js';

/** What client bytes mean now. */
const C = {
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
type CState = (typeof C)[keyof typeof C];

/** What server bytes mean now. */
const S = { none: 0, head: 1, body: 2, after: 3, idle: 4 } as const;
type SState = (typeof S)[keyof typeof S];

/** Why the client is not being read (a bit each). */
const PAUSE_UPLOAD = 1;
const PAUSE_FULL = 2;

/** How the request body transfer of the current transaction stands (HAProxy's abort reasons, as before). */
type Upload = 'done' | 'running' | 'src-timeout' | 'src-closed' | 'dst-failed' | 'bad-chunk';

const EMPTY = Buffer.alloc(0);
const kSession = Symbol('orcalb.l7session');

interface ClientSocket extends net.Socket {
  [kSession]: L7Session;
}

// The client socket's listeners, shared by every session (the session rides on the socket).
function onClientEnd(this: ClientSocket): void {
  this[kSession].clientEnded();
}
function onClientClose(this: ClientSocket): void {
  this[kSession].clientClosed();
}
function onClientDrain(this: ClientSocket): void {
  this[kSession].clientDrained();
}
function onClientError(): void {
  // 'close' follows; the session ends there.
}

/**
 * Serves one client connection of frontend `fe` (received on bind `bind`, handed over as `conn`) in HTTP mode. Same contract as
 * runL4Session: resolves when the client is closed; never rejects; the client's frontend slot must already be counted
 * (ConnAccounting.admitClient + clientAdopted) and is released here. Throws only when `conn` cannot be adopted.
 * `carried`: what ran on the connection before (tcp-request rules, switch-mode http): `conn` is then the socket a
 * TCP session or the connection rules already adopted (its reads come here from now on), `preface` its bytes already
 * read (the first client input), and `fetch.backend` (when >= 0) the backend the TCP rules chose.
 */
export function runL7Session(env: SessionEnv, conn: ClientConn, fe: number, bind: number, carried?: CarriedConnection): Promise<void> {
  const frontend = env.frontends[fe];
  return new Promise<void>((resolve) => {
    const session = new L7Session(env, fe, frontend, bind, resolve, carried);
    session.start(conn, carried?.preface);
  });
}

/** The per-connection state of one HTTP client. Fields are initialised in one fixed order (one hidden class). */
class L7Session implements ReadSink, DeadlineOwner, DialHooks, ServerUser, SoftStoppable {
  private readonly env: SessionEnv;
  private readonly feIndex: number;
  private readonly fe: FrontendConfig;
  private readonly rt: BackendRuntime | undefined;
  /** The backend's `timeout server` (undefined: none, or no backend). */
  private readonly serverTimeout: number | undefined;
  private readonly feMode: HttpMode;
  private readonly beMode: HttpMode;
  private readonly errorRules: readonly (HttpRules | undefined)[];
  private readonly scratch: L7Scratch;
  private readonly deadline: Deadline;
  private readonly resolve: () => void;
  private readonly acceptProxy: boolean;
  /** Some server of the backend is reached at the client's destination port plus an offset. */
  private readonly needsDstPort: boolean;
  private client: net.Socket | undefined = undefined;
  private dial: ServerDial | undefined = undefined;
  private dialContext: Mutable<DispatchContext> | undefined = undefined;

  // Client side.
  private cstate: CState = C.head;
  /**
   * Client bytes kept (copied) because they could not be handled in their read: cin[cinStart, cinEnd). Consumed bytes
   * only move the start (a deep pipeline is not shifted once per request); the rest is moved down when room runs out.
   */
  private cin: Buffer = EMPTY;
  private cinStart = 0;
  private cinEnd = 0;
  private clientPause = 0;
  private clientFin = false;
  /** clientInput() is running: a state change inside it is picked up by its loop, not by a new pass. */
  private inInput = false;
  /** A request head is under way (bytes came, or the connection's first request): 408 at headDue. */
  private headWaiting = true;
  private headDue = Infinity;
  /** A request head parsed across reads keeps its own view (its bytes are in cin), so each parse goes on from where
   * the last one stopped (head-resume.ts); undefined while heads come whole. */
  private headView: HeadView | undefined = undefined;
  /** The client's addresses, read when first needed; and what the head rewrites read (both once per session). */
  private addrs: ClientAddresses | undefined = undefined;
  private rewrite: SessionRewrite | undefined = undefined;
  private transactions = 0;

  // The transaction in progress: what later steps need of its request once the head's bytes are gone.
  private reqVersion: '1.0' | '1.1' = '1.1';
  private reqMethod: MethodId = METHOD.OTHER;
  private reqBody: BodyKind = BODY.NONE;
  private reqLength = 0;
  /** The outgoing request head, kept as bytes when it cannot be written at once (a connect) or may be replayed. */
  private reqHead: Buffer | undefined = undefined;
  private upload: Upload = 'done';
  private readonly up = new BodyRelay();
  /** Last progress of the upload (bytes read or a drain) and when its write got blocked (performance.now()). */
  private upActive = 0;
  private upBlockedAt = 0;
  /** When request body bytes last went to the server / response bytes to the client. */
  private lastUpload = 0;
  private lastDownload = 0;
  private clientClose = false;
  private serverClose = false;
  /** What the request asked of a protocol switch (its Connection's `upgrade`, its Upgrade field): the 101 checks. */
  private readonly ask = { upgrade: false, upgradeField: false, websocket: false };
  /** The request method as text, kept only for cookie persistence (`postonly`, cacheability). */
  private reqMethodText = '';
  /** retry-on names a response failure: a request head is kept for a replay. */
  private readonly mayReplay: boolean;
  private replayable = false;
  private attemptsLeft = 0;
  /** The balancer's key of the request (kept for a replay). */
  private reqKey: string | undefined = undefined;
  private persist: PersistenceDecision | undefined = undefined;
  private responseStarted = false;
  private reusable = false;

  // Server side.
  private server: ServerConn | undefined = undefined;
  /** A new connection being opened by the dial. */
  private opening: ServerConn | undefined = undefined;
  private serverIdle = false;
  /** The server sent bytes beyond its response: its connection is out of step and never reused. */
  private serverDirty = false;
  /**
   * Shared-buffer index of the server slot the current transaction holds, taken by the dial and given back when the
   * transaction ends or its server connection is dropped (HAProxy's `served`: maxconn counts requests being served,
   * never an idle keep-alive connection, so no request ever waits behind a slot its own session holds).
   */
  private slotHeld = -1;
  private sstate: SState = S.none;
  /** Server bytes of an unfinished response head; sin[0, sinLen); its own view while unfinished. */
  private sin: Buffer = EMPTY;
  private sinLen = 0;
  private resView: HeadView | undefined = undefined;
  private serverPaused = false;
  /** When the request went out (or the last interim answer came): the response head's `timeout server` runs from it. */
  private since = 0;
  private readonly down = new BodyRelay();
  private downActive = 0;
  private downBlockedAt = 0;

  constructor(env: SessionEnv, fe: number, frontend: FrontendConfig | undefined, bind: number, resolve: () => void, carried?: CarriedConnection) {
    this.env = env;
    this.feIndex = fe;
    // A session is only started for a frontend of the config; the fallback keeps the type honest.
    this.fe = frontend ?? (env.frontends[0] as FrontendConfig);
    const chosen = carried?.fetch.backend ?? -1;
    const beIndex =
      chosen >= 0 ? chosen : this.fe.defaultBackend === undefined ? undefined : env.backendByName.get(this.fe.defaultBackend);
    this.rt = beIndex === undefined ? undefined : env.backends[beIndex];
    const be = this.rt?.config;
    this.serverTimeout = be?.timeouts.server;
    this.feMode = httpModeOf(this.fe.options);
    this.beMode = be === undefined ? this.feMode : httpModeOf(be.options);
    this.errorRules = [this.rt?.config.http, this.fe.http];
    this.scratch = scratchOf(env.io);
    this.deadline = new Deadline(this);
    this.resolve = resolve;
    // A carried connection still has its PROXY header to read: config load refuses one on a TCP frontend that hands
    // connections over, so only an HTTP frontend's connection rules (which run before the header) carry one here.
    this.acceptProxy = this.fe.binds[bind]?.acceptProxy === true;
    this.needsDstPort = be?.servers.some((s) => s.portOffset !== undefined) === true;
    const retryOn = be?.retryOn ?? [];
    this.mayReplay = retryOn.some((r) => r !== 'conn-failure');
  }

  /** Adopts the client and starts waiting for its first request (or its PROXY header). Throws if it cannot adopt. */
  start(conn: ClientConn, preface?: Buffer): void {
    // A socket adopted by the TCP engine already (carried) only changes its read sink.
    const adopted = typeof conn !== 'number' && sinkOf(conn) !== undefined;
    if (adopted) this.env.io.setSink(conn, this);
    const client = (adopted ? conn : adoptClient(this.env, conn, this)) as ClientSocket;
    this.client = client;
    client[kSession] = this;
    this.addrs = new ClientAddresses(client);
    if (this.rt !== undefined) this.rewrite = new SessionRewrite(this.fe, this.rt.config, this.addrs);
    client.on('end', onClientEnd);
    client.on('close', onClientClose);
    client.on('drain', onClientDrain);
    client.on('error', onClientError);
    watchSoftStop(this.env.softStopSignal, this);
    const now = this.now();
    if (this.acceptProxy) {
      this.cstate = C.proxy;
      this.headDue = due(now, this.fe.timeouts.client);
    } else {
      this.headDue = due(now, requestLimit(this.fe.timeouts));
    }
    this.rearm();
    // A socket that closed before we were handed it will never emit 'close' again.
    if (client.destroyed) return this.finish();
    if (adopted) {
      // The carried bytes are the first read; the TCP engine may have stopped reading at its limit: read on.
      const more = preface === undefined || preface.length === 0 || this.onRead(client, preface, preface.length);
      if (more && !client.destroyed) client.resume();
    }
  }

  // ---- Reads ------------------------------------------------------------------------------------------------------

  /** The client's reads (SocketIo sink). */
  onRead(_socket: net.Socket, buf: Buffer, n: number): boolean {
    try {
      if (this.cstate >= C.flush) return this.cstate < C.tunnel;
      if (this.cinEnd === 0) {
        const used = this.clientInput(buf, 0, n);
        if (used < n && this.cstate < C.flush) this.keep(buf, used, n);
      } else {
        this.keep(buf, 0, n);
        this.pumpClient();
      }
      return this.clientPause === 0;
    } catch (e) {
      this.internalError(e);
      return false;
    }
  }

  /** Copies client bytes that wait into cin; stops reading the client once HOLD_LIMIT bytes wait. */
  private keep(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    if (this.cinEnd + n > this.cin.length) {
      const held = this.cinEnd - this.cinStart;
      // Room runs out: move what is held down to 0, into a bigger buffer if that is not enough.
      const target = held + n > this.cin.length ? Buffer.allocUnsafe(Math.max(held + n, this.cin.length * 2, 1024)) : this.cin;
      this.cin.copy(target, 0, this.cinStart, this.cinEnd);
      this.cin = target;
      this.cinStart = 0;
      this.cinEnd = held;
    }
    buf.copy(this.cin, this.cinEnd, start, end);
    this.cinEnd += n;
    if (this.cinEnd - this.cinStart >= HOLD_LIMIT) this.pauseClient(PAUSE_FULL);
  }

  /** Runs the client state machine over the kept bytes (after a state change that may let them move). */
  private pumpClient(): void {
    if (this.inInput || this.cstate >= C.flush) return;
    const used = this.clientInput(this.cin, this.cinStart, this.cinEnd);
    if (this.cstate >= C.flush) return;
    this.cinStart = used;
    if (this.cinStart === this.cinEnd) {
      // Nothing waits: let the buffer go (an idle connection keeps no memory; keeping is the rare case).
      this.cin = EMPTY;
      this.cinStart = 0;
      this.cinEnd = 0;
    }
    if ((this.clientPause & PAUSE_FULL) !== 0 && this.cinEnd - this.cinStart < HOLD_LIMIT) this.resumeClient(PAUSE_FULL);
  }

  /**
   * The client state machine over src[start, end): returns how many bytes it consumed (the rest is kept). Loops while a
   * step makes progress; a step that needs more bytes (or another event) ends it.
   */
  private clientInput(src: Buffer, start: number, end: number): number {
    this.inInput = true;
    try {
      let p = start;
      for (;;) {
        const state = this.cstate;
        let q = p;
        switch (state) {
          case C.proxy:
            q = this.proxyHeader(src, p, end);
            break;
          case C.head:
            if (p === end) {
              if (this.clientFin) this.closeClient();
              return p;
            }
            q = this.requestHead(src, p, end);
            break;
          case C.send:
            q = this.sendRequest(src, p, end);
            break;
          case C.body:
            if (p === end) {
              // The client's FIN before the body's end: the transfer is cut.
              if (this.clientFin) this.uploadFailed('src-closed');
              return p;
            }
            q = this.uploadFrom(src, p, end, undefined);
            if (this.cstate === C.body && (this.clientPause & PAUSE_UPLOAD) !== 0) return q;
            break;
          case C.wait:
          case C.hold:
            return p;
          default:
            return end;
        }
        if (q === p && this.cstate === state) return p;
        p = q;
      }
    } finally {
      this.inInput = false;
    }
  }

  /** `accept-proxy`: the PROXY header first (within `timeout client`); anything else closes the connection. */
  private proxyHeader(src: Buffer, start: number, end: number): number {
    const r = parseProxyHeader(src.subarray(start, end));
    if (r.kind === 'incomplete') return start;
    if (r.kind !== 'ok') {
      this.finish();
      return end;
    }
    this.addrs?.announce(r.addresses);
    this.cstate = C.head;
    // The first request's `timeout http-request` runs from the end of the PROXY header.
    this.headDue = due(this.now(), requestLimit(this.fe.timeouts));
    this.rearm();
    return start + r.length;
  }

  private requestHead(src: Buffer, start: number, end: number): number {
    // A head under way across reads goes on in the session's own view, over the bytes kept in cin.
    const own = this.headView;
    const view = own ?? this.scratch.request;
    const n = own === undefined ? parseRequest(src, start, end, view, HEAD_LIMITS) : continueRequest(src, start, end, view, HEAD_LIMITS);
    if (n === HEAD.INCOMPLETE) {
      if (this.clientFin) {
        // A client that leaves mid-head gets nothing more (HAProxy closes silently on a truncated request).
        this.closeClient();
        return end;
      }
      this.headView ??= new HeadView();
      if (!this.headWaiting) {
        // The first byte of a later request: from now on the head must complete within `timeout http-request`.
        this.headWaiting = true;
        this.headDue = due(this.now(), requestLimit(this.fe.timeouts));
        this.rearm();
      }
      return start;
    }
    this.headView = undefined;
    if (n === HEAD.ERROR) {
      this.earlyError(view.errorStatus);
      return end;
    }
    this.headWaiting = false;
    this.headDue = Infinity;
    const bodyAt = start + n;
    this.beginTransaction(view, src, bodyAt, end);
    return bodyAt;
  }

  // ---- Transaction ------------------------------------------------------------------------------------------------

  /**
   * A request head arrived (in `view`, over src); its body bytes at hand are src[bodyAt, end). Ends in C.wait, C.send
   * (a connection at hand: the loop sends at once, while `view` still holds the bytes), or an answer.
   */
  private beginTransaction(view: HeadView, src: Buffer, bodyAt: number, end: number): void {
    this.reqVersion = view.version;
    this.reqHead = undefined;
    // PRI is HTTP/2's connection preface ("PRI * HTTP/2.0"): on a bind without h2 haproxy 2.6.12 answers it (any
    // case, any target) with its proxy 400 and closes (measured with `bind … proto h1`).
    if (view.isPri) return this.reply(400, true);
    const body = view.body;
    if (body === BODY.CHUNKED) {
      // HAProxy parses the body bytes that arrived with the head before it connects: a bad chunk already there is
      // a 400 to the client and never reaches a server (tests/compat/http-malformed-e2e.test.ts).
      const chunks = checkBufferedChunks(src.subarray(bodyAt, end), HEAD_LIMITS);
      if (chunks === 'too-large') return this.reply(400, true);
      if (chunks === 'malformed') return this.earlyError(400);
    }
    this.transactions++;
    // Until the body has gone through, the client connection cannot carry another request: an answer given before
    // then closes it (the unread body would otherwise be parsed as the next request).
    this.upload = body === BODY.NONE ? 'done' : 'running';
    this.reqBody = body;
    this.reqLength = view.contentLength;
    this.reqMethod = view.method;
    this.responseStarted = false;
    this.lastDownload = 0;
    this.lastUpload = 0;
    const ask = this.ask;
    ask.upgrade = view.connUpgrade;
    ask.upgradeField = view.connUpgrade && view.firstOf(HDR.UPGRADE) >= 0;
    ask.websocket = ask.upgradeField && anyHasToken(view, HDR.UPGRADE, 'websocket');
    // Transfer-Encoding with Content-Length (a smuggling shape): the parser already let chunked win and dropped
    // Content-Length; RFC 9112 §6.1 and HAProxy 2.6.12 then close the client connection after the response, so no
    // byte after that body is ever read as another request (also under http-server-close).
    this.clientClose = clientWantsCloseForRequest(flagsOf(view), view.version) || view.mustClose;
    const rt = this.rt;
    const rw = this.rewrite;
    if (rt === undefined || rw === undefined) return this.reply(503, this.clientClose);
    const be = rt.config;
    const edit = this.scratch.edit;
    edit.begin(view);
    this.persist = undefined;
    if (be.cookie !== undefined) {
      const lookup = requestCookie(edit, be.cookie, be.servers);
      this.persist = persistenceDecision(lookup, (i) => rt.view.servers[i]?.isUp() === true, be.options);
      this.reqMethodText = view.methodString();
    }
    // `balance uri|url_param|hdr`: the key reads the head as forwarded so far (the cookie rewrite applied).
    let key: string | undefined;
    if (rt.requestKey !== undefined) {
      const head = requestHeadOf(view);
      key = rt.requestKey(be.cookie === undefined ? head : { ...head, headers: edit.fields() });
    }
    this.serverClose = serverWantsCloseForRequest(this.feMode, this.beMode);
    rw.serverClose = this.serverClose;
    rewriteRequest(edit, view, rw);
    this.replayable = body === BODY.NONE && isIdempotent(view.method);
    this.attemptsLeft = be.retries;
    this.acquireServer(key);
    // No connection at hand (a connect, a queue): the head leaves later, from bytes of its own. A replayable request
    // keeps them too, for retry-on.
    if (this.cstate === C.wait || (this.mayReplay && this.replayable)) this.reqHead = edit.toBuffer();
  }

  /** Asks the dial for a server for the current request: C.wait until dialed() or dialFailed(). */
  private acquireServer(key: string | undefined): void {
    const rt = this.rt as BackendRuntime;
    this.releaseSlot();
    this.cstate = C.wait;
    this.dial ??= new ServerDial(this, this.env.sweep);
    this.reqKey = key;
    const p = this.persist;
    // One context per session, refilled per request: the dial reads it only while this request dials.
    const ctx = (this.dialContext ??= {
      accounting: this.env.accounting,
      thread: this.env.thread,
      key: undefined,
      dstPort: undefined,
      prefer: undefined,
      preferDown: undefined,
      preferRedispatch: undefined,
    });
    ctx.key = key;
    ctx.dstPort = this.needsDstPort ? (this.addrs?.dstPort ?? this.client?.localPort) : undefined;
    ctx.prefer = p?.server;
    ctx.preferDown = p?.forced;
    ctx.preferRedispatch = p?.server === undefined ? undefined : p.redispatch;
    this.dial.begin(rt, ctx);
  }

  /** DialHooks: the connection this session holds to that server, or (not on the first request) a pooled one. */
  reuse(index: number): boolean {
    const rt = this.rt as BackendRuntime;
    const held = this.server;
    let picked: ServerConn | undefined;
    if (held !== undefined && held.index === index && !held.ended && !this.serverDirty) picked = held;
    // `http-reuse safe`: a session's first request never takes a pooled connection. An idle connection of a
    // relative-port server may lead to another port than this client's: not shared.
    else if (this.transactions > 1 && rt.config.servers[index]?.portOffset === undefined) {
      picked = this.env.idlePool.take(rt.index, index);
    }
    if (picked === undefined) return false;
    if (picked !== held) {
      this.parkServer();
      this.server = picked;
      picked.user = this;
    }
    this.serverIdle = false;
    return true;
  }

  /** DialHooks: a new server connection reading into this session once it is ours. */
  open(address: string, port: number, index: number): net.Socket {
    const rt = this.rt as BackendRuntime;
    const conn = new ServerConn(this.env.io, this.env.sweep, address, port, rt.index, index);
    this.opening = conn;
    return conn.socket;
  }

  /** DialHooks: a slot is taken and a connection is ready (new, or reused when `socket` is undefined). */
  dialed(index: number, socket: net.Socket | undefined): void {
    const rt = this.rt as BackendRuntime;
    const slot = rt.serverSlotIndexes[index] ?? 0;
    const opened = this.opening;
    this.opening = undefined;
    if (this.cstate !== C.wait) {
      // The session moved on (it cannot in practice: finishing cancels the dial); nothing may leak.
      this.env.accounting.serverClosed(this.env.thread, rt.index, slot);
      opened?.close();
      return;
    }
    if (socket !== undefined) {
      // A held connection to another server goes to the pool (before the slot is ours: parking gives back a slot).
      this.parkServer();
      const conn = opened as ServerConn;
      this.server = conn;
      conn.user = this;
      conn.attach();
    }
    this.slotHeld = slot;
    this.serverIdle = false;
    this.serverDirty = false;
    this.cstate = C.send;
    this.pumpClient();
  }

  /** DialHooks: no server (none usable, queue timeout or full, connect retries spent): HAProxy answers 503. */
  dialFailed(err: OrcaError): void {
    this.opening = undefined;
    if (this.cstate !== C.wait) return;
    if (err.code === 'ORCA_CLIENT_CLOSED') return this.closeClient();
    this.reply(503, this.clientClose);
  }

  /** C.send: the request head goes out with the body bytes at hand (one write), or alone. */
  private sendRequest(src: Buffer, start: number, end: number): number {
    this.sstate = S.head;
    this.sinLen = 0;
    const socket = (this.server as ServerConn).socket;
    if (this.serverPaused) {
      this.serverPaused = false;
      socket.resume();
    }
    this.since = this.now();
    // The edit of this very read (a connection was at hand), or the bytes kept for a connect or a replay.
    const head = this.reqHead ?? this.scratch.edit;
    if (!this.mayReplay) this.reqHead = undefined;
    if (this.upload === 'done') {
      this.cstate = C.hold;
      const out = this.scratch.out;
      out.reset();
      out.prefix(head);
      out.flush(this.env.io, socket);
      this.rearm();
      return start;
    }
    this.cstate = C.body;
    this.up.begin(this.reqBody, this.reqLength, false);
    this.upActive = this.since;
    const q = this.uploadFrom(src, start, end, head);
    this.rearm();
    return q;
  }

  /** Relays request body bytes to the server (with the head in front the first time). */
  private uploadFrom(src: Buffer, start: number, end: number, head: HeadEdit | Buffer | undefined): number {
    const conn = this.server as ServerConn;
    const used = this.up.push(this.env.io, this.scratch.out, conn.socket, src, start, end, head);
    if (used < 0) {
      this.uploadFailed('bad-chunk');
      return end;
    }
    const now = this.now();
    this.upActive = now;
    if (this.up.written > 0) {
      this.lastUpload = now;
      this.rt?.serverSlots[conn.index]?.addWide('bytesIn', this.up.written);
    }
    if (this.up.blocked) {
      this.upBlockedAt = now;
      this.pauseClient(PAUSE_UPLOAD);
      this.rearm();
    }
    if (this.up.done) {
      this.upload = 'done';
      this.cstate = C.hold;
      // A server may answer before the request body is all in (an early answer): as haproxy 2.6.12 does (measured),
      // the body still goes through, and then both connections may carry the next request.
      if (this.sstate === S.after) this.finishTransaction();
    }
    return start + used;
  }

  /**
   * The upload stopped short. A server that stops reading is the response side's business (502/504); a failing
   * client aborts it all, but a malformed chunk before the response began gets HAProxy's proxy 400.
   */
  private uploadFailed(outcome: Upload): void {
    this.upload = outcome;
    if (outcome === 'dst-failed') {
      this.cstate = C.hold;
      this.resumeClient(PAUSE_UPLOAD);
      if (this.sstate === S.after) this.finishTransaction();
      return;
    }
    this.releaseServer();
    this.sstate = S.none;
    if (outcome === 'bad-chunk' && !this.responseStarted) return this.reply(400, true);
    this.finish();
  }

  // ---- Server side ------------------------------------------------------------------------------------------------

  /** ServerUser: a read from a server connection of this session. */
  serverRead(conn: ServerConn, buf: Buffer, n: number): boolean {
    try {
      if (conn !== this.server || this.cstate >= C.flush) {
        if (this.cstate < C.tunnel) conn.close();
        return false;
      }
      switch (this.sstate) {
        case S.idle:
          // A held server that speaks between requests is out of step: never reused (haproxy 2.6.12).
          this.releaseServer();
          return false;
        case S.after:
          this.serverDirty = true;
          return true;
        default:
          break;
      }
      if (this.sinLen === 0) {
        const used = this.serverInput(buf, 0, n);
        if (used < n && this.sstate === S.head && this.server === conn) this.keepServer(buf, used, n);
      } else {
        this.keepServer(buf, 0, n);
        const used = this.serverInput(this.sin, 0, this.sinLen);
        if (this.sinLen > 0) {
          this.sin.copy(this.sin, 0, used, this.sinLen);
          this.sinLen -= used;
        }
        if (this.sinLen === 0) this.sin = EMPTY;
      }
      return !this.serverPaused;
    } catch (e) {
      this.internalError(e);
      return false;
    }
  }

  private keepServer(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    if (this.sinLen + n > this.sin.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.sinLen + n, this.sin.length * 2, 1024));
      this.sin.copy(grown, 0, 0, this.sinLen);
      this.sin = grown;
    }
    buf.copy(this.sin, this.sinLen, start, end);
    this.sinLen += n;
  }

  /** The server state machine over src[start, end); returns the bytes consumed. */
  private serverInput(src: Buffer, start: number, end: number): number {
    let p = start;
    while (p < end) {
      if (this.sstate === S.head) {
        const q = this.responseHead(src, p, end);
        if (q === p) return p;
        p = q;
      } else if (this.sstate === S.body) {
        p = this.downloadFrom(src, p, end, undefined);
        if (this.serverPaused) return p;
      } else {
        // Bytes past the response: the connection is out of step.
        this.serverDirty = true;
        return end;
      }
    }
    return p;
  }

  private responseHead(src: Buffer, start: number, end: number): number {
    const own = this.resView;
    const view = own ?? this.scratch.response;
    const n = own === undefined ? parseResponse(src, start, end, view, HEAD_LIMITS) : continueResponse(src, start, end, view, HEAD_LIMITS);
    if (n === HEAD.INCOMPLETE) {
      this.resView ??= new HeadView();
      return start;
    }
    this.resView = undefined;
    if (n === HEAD.ERROR) {
      this.responseFailed(502, false, false);
      return end;
    }
    const status = view.status;
    const next = start + n;
    if (status >= 200 || status < 100 || status === 101) return this.finalResponse(view, src, next, end);
    // An interim answer, relayed as parsed (names in lower case). What came in the same read after it is judged before
    // it is relayed (as haproxy 2.6.12 does): a 1xx followed by garbage (a 1xx "body") is a bare 502. The interim's
    // bytes are assembled first, as the judging parse reuses the thread's view.
    const out = this.scratch.out;
    const edit = this.scratch.edit;
    edit.begin(view);
    out.reset();
    out.head(edit);
    if (next < end && parseResponse(src, next, end, this.scratch.response, HEAD_LIMITS) === HEAD.ERROR) {
      out.reset();
      this.responseFailed(502, false, false);
      return end;
    }
    out.flush(this.env.io, this.client as net.Socket);
    this.since = this.now();
    return next;
  }

  /** The final response head: a tunnel, a 502, or the head and the body bytes at hand in one write. */
  private finalResponse(view: HeadView, src: Buffer, bodyAt: number, end: number): number {
    const conn = this.server as ServerConn;
    const rw = this.rewrite as SessionRewrite;
    const status = view.status;
    // A protocol switch, or a CONNECT the server accepted: from here on, bytes both ways (HAProxy's tunnel mode).
    const connected = this.reqMethod === METHOD.CONNECT && status >= 200 && status < 300;
    if (status === 101 && !upgradeAgreed(this.ask, view.connUpgrade, view.firstOf(HDR.SEC_WEBSOCKET_ACCEPT) >= 0)) {
      // A switch nobody asked for would turn this client connection into a raw pipe past all HTTP checks.
      this.releaseServer();
      this.reply(502, this.clientClose);
      return end;
    }
    if (status === 101 || connected) {
      this.startTunnel(view, src, bodyAt, end);
      return end;
    }
    const body = responseBody(view, this.reqMethod);
    // As for requests, HAProxy judges the chunks that came with the head before it forwards the head: 502 then.
    if (body === BODY.CHUNKED && checkBufferedChunks(src.subarray(bodyAt, end), HEAD_LIMITS) !== 'ok') {
      this.releaseServer();
      this.reply(502, this.clientClose);
      return end;
    }
    const lengthKnown = body !== BODY.UNTIL_CLOSE;
    this.clientClose = clientWantsCloseForResponse(this.clientClose, lengthKnown, this.feMode) || this.stopping();
    // A response with Transfer-Encoding and Content-Length is never reused (haproxy 2.6.12).
    this.reusable = serverReusable(this.serverClose, flagsOf(view), lengthKnown, view.version) && !view.mustClose;
    rw.clientClose = this.clientClose;
    rw.requestVersion = this.reqVersion;
    rw.cookie = undefined;
    const be = (this.rt as BackendRuntime).config;
    const server = be.servers[conn.index];
    if (be.cookie !== undefined && server !== undefined) {
      const p = this.persist;
      rw.cookie = {
        cookie: be.cookie,
        server,
        method: this.reqMethodText,
        status,
        version: view.version,
        // "Valid" only when the request went straight to the server its cookie named (no redispatch happened).
        direct: p?.status === 'valid' && p.server === conn.index,
      };
    }
    const edit = this.scratch.edit;
    edit.begin(view);
    rewriteResponse(edit, view, rw);
    this.responseStarted = true;
    this.sstate = S.body;
    // A code under 100 keeps its body framing but, as in haproxy 2.6.12, not the fields that state it; its chunked
    // body then goes out decoded.
    this.down.begin(body, view.contentLength, status < 100 && body === BODY.CHUNKED);
    this.downActive = this.now();
    this.rearm();
    return this.downloadFrom(src, bodyAt, end, edit);
  }

  /** Relays response body bytes to the client (with the head in front the first time). */
  private downloadFrom(src: Buffer, start: number, end: number, head: HeadEdit | undefined): number {
    const conn = this.server as ServerConn;
    const used = this.down.push(this.env.io, this.scratch.out, this.client as net.Socket, src, start, end, head);
    if (used < 0) {
      // A malformed chunk in a response already under way: nothing can be answered any more, the client is closed.
      this.releaseServer();
      this.closeClient();
      return end;
    }
    const now = this.now();
    this.downActive = now;
    if (this.down.written > 0) {
      this.lastDownload = now;
      this.rt?.serverSlots[conn.index]?.addWide('bytesOut', this.down.written);
    }
    if (this.down.blocked) {
      this.downBlockedAt = now;
      this.serverPaused = true;
      conn.socket.pause();
      this.rearm();
    }
    if (this.down.done) {
      if (start + used < end) this.serverDirty = true;
      this.responseDone();
      return end;
    }
    return start + used;
  }

  private responseDone(): void {
    this.sstate = S.after;
    // The transaction ends when the upload does (an early answer to a body still coming).
    if (this.upload === 'running') return this.rearm();
    this.finishTransaction();
  }

  /**
   * The response failed before its head (502 junk or a close, 504 `timeout server`): replayed when safe (§4.2
   * retry-on: idempotent, no body to resend, and retry-on names this failure), else answered.
   */
  private responseFailed(status: 502 | 504, closed: boolean, empty: boolean): void {
    this.releaseServer();
    this.sstate = S.none;
    this.resView = undefined;
    // A server that closed on a CONNECT is not asked again; junk and timeouts may be replayed.
    const retryable = !closed || this.reqMethod !== METHOD.CONNECT;
    if (retryable && this.replayable && this.attemptsLeft-- > 0 && retryAllowed(this.rt?.config.retryOn, status, empty)) {
      return this.acquireServer(this.reqKey);
    }
    // HAProxy's abort_keep_alive (http_wait_for_response, TX_NOT_FIRST): a later request of a keep-alive client
    // whose server closed without a byte gets no 502, the client connection is closed so that it retries itself.
    if (empty && this.transactions > 1) return this.closeClient();
    this.reply(status, this.clientClose);
  }

  /** ServerUser: the server sent its FIN, reset, or closed. */
  serverGone(conn: ServerConn): void {
    try {
      if (conn !== this.server || this.cstate >= C.tunnel) return;
      switch (this.sstate) {
        case S.head:
          // Closed before a complete head: `empty` when not a byte came (retry-on empty-response, abort_keep_alive).
          return this.responseFailed(502, true, this.sinLen === 0);
        case S.body:
          if (this.down.endsAtFin()) return this.responseDone();
          // The response was cut: nothing can be answered any more, the client is closed after what it got.
          this.releaseServer();
          return this.closeClient();
        case S.after:
          this.serverDirty = true;
          return;
        default:
          this.releaseServer();
      }
    } catch (e) {
      this.internalError(e);
    }
  }

  /** ServerUser: the server took everything queued to it. */
  serverDrained(conn: ServerConn): void {
    try {
      if (conn !== this.server || (this.clientPause & PAUSE_UPLOAD) === 0 || this.cstate >= C.flush) return;
      this.upActive = this.now();
      this.resumeClient(PAUSE_UPLOAD);
      this.pumpClient();
    } catch (e) {
      this.internalError(e);
    }
  }

  /** After a 101 (or a CONNECT 2xx): the head and the server's bytes past it go out, then a byte tunnel. */
  private startTunnel(view: HeadView, src: Buffer, bodyAt: number, end: number): void {
    const conn = this.server as ServerConn;
    const client = this.client as net.Socket;
    // The server's own close/keep-alive tokens are dropped, `upgrade` stays (measured on haproxy 2.6.12).
    const edit = this.scratch.edit;
    edit.begin(view);
    rewriteSwitch(edit);
    const out = this.scratch.out;
    out.reset();
    out.head(edit);
    out.bytes(src, bodyAt, end);
    out.flush(this.env.io, client);
    const fromClient = this.cinEnd > this.cinStart ? Buffer.from(this.cin.subarray(this.cinStart, this.cinEnd)) : undefined;
    this.cinStart = 0;
    this.cinEnd = 0;
    this.cin = EMPTY;
    this.cstate = C.tunnel;
    this.sstate = S.none;
    // The sockets are the pipe's from here: our listeners and deadline go (it files its own, `timeout tunnel`).
    this.env.sweep.disarm(this.deadline);
    client.off('end', onClientEnd);
    client.off('close', onClientClose);
    client.off('drain', onClientDrain);
    client.off('error', onClientError);
    conn.detach();
    this.clientPause = 0;
    const rt = this.rt as BackendRuntime;
    const slot = rt.serverSlots[conn.index];
    runTunnel(this.env, client, conn.socket, fromClient, pipeTimeouts(this.fe.timeouts, rt.config.timeouts), slot).then((ended) => {
      // A tunnel's aborts count as a TCP session's do (haproxy 2.6.12: CD → cli_abrt, SD → srv_abrt and eresp).
      countTermination(ended.termination, rt.slot, slot);
      this.releaseServer();
      this.finish();
    }, (e: unknown) => this.internalError(e));
  }

  // ---- Ends of transactions and of the session --------------------------------------------------------------------

  /** Response done and request body through: decide both connections' fate, then the next request or the close. */
  private finishTransaction(): void {
    if (this.upload !== 'done') {
      // A body that did not make it leaves nothing to resynchronise on: both sides close.
      this.releaseServer();
      return this.closeClient();
    }
    const conn = this.server;
    // A client that is closing takes its server connection along (measured on 2.6.12: after an HTTP/1.0 exchange
    // without keep-alive, haproxy never reuses that server connection); otherwise it stays for the next request,
    // unless the server already sent more than this response.
    if (conn !== undefined && this.reusable && !this.clientClose && !this.serverDirty && !conn.ended) {
      this.serverIdle = true;
      this.sstate = S.idle;
    } else {
      this.releaseServer();
    }
    if (this.clientClose) return this.closeClient();
    this.nextRequest();
  }

  /** The transaction is over and the client stays: wait for its next request (pipelined bytes first). */
  private nextRequest(): void {
    this.releaseSlot();
    this.reqHead = undefined;
    this.cstate = C.head;
    if (this.cinEnd > this.cinStart) {
      this.headWaiting = true;
      this.headDue = due(this.now(), requestLimit(this.fe.timeouts));
    } else if (this.stopping()) {
      return this.closeClient();
    } else {
      this.headWaiting = false;
      this.headDue = due(this.now(), idleLimit(this.fe.timeouts));
    }
    this.rearm();
    this.pumpClient();
  }

  /** HAProxy's answer for `status` (l7-replies.ts); an unread request body closes the client after it. */
  private reply(status: number, closeAsked: boolean): void {
    const close = closeAsked || this.upload !== 'done' || this.stopping();
    const r = proxyReply(status, this.errorRules, this.reqVersion, close);
    this.releaseSlot();
    this.env.io.writeOwned(this.client as net.Socket, r.bytes);
    if (r.raw || close) return this.closeClient();
    this.nextRequest();
  }

  /** 400/408/422 before any transaction, then the close. */
  private earlyError(status: 400 | 408 | 422): void {
    this.env.io.writeOwned(this.client as net.Socket, earlyReply(status, this.errorRules));
    this.closeClient();
  }

  /**
   * Ends the client connection as HAProxy does after its last answer: what is queued is flushed (within `timeout
   * client`), then our FIN and a lingering close that reads and drops what the client still sends (lingering-close.ts).
   */
  private closeClient(): void {
    if (this.cstate >= C.flush) return;
    this.releaseSlot();
    this.dial?.cancel();
    this.cstate = C.flush;
    this.cinStart = 0;
    this.cinEnd = 0;
    const client = this.client as net.Socket;
    if (this.clientPause !== 0) {
      this.clientPause = 0;
      client.resume();
    }
    if (client.writableLength === 0) return this.linger();
    this.headDue = due(this.now(), this.fe.timeouts.client);
    this.rearm();
  }

  /**
   * HAProxy's lingering close (lingering-close.ts states the rules; here they run on the session's own listeners,
   * sink and deadline, as this is once per connection): our FIN after what is queued, the client's bytes read and
   * dropped, and the end once the client closes its side, or the socket closes, or LINGER_MS pass.
   */
  private linger(): void {
    if (this.cstate !== C.flush) return;
    this.cstate = C.closing;
    const client = this.client as net.Socket;
    this.headDue = due(this.now(), LINGER_MS);
    this.rearm();
    // A client that had already sent its FIN: 'close' follows once our FIN is out.
    client.resume();
    client.end();
  }

  /** The session is over: the slot, the server connection (pooled when reusable), the client, the accounting. */
  private finish(): void {
    if (this.cstate === C.done) return;
    this.cstate = C.done;
    this.dial?.cancel();
    this.env.sweep.disarm(this.deadline);
    unwatchSoftStop(this.env.softStopSignal, this);
    this.releaseSlot();
    if (this.opening !== undefined) this.opening.close();
    this.opening = undefined;
    this.parkServer();
    this.cin = EMPTY;
    this.sin = EMPTY;
    this.headView = undefined;
    this.resView = undefined;
    this.reqHead = undefined;
    this.client?.destroy();
    this.env.accounting.clientClosed(this.env.thread, this.feIndex);
    this.resolve();
  }

  /** Closes the server connection (used or idle) and gives back the transaction's slot if it holds one. Idempotent. */
  private releaseServer(): void {
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
  private parkServer(): void {
    this.releaseSlot();
    const s = this.server;
    if (s === undefined) return;
    // A server reached at the client's own destination port (a relative port) is that client's alone; nothing is
    // parked once the thread hard-stops.
    const shareable = this.rt?.config.servers[s.index]?.portOffset === undefined && !this.env.stopSignal.aborted;
    if (!this.serverIdle || !shareable || !this.env.idlePool.park(s)) return this.releaseServer();
    this.server = undefined;
    this.serverIdle = false;
  }

  /** Gives back the current transaction's server slot (wakes queued requests on every thread). Idempotent. */
  private releaseSlot(): void {
    const slot = this.slotHeld;
    if (slot < 0 || this.rt === undefined) return;
    this.slotHeld = -1;
    this.env.accounting.serverClosed(this.env.thread, this.rt.index, slot);
  }

  // ---- Client events ----------------------------------------------------------------------------------------------

  /** The client's FIN. */
  clientEnded(): void {
    try {
      this.clientFin = true;
      // A PROXY header cut short; or the closing client's FIN, the end of its lingering close.
      if (this.cstate === C.proxy || this.cstate === C.closing) return this.finish();
      this.pumpClient();
    } catch (e) {
      this.internalError(e);
    }
  }

  /** The client socket closed (reset, both ways closed, or destroyed by a hard stop). */
  clientClosed(): void {
    if (this.cstate === C.tunnel) return;
    try {
      // A client that is gone ends the transaction at once instead of leaving it to wait on its server for up to
      // `timeout server`; a request still queued for a slot leaves the queue now.
      if (!this.serverIdle) this.releaseServer();
    } finally {
      this.finish();
    }
  }

  clientDrained(): void {
    try {
      if (this.cstate === C.flush) return this.linger();
      if (!this.serverPaused || this.sstate !== S.body || this.cstate >= C.flush) return;
      this.downActive = this.now();
      this.serverPaused = false;
      const conn = this.server as ServerConn;
      conn.socket.resume();
    } catch (e) {
      this.internalError(e);
    }
  }

  /** SoftStoppable: an idle keep-alive client is closed at once; a busy one after its current response. */
  onSoftStop(): void {
    try {
      if (this.cstate === C.head && !this.headWaiting) this.finish();
    } catch (e) {
      this.internalError(e);
    }
  }

  private pauseClient(bit: number): void {
    if (this.clientPause === 0) this.client?.pause();
    this.clientPause |= bit;
  }

  private resumeClient(bit: number): void {
    if ((this.clientPause & bit) === 0) return;
    this.clientPause &= ~bit;
    if (this.clientPause === 0 && this.cstate < C.flush) this.client?.resume();
  }

  // ---- Deadlines --------------------------------------------------------------------------------------------------

  /** The sweep: some limit of the current phase may have passed. Each is checked against its own clock. */
  onDeadline(now: number): void {
    try {
      switch (this.cstate) {
        case C.proxy:
        case C.closing:
          if (now >= this.headDue) return this.finish();
          break;
        case C.head:
          // `timeout http-request` on a head under way is a 408 (even the first request's, with no byte); the
          // keep-alive wait between requests ends silently.
          if (now >= this.headDue) return this.headWaiting ? this.earlyError(408) : this.closeClient();
          break;
        case C.body:
          if (now >= this.uploadDue()) return this.uploadFailed((this.clientPause & PAUSE_UPLOAD) !== 0 ? 'dst-failed' : 'src-timeout');
          break;
        case C.flush:
          if (now >= this.headDue) return this.linger();
          break;
        default:
          break;
      }
      // `timeout server` on a response head: 504; on a body (or `timeout client` on a client not draining it): close.
      if (this.sstate === S.head && now >= this.responseDue()) return this.responseFailed(504, false, false);
      if (this.sstate === S.body && now >= this.responseDue()) {
        this.releaseServer();
        return this.closeClient();
      }
      this.rearm();
    } catch (e) {
      this.internalError(e);
    }
  }

  /**
   * When the request body transfer gives up: `timeout server` from the moment its write to a server that does not
   * read got blocked, else `timeout client` of inactivity, where HAProxy counts the response's progress too (only both
   * directions idle end the transfer).
   */
  private uploadDue(): number {
    if ((this.clientPause & PAUSE_UPLOAD) !== 0) return due(this.upBlockedAt, this.serverTimeout);
    return due(Math.max(this.upActive, this.lastDownload), this.fe.timeouts.client);
  }

  /**
   * When the response side gives up. A head: `timeout server` from the request (or the last interim answer, or the
   * last request body bytes sent); bytes of an unfinished head do not re-arm it (measured on haproxy 2.6.12: a server
   * dribbling its head one byte every 200 ms gets a 504 at `timeout server`). A body: `timeout client` from the moment
   * the client stopped draining it, else `timeout server` of inactivity, the upload's progress counting too.
   */
  private responseDue(): number {
    if (this.sstate === S.head) return due(Math.max(this.since, this.lastUpload), this.serverTimeout);
    if (this.sstate !== S.body) return Infinity;
    if (this.serverPaused) return due(this.downBlockedAt, this.fe.timeouts.client);
    return due(Math.max(this.downActive, this.lastUpload), this.serverTimeout);
  }

  /** Files the session's deadline at the earliest limit of its current phase. */
  private rearm(): void {
    if (this.cstate > C.closing) return;
    let at = Infinity;
    if (this.cstate === C.body) at = this.uploadDue();
    else if (this.cstate !== C.wait && this.cstate !== C.send && this.cstate !== C.hold) at = this.headDue;
    at = Math.min(at, this.responseDue());
    const d = this.deadline;
    // A later due needs no re-filing: the sweep finds the entry at its old slot and files it again.
    if (at < d.due || d.slot < 0) {
      d.due = at;
      this.env.sweep.arm(d);
    } else {
      d.due = at;
    }
  }


  private stopping(): boolean {
    return this.env.softStopSignal?.aborted === true;
  }

  private now(): number {
    return this.env.sweep.now();
  }

  /** A bug reached a socket callback: this client only is closed, the thread goes on. */
  private internalError(e: unknown): void {
    if (!(e instanceof OrcaError)) {
      this.env.logger.log('err', `frontend '${this.fe.name}': unexpected error in an HTTP session: ${String(e)}`);
    }
    try {
      this.releaseServer();
    } finally {
      this.finish();
    }
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A head's Connection tokens as l7-connection-mode.ts reads them. */
function flagsOf(view: HeadView): ConnFlags {
  return { close: view.connClose, keepAlive: view.connKeepAlive, upgrade: view.connUpgrade };
}

/** now + limit, or no limit. */
function due(from: number, limit: number | undefined): number {
  return limit === undefined ? Infinity : from + limit;
}

/** `timeout http-request`, or `timeout client` when unset (HAProxy's fallback). */
function requestLimit(t: Timeouts): number | undefined {
  return t.httpRequest ?? t.client;
}

/** `timeout http-keep-alive`, then http-request, then client. */
function idleLimit(t: Timeouts): number | undefined {
  return t.httpKeepAlive ?? t.httpRequest ?? t.client;
}
