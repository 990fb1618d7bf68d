// The HTTP session's side of the dial (dispatch.ts ServerDial): asking for a server for the current request, reusing
// the connection the session holds or one from the thread's idle pool (`http-reuse safe`), adopting a new one (with its
// PROXY header for a `send-proxy` server), and HAProxy's 503 when none can be had. Part of the session's class chain (l7-session-state.ts). Forwarder threads.

import { serverFixedPort, serverHost } from '../shared/server-address.js';
import type net from 'node:net';
import type { ServerConfig } from '../../config/model.js';
import { OrcaError } from '../errors.js';
import { serverProxyHeader } from '../proxy-protocol/server-header.js';
import { sameAddresses } from './client-origin.js';
import type { BackendRuntime } from './backend-runtime.js';
import type { HeadView } from '../http1/head-view.js';
import { followsDestination, newDialFacts, serverPort, ServerDial, type DialHooks } from './dispatch.js';
import { dispatchTermination } from './termination.js';
import { ServerConn, type ServerUser } from './l7-server-conn.js';
import { C } from './l7-session-state.js';
import { L7SessionEnds } from './l7-session-ends.js';

export abstract class L7ServerDial extends L7SessionEnds implements DialHooks, ServerUser {
  abstract serverRead(conn: ServerConn, buf: Buffer, n: number): boolean;
  abstract serverGone(conn: ServerConn): void;
  abstract serverDrained(conn: ServerConn): void;
  /** Asks the dial for a server for the current request: C.wait until dialed() or dialFailed(). */
  protected acquireServer(key: string | undefined): void {
    const rt = this.rt as BackendRuntime;
    this.releaseSlot();
    this.cstate = C.wait;
    if (this.dial === undefined) {
      this.dial = new ServerDial(this, this.env.sweep);
      // The traffic log reads what the dial did (%rc, the blamed server of a 503).
      if (this.rec !== undefined) this.dial.facts = this.dialFacts = newDialFacts();
    }
    this.reqKey = key;
    const p = this.persist;
    // One context per session, refilled per request: the dial reads it only while this request dials.
    const ctx = (this.dialContext ??= {
      accounting: this.env.accounting,
      thread: this.env.thread,
      key: undefined,
      dstPort: undefined,
      dstAddress: undefined,
      prefer: undefined,
      preferDown: undefined,
      preferRedispatch: undefined,
    });
    ctx.key = key;
    ctx.dstPort = this.needsDstPort ? (this.addrs?.dstPort ?? this.client?.localPort) : undefined;
    ctx.dstAddress = this.needsDstPort ? (this.addrs?.dst ?? this.client?.localAddress) : undefined;
    ctx.prefer = p?.server;
    ctx.preferDown = p?.forced;
    ctx.preferRedispatch = p?.server === undefined ? undefined : p.redispatch;
    if (this.tDial === 0) this.tDial = this.now();
    // A `stick match` server is preferred as a cookie's is (a valid cookie first, as HAProxy's SF_ASSIGNED does).
    const stuck = this.stickServer;
    if (p?.server === undefined && stuck >= 0) {
      const redispatch = rt.config.options.redispatch === true;
      ctx.prefer = stuck;
      ctx.preferDown = rt.view.servers[stuck]?.isUp() !== true;
      ctx.preferRedispatch = redispatch ? (ctx.preferDown ? 'at-once' : 'on-last-retry') : 'never';
    }
    this.dial.begin(rt, ctx);
  }

  /**
   * `sni <expr>` of the backend's `ssl` servers, evaluated on the request head while it is at hand (the dial may
   * open the connection later, after a queue): one name per server, '' for none. Only for backends with `sni`.
   */
  protected requestSni(rt: BackendRuntime, view: HeadView): void {
    const names = (this.sniNames ??= []);
    names.length = 0;
    for (const tls of rt.serverTls) {
      names.push(tls?.hasSni === true ? tls.sniFor({ frontend: this.feIndex, backend: rt.index, head: view, client: this.client }) : '');
    }
  }

  /** The SNI this request wants on a connection to server `index` of the current backend ('' for none). */
  private wantedSni(rt: BackendRuntime, index: number): string {
    return rt.anySni ? (this.sniNames?.[index] ?? '') : '';
  }

  /** DialHooks: the connection this session holds to that server, or (not on the first request) a pooled one. */
  reuse(index: number): boolean {
    const rt = this.rt as BackendRuntime;
    // The stats: the slot is taken now (queue time ends, connect time starts).
    this.tSlot = this.now();
    const held = this.server;
    const sni = this.wantedSni(rt, index);
    let picked: ServerConn | undefined;
    // A TLS connection serves only requests wanting the SNI it was opened with (HAProxy 2.6 keys reuse on it).
    if (held !== undefined && held.backend === rt.index && held.index === index && !held.ended && !this.serverDirty && held.sni === sni && this.stillTrue(held)) picked = held;
    // `http-reuse safe`: a session's first request never takes a pooled connection. An idle connection of a
    // relative-port server may lead to another port than this client's: not shared.
    else if (this.transactions > 1 && !followsDestination(rt.config.servers[index] as ServerConfig)) {
      picked = this.env.idlePool.take(rt.index, index);
      // One parked before `set server B/S addr` moved the server leads to the old address: dropped.
      if (picked !== undefined && (picked.sni !== sni || !this.stillTrue(picked))) {
        picked.close();
        picked = undefined;
      }
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
    const tls = rt.serverTls[index];
    const preface = tls === undefined ? undefined : this.serverProxyHeaderFor(index);
    const conn = new ServerConn(this.env.io, this.env.sweep, address, port, rt.index, index, tls, this.wantedSni(rt, index), preface);
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
      if ((rt.config.servers[index]?.sendProxy ?? 'none') !== 'none') {
        // The PROXY header goes first, queued before the request head (SocketIo keeps the order); a TLS server's
        // went in clear before its handshake (open()).
        const a = this.addrs?.all;
        conn.proxied = true;
        conn.announced = a;
        const header = rt.serverTls[index] === undefined ? this.serverProxyHeaderFor(index) : undefined;
        if (header !== undefined) this.env.io.writeOwned(socket, header);
      }
    }
    this.slotHeld = slot;
    this.tConnected = this.now();
    // `stick store-request`: the server is known now.
    if (this.pending !== undefined) this.pending.commit(index);
    this.serverIdle = false;
    this.serverDirty = false;
    this.cstate = C.send;
    this.pumpClient();
  }

  /**
   * A held connection still fits this request: one that began with a PROXY header announces this client's current
   * addresses, and one to a server reached at the client's destination goes where it is now (set-dst may move it).
   */
  private stillTrue(conn: ServerConn): boolean {
    if (conn.proxied && !sameAddresses(conn.announced, this.addrs?.all)) return false;
    const srv = this.rt?.config.servers[conn.index];
    if (srv === undefined) return true;
    if (!followsDestination(srv)) {
      // `set server B/S addr` moved the server: a connection to where it was is not reused.
      const slot = this.rt?.serverSlots[conn.index];
      return slot === undefined || (conn.host === serverHost(slot, srv) && conn.port === serverFixedPort(slot, srv));
    }
    const ctx = this.dialContext;
    const host = srv.address === '0.0.0.0' || srv.address === '::' ? (ctx?.dstAddress ?? srv.address) : srv.address;
    return conn.host === host && conn.port === serverPort(srv, ctx?.dstPort);
  }

  /** The PROXY header server `index` asks for, announcing this client (undefined for none). Allocates. */
  private serverProxyHeaderFor(index: number): Buffer | undefined {
    const srv = this.rt?.config.servers[index];
    return srv === undefined ? undefined : serverProxyHeader(srv, this.addrs?.all, this.client);
  }

  /** DialHooks: no server (none usable, queue timeout or full, connect retries spent): HAProxy answers 503. */
  dialFailed(err: OrcaError): void {
    this.opening = undefined;
    if (this.cstate !== C.wait) return;
    if (err.code === 'ORCA_CLIENT_CLOSED') return this.closeClient();
    this.logState(dispatchTermination(err));
    this.reply(503, this.clientClose);
  }
}
