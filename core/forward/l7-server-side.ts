// The server side of an HTTP transaction (HAProxy 2.6 §4.2 retries/retry-on, timeout server): the response head
// (interim answers, the final head rewritten in place), its body relayed to the client, 502/504 and replays, the
// server's close, and the switch to a tunnel after a 101 or a CONNECT 2xx. Part of the session's class chain
// (l7-session-state.ts). Forwarder threads; hot path.

import type net from 'node:net';
import type { HeadEdit } from '../http1/head-edit.js';
import { responseBody } from '../http1/head-framing.js';
import { HDR, METHOD } from '../http1/head-names.js';
import { continueResponse, parseResponse } from '../http1/head-parse.js';
import { rewriteResponse, rewriteSwitch } from '../http1/head-rewrite.js';
import { BODY, HEAD, HeadView } from '../http1/head-view.js';
import type { BackendRuntime } from './backend-runtime.js';
import { checkBufferedChunks } from './l7-body-relay.js';
import { clientWantsCloseForResponse, serverReusable, upgradeAgreed } from './l7-connection-mode.js';
import { HEAD_LIMITS, retryAllowed } from './l7-limits.js';
import { SessionRewrite } from './l7-rewrite.js';
import { ServerConn } from './l7-server-conn.js';
import { runTunnel } from './l7-tunnel.js';
import { pipeTimeouts } from './pipe-timeouts.js';
import { countTermination } from './termination.js';
import { captureResponse } from '../log/http-session-log.js';
import { C, S, EMPTY, PAUSE_UPLOAD, flagsOf } from './l7-session-state.js';
import { onClientEnd, onClientClose, onClientDrain, onClientError } from './l7-session-ends.js';
import { L7Rules, ROUTE } from './l7-rules.js';

export abstract class L7ServerSide extends L7Rules {
  // ---- Server side ------------------------------------------------------------------------------------------------

  /** ServerUser: a read from a server connection of this session. */
  override serverRead(conn: ServerConn, buf: Buffer, n: number): boolean {
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

  protected keepServer(buf: Buffer, start: number, end: number): void {
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
  protected serverInput(src: Buffer, start: number, end: number): number {
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

  protected responseHead(src: Buffer, start: number, end: number): number {
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
    this.statDownload((this.server as ServerConn).index, out.headStatBytes(out.length));
    out.flush(this.env.io, this.client as net.Socket);
    this.since = this.now();
    return next;
  }

  /** The final response head: a tunnel, a 502, or the head and the body bytes at hand in one write. */
  protected finalResponse(view: HeadView, src: Buffer, bodyAt: number, end: number): number {
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
    if (this.fetch !== undefined) {
      const route = this.responseRules(view, conn.index, edit);
      if (route !== ROUTE.FORWARD) {
        // http-response deny/return…: the server's response is dropped with its connection, the rule answers.
        this.releaseServer();
        this.sstate = S.none;
        if (route === ROUTE.CLOSE) this.finish();
        else this.sendRuleAnswer();
        return end;
      }
    }
    if (this.rec !== undefined && this.logLine !== undefined) captureResponse(this.logLine, this.rec, view, conn.index, this.now());
    const setCookie = rewriteResponse(edit, view, rw);
    // %tsc's second cookie character: what the persistence cookie step did to this response.
    if (setCookie !== undefined && this.rec !== undefined) this.rec.cookieState = `${this.rec.cookieState[0] ?? 'N'}${setCookie}`;
    this.statAnswer(status, conn.index);
    this.ddbx?.responseHead(status);
    this.tResp = this.now();
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
  protected downloadFrom(src: Buffer, start: number, end: number, head: HeadEdit | undefined): number {
    const conn = this.server as ServerConn;
    this.ddbx?.replyAhead(this.env.stick, conn.index, src, start, end);
    const used = this.down.push(this.env.io, this.scratch.out, this.client as net.Socket, src, start, end, head);
    if (used < 0) {
      // A malformed chunk in a response already under way: nothing can be answered any more, the client is closed.
      this.releaseServer();
      this.closeClient();
      return end;
    }
    const now = this.now();
    this.downActive = now;
    if (this.ddbx !== undefined && used > 0) this.ddbx.replySentBytes(used);
    if (this.down.sent > 0) this.statDownload(conn.index, this.down.sent);
    if (this.rec !== undefined) {
      this.rec.bytesOut += this.down.data;
      // `option logasap`: the line goes with the response head and the body bytes that came with it (haproxy
      // 2.6.12's %B then); logClose is once per transaction.
      if (this.logLine?.logasap === true) this.logClose();
    }
    if (this.down.written > 0) {
      this.lastDownload = now;
      if (this.counters !== undefined) this.counters.countBytes(0, this.down.written);
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

  protected responseDone(): void {
    const x = this.ddbx;
    if (x !== undefined && this.server !== undefined) {
      x.ended(this.env.stick, this.server.index);
      // Per transaction: an OK call after a failed one logs '-' again.
      if (this.rec !== undefined) this.rec.ddbErr = x.lastError;
    }
    this.sstate = S.after;
    // The transaction ends when the upload does (an early answer to a body still coming).
    if (this.upload === 'running') return this.rearm();
    this.finishTransaction();
  }

  /**
   * The response failed before its head (502 junk or a close, 504 `timeout server`): replayed when safe (§4.2
   * retry-on: idempotent, no body to resend, and retry-on names this failure), else answered.
   */
  protected override responseFailed(status: 502 | 504, closed: boolean, empty: boolean): void {
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
  override serverGone(conn: ServerConn): void {
    try {
      if (conn !== this.server || this.cstate >= C.tunnel) return;
      switch (this.sstate) {
        case S.head:
          // Closed before a complete head: `empty` when not a byte came (retry-on empty-response, abort_keep_alive).
          return this.responseFailed(502, true, this.sinLen === 0);
        case S.body:
          if (this.down.endsAtFin()) return this.responseDone();
          // The response was cut: nothing can be answered any more, the client is closed after what it got.
          this.logState('SD');
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
  override serverDrained(conn: ServerConn): void {
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
  protected startTunnel(view: HeadView, src: Buffer, bodyAt: number, end: number): void {
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
    // option dolphindb-inspect: a WebSocket (the npm client's, the web console's) is framed message by message by the
    // pipe, from its first frame (a server that spoke past its 101 is not: its first frame went out with the head).
    const board = this.env.ddb;
    const ddb = board !== undefined && this.ask.websocket && bodyAt === end && rt.config.options.dolphindbInspect !== undefined
      ? board.open(rt, conn.index) : undefined;
    ddb?.framing.startWebSocket();
    runTunnel(this.env, client, conn.socket, fromClient, pipeTimeouts(this.fe.timeouts, rt.config.timeouts), slot?.later, ddb?.framing).then((ended) => {
      if (ddb !== undefined) {
        if (this.rec !== undefined) this.rec.ddbErr = ddb.lastError;
        board?.ended(ddb);
      }
      // A tunnel's aborts count as a TCP session's do (haproxy 2.6.12: CD → cli_abrt, SD → srv_abrt and eresp).
      countTermination(ended.termination, rt.slot, slot);
      this.logState(ended.termination);
      this.releaseServer();
      this.finish();
    }, (e: unknown) => this.internalError(e));
  }
}
