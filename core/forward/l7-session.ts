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
// The state machine is one class chain, one file per part (l7-session-state.ts says why): this file holds the entry
// point, the client's reads and the request head; l7-transaction.ts, l7-server-dial.ts, l7-server-side.ts and
// l7-session-ends.ts the rest. What needs none of the session's fields lives beside them (l7-body-relay.ts,
// l7-scratch.ts, l7-rewrite.ts, l7-replies.ts, l7-server-conn.ts, l7-idle-pool.ts, l7-tunnel.ts, l7-limits.ts).

import { markSession, type SessionProbe } from './session-registry.js';
import type net from 'node:net';
import { httpRecord } from '../log/http-session-log.js';
import { recordAnnounced } from '../log/tcp-session-log.js';
import { continueRequest, parseRequest } from '../http1/head-parse.js';
import { HEAD, HeadView } from '../http1/head-view.js';
import type { DeadlineOwner } from '../io/deadline-sweep.js';
import { sinkOf, type ReadSink } from '../io/socket-io.js';
import { parseProxyHeader } from '../proxy-protocol/parse.js';
import type { DialHooks } from './dispatch.js';
import { HEAD_LIMITS, HOLD_LIMIT } from './l7-limits.js';
import { ClientAddresses } from './l7-rewrite.js';
import { headerBeforeTls } from './client-origin.js';
import type { ServerUser } from './l7-server-conn.js';
import { watchSoftStop, type SoftStoppable } from './l7-soft-stop.js';
import { adoptClient, type CarriedConnection, type ClientConn, type SessionEnv } from './session-env.js';
import { C, EMPTY, PAUSE_UPLOAD, PAUSE_FULL, due, requestLimit } from './l7-session-state.js';
import { kSession, onClientEnd, onClientClose, onClientDrain, onClientError, type ClientSocket } from './l7-session-ends.js';
import { L7Transaction } from './l7-transaction.js';

/**
 * Serves one client connection of frontend `fe` (received on bind `bind`, handed over as `conn`) in HTTP mode. Same contract as
 * runL4Session: resolves when the client is closed; never rejects; the client's frontend slot must already be counted
 * (ConnAccounting.admitClient + clientAdopted) and is released here. Throws only when `conn` cannot be adopted.
 * `carried`: what ran on the connection before (tcp-request rules, switch-mode http): `conn` is then the socket a TCP
 * session or the connection rules already adopted (its reads come here from now on), `preface` its bytes already read
 * (the first client input), its FetchContext and counters, and `fetch.backend` (when >= 0) the backend the TCP rules
 * chose.
 */
export function runL7Session(env: SessionEnv, conn: ClientConn, fe: number, bind: number, carried?: CarriedConnection): Promise<void> {
  const frontend = env.frontends[fe];
  return new Promise<void>((resolve) => {
    const session = new L7Session(env, fe, frontend, bind, resolve);
    session.start(conn, carried);
  });
}


/** One HTTP client connection: the concrete end of the class chain (its reads, its start). */
class L7Session extends L7Transaction implements ReadSink, DeadlineOwner, DialHooks, ServerUser, SoftStoppable, SessionProbe {
  /** `show sess` (session-registry.ts): the frontend, and the backend and server of the transaction now. */
  sessionFrontend(): number {
    return this.feIndex;
  }
  sessionBackend(): number {
    return this.server?.backend ?? this.rt?.index ?? -1;
  }
  sessionServer(): number {
    return this.server?.index ?? -1;
  }

  /** Adopts the client and starts waiting for its first request (or its PROXY header). Throws if it cannot adopt. */
  start(conn: ClientConn, carried?: CarriedConnection): void {
    // A socket adopted by the TCP engine already (carried) only changes its read sink.
    const adopted = typeof conn !== 'number' && sinkOf(conn) !== undefined;
    if (adopted) this.env.io.setSink(conn, this);
    const client = (adopted ? conn : adoptClient(this.env, conn, this)) as ClientSocket;
    this.client = client;
    client[kSession] = this;
    markSession(client, this);
    this.addrs = new ClientAddresses(client);
    if (this.logLine !== undefined) this.rec = httpRecord(this.logLine, client, this.now());
    // The backend the TCP rules chose (carried), else the default one: the session's until use_backend says otherwise.
    const chosen = carried?.fetch.backend ?? -1;
    const beIndex = chosen >= 0 ? chosen : this.fe.defaultBackend === undefined ? undefined : this.env.backendByName.get(this.fe.defaultBackend);
    if (beIndex !== undefined) this.useBackend(beIndex);
    if (carried !== undefined) this.adoptCarried(carried, chosen);
    client.on('end', onClientEnd);
    client.on('close', onClientClose);
    client.on('drain', onClientDrain);
    client.on('error', onClientError);
    watchSoftStop(this.env.softStopSignal, this);
    const now = this.now();
    // A carried connection still has its PROXY header to read: config load refuses one on a TCP frontend that hands
    // connections over, so only an HTTP frontend's connection rules (which run before the header) carry one here.
    // A TLS connection's header was read in clear before its handshake (core/tls/tls-entry.ts).
    const before = headerBeforeTls(client);
    if (before !== undefined) {
      this.addrs?.announce(before.addresses);
      this.headDue = due(now, requestLimit(this.fe.timeouts));
    } else if (this.acceptProxy) {
      this.cstate = C.proxy;
      this.headDue = due(now, this.fe.timeouts.client);
    } else {
      this.headDue = due(now, requestLimit(this.fe.timeouts));
    }
    this.rearm();
    // A socket that closed before we were handed it will never emit 'close' again.
    if (client.destroyed) return this.finish();
    // After `switch-mode http`: the bytes the TCP session already read are the first request's; the TCP engine may
    // have stopped reading at its limit: read on.
    const preface = carried?.preface;
    const more = preface === undefined || preface.length === 0 || this.onRead(client, preface, preface.length);
    if (adopted && more && !client.destroyed) client.resume();
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
  protected keep(buf: Buffer, start: number, end: number): void {
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
  protected override pumpClient(): void {
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
  protected clientInput(src: Buffer, start: number, end: number): number {
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
              // A FIN before the first request's first byte is a 400 and a `CR` line for haproxy 2.6.12 (left out
              // by dontlognull); between keep-alive requests it is the end of the connection.
              if (this.clientFin) this.headWaiting ? this.earlyError(400) : this.closeClient();
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
  protected proxyHeader(src: Buffer, start: number, end: number): number {
    const r = parseProxyHeader(src.subarray(start, end));
    if (r.kind === 'incomplete') return start;
    if (r.kind !== 'ok') {
      this.proxyFailed(r.kind === 'absent' ? 'absent' : 'invalid', end - start);
      this.finish();
      return end;
    }
    this.addrs?.announce(r.addresses);
    if (this.rec !== undefined && r.addresses !== undefined) recordAnnounced(this.rec, r.addresses);
    this.cstate = C.head;
    // The first request's `timeout http-request` runs from the end of the PROXY header.
    this.headDue = due(this.now(), requestLimit(this.fe.timeouts));
    this.rearm();
    return start + r.length;
  }

  protected requestHead(src: Buffer, start: number, end: number): number {
    // A head under way across reads goes on in the session's own view, over the bytes kept in cin.
    const own = this.headView;
    const view = own ?? this.scratch.request;
    const n = own === undefined ? parseRequest(src, start, end, view, HEAD_LIMITS) : continueRequest(src, start, end, view, HEAD_LIMITS);
    if (n === HEAD.INCOMPLETE) {
      if (this.tHeadStart === 0) this.tHeadStart = this.now();
      if (this.clientFin) {
        // A client that half-closes mid-head gets haproxy 2.6.12's 400 and a `CR` <BADREQ> line (measured).
        this.earlyError(400);
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

}
