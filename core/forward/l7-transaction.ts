// The start of an HTTP transaction (HAProxy 2.6 §4 connection modes, cookie persistence, balance keys): a parsed
// request head becomes a transaction (its facts kept, the head rewritten in place, a server asked for), then the head
// goes out with the body bytes at hand and the request body is relayed. Part of the session's class chain
// (l7-session-state.ts). Forwarder threads; hot path.

import { anyHasToken } from '../http1/head-checks.js';
import type { HeadEdit } from '../http1/head-edit.js';
import { requestCookie } from '../http1/head-cookie.js';
import { HDR, isIdempotent, METHOD } from '../http1/head-names.js';
import { requestHeadOf } from '../http1/head-objects.js';
import { rewriteRequest } from '../http1/head-rewrite.js';
import { BODY, HeadView } from '../http1/head-view.js';
import { persistenceDecision, type CookieStatus } from './cookie-persistence.js';
import { checkBufferedChunks } from './l7-body-relay.js';
import { clientWantsCloseForRequest, serverWantsCloseForRequest } from './l7-connection-mode.js';
import { HEAD_LIMITS } from './l7-limits.js';
import type { BackendRuntime } from './backend-runtime.js';
import { DdbHttpExchange, wantsDdbExchange } from './l7-ddb-exchange.js';
import { ServerConn } from './l7-server-conn.js';
import { C, S, PAUSE_UPLOAD, type Upload, flagsOf } from './l7-session-state.js';
import { L7ServerSide } from './l7-server-side.js';
import { ROUTE } from './l7-rules.js';

/** The request cookie's character of %tsc followed by the response's default, per persistence outcome. */
const COOKIE_STATE: Readonly<Record<CookieStatus, string>> = { none: 'NN', invalid: 'IN', down: 'DN', valid: 'VN' };

export abstract class L7Transaction extends L7ServerSide {
  // ---- Transaction ------------------------------------------------------------------------------------------------

  /**
   * A request head arrived (in `view`, over src); its body bytes at hand are src[bodyAt, end). Ends in C.wait, C.send
   * (a connection at hand: the loop sends at once, while `view` still holds the bytes), or an answer.
   */
  protected beginTransaction(view: HeadView, src: Buffer, bodyAt: number, end: number): void {
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
    this.statRequest(false, view);
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
    const edit = this.scratch.edit;
    edit.begin(view);
    // The rule points before the dispatch (l7-rules.ts); a frontend without rules keeps its default backend.
    if (this.plan.active || this.fetch !== undefined) {
      switch (this.routeRequest(view, edit)) {
        case ROUTE.FORWARD:
          break;
        case ROUTE.ANSWER:
          return this.sendRuleAnswer();
        case ROUTE.TARPIT:
          return this.startTarpit();
        case ROUTE.CLOSE:
          return this.finish();
        case ROUTE.RESET:
          this.client?.resetAndDestroy();
          return this.finish();
        default:
          return this.reply(503, this.clientClose);
      }
    } else {
      this.stickServer = -1;
    }
    const rt = this.rt;
    const rw = this.rewrite;
    if (rt === undefined || rw === undefined) return this.reply(503, this.clientClose);
    if (this.statBackend !== rt.index) this.statBackendChosen(rt);
    const be = rt.config;
    this.persist = undefined;
    if (be.cookie !== undefined) {
      const lookup = requestCookie(edit, be.cookie, be.servers);
      this.persist = persistenceDecision(lookup, (i) => rt.view.servers[i]?.isUp() === true, be.options);
      this.reqMethodText = view.methodString();
      // %tsc (§8.5): the request cookie's character; the response's is 'N' until a response says otherwise.
      if (this.rec !== undefined) this.rec.cookieState = COOKIE_STATE[this.persist.status];
    }
    if (wantsDdbExchange(rt)) this.ddbBegin(rt, view, src, bodyAt, end);
    else this.ddbx?.skip();
    // `balance uri|url_param|hdr`: the key reads the head as forwarded so far (the cookie rewrite applied).
    let key: string | undefined;
    if (rt.requestKey !== undefined) {
      const head = requestHeadOf(view);
      key = rt.requestKey(be.cookie === undefined ? head : { ...head, headers: edit.fields() });
    } else if (rt.keyBySource) {
      // `balance source`: the client's address, as the rules left it (set-src), per request.
      key = this.addrs?.src;
    }
    this.serverClose = serverWantsCloseForRequest(this.feMode, this.beMode);
    rw.serverClose = this.serverClose;
    // unique-id-format: the id is made once the backend is known; unique-id-header goes before X-Forwarded-For, after
    // any field of that name the client sent (haproxy 2.6.12 measured).
    const idLine = this.logLine;
    if (idLine?.uniqueId !== undefined && this.rec !== undefined) {
      this.rec.backend = rt.index;
      const id = idLine.requestId(this.rec);
      if (id !== undefined && idLine.uniqueIdHeader !== undefined) edit.append(idLine.uniqueIdHeader, id);
    }
    rewriteRequest(edit, view, rw);
    this.replayable = body === BODY.NONE && isIdempotent(view.method);
    this.attemptsLeft = be.retries;
    if (rt.anySni) this.requestSni(rt, view);
    this.acquireServer(key);
    // No connection at hand (a connect, a queue): the head leaves later, from bytes of its own. A replayable request
    // keeps them too, for retry-on.
    if (this.cstate === C.wait || (this.mayReplay && this.replayable)) this.reqHead = edit.toBuffer();
  }

  /**
   * A request of a backend with `option dolphindb-inspect` or `-json-affinity` (issue 16): its JSON-API fields are
   * followed, and a sessionID a node answered before names that node (as a `stick match` would), unless a cookie did.
   */
  private ddbBegin(rt: BackendRuntime, view: HeadView, src: Buffer, bodyAt: number, end: number): void {
    const x = (this.ddbx ??= new DdbHttpExchange());
    x.begin(rt, this.env.stick, view.method === METHOD.POST && view.body !== BODY.NONE, src, bodyAt, end);
    if (this.persist?.server !== undefined || this.stickServer >= 0) return;
    const s = x.stickyServer(this.env.stick);
    if (s >= 0 && (rt.config.options.persist === true || rt.view.servers[s]?.isUp() === true)) this.stickServer = s;
  }

  /** C.send: the request head goes out with the body bytes at hand (one write), or alone. */
  protected sendRequest(src: Buffer, start: number, end: number): number {
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
    // The stats: one more request for this server (req_tot), sent now (its response time starts).
    this.rt?.serverSlots[(this.server as ServerConn).index]?.add('reqTot', 1);
    this.tSent = this.since;
    if (this.upload === 'done') {
      this.cstate = C.hold;
      const out = this.scratch.out;
      out.reset();
      out.prefix(head);
      // The server's bin counts the head as received, as HAProxy does (the frontend's and backend's already did).
      this.statUpload((this.server as ServerConn).index, 0, true);
      out.flush(this.env.io, socket);
      this.rearm();
      return start;
    }
    this.cstate = C.body;
    this.up.begin(this.reqBody, this.reqLength, false);
    this.upActive = this.since;
    this.statUpload((this.server as ServerConn).index, 0, true);
    const q = this.uploadFrom(src, start, end, head);
    this.rearm();
    return q;
  }

  /** Relays request body bytes to the server (with the head in front the first time). */
  protected uploadFrom(src: Buffer, start: number, end: number, head: HeadEdit | Buffer | undefined): number {
    const conn = this.server as ServerConn;
    const used = this.up.push(this.env.io, this.scratch.out, conn.socket, src, start, end, head);
    if (used < 0) {
      this.uploadFailed('bad-chunk');
      return end;
    }
    if (this.ddbx !== undefined && used > 0) this.ddbx.requestBytes(src, start, start + used);
    const now = this.now();
    this.upActive = now;
    if (this.up.data > 0) this.statUpload(conn.index, this.up.data, false);
    if (this.up.written > 0) {
      this.lastUpload = now;
      if (this.counters !== undefined) this.counters.countBytes(this.up.written, 0);
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
  protected override uploadFailed(outcome: Upload): void {
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
}
