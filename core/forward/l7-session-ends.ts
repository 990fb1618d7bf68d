// The ends of an HTTP transaction and of the session (HAProxy 2.6 §4.2 timeouts, the lingering close, its proxy
// answers): the next request or the close, the client's events, the session's one Deadline and its limits per phase.
// Part of the session's class chain (l7-session-state.ts says why a chain). Forwarder threads; hot path.

import type net from 'node:net';
import type { FetchContext } from '../acl/fetch-context.js';
import { OrcaError } from '../errors.js';
import { earlyReply, proxyReply } from './l7-replies.js';
import { ServerConn } from './l7-server-conn.js';
import type { LogRecord } from '../log/log-record.js';
import type { FrontendLine } from '../log/traffic-lines.js';
import { openTransaction } from '../log/http-session-log.js';
import { SOFT_STOP_IDLE_MS, unwatchSoftStop } from './l7-soft-stop.js';
import { LINGER_MS } from './lingering-close.js';
import { C, S, EMPTY, PAUSE_UPLOAD, type Upload, due, requestLimit, idleLimit, L7SessionState } from './l7-session-state.js';

export const kSession = Symbol('orcalb.l7session');

export interface ClientSocket extends net.Socket {
  [kSession]: L7SessionEnds;
}

// The client socket's listeners, shared by every session (the session rides on the socket).
export function onClientEnd(this: ClientSocket): void {
  this[kSession].clientEnded();
}
export function onClientClose(this: ClientSocket): void {
  this[kSession].clientClosed();
}
export function onClientDrain(this: ClientSocket): void {
  this[kSession].clientDrained();
}
export function onClientError(): void {
  // 'close' follows; the session ends there.
}


/** The ends of transactions and of the session, the client events and the deadline. */
export abstract class L7SessionEnds extends L7SessionState {
  /** Runs the client state machine over the kept bytes (l7-session.ts). */
  protected abstract pumpClient(): void;
  /** The upload stopped short (l7-transaction.ts). */
  protected abstract uploadFailed(outcome: Upload): void;
  /** The response failed before its head (l7-server-side.ts). */
  protected abstract responseFailed(status: 502 | 504, closed: boolean, empty: boolean): void;
  // ---- Ends of transactions and of the session --------------------------------------------------------------------

  /** Response done and request body through: decide both connections' fate, then the next request or the close. */
  protected finishTransaction(): void {
    const answered = this.server;
    if (answered !== undefined) this.statTimes(answered.index);
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
  protected nextRequest(): void {
    this.releaseSlot();
    this.logClose();
    if (this.fetch !== undefined) this.endRequest(this.fetch);
    this.reqHead = undefined;
    this.cstate = C.head;
    this.tHeadStart = 0;
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

  /** The request's rule state ends: stores never committed, its content-level trackers, its head. */
  private endRequest(ctx: FetchContext): void {
    this.pending?.clear();
    this.counters?.endStream();
    ctx.clearRequest();
    ctx.backend = -1;
  }

  /** A tarpit's hold is over: its answer goes out, then the next request or the close. */
  private tarpitOver(): void {
    const bytes = this.tarpitBytes;
    this.tarpitBytes = undefined;
    this.tarpitDue = Infinity;
    if (bytes === undefined) return this.closeClient();
    if (this.counters !== undefined) this.countStatus(this.tarpitStatus);
    this.statAnswer(this.tarpitStatus, -1, bytes);
    this.env.io.writeOwned(this.client as net.Socket, bytes);
    if (this.tarpitClose) return this.closeClient();
    this.nextRequest();
  }

  /** HAProxy's answer for `status` (l7-replies.ts); an unread request body closes the client after it. */
  protected reply(status: number, closeAsked: boolean): void {
    const close = closeAsked || this.upload !== 'done' || this.stopping();
    if (this.rec !== undefined) this.logState(replyState(status));
    const r = proxyReply(status, this.errorRules, this.reqVersion, close);
    if (this.counters !== undefined) this.countStatus(status);
    this.releaseSlot();
    const bytes = this.answerBytes(r.bytes);
    this.statAnswer(status, -1, bytes);
    this.env.io.writeOwned(this.client as net.Socket, bytes);
    if (r.raw || close) return this.closeClient();
    this.nextRequest();
  }

  /** 400/408/422 before any transaction, then the close. */
  protected earlyError(status: 400 | 408 | 422): void {
    if (this.counters !== undefined) this.countStatus(status);
    // An invalid request is one HAProxy counts (req_tot, ereq) with its answer on the frontend (measured on 2.6.12).
    this.statRequest(true);
    // A head refused while the client is still there is the proxy's refusal (PR); after its FIN, the client's (CR):
    // haproxy 2.6.12 logs the same junk request both ways.
    this.logState(status === 408 ? 'cR' : this.clientFin ? 'CR' : 'PR');
    this.statAnswer(status, -1);
    this.env.io.writeOwned(this.client as net.Socket, earlyReply(status, this.errorRules));
    this.closeClient();
  }

  /**
   * Ends the client connection as HAProxy does after its last answer: what is queued is flushed (within `timeout
   * client`), then our FIN and a lingering close that reads and drops what the client still sends (lingering-close.ts).
   */
  protected closeClient(): void {
    if (this.cstate >= C.flush) return;
    this.releaseSlot();
    this.dial?.cancel();
    this.logClose();
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
  protected linger(): void {
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
  protected finish(): void {
    if (this.cstate === C.done) return;
    this.cstate = C.done;
    this.dial?.cancel();
    this.env.sweep.disarm(this.deadline);
    unwatchSoftStop(this.env.softStopSignal, this);
    this.releaseSlot();
    if (this.opening !== undefined) this.opening.close();
    this.opening = undefined;
    this.parkServer();
    this.logClose();
    this.cin = EMPTY;
    this.sin = EMPTY;
    this.headView = undefined;
    this.resView = undefined;
    this.reqHead = undefined;
    this.tarpitBytes = undefined;
    this.client?.destroy();
    if (this.fetch !== undefined) {
      this.pending?.clear();
      this.counters?.endSession();
    }
    this.env.accounting.clientClosed(this.env.thread, this.feIndex);
    this.resolve();
  }

  // ---- Client events ----------------------------------------------------------------------------------------------

  /** The client's FIN. */
  clientEnded(): void {
    try {
      this.clientFin = true;
      // A PROXY header cut short; or the closing client's FIN, the end of its lingering close.
      if (this.cstate === C.proxy) this.proxyFailed('closed', this.cinEnd - this.cinStart);
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
      if (this.cstate === C.proxy) this.proxyFailed('closed', this.cinEnd - this.cinStart);
      // A client that is gone ends the transaction at once instead of leaving it to wait on its server for up to
      // `timeout server`; a request still queued for a slot leaves the queue now.
      if (this.logOpen) this.logState(this.cstate === C.wait ? (this.tSlot === 0 ? 'CQ' : 'CC') : this.sstate === S.head ? 'CH' : 'CD');
      else if (this.cstate === C.head && this.headWaiting && this.rec !== undefined && this.logLine !== undefined) this.clientGoneMidHead(this.rec, this.logLine);
      if (!this.serverIdle) this.releaseServer();
    } finally {
      this.finish();
    }
  }

  /**
   * The traffic log: the client closed (or reset) before its request head was whole: haproxy 2.6.12 logs it as a 400
   * `CR` <BADREQ> (measured; its answer has nobody to go to), unless dontlognull and no byte came. The line only:
   * the stats count what was answered.
   */
  private clientGoneMidHead(rec: LogRecord, line: FrontendLine): void {
    openTransaction(line, rec, undefined, 0, this.now(), this.tHeadStart);
    this.logOpen = true;
    rec.termination = 'CR';
    rec.status = 400;
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

  /**
   * SoftStoppable: an idle keep-alive client is closed within SOFT_STOP_IDLE_MS (a lingering close: our FIN, its
   * late bytes dropped); a busy one after its current response, with `connection: close`. The short wait is for a
   * next request already on its way: closed under it, a keep-alive client sees a read error (wrk counted up to one
   * per connection at each `-sf` handover, haproxy 2.6.12 none, measured); served, it gets its answer and the close.
   */
  onFrontendRemoved(frontend: number): void {
    if (frontend === this.feIndex) this.onSoftStop();
  }

  onSoftStop(): void {
    try {
      if (this.cstate !== C.head || this.headWaiting) return;
      // The keep-alive wait's deadline comes closer; onDeadline closes the client then if no request came.
      this.headDue = Math.min(this.headDue, due(this.now(), SOFT_STOP_IDLE_MS));
      this.rearm();
    } catch (e) {
      this.internalError(e);
    }
  }

  // ---- Deadlines --------------------------------------------------------------------------------------------------

  /** The sweep: some limit of the current phase may have passed. Each is checked against its own clock. */
  override onDeadline(now: number): void {
    try {
      switch (this.cstate) {
        case C.proxy:
          if (now < this.headDue) break;
          this.proxyFailed('timeout', this.cinEnd - this.cinStart);
          return this.finish();
        case C.closing:
          if (now >= this.headDue) return this.finish();
          break;
        case C.head:
          // `timeout http-request` on a head under way is a 408 (even the first request's, with no byte); the
          // keep-alive wait between requests ends silently.
          if (now >= this.headDue) return this.headWaiting ? this.earlyError(408) : this.closeClient();
          break;
        case C.wait:
          if (now >= this.tarpitDue) return this.tarpitOver();
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
        this.logState(this.serverPaused ? 'cD' : 'sD');
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
  protected uploadDue(): number {
    if ((this.clientPause & PAUSE_UPLOAD) !== 0) return due(this.upBlockedAt, this.serverTimeout);
    return due(Math.max(this.upActive, this.lastDownload), this.fe.timeouts.client);
  }

  /**
   * When the response side gives up. A head: `timeout server` from the request (or the last interim answer, or the
   * last request body bytes sent); bytes of an unfinished head do not re-arm it (measured on haproxy 2.6.12: a server
   * dribbling its head one byte every 200 ms gets a 504 at `timeout server`). A body: `timeout client` from the moment
   * the client stopped draining it, else `timeout server` of inactivity, the upload's progress counting too.
   */
  protected responseDue(): number {
    if (this.sstate === S.head) return due(Math.max(this.since, this.lastUpload), this.serverTimeout);
    if (this.sstate !== S.body) return Infinity;
    if (this.serverPaused) return due(this.downBlockedAt, this.fe.timeouts.client);
    return due(Math.max(this.downActive, this.lastUpload), this.serverTimeout);
  }

  /** Files the session's deadline at the earliest limit of its current phase. */
  protected rearm(): void {
    if (this.cstate > C.closing) return;
    let at = Infinity;
    if (this.cstate === C.body) at = this.uploadDue();
    else if (this.cstate === C.wait) at = this.tarpitDue;
    else if (this.cstate !== C.send && this.cstate !== C.hold) at = this.headDue;
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

  /** A bug reached a socket callback: this client only is closed, the thread goes on. */
  protected internalError(e: unknown): void {
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

/** The termination state (§8.5) of a transaction orcalb answers itself with `status`, when nothing set one before. */
function replyState(status: number): string {
  switch (status) {
    case 400:
      return 'CR';
    case 408:
      return 'cR';
    case 502:
      return 'SH';
    case 503:
      return 'SC';
    case 504:
      return 'sH';
    default:
      return '--';
  }
}
