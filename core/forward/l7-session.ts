// One client connection in mode http (HAProxy 2.6 §4 HTTP connection modes, §4.2 timeouts, forwardfor, retries, cookie):
// requests in order, a server per request (L7 keys, persistence, keep-alive reuse), bodies streamed, errors, 101 tunnel.
// Forwarder threads; every failure closes this client only. Over 400 lines: one state machine whose fields every step
// reads; the steps that need none live in l7-head-wait.ts, l7-replies.ts, l7-body-pipe.ts, l7-connection-mode.ts.

import type net from 'node:net';
import type { BackendConfig, FrontendConfig, HttpRules } from '../../config/model.js';
import { OrcaError } from '../errors.js';
import type { ProxyAddresses } from '../proxy-protocol/addresses.js';
import type { BackendRuntime } from './backend-runtime.js';
import { clientOrigin, dstPortOf } from './client-origin.js';
import { applyResponseCookie, persistedServer, persistenceDecision, type PersistenceDecision } from './cookie-persistence.js';
import { dispatch } from './dispatch.js';
import { forwardedFor, originalTo } from './forwardfor.js';
import { applyHeaderRules, lowerNames, type RuleContext } from './header-rules.js';
import type { HeaderField } from '../http1/header-list.js';
import { requestFraming, responseFraming } from '../http1/framing.js';
import {
  serializeRequestHead,
  serializeResponseHead,
  withoutFramingFields,
  type RequestHead,
  type ResponseHead,
} from '../http1/parser.js';
import { checkBufferedChunks, pipeBody, type BodyOutcome } from './l7-body-pipe.js';
import {
  cleanConnection,
  clientWantsCloseForRequest,
  clientWantsCloseForResponse,
  connFlags,
  httpModeOf,
  requestConnValue,
  responseConnValue,
  serverReusable,
  serverWantsCloseForRequest,
  upgradeAgreed,
  withConnection,
  type HttpMode,
} from './l7-connection-mode.js';
import type { ServerConn } from './l7-idle-pool.js';
import { lingeringClose, sendEarlyError, sendReply } from './l7-replies.js';
import { HEAD_LIMITS, retryAllowed, waitRequestHead, waitResponseHead } from './l7-head-wait.js';
import { SocketReader, writeAll } from './l7-socket-reader.js';
import { pipeL4 } from './l4-pipe.js';
import type { ReadSink } from '../io/socket-io.js';
import { adoptClient, type ClientConn, type SessionEnv } from './session-env.js';
import { countTermination } from './termination.js';
import { pipeTimeouts } from './pipe-timeouts.js';

/** Methods RFC 9110 §9.2.2 calls idempotent: the only ones replayed after a server failed mid-request. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);

/** A sink for the instant between SocketIo.attach and the pipe taking the sockets over (no read can come then). */
const TUNNEL_HANDOVER: ReadSink = { onRead: () => false };

/**
 * Serves one client connection of frontend `fe` (received on bind `bind`, handed over as `conn`) in HTTP mode. Same contract as
 * runL4Session: resolves when the client is closed; never rejects; the client's frontend slot must already be counted
 * (ConnAccounting.admitClient + clientAdopted) and is released here.
 */
export async function runL7Session(env: SessionEnv, conn: ClientConn, fe: number, bind: number): Promise<void> {
  const client = adoptClient(env, conn);
  client.on('error', () => undefined);
  // A head and its body often leave in two writes: Nagle would hold the second one for the client's delayed ACK.
  client.setNoDelay(true);
  const frontend = env.frontends[fe];
  let session: L7Session | undefined;
  try {
    if (frontend === undefined) return;
    const { announced, initial } = await clientOrigin(client, frontend, bind);
    const beIndex = frontend.defaultBackend === undefined ? undefined : env.backendByName.get(frontend.defaultBackend);
    const rt = beIndex === undefined ? undefined : env.backends[beIndex];
    session = new L7Session(env, client, frontend, rt, announced, initial);
    env.softStopSignal?.addEventListener('abort', session.onSoftStop);
    await session.run();
  } catch (e) {
    if (!(e instanceof OrcaError)) {
      env.logger.log('err', `frontend '${frontend?.name ?? fe}': unexpected error in an HTTP session: ${String(e)}`);
    }
  } finally {
    if (session !== undefined) env.softStopSignal?.removeEventListener('abort', session.onSoftStop);
    session?.parkServer();
    client.destroy();
    env.accounting.clientClosed(env.thread, fe);
  }
}

/** The per-connection state of one HTTP client. */
class L7Session {
  private readonly env: SessionEnv;
  private readonly client: net.Socket;
  private readonly fe: FrontendConfig;
  private readonly rt: BackendRuntime | undefined;
  private readonly be: BackendConfig | undefined;
  private readonly addrs: ProxyAddresses | undefined;
  private readonly reader: SocketReader;
  private readonly feMode: HttpMode;
  private readonly beMode: HttpMode;
  private readonly ruleCtx: RuleContext;
  /** The server connection in use, or held idle for reuse between requests. */
  private server: ServerConn | undefined;
  /** `server` finished its last response cleanly and may carry another request. */
  private serverIdle = false;
  /**
   * Shared-buffer index of the server slot the current transaction holds, taken by dispatch and given back when the
   * transaction ends or its server connection is dropped (HAProxy's `served`: maxconn counts requests being served,
   * never an idle keep-alive connection, so no request ever waits behind a slot its own session holds).
   */
  private slotHeld: number | undefined;
  /** Aborted when the client connection is gone (reset, closed both ways, or destroyed by a hard stop). */
  private readonly left: AbortSignal;
  /** Transactions started on this client connection (http-reuse safe: the first never takes a pooled one). */
  private transactions = 0;
  /** Waiting for a next request with nothing received yet: a graceful stop may close the connection now. */
  private idle = false;

  /** Graceful stop: an idle keep-alive client is closed at once; a busy one after its current response. */
  readonly onSoftStop = (): void => {
    if (this.idle) this.client.destroy();
  };

  private get stopping(): boolean {
    return this.env.softStopSignal?.aborted === true;
  }

  constructor(
    env: SessionEnv,
    client: net.Socket,
    fe: FrontendConfig,
    rt: BackendRuntime | undefined,
    addrs: ProxyAddresses | undefined,
    initial: Buffer | undefined,
  ) {
    this.env = env;
    this.client = client;
    this.fe = fe;
    this.rt = rt;
    this.be = rt?.config;
    this.addrs = addrs;
    this.reader = new SocketReader(client);
    if (initial !== undefined) this.reader.unshift(initial);
    const gone = new AbortController();
    this.left = gone.signal;
    // A client that is gone (reset, or destroyed by a hard stop) ends the transaction at once instead of leaving it
    // to wait on its server for up to `timeout server`.
    client.once('close', () => {
      this.aborted = true;
      // A request still queued for a slot leaves the queue now (HAProxy would connect it and abort only then).
      gone.abort();
      if (this.server !== undefined && !this.serverIdle) this.server.socket.destroy();
    });
    this.feMode = httpModeOf(fe.options);
    this.beMode = this.be === undefined ? this.feMode : httpModeOf(this.be.options);
    this.ruleCtx =
      addrs === undefined
        ? {}
        : { src: addrs.srcAddress, srcPort: addrs.srcPort, dst: addrs.dstAddress, dstPort: addrs.dstPort };
  }

  /** Transactions until one side closes. Resolves when the client is to be closed; throws only on internal bugs. */
  async run(): Promise<void> {
    for (let first = true; ; first = false) {
      const req = await this.readRequestHead(first);
      if (req === undefined) break;
      let keep: boolean;
      try {
        keep = await this.transaction(req);
      } finally {
        // The response is complete (or the transaction failed): its server slot goes to the next request in line.
        this.releaseSlot();
      }
      if (!keep) break;
    }
    await lingeringClose(this.client, this.reader);
  }

  /** Closes the server connection (used or idle) and gives back the transaction's slot if it holds one. Idempotent. */
  releaseServer(): void {
    this.releaseSlot();
    const s = this.server;
    if (s === undefined) return;
    this.server = undefined;
    this.serverIdle = false;
    s.socket.destroy();
  }

  /** Hands an idle server connection to the thread's pool, or closes it when it cannot be reused. Idempotent. */
  parkServer(): void {
    this.releaseSlot();
    const s = this.server;
    if (s === undefined || this.rt === undefined) return;
    // A server reached at the client's own destination port (a relative port) is that client's alone.
    const shareable = this.rt.config.servers[s.index]?.portOffset === undefined;
    if (!this.serverIdle || !shareable || !this.env.idlePool.park(s)) return this.releaseServer();
    this.server = undefined;
    this.serverIdle = false;
  }

  /** Gives back the current transaction's server slot (wakes queued requests on every thread). Idempotent. */
  private releaseSlot(): void {
    const slot = this.slotHeld;
    if (slot === undefined || this.rt === undefined) return;
    this.slotHeld = undefined;
    this.env.accounting.serverClosed(this.env.thread, this.rt.index, slot);
  }

  /** The next request head, or undefined once the client is to be closed (after HAProxy's 400/408/422 if any). */
  private async readRequestHead(first: boolean): Promise<RequestHead | undefined> {
    const got = await waitRequestHead(this.reader, {
      timeouts: this.fe.timeouts,
      first,
      stopping: () => this.stopping,
      idle: (idle) => (this.idle = idle),
    });
    if (got.kind === 'head') return got.head;
    if (got.kind === 'refuse') await this.sendEarlyError(got.status);
    return undefined;
  }

  /** One request/response exchange. Returns true when the client connection stays open for the next request. */
  private async transaction(request: RequestHead): Promise<boolean> {
    let req = request;
    // PRI is HTTP/2's connection preface ("PRI * HTTP/2.0"): on a bind without h2 haproxy 2.6.12 answers it (any
    // case, any target) with its proxy 400 and closes (measured with `bind … proto h1`). Hot path: one length check.
    if (req.method.length === 3 && req.method.toUpperCase() === 'PRI') return this.sendReply(400, req, true);
    const framing = requestFraming(req);
    if (framing.kind === 'error') {
      // The parser tags `gzip, chunked` and the like with 422, as HAProxy 2.6 answers them; the rest is a 400.
      await this.sendEarlyError(framing.status === 422 ? 422 : 400);
      return false;
    }
    const chunks = framing.kind === 'chunked' ? checkBufferedChunks(this.reader.peek(), HEAD_LIMITS) : 'ok';
    if (chunks !== 'ok') {
      // HAProxy parses the body bytes that arrived with the head before it connects: a bad chunk already there is
      // a 400 to the client and never reaches a server (tests/compat/http-malformed-e2e.test.ts).
      if (chunks === 'too-large') return this.sendReply(400, req, true);
      await this.sendEarlyError(400);
      return false;
    }
    this.transactions++;
    // Until the body has gone through, the client connection cannot carry another request: an answer given before
    // then closes it (the unread body would otherwise be parsed as the next request).
    this.upload = framing.kind === 'none' ? 'done' : 'running';
    this.uploadRefused = false;
    this.responseStarted = false;
    this.lastDownload = 0;
    const reqFlags = connFlags(req.headers);
    // Transfer-Encoding with Content-Length (a smuggling shape): the parser already let chunked win and dropped
    // Content-Length; RFC 9112 §6.1 and HAProxy 2.6.12 then close the client connection after the response, so no
    // byte after that body is ever read as another request (also under http-server-close).
    let clientClose = clientWantsCloseForRequest(reqFlags, req.version) || req.mustClose === true;
    // A server that sent bytes after its last response (a 304 or HEAD answer with a body, a second response) is out
    // of step with its requests: haproxy 2.6.12 never reuses such a connection, so those bytes never answer this one.
    if (this.server !== undefined && this.serverIdle && this.server.reader.size > 0) this.releaseServer();
    const rt = this.rt;
    const be = this.be;
    if (rt === undefined || be === undefined) return this.sendReply(503, req, clientClose);
    const persist = this.persistence(rt, be, req);
    if (persist?.headers !== undefined) req = { ...req, headers: persist.headers };
    const serverClose = serverWantsCloseForRequest(this.feMode, this.beMode);
    const outHead = serializeRequestHead({ ...req, headers: this.requestHeaders(req, be, serverClose) });
    const hasBody = framing.kind !== 'none';
    const replayable = !hasBody && IDEMPOTENT.has(req.method);
    let attemptsLeft = be.retries;
    let res: ResponseHead;
    this.aborted = this.client.destroyed;
    for (;;) {
      let conn: ServerConn;
      try {
        conn = await this.connect(rt, rt.requestKey?.(req), persist?.decision);
      } catch (e) {
        if (e instanceof OrcaError && e.code === 'ORCA_CLIENT_CLOSED') return false;
        // No server, queue timeout, or every connect retry failed: HAProxy answers 503.
        return this.sendReply(503, req, clientClose);
      }
      if (!(await writeAll(conn.socket, outHead, be.timeouts.server))) {
        this.releaseServer();
        // HAProxy's abort_keep_alive: a later request of a keep-alive client failed on the network, the client
        // is closed without an answer so that it retries by itself (measured on 2.6.12).
        if (this.transactions > 1) return false;
        return this.sendReply(502, req, clientClose);
      }
      this.startUpload(conn, framing, be);
      const wait = await waitResponseHead(conn, this.client, {
        server: be.timeouts.server,
        client: this.fe.timeouts.client,
        method: req.method,
        aborted: () => this.aborted,
        uploadActivity: () => this.lastUpload,
      });
      if (wait.kind === 'head') {
        res = wait.head;
        break;
      }
      this.releaseServer();
      // A request body HAProxy refuses half-way (a bad chunk) gets its proxy 400 while no response has begun.
      if (wait.kind === 'aborted') return this.uploadRefused ? this.sendReply(400, req, true) : false;
      // A request the server dropped is replayed only when safe (§4.2 retry-on): idempotent, no body to resend, and
      // retry-on names this failure (the default, conn-failure, names none of these).
      if (wait.retryable && replayable && attemptsLeft-- > 0 && retryAllowed(be.retryOn, wait.status, wait.empty === true)) continue;
      // HAProxy's abort_keep_alive (http_wait_for_response, TX_NOT_FIRST): a later request of a keep-alive client
      // whose server closed without a byte gets no 502, the client connection is closed so that it retries itself.
      if (wait.empty === true && this.transactions > 1) return false;
      return this.sendReply(wait.status, req, clientClose);
    }
    const conn = this.server;
    if (conn === undefined) return false;
    const resFlags = connFlags(res.headers);
    // A protocol switch, or a CONNECT the server accepted: from here on, bytes both ways (HAProxy's tunnel mode).
    const connected = req.method === 'CONNECT' && res.status >= 200 && res.status < 300;
    if (res.status === 101 && !upgradeAgreed(req, reqFlags.upgrade, res, resFlags.upgrade)) {
      // A switch nobody asked for would turn this client connection into a raw pipe past all HTTP checks.
      this.releaseServer();
      return this.sendReply(502, req, clientClose);
    }
    if (res.status === 101 || connected) return this.tunnel(conn, res, be);
    const resFraming = responseFraming(res, req.method);
    // As for requests, HAProxy judges the chunks that came with the head before it forwards the head: 502 then.
    if (resFraming.kind === 'error' || (resFraming.kind === 'chunked' && checkBufferedChunks(conn.reader.peek(), HEAD_LIMITS) !== 'ok')) {
      this.releaseServer();
      return this.sendReply(502, req, clientClose);
    }
    const lengthKnown = resFraming.kind !== 'until-close';
    clientClose = clientWantsCloseForResponse(clientClose, lengthKnown, this.feMode) || this.stopping;
    const reusable = serverReusable(serverClose, resFlags, lengthKnown, res.version) && res.mustClose !== true;
    // A code under 100 keeps its body framing but, as in haproxy 2.6.12, not the fields that state it (the parser
    // strips them from 1xx and 204 already); its chunked body then goes out decoded.
    const unchunk = res.status < 100 && resFraming.kind === 'chunked';
    let headers = cleanConnection(res.status < 100 ? withoutFramingFields(res.headers) : res.headers);
    headers = applyHeaderRules(be.http?.response, headers, this.ruleCtx);
    headers = applyHeaderRules(this.fe.http?.response, headers, this.ruleCtx);
    // Persistence cookies after the http-response rules, as HAProxy's http_process_res_common does.
    const srvCfg = be.servers[conn.index];
    if (be.cookie !== undefined && srvCfg !== undefined) {
      // "Valid" only when the request went straight to the server its cookie named (no redispatch happened).
      const direct = persist?.decision.status === 'valid' && persist.decision.server === conn.index;
      headers = applyResponseCookie(be.cookie, srvCfg, req, { ...res, headers }, direct);
    }
    // haproxy 2.6.12 writes no Connection value on a response whose code is under 100 (measured, even when it closes).
    const connValue = res.status < 100 ? undefined : responseConnValue(clientClose, res.version, req.version);
    headers = withConnection(lowerNames(headers), connValue, resFlags.upgrade);
    this.responseStarted = true;
    if (!(await writeAll(this.client, serializeResponseHead({ ...res, headers }), this.fe.timeouts.client))) {
      return false;
    }
    const slot = rt.serverSlots[conn.index];
    const down = await pipeBody(conn.reader, this.client, resFraming, {
      timeouts: { read: be.timeouts.server, write: this.fe.timeouts.client },
      onBytes: (n) => {
        this.lastDownload = performance.now();
        slot?.addWide('bytesOut', n);
      },
      ...(unchunk ? { unchunk } : {}),
      activity: () => this.lastUpload,
      limits: HEAD_LIMITS,
    });
    if (down !== 'done') return false;
    // A server may answer before the request body is all in (an early answer): as haproxy 2.6.12 does (measured), the
    // body still goes through, within `timeout client`, and then both connections may carry the next request.
    if (this.upload === 'running') await this.uploadEnded;
    // A body that did not make it leaves nothing to resynchronise on: both sides close.
    if (this.upload !== 'done') {
      this.releaseServer();
      return false;
    }
    // A client that is closing takes its server connection along (measured on 2.6.12: after an HTTP/1.0 exchange
    // without keep-alive, haproxy never reuses that server connection); otherwise it stays for the next request,
    // unless the server already sent more than this response.
    if (reusable && !clientClose && conn.reader.size === 0) this.serverIdle = true;
    else this.releaseServer();
    return !clientClose;
  }

  /** The request head as it goes to the server: Connection cleaned, rules, forwardfor/originalto, Connection value. */
  private requestHeaders(req: RequestHead, be: BackendConfig, serverClose: boolean): HeaderField[] {
    let headers = cleanConnection(req.headers);
    headers = applyHeaderRules(this.fe.http?.request, headers, this.ruleCtx);
    headers = applyHeaderRules(be.http?.request, headers, this.ruleCtx);
    const xff = forwardedFor(this.fe.options, be.options, this.addrs?.srcAddress, headers);
    if (xff !== undefined) headers.push(xff);
    const xot = originalTo(this.fe.options, be.options, this.addrs?.dstAddress);
    if (xot !== undefined) headers.push(xot);
    // HAProxy's HTX keeps header names in lower case, so that is what servers receive.
    // A request that ends its connection (Transfer-Encoding with Content-Length) reaches a keep-alive server with no
    // Connection value at all (measured on haproxy 2.6.12, HTTP/1.0 and 1.1 alike).
    const value = req.mustClose === true && !serverClose ? undefined : requestConnValue(serverClose, req.version);
    return withConnection(lowerNames(headers), value, connFlags(req.headers).upgrade);
  }

  /**
   * A server slot and a connection for this request (dispatch: queue, retries, redispatch): the slot of the server
   * the balancer (or persistence) gives, then the connection this session holds when it is that server's, else (not
   * on the first request, `http-reuse safe`) an idle one of this thread's pool, else a new one. A held connection to
   * another server goes to the pool. The slot is this transaction's until releaseSlot().
   */
  private async connect(rt: BackendRuntime, key: string | undefined, persist: PersistenceDecision | undefined): Promise<ServerConn> {
    const direct =
      persist?.server === undefined
        ? {}
        : { prefer: persist.server, preferDown: persist.forced, preferRedispatch: persist.redispatch };
    // A replayed request (retry-on) dropped its connection and slot already; nothing else may hold one here.
    this.releaseSlot();
    const held = this.server;
    const mayPool = this.transactions > 1;
    let picked: ServerConn | undefined;
    const got = await dispatch(rt, {
      accounting: this.env.accounting,
      thread: this.env.thread,
      ...(key === undefined ? {} : { key }),
      ...dstPortOf(this.addrs, this.client),
      signal: this.left,
      ...direct,
      reuse: (index) => {
        if (held !== undefined && held.index === index && !held.socket.destroyed && !held.reader.atEnd) picked = held;
        // An idle connection of a relative-port server may lead to another port than this client's: not shared.
        else if (mayPool && rt.config.servers[index]?.portOffset === undefined) picked = this.env.idlePool.take(rt.index, index);
        return picked?.socket;
      },
    });
    const slotIndex = rt.serverSlotIndexes[got.server] ?? 0;
    if (got.reused === true && picked !== undefined) {
      if (picked !== held) {
        this.parkServer();
        this.server = picked;
      }
      this.slotHeld = slotIndex;
      this.serverIdle = false;
      return picked;
    }
    this.parkServer();
    this.slotHeld = slotIndex;
    const socket = got.socket;
    socket.setNoDelay(true);
    const conn: ServerConn = {
      backend: rt.index,
      index: got.server,
      socket,
      reader: new SocketReader(socket),
    };
    this.server = conn;
    return conn;
  }

  /**
   * Cookie persistence for this request (§4.2 `cookie`, cookie-persistence.ts): the server its cookie names and
   * whether it may be used (up, or down with `option persist`), and the Cookie headers to forward. undefined when
   * the backend has no `cookie` line.
   */
  private persistence(
    rt: BackendRuntime,
    be: BackendConfig,
    req: RequestHead,
  ): { decision: PersistenceDecision; headers: HeaderField[] | undefined } | undefined {
    if (be.cookie === undefined) return undefined;
    const lookup = persistedServer(be.cookie, req, be.servers);
    const decision = persistenceDecision(lookup, (i) => rt.view.servers[i]?.isUp() === true, be.options);
    return { decision, headers: lookup.rewrittenHeaders };
  }

  /**
   * Streams the request body to the server in the background (the response may start before it ends: 100-continue,
   * early answers). A failed upload aborts the transaction: both connections are closed, as HAProxy does.
   */
  private startUpload(conn: ServerConn, framing: ReturnType<typeof requestFraming>, be: BackendConfig): void {
    if (framing.kind === 'none') {
      this.upload = 'done';
      return;
    }
    this.upload = 'running';
    this.lastUpload = performance.now();
    const slot = this.rt?.serverSlots[conn.index];
    const options = {
      timeouts: { read: this.fe.timeouts.client, write: be.timeouts.server },
      onBytes: (n: number) => {
        this.lastUpload = performance.now();
        slot?.addWide('bytesIn', n);
      },
      activity: () => this.lastDownload,
      limits: HEAD_LIMITS,
    };
    this.uploadEnded = pipeBody(this.reader, conn.socket, framing, options).then((outcome: BodyOutcome) => {
      this.upload = outcome;
      // A server that stops reading is the response side's business (502/504); a failing client aborts it all.
      if (outcome !== 'done' && outcome !== 'dst-failed') {
        this.aborted = true;
        conn.socket.destroy();
        // A malformed chunk before the response began is answered 400 by the transaction (HAProxy's proxy 400).
        if (outcome === 'bad-chunk' && !this.responseStarted) this.uploadRefused = true;
        else this.client.destroy();
      }
    });
  }

  /** The request body transfer of the current transaction, and when it ends (never rejects). */
  private upload: BodyOutcome | 'running' = 'done';
  private uploadEnded: Promise<void> = Promise.resolve();
  /** The client failed during the current transaction: no answer is to be sent (but see uploadRefused). */
  private aborted = false;
  /** The request body turned out malformed before any response byte went to the client: answer 400, then close. */
  private uploadRefused = false;
  /** The response head of the current transaction went (or is going) to the client. */
  private responseStarted = false;
  /** When request body bytes last went to the server / response bytes to the client (performance.now()). */
  private lastUpload = 0;
  private lastDownload = 0;

  /** After a 101: the response head goes out, then both connections become one byte tunnel (`timeout tunnel`). */
  private async tunnel(conn: ServerConn, res: ResponseHead, be: BackendConfig): Promise<boolean> {
    // The server's own close/keep-alive tokens are dropped, `upgrade` stays (measured on haproxy 2.6.12).
    const head = serializeResponseHead({ ...res, headers: lowerNames(cleanConnection(res.headers)) });
    const fromServer = conn.reader.detach();
    const fromClient = this.reader.detach();
    this.client.write(fromServer.length > 0 ? Buffer.concat([head, fromServer]) : head);
    const slot = this.rt?.serverSlots[conn.index];
    // This engine's sockets are plain ones (it reads 'data' events); the pipe reads through the thread's SocketIo.
    this.env.io.attach(this.client, TUNNEL_HANDOVER);
    this.env.io.attach(conn.socket, TUNNEL_HANDOVER);
    const ended = await pipeL4(this.env, {
      client: this.client,
      server: conn.socket,
      timeouts: pipeTimeouts(this.fe.timeouts, be.timeouts),
      counters: slot,
      ...(fromClient.length > 0 ? { toServer: fromClient } : {}),
    });
    // A tunnel's aborts count as a TCP session's do (haproxy 2.6.12: CD → cli_abrt, SD → srv_abrt and eresp).
    if (this.rt !== undefined) countTermination(ended.termination, this.rt.slot, slot);
    this.releaseServer();
    return false;
  }

  /** HAProxy's answer for `status` (l7-replies.ts); an unread request body closes the client after it. */
  private sendReply(status: number, req: RequestHead, closeAsked: boolean): Promise<boolean> {
    const close = closeAsked || this.upload !== 'done' || this.stopping;
    return sendReply(this.client, this.fe.timeouts.client, this.errorRules(), status, req.version, close);
  }

  private sendEarlyError(status: 400 | 408 | 422): Promise<void> {
    return sendEarlyError(this.client, this.fe.timeouts.client, this.errorRules(), status);
  }

  private errorRules(): (HttpRules | undefined)[] {
    return [this.be?.http, this.fe.http];
  }
}

