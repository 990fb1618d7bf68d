// What a rule's sample fetches may read of one connection and its current request (HAProxy's stream as seen by
// smp_fetch_*): the connection's addresses and ports as core/net bytes, the frontend and backend indexes, the shared
// buffer for live counts and server states, the bytes received so far (tcp-request content, req.payload, ddb.proto,
// req.ssl_sni) and the request's HeadView (L7). Sessions own one per connection (or one per thread, refilled) and
// update its fields in place; fetches only read it. Forwarder threads, hot path: filling and reading allocate nothing.

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { HeadView } from '../http1/head-view.js';
import { readAddress } from '../net/ip-address.js';
import type { SharedState } from '../shared/state-buffer.js';
import type { StickCounters } from '../stick/stick-counters.js';
import type { StickTables } from '../stick/stick-tables.js';
import { SampleArena } from './sample.js';
import { VarStore } from './vars.js';

const EMPTY = Buffer.alloc(0);

// One arena per thread (module instances are per thread): rules are evaluated synchronously, one at a time.
let threadArena: SampleArena | undefined;

/** The calling thread's converter arena (created on first use, then reused). */
export function sharedArena(): SampleArena {
  threadArena ??= new SampleArena();
  return threadArena;
}

/**
 * One connection's facts for the fetches. Fields are public and mutable: the session sets them as it learns them
 * (addresses at accept, the backend once chosen, payload bytes as they arrive, the head once parsed).
 */
export class FetchContext {
  /** 4 or 6 once set; 0 for a UNIX socket client (src then fails, as HAProxy's does for AF_UNIX). */
  srcFamily: 0 | 4 | 6 = 0;
  /** IPv4 in bytes 0-3, IPv6 in 0-15 (network order). */
  readonly src = new Uint8Array(16);
  srcPort = 0;
  dstFamily: 0 | 4 | 6 = 0;
  readonly dst = new Uint8Array(16);
  dstPort = 0;
  /**
   * How many times a rule changed the addresses above (set-src, set-dst and their ports): 0 while they are the
   * connection's own. Whoever derives something from them (client-origin.ts ruleAddresses) rebuilds it when this moves.
   */
  addrEdits = 0;

  /** The client's TLS socket on an ssl bind (the ssl_* fetches read it: core/acl/fetch-ssl.ts); undefined when plain. */
  tls: TLSSocket | undefined = undefined;

  /** Index in Config.frontends of the proxy that accepted the connection. */
  frontend = -1;
  /** Index in Config.backends once one is chosen (use_backend / default_backend), else -1. */
  backend = -1;
  /** Live counts and server states (fe_conn, be_conn, nbsrv, srv_is_up, connslots, queue). */
  state: SharedState | undefined = undefined;
  /** The thread's stick tables and this connection's tracked counters (sc_*, src_*, table_*: core/acl/fetch-stick.ts). */
  stickTables: StickTables | undefined = undefined;
  stickCounters: StickCounters | undefined = undefined;

  /** The request bytes received so far (tcp-request content inspection): buf[payloadStart, payloadEnd). */
  payload: Buffer = EMPTY;
  payloadStart = 0;
  payloadEnd = 0;
  /**
   * No more request bytes will be waited for: the inspect delay is over, the buffer is full, or the client shut its
   * side. While false, a fetch short of bytes answers "not yet" (HAProxy's SMP_F_MAY_CHANGE).
   */
  payloadFinal = true;
  /** The tcp-request inspect-delay has expired (wait_end). */
  waitEnded = false;

  /** The parsed request head (HTTP mode, or a TCP stream switched to HTTP); undefined before one is parsed. */
  head: HeadView | undefined = undefined;
  /**
   * The response head while its rules run (http-response, http-after-response: status, res.hdr, and `hdr` there);
   * undefined during the request's. The session sets it before the response sets run.
   */
  response: HeadView | undefined = undefined;

  /** The connection's variables (set-var, var()): sess ones live with the connection, the others per request. */
  readonly vars = new VarStore();

  /** Where converters write; the thread's arena unless a test gives its own. */
  arena: SampleArena = sharedArena();

  /**
   * Sets the client address from its text as Node reports it ('127.0.0.1', '::ffff:10.0.0.1', 'fe80::1%eth0');
   * anything else (a UNIX path) leaves srcFamily 0. Allocates nothing.
   */
  setSource(address: string, port: number): void {
    this.srcFamily = readAddress(address, this.src);
    this.srcPort = port;
  }

  /** Records the client socket's TLS side when it has one (an ssl bind's connection); a plain socket leaves none. */
  setClientSocket(socket: Socket): void {
    this.tls = (socket as Socket & { encrypted?: boolean }).encrypted === true ? (socket as TLSSocket) : undefined;
  }

  /** Sets the address the client connected to (the frontend's side), as setSource. */
  setDestination(address: string, port: number): void {
    this.dstFamily = readAddress(address, this.dst);
    this.dstPort = port;
  }

  /**
   * The connection's addresses while the current request's rules have changed them (src, dst, then srcPort, dstPort,
   * srcFamily, dstFamily), put back by clearRequest(); allocated on the first such change of the connection.
   */
  private saved: Uint8Array | undefined = undefined;
  private savedPorts: Uint32Array | undefined = undefined;
  private requestChanged = false;

  /**
   * `set-src` / `set-dst`: the client's (or destination's, `dst`) address becomes `bytes` (4 or 16 of them, by
   * `family`); its port stays, as in HAProxy 2.6. `request`: an http-request (or tcp-request content) rule, whose change
   * lasts for the current request only (haproxy 2.6.12 changes the stream's addresses: the next request of a
   * keep-alive connection has the connection's again, measured); else a connection or session rule's, for good.
   * Allocates nothing after the connection's first request-level change.
   */
  changeAddress(dst: boolean, family: 4 | 6, bytes: Uint8Array, request: boolean): void {
    if (request) this.keepConnectionAddresses();
    const to = dst ? this.dst : this.src;
    const n = family === 4 ? 4 : 16;
    for (let i = 0; i < n; i++) to[i] = bytes[i] ?? 0;
    if (dst) this.dstFamily = family;
    else this.srcFamily = family;
    this.addrEdits++;
  }

  /** `set-src-port` / `set-dst-port`: nothing when that side has no IP address (a UNIX client), as in HAProxy. */
  changePort(dst: boolean, port: number, request: boolean): void {
    if ((dst ? this.dstFamily : this.srcFamily) === 0) return;
    if (request) this.keepConnectionAddresses();
    if (dst) this.dstPort = port;
    else this.srcPort = port;
    this.addrEdits++;
  }

  /** Before the request's first change: the connection's addresses, to be put back when the request ends. */
  private keepConnectionAddresses(): void {
    if (this.requestChanged) return;
    this.requestChanged = true;
    const saved = (this.saved ??= new Uint8Array(32));
    const ports = (this.savedPorts ??= new Uint32Array(4));
    saved.set(this.src, 0);
    saved.set(this.dst, 16);
    ports[0] = this.srcPort;
    ports[1] = this.dstPort;
    ports[2] = this.srcFamily;
    ports[3] = this.dstFamily;
  }

  /** Points the payload fetches at buf[start, end); `final` as payloadFinal. */
  setPayload(buf: Buffer, start: number, end: number, final: boolean): void {
    this.payload = buf;
    this.payloadStart = start;
    this.payloadEnd = end;
    this.payloadFinal = final;
  }

  /** Forgets the request (between two requests of a keep-alive connection): the connection facts stay. */
  clearRequest(): void {
    this.head = undefined;
    this.response = undefined;
    this.payload = EMPTY;
    this.payloadStart = 0;
    this.payloadEnd = 0;
    this.payloadFinal = true;
    this.waitEnded = false;
    this.vars.endTransaction();
    if (this.requestChanged) {
      // The request's set-src… end with it: the connection's own addresses are back.
      this.requestChanged = false;
      const saved = this.saved as Uint8Array;
      const ports = this.savedPorts as Uint32Array;
      this.src.set(saved.subarray(0, 16));
      this.dst.set(saved.subarray(16, 32));
      this.srcPort = ports[0] ?? 0;
      this.dstPort = ports[1] ?? 0;
      this.srcFamily = (ports[2] ?? 0) as 0 | 4 | 6;
      this.dstFamily = (ports[3] ?? 0) as 0 | 4 | 6;
      this.addrEdits++;
    }
  }
}
