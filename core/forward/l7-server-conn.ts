// One connection from the HTTP engine to a server (HAProxy 2.6's server-side connection, reused per `http-reuse
// safe`): its socket reads through the thread's SocketIo into the session using it, or, while it idles in the thread's
// pool (l7-idle-pool.ts), into nothing — a parked server that speaks or closes is dropped. Forwarder threads.
//
// The connection is its socket's read sink and carries its own state, so moving it between a session and the pool
// changes one field: no listener is added or removed per request (shared handler functions, ../shared/perf §5).

import type net from 'node:net';
import type { DeadlineSweep } from '../io/deadline-sweep.js';
import type { ReadSink, SocketIo } from '../io/socket-io.js';
import type { ProxyAddresses } from '../proxy-protocol/addresses.js';
import type { ServerTlsClient } from '../tls/server-tls.js';

/** What a session using a server connection is told. Each call is guarded by the session itself (never throws). */
export interface ServerUser {
  /** n bytes at buf[0, n) (the shared read buffer, valid until return). False: stop reading this server for now. */
  serverRead(conn: ServerConn, buf: Buffer, n: number): boolean;
  /** The server sent its FIN, reset, or the socket closed: the first of these, once. */
  serverGone(conn: ServerConn): void;
  /** Everything queued to the server has reached the kernel. */
  serverDrained(conn: ServerConn): void;
}

/** Where a parked connection goes back to when it must leave the pool (l7-idle-pool.ts). */
export interface ConnPark {
  drop(conn: ServerConn): void;
}

const kConn = Symbol('orcalb.serverConn');

interface ConnSocket extends net.Socket {
  [kConn]: ServerConn;
}

function onConnEnd(this: ConnSocket): void {
  this[kConn].gone();
}
function onConnClose(this: ConnSocket): void {
  this[kConn].gone();
}
function onConnDrain(this: ConnSocket): void {
  this[kConn].user?.serverDrained(this[kConn]);
}
function onConnError(): void {
  // 'close' follows an error; the session learns of it there.
}

/** A server connection of backend `backend`, server `index`. Built connecting (SocketIo.connect); see attach(). */
export class ServerConn implements ReadSink {
  readonly backend: number;
  readonly index: number;
  /** Where it was opened to (a server reached at the client's destination differs per client). */
  readonly host: string;
  readonly port: number;
  readonly socket: net.Socket;
  /** The session using it; undefined while parked (or dropped). */
  user: ServerUser | undefined = undefined;
  /** The server's FIN, a reset or a close was seen: never reusable. */
  ended = false;
  /** The pool holding it while parked, and since when (the sweep's clock). */
  park: ConnPark | undefined = undefined;
  parkedAt = 0;
  readonly sweep: DeadlineSweep;
  /**
   * `send-proxy`/`send-proxy-v2`: the connection began with a PROXY header announcing these addresses, so it serves
   * only requests of that client while they stay the same (set-src may change them); never pooled.
   */
  proxied = false;
  announced: ProxyAddresses | undefined = undefined;

  /** The SNI sent on a TLS connection ('' for none, and for plain TCP): it serves only requests wanting the same. */
  readonly sni: string;

  /** `tls`: the server's TLS client on this thread (`ssl`), sending `sni` ('' for none) after `preface` (a PROXY header). */
  constructor(io: SocketIo, sweep: DeadlineSweep, host: string, port: number, backend: number, index: number, tls?: ServerTlsClient, sni = '', preface?: Buffer) {
    this.backend = backend;
    this.index = index;
    this.host = host;
    this.port = port;
    this.sweep = sweep;
    this.sni = sni;
    this.socket = tls === undefined ? io.connect({ host, port }, this) : tls.connect(io, { host, port }, this, sni, preface);
    (this.socket as ConnSocket)[kConn] = this;
  }

  /** Once connected: the connection's own listeners (the dial removed its own). */
  attach(): void {
    const s = this.socket;
    s.on('end', onConnEnd);
    s.on('close', onConnClose);
    s.on('drain', onConnDrain);
    s.on('error', onConnError);
  }

  /** Hands the socket over (a tunnel's pipe adds its own listeners and read sink): ours are removed. */
  detach(): void {
    const s = this.socket;
    s.off('end', onConnEnd);
    s.off('close', onConnClose);
    s.off('drain', onConnDrain);
    s.off('error', onConnError);
    this.user = undefined;
    this.ended = true;
  }

  onRead(_socket: net.Socket, buf: Buffer, n: number): boolean {
    const user = this.user;
    if (user !== undefined) return user.serverRead(this, buf, n);
    // A parked server that sends anything is out of step with its requests: haproxy 2.6.12 never reuses it.
    this.close();
    return false;
  }

  /** First FIN / close: tells the user, or leaves the pool. */
  gone(): void {
    if (this.ended) return;
    this.ended = true;
    const user = this.user;
    if (user !== undefined) user.serverGone(this);
    else this.close();
  }

  /** Closes the connection for good (out of any pool, no user told). Idempotent. */
  close(): void {
    this.user = undefined;
    this.ended = true;
    const park = this.park;
    this.park = undefined;
    park?.drop(this);
    if (!this.socket.destroyed) this.socket.destroy();
  }
}
