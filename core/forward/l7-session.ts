// One client connection in mode http (HAProxy 2.6 §4 HTTP connection modes, §4.2 timeouts, forwardfor, retries, cookie):
// requests in order, a server per request (L7 keys, persistence, keep-alive reuse), bodies streamed, errors, 101 tunnel.
// Forwarder threads; every failure closes this client only. Over 400 lines: one state machine whose fields every step
// reads; the steps that need none live in l7-head-wait.ts, l7-replies.ts, l7-body-pipe.ts, l7-connection-mode.ts.

import type net from 'node:net';
import type { BackendConfig, FrontendConfig, HttpRules } from '../../config/model.js';
import { createHttpKeyExtractor } from '../balance/hash-input.js';
import { OrcaError } from '../errors.js';
import type { ProxyAddresses } from '../proxy-protocol/addresses.js';
import type { BackendRuntime } from './backend-runtime.js';
import { clientOrigin, dstPortOf } from './client-origin.js';
import { applyResponseCookie, persistedServer, persistenceDecision, type PersistenceDecision } from './cookie-persistence.js';
import { dispatch } from './dispatch.js';
import { forwardedFor, originalTo } from './forwardfor.js';
import { applyHeaderRules, lowerNames, withoutHeader, type RuleContext } from './header-rules.js';
import {
  headerValue,
  ChunkedScanner,
  requestFraming,
  responseFraming,
  serializeRequestHead,
  serializeResponseHead,
  type HeaderField,
  type RequestHead,
  type ResponseHead,
} from './http1-parser.js';
import { pipeBody, type BodyOutcome } from './l7-body-pipe.js';
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
  withConnection,
  type HttpMode,
} from './l7-connection-mode.js';
import { IdleServerPool, type ServerConn } from './l7-idle-pool.js';
import { lingeringClose, sendEarlyError, sendReply } from './l7-replies.js';
import { retryAllowed, waitRequestHead, waitResponseHead } from './l7-head-wait.js';
import { SocketReader, writeAll } from './l7-socket-reader.js';
import { pipeL4 } from './l4-pipe.js';
import type { SessionEnv } from './l4-session.js';
import { pipeTimeouts } from './timeouts.js';

/** Methods RFC 9110 §9.2.2 calls idempotent: the only ones replayed after a server failed mid-request. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);

/** This thread's idle server connections (module state: one per forwarder thread). */
const idlePool = new IdleServerPool();

/** Graceful stop: closes this thread's idle server connections (forwarder thread, on the stop message). */
export function closeIdleServerConnections(): void {
  idlePool.closeAll();
}

/**
 * Serves one client connection of frontend `fe` (received on bind `bind`) in HTTP mode. Same contract as
 * runL4Session: resolves when the client is closed; never rejects; the client's frontend slot must already be counted
 * (ConnAccounting.admitClient + clientAdopted) and is released here.
 */
export async function runL7Session(env: SessionEnv, client: net.Socket, fe: number, bind: number): Promise<void> {
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
  private readonly keyOf: ((req: RequestHead) => string | undefined) | undefined;
  /** The server connection in use, or held idle for reuse between requests. */
  private server: ServerConn | undefined;
  /** `server` finished its last response cleanly and may carry another request. */
  private serverIdle = false;
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
    // A client that is gone (reset, or destroyed by a hard stop) ends the transaction at once instead of leaving it
    // to wait on its server for up to `timeout server`.
    client.once('close', () => {
      this.aborted = true;
      if (this.server !== undefined && !this.serverIdle) this.server.socket.destroy();
    });
    this.feMode = httpModeOf(fe.options);
    this.beMode = this.be === undefined ? this.feMode : httpModeOf(this.be.options);
    this.ruleCtx =
      addrs === undefined
        ? {}
        : { src: addrs.srcAddress, srcPort: addrs.srcPort, dst: addrs.dstAddress, dstPort: addrs.dstPort };
    const extract =
      this.be === undefined ? undefined : createHttpKeyExtractor(this.be.balance.algorithm, this.be.balance.args);
    this.keyOf =
      extract === undefined
        ? undefined
        : (req) => extract({ uri: req.target, header: (name) => headerValue(req.headers, name) });
  }

  /** Transactions until one side closes. Resolves when the client is to be closed; throws only on internal bugs. */
  async run(): Promise<void> {
    for (let first = true; ; first = false) {
      const req = await this.readRequestHead(first);
      if (req === undefined || !(await this.transaction(req))) break;
    }
    await lingeringClose(this.client, this.reader);
  }

  /** Closes the server connection (used or idle) and releases its slot. Idempotent. */
  releaseServer(): void {
    const s = this.server;
    if (s === undefined || this.rt === undefined) return;
    this.server = undefined;
    this.serverIdle = false;
    s.socket.destroy();
    this.env.accounting.serverClosed(this.env.thread, this.rt.index, s.slotIndex);
  }

  /**
   * Hands an idle server connection to the thread's pool (its slot is released: a pooled connection serves nobody),
   * or closes it when it cannot be reused. Idempotent.
   */
  parkServer(): void {
    const s = this.server;
    if (s === undefined || this.rt === undefined) return;
    const shareable = this.rt.config.servers[s.index]?.portOffset === undefined;
    if (!this.serverIdle || !shareable || !idlePool.park(s)) return this.releaseServer();
    this.server = undefined;
    this.serverIdle = false;
    this.env.accounting.serverClosed(this.env.thread, this.rt.index, s.slotIndex);
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
    const framing = requestFraming(req);
    if (framing.kind === 'error') {
      // The parser tags `gzip, chunked` and the like with 422, as HAProxy 2.6 answers them; the rest is a 400.
      await this.sendEarlyError((framing as { readonly status?: number }).status === 422 ? 422 : 400);
      return false;
    }
    if (framing.kind === 'chunked' && 'error' in new ChunkedScanner().push(this.reader.peek())) {
      // HAProxy parses the body bytes that arrived with the head before it connects: a bad chunk already there is
      // a 400 to the client and never reaches a server (tests/compat/http-malformed-e2e.test.ts).
      await this.sendEarlyError(400);
      return false;
    }
    this.transactions++;
    // Until the body has gone through, the client connection cannot carry another request: an answer given before
    // then closes it (the unread body would otherwise be parsed as the next request).
    this.upload = framing.kind === 'none' ? 'done' : 'running';
    const reqFlags = connFlags(req.headers);
    let clientClose = clientWantsCloseForRequest(reqFlags, req.version);
    // Transfer-Encoding with Content-Length (a smuggling shape): like HAProxy 2.6.12, the chunked framing wins,
    // Content-Length is not forwarded, and the client connection is closed after the response.
    const conflicting = framing.kind === 'chunked' && headerValue(req.headers, 'content-length') !== undefined;
    if (conflicting) {
      req = { ...req, headers: withoutHeader(req.headers, 'content-length') };
      clientClose = true;
    }
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
        conn = await this.connect(rt, this.keyOf?.(req), persist?.decision);
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
      });
      if (wait.kind === 'head') {
        res = wait.head;
        break;
      }
      this.releaseServer();
      if (wait.kind === 'aborted') return false;
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
    if (res.status === 101 || connected) return this.tunnel(conn, res, be);
    const resFraming = responseFraming(res, req.method);
    if (resFraming.kind === 'error') {
      this.releaseServer();
      return this.sendReply(502, req, clientClose);
    }
    const lengthKnown = resFraming.kind !== 'until-close';
    clientClose = clientWantsCloseForResponse(clientClose, lengthKnown, this.feMode) || this.stopping;
    const reusable = serverReusable(serverClose, resFlags, lengthKnown, res.version);
    // A chunked response never carries Content-Length on to the client (HAProxy drops it, measured on 2.6.12).
    let headers = cleanConnection(resFraming.kind === 'chunked' ? withoutHeader(res.headers, 'content-length') : res.headers);
    headers = applyHeaderRules(be.http?.response, headers, this.ruleCtx);
    headers = applyHeaderRules(this.fe.http?.response, headers, this.ruleCtx);
    // Persistence cookies after the http-response rules, as HAProxy's http_process_res_common does.
    const srvCfg = be.servers[conn.index];
    if (be.cookie !== undefined && srvCfg !== undefined) {
      // "Valid" only when the request went straight to the server its cookie named (no redispatch happened).
      const direct = persist?.decision.status === 'valid' && persist.decision.server === conn.index;
      headers = applyResponseCookie(be.cookie, srvCfg, req, { ...res, headers }, direct);
    }
    headers = withConnection(lowerNames(headers), responseConnValue(clientClose, res.version, req.version), resFlags.upgrade);
    if (!(await writeAll(this.client, serializeResponseHead({ ...res, headers }), this.fe.timeouts.client))) {
      return false;
    }
    const slot = rt.serverSlots[conn.index];
    const down = await pipeBody(
      conn.reader,
      this.client,
      resFraming,
      { read: be.timeouts.server, write: this.fe.timeouts.client },
      (n) => slot?.addWide('bytesOut', n),
    );
    if (down !== 'done') return false;
    // The request body must be complete too before either connection can carry another message; a server that
    // answered before reading it all leaves nothing to resynchronise on, so both sides close.
    if (this.upload !== 'done') {
      this.releaseServer();
      return false;
    }
    // A client that is closing takes its server connection along (measured on 2.6.12: after an HTTP/1.0 exchange
    // without keep-alive, haproxy never reuses that server connection); otherwise it stays for the next request.
    if (reusable && !clientClose) this.serverIdle = true;
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
    return withConnection(lowerNames(headers), requestConnValue(serverClose, req.version), connFlags(req.headers).upgrade);
  }

  /**
   * A connection to the server the balancer picks (dispatch: retries, redispatch, queue): the one this session holds
   * when it is that server's, else (not on the first request, `http-reuse safe`) an idle one of this thread's pool,
   * else a new one. A held connection to another server goes to the pool.
   */
  private async connect(rt: BackendRuntime, key: string | undefined, persist: PersistenceDecision | undefined): Promise<ServerConn> {
    const direct =
      persist?.server === undefined
        ? {}
        : { prefer: persist.server, preferDown: persist.forced, preferRedispatch: persist.redispatch };
    const held = this.server;
    const mayPool = this.transactions > 1;
    let picked: ServerConn | undefined;
    const got = await dispatch(rt, {
      state: this.env.state,
      accounting: this.env.accounting,
      thread: this.env.thread,
      ...(key === undefined ? {} : { key }),
      ...dstPortOf(this.addrs, this.client),
      signal: this.env.stopSignal,
      ...direct,
      reuse: (index) => {
        if (held !== undefined && held.index === index && !held.socket.destroyed && !held.reader.atEnd) picked = held;
        // An idle connection of a relative-port server may lead to another port than this client's: not shared.
        else if (mayPool && rt.config.servers[index]?.portOffset === undefined) picked = idlePool.take(rt.index, index);
        return picked?.socket;
      },
    });
    if (got.reused === true && picked !== undefined) {
      if (picked !== held) {
        this.parkServer();
        this.env.accounting.serverOpened(this.env.thread, rt.index, picked.slotIndex);
        this.server = picked;
      }
      this.serverIdle = false;
      return picked;
    }
    this.parkServer();
    const socket = got.socket;
    socket.setNoDelay(true);
    const conn: ServerConn = {
      backend: rt.index,
      index: got.server,
      socket,
      reader: new SocketReader(socket),
      slotIndex: rt.serverSlotIndexes[got.server] ?? 0,
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
    const timeouts = { read: this.fe.timeouts.client, write: be.timeouts.server };
    const slot = this.rt?.serverSlots[conn.index];
    void pipeBody(this.reader, conn.socket, framing, timeouts, (n) => slot?.addWide('bytesIn', n)).then((outcome: BodyOutcome) => {
      this.upload = outcome;
      // A server that stops reading is the response side's business (502/504); a failing client aborts it all.
      if (outcome !== 'done' && outcome !== 'dst-failed') {
        this.aborted = true;
        conn.socket.destroy();
        this.client.destroy();
      }
    });
  }

  /** The request body transfer of the current transaction. */
  private upload: BodyOutcome | 'running' = 'done';
  /** The client failed during the current transaction: no answer is to be sent. */
  private aborted = false;

  /** After a 101: the response head goes out, then both connections become one byte tunnel (`timeout tunnel`). */
  private async tunnel(conn: ServerConn, res: ResponseHead, be: BackendConfig): Promise<boolean> {
    const head = serializeResponseHead({ ...res, headers: lowerNames(res.headers) });
    const fromServer = conn.reader.detach();
    const fromClient = this.reader.detach();
    this.client.write(fromServer.length > 0 ? Buffer.concat([head, fromServer]) : head);
    const slot = this.rt?.serverSlots[conn.index];
    await pipeL4(this.client, conn.socket, pipeTimeouts(this.fe.timeouts, be.timeouts), {
      onBytes: (up: boolean, n: number) => slot?.addWide(up ? 'bytesIn' : 'bytesOut', n),
      ...(fromClient.length > 0 ? { initial: fromClient } : {}),
    });
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
