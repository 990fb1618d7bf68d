// One client connection in mode tcp, start to end: optional `accept-proxy` header, server choice with retries and
// redispatch, the PROXY line for `send-proxy`/`send-proxy-v2`, then the byte pipe. Forwarder threads, once per
// connection (the connection-rate path). Both sockets read through the thread's SocketIo from their first byte (the
// ClientHold, then the pipe, is their sink); the socket's addresses are looked up only when the backend needs them.
// Lean on purpose (../shared/perf/README.md §4: orcalb's session objects, promises and timer were ~6 KiB of each idle
// connection): the set-up is one async method that ends once the pipe runs; an idle connection keeps only this
// small object, the pipe and the two sockets. Every failure ends in closing this client only: nothing here may throw
// into the event loop. A frontend with tcp-request or use_backend rules (tcp-rules/tcp-rule-program.ts) runs them
// in HAProxy's order: connection rules at adoption (before any byte is read; `expect-proxy layer4` then asks for the
// PROXY header), session rules once it is read, content rules over the first bytes (tcp-rules/tcp-inspection.ts),
// then use_backend; `switch-mode http` (or an HTTP backend) hands the connection to the HTTP engine with its bytes.

import type net from 'node:net';
import type { Timeouts } from '../../config/model.js';
import { OrcaError } from '../errors.js';
import type { ProxyAddresses } from '../proxy-protocol/addresses.js';
import { ProxyHeaderError, type ProxyHeaderRead } from '../proxy-protocol/parse.js';
import { serverProxyHeader } from '../proxy-protocol/server-header.js';
import type { BackendRuntime } from './backend-runtime.js';
import { announcedAddresses, headerBeforeTls, ruleAddresses } from './client-origin.js';
import { markSession, type SessionProbe } from './session-registry.js';
import { followsDestination, newDialFacts, ServerDial, type DialFacts, type DialHooks, type DispatchContext } from './dispatch.js';
import type { LogRecord } from '../log/log-record.js';
import type { FrontendLine } from '../log/traffic-lines.js';
import { endPiped, endWithoutServer, logAsap, recordAnnounced, recordDial, tcpRecord } from '../log/tcp-session-log.js';
import { ClientHold } from './l4-client-hold.js';
import { lingeringClose } from './lingering-close.js';
import { startPipe, type PipeOwner, type PipeResult } from './l4-pipe.js';
import { DdbBoard, type DdbSession } from './ddb-sessions.js';
import { pipeTimeouts, type PipeTimeouts } from './pipe-timeouts.js';
import { adoptClient, type ClientConn, type SessionEnv } from './session-env.js';
import { countTermination } from './termination.js';
import { FetchContext } from '../acl/fetch-context.js';
import { StickCounters } from '../stick/stick-counters.js';
import { runL7Session } from './l7-session.js';
import { ContentInspection, INSPECTION_GONE } from './tcp-rules/tcp-inspection.js';
import { TCP, type TcpRuleProgram, type TcpVerdict } from './tcp-rules/tcp-rule-program.js';
import { withRequestHead } from './tcp-rules/tcp-inspection.js';

const ignore = (): void => undefined;

/**
 * Who hears that a session ended: one object per thread (the forwarder's), so that a connection costs no promise,
 * resolver or closure for its end (issue 10: they stayed with every idle connection, ~0.3 KiB, and the promise
 * reactions ran per connection).
 */
export interface SessionEnds {
  /** The session is over: its client is closed and its slots are given back. Must not throw. */
  sessionEnded(): void;
}

/**
 * Serves one client connection of frontend `fe` (received on bind `bind`), handed to this thread as `conn` (the
 * session adopts it: adoptClient); `ends.sessionEnded()` once both sides are closed. Throws only when the connection
 * cannot be adopted (the caller closes it and releases its admission; `ends` is not called then). The client's
 * frontend slot must already be counted (ConnAccounting.admitClient + clientAdopted); it is released here. The
 * server slot is held for the connection's whole life (HAProxy: a TCP session is one stream).
 */
export function startL4Session(env: SessionEnv, conn: ClientConn, fe: number, bind: number, ends: SessionEnds): void {
  const frontend = env.frontends[fe];
  // A TLS connection's header was read in clear before its handshake.
  const before = typeof conn === 'number' ? undefined : headerBeforeTls(conn);
  const acceptProxy = before ?? frontend?.binds[bind]?.acceptProxy === true;
  // Reading starts at adoption: while a server is chosen the client's bytes are kept for it, and a client leaving
  // the queue is seen at once; a hard stop destroys the socket, which aborts the hold too.
  const hold = new ClientHold(env.sweep, acceptProxy, frontend?.timeouts.client);
  let client: net.Socket;
  try {
    client = adoptClient(env, conn, hold);
  } catch (e) {
    hold.release();
    throw e;
  }
  // A client reset before the pipe listens must not become an uncaught 'error'.
  client.on('error', ignore);
  hold.watch(client);
  const session = new L4Session(env, fe, client, ends, bind);
  markSession(client, session);
  const program = env.tcpPrograms?.frontends[fe];
  if (program === undefined) session.setUp(hold);
  else void session.setUpWithRules(hold, program, bind);
}

/** startL4Session as a promise (tests, the in-process harness): resolves at the end, rejects when not adopted. */
export function runL4Session(env: SessionEnv, conn: ClientConn, fe: number, bind: number): Promise<void> {
  const ended = Promise.withResolvers<void>();
  try {
    startL4Session(env, conn, fe, bind, { sessionEnded: ended.resolve });
  } catch (e) {
    ended.reject(e);
  }
  return ended.promise;
}

/** What a TCP session keeps for its whole life: enough to count its end and release its slots. */
class L4Session implements PipeOwner, DialHooks, SessionProbe {
  private readonly env: SessionEnv;
  private readonly fe: number;
  /** The bind it came in on (its index in the frontend): a connection error line names it. */
  private readonly bind: number;
  private readonly client: net.Socket;
  private readonly ends: SessionEnds;
  /** The backend and server whose slot the session holds while piping (server -1: none). */
  private rt: BackendRuntime | undefined = undefined;
  private server = -1;
  private closed = false;
  /** The connection's sticky counters (tcp-request track-sc*), ended with it. */
  private counters: StickCounters | undefined = undefined;
  /** While the dial runs: the client's hold and the addresses announced to the server (PROXY line). */
  private hold: ClientHold | undefined = undefined;
  private announced: ProxyAddresses | undefined = undefined;
  /** `option tcplog` / log-format: the frontend's line, this session's record and its dial's facts (else undefined). */
  private readonly line: FrontendLine | undefined;
  /** The session's log record; dropped once its line went (`option logasap`: at the connect). */
  private rec: LogRecord | undefined;
  private readonly facts: DialFacts | undefined;
  /** The DolphinDB framing of this session (option dolphindb-*), else undefined. */
  private ddb: DdbSession | undefined = undefined;

  /** `show sess` (session-registry.ts). */
  sessionFrontend(): number {
    return this.fe;
  }
  sessionBackend(): number {
    return this.rt?.index ?? -1;
  }
  sessionServer(): number {
    return this.server;
  }

  constructor(env: SessionEnv, fe: number, client: net.Socket, ends: SessionEnds, bind: number) {
    this.env = env;
    this.fe = fe;
    this.bind = bind;
    this.client = client;
    this.ends = ends;
    const line = env.logLines?.[fe];
    this.line = line;
    this.rec = line === undefined ? undefined : tcpRecord(line, client, env.sweep.now());
    this.facts = line === undefined ? undefined : newDialFacts();
  }

  /**
   * The rules' way in: connection rules now, the PROXY header (bind or `expect-proxy`), session rules, content
   * inspection, use_backend; then setUp() with the chosen backend, or the HTTP engine. Never rejects.
   */
  async setUpWithRules(hold: ClientHold, program: TcpRuleProgram, bind: number): Promise<void> {
    const env = this.env;
    const client = this.client;
    const frontend = env.frontends[this.fe];
    try {
      if (frontend === undefined) return this.close();
      const ctx = new FetchContext();
      ctx.frontend = this.fe;
      ctx.state = env.state;
      ctx.stickTables = env.stick;
      ctx.setSource(client.remoteAddress ?? '', client.remotePort ?? 0);
      ctx.setDestination(client.localAddress ?? '', client.localPort ?? 0);
      ctx.setClientSocket(client);
      if (program.tracks && env.stick !== undefined) this.counters = new StickCounters(env.stick);
      ctx.stickCounters = this.counters;
      let headerWait = hold.header;
      if (program.has('connection')) {
        // HAProxy: a rejected connection is closed at once, not logged, and no session is counted. A PROXY header
        // awaited for an accept-proxy bind then fails with the close: nobody reads that failure.
        const v = program.run('connection', ctx, this.counters, env.stick);
        if (this.refused(v, 'deniedConn', true)) return void headerWait?.catch(ignore);
        if (v === TCP.PROXY && headerWait === undefined) headerWait = hold.expectProxy(frontend.timeouts.client);
      }
      const header = headerWait === undefined ? undefined : await headerWait;
      const a = header?.addresses;
      if (a !== undefined) {
        // The rules after the header see the client it announces (HAProxy's session and content rules do).
        ctx.setSource(a.srcAddress, a.srcPort);
        ctx.setDestination(a.dstAddress, a.dstPort);
      }
      if (program.has('session') && this.refused(program.run('session', ctx, this.counters, env.stick), 'deniedSess')) return;
      this.counters?.countSession();
      let verdict: TcpVerdict = TCP.PASS;
      const limit = Math.max(1, env.bufferLimit ?? DEFAULT_INSPECT_LIMIT);
      if (program.has('content')) {
        const v = await new ContentInspection(program, ctx, this.counters, env.stick, hold, env.sweep, limit, frontend.timeouts.client).result;
        if (v === INSPECTION_GONE) {
          hold.release();
          return this.close();
        }
        if (this.refused(v, 'deniedReq')) return;
        verdict = v;
      }
      let be = frontend.defaultBackend === undefined ? -1 : (env.backendByName.get(frontend.defaultBackend) ?? -1);
      const switcher = program.switcher;
      if (switcher !== undefined) {
        // HAProxy runs the switching rules with final fetches: whatever the content rules waited for is there.
        ctx.setPayload(hold.inspected(), 0, hold.inspectedSize(), true);
        be = program.needsHead ? withRequestHead(ctx, () => switcher.choose(ctx)) : switcher.choose(ctx);
      }
      const rt = be < 0 ? undefined : env.backends[be];
      const beProgram = rt === undefined || verdict === TCP.SWITCH || rt.config.mode !== 'tcp' ? undefined : env.tcpPrograms?.backends[be];
      if (beProgram !== undefined) {
        // The chosen backend's own content rules, with its inspect delay (haproxy's backend inspection).
        ctx.backend = be;
        const v = await new ContentInspection(beProgram, ctx, this.counters, env.stick, hold, env.sweep, limit, frontend.timeouts.client).result;
        if (v === INSPECTION_GONE) {
          hold.release();
          return this.close();
        }
        if (v === TCP.REJECT || v === TCP.DROP) rt?.slot.add('deniedReq', 1);
        if (this.refused(v, 'deniedReq')) return;
      }
      if (rt !== undefined && (verdict === TCP.SWITCH || rt.config.mode === 'http')) {
        ctx.backend = be;
        return this.handOver(hold, ctx, bind);
      }
      if (verdict === TCP.SWITCH) {
        // switch-mode http to a TCP backend: HAProxy cannot route an HTTP stream to a TCP server either.
        hold.release();
        return this.close();
      }
      // set-src / set-dst rules: the server (PROXY line) and the source hash see what they left.
      return this.setUp(hold, be, header ?? null, ctx.addrEdits === 0 ? undefined : ruleAddresses(ctx));
    } catch (e) {
      hold.release();
      // A bad or missing PROXY header (OrcaError) closes the client quietly, as setUp() does; anything else is a bug.
      this.headerFailed(e);
      if (!(e instanceof OrcaError)) {
        env.logger.log('err', `frontend '${frontend?.name ?? this.fe}': unexpected error in tcp-request rules: ${String(e)}`);
      }
      this.close();
    }
  }

  /**
   * Ends the connection for a reject or silent-drop verdict (true), else false. A connection-rule reject is a reset
   * (`reset`), a later one a FIN, as haproxy 2.6 ends them (measured).
   */
  /** A refusing verdict closes (or resets) the client and counts in the frontend's `stat` (dcon, dses or dreq). */
  private refused(v: TcpVerdict, stat: 'deniedConn' | 'deniedSess' | 'deniedReq', reset = false): boolean {
    if (v === TCP.REJECT || v === TCP.DROP) this.env.state.frontend(this.fe).add(stat, 1);
    if (v === TCP.REJECT && !reset) {
      this.close();
      return true;
    }
    if (v === TCP.DROP || v === TCP.REJECT) {
      // silent-drop: the connection disappears without a FIN (a reset here; HAProxy also tries to keep it unseen).
      if (!this.client.destroyed) this.client.resetAndDestroy();
      this.close();
      return true;
    }
    return false;
  }

  /**
   * The HTTP upgrade (switch-mode http, or an HTTP backend): the client socket, its bytes so far and its FetchContext
   * (backend chosen, counters tracking) go to the HTTP engine, which counts and closes the connection from now on.
   */
  private handOver(hold: ClientHold, ctx: FetchContext, bind: number): void {
    const held = hold.release();
    this.closed = true;
    const counters = this.counters;
    const done = (): void => {
      // The HTTP session ends the counters it was given; ending twice is harmless (they are untracked once).
      counters?.endSession();
      this.ends.sessionEnded();
    };
    runL7Session(this.env, this.client, this.fe, bind, held.toServer === undefined ? { fetch: ctx } : { fetch: ctx, preface: held.toServer }).then(
      done,
      () => {
        this.client.destroy();
        this.env.accounting.clientClosed(this.env.thread, this.fe);
        done();
      },
    );
  }

  /**
   * PROXY header, dispatch, PROXY line, then the pipe; a failure closes the client. Never throws. `chosen`: the
   * backend index the rules chose (-1: none), with the header they already read (null: none); undefined: the
   * default backend, the header still to read. `changed`: the addresses the rules set (set-src…), if they did.
   * Only an `accept-proxy` header still to come is waited for (a promise); the rest is event-driven: this session is
   * its ServerDial's hooks (no promise, async frame or closure per connection on the connection-rate path, issue 10).
   */
  setUp(hold: ClientHold, chosen?: number, read?: ProxyHeaderRead | null, changed?: ProxyAddresses): void {
    const wait = read === undefined ? hold.header : undefined;
    if (wait === undefined) return this.dial(hold, chosen, read ?? undefined, changed);
    wait.then(
      (header) => this.dial(hold, chosen, header, changed),
      (e: unknown) => this.setUpFailed(hold, e, false),
    );
  }

  /** Chooses the backend and starts the dial; dialed() or dialFailed() follow (possibly before this returns). */
  private dial(hold: ClientHold, chosen: number | undefined, header: ProxyHeaderRead | undefined, changed: ProxyAddresses | undefined): void {
    const env = this.env;
    try {
      const frontend = env.frontends[this.fe];
      if (frontend === undefined) return this.close();
      const be = chosen !== undefined ? chosen : frontend.defaultBackend === undefined ? undefined : env.backendByName.get(frontend.defaultBackend);
      const rt = be === undefined || be < 0 ? undefined : env.backends[be];
      if (rt === undefined) {
        env.state.frontend(this.fe).add('refused', 1);
        return this.close();
      }
      const needs = needsOf(rt);
      if (this.rec !== undefined && header?.addresses !== undefined) recordAnnounced(this.rec, header.addresses);
      const announced = changed ?? (needs.addresses ? announcedAddresses(header, this.client) : header?.addresses);
      // One object of one shape per connection (no spreads): the destination only for servers reached there
      // (a relative port: dispatch.ts serverPort; an address 0.0.0.0 or ::).
      const ctx: DispatchContext = {
        accounting: env.accounting,
        thread: env.thread,
        signal: hold.signal,
        key: announced?.srcAddress,
        dstPort: needs.destination ? (announced?.dstPort ?? this.client.localPort) : undefined,
        dstAddress: needs.destination ? (announced?.dstAddress ?? this.client.localAddress) : undefined,
      };
      this.hold = hold;
      this.announced = announced;
      this.rt = rt;
      const dial = new ServerDial(this, env.sweep);
      dial.facts = this.facts;
      dial.begin(rt, ctx);
    } catch (e) {
      this.setUpFailed(hold, e, false);
    }
  }

  /** A PROXY header that failed (`e` a ProxyHeaderError): HAProxy's connection error line, when the frontend logs. */
  private headerFailed(e: unknown): void {
    if (e instanceof ProxyHeaderError && this.rec !== undefined) this.line?.connectionError(this.rec, e.connError, this.bind, this.env.sweep.now());
  }

  /** DialHooks: a TCP session never holds a server connection before its dial. */
  reuse(): boolean {
    return false;
  }

  /** DialHooks: a server socket reading through the thread's SocketIo into the hold from its first byte. */
  open(address: string, port: number, index: number): net.Socket {
    const tlsClient = this.rt?.serverTls[index];
    if (tlsClient === undefined) return this.env.io.connect({ host: address, port }, this.hold as ClientHold);
    // `ssl`: the handshake is part of the connect (the dial waits for it); `sni` reads the client's connection. The
    // PROXY header goes in clear before the ClientHello, as haproxy sends it.
    const sni = tlsClient.hasSni ? tlsClient.sniFor({ frontend: this.fe, backend: this.rt?.index ?? -1, client: this.client }) : '';
    const srv = this.rt?.config.servers[index];
    const preface = srv === undefined ? undefined : serverProxyHeader(srv, this.announced, this.client);
    return tlsClient.connect(this.env.io, { host: address, port }, this.hold as ClientHold, sni, preface);
  }

  /** DialHooks: a slot of `server` is taken and `socket` connected: the PROXY line, then the pipe. */
  dialed(server: number, socket: net.Socket | undefined): void {
    const env = this.env;
    const hold = this.hold as ClientHold;
    const rt = this.rt as BackendRuntime;
    const announced = this.announced;
    this.hold = undefined;
    this.announced = undefined;
    this.server = server;
    if (this.rec !== undefined && this.facts !== undefined) {
      recordDial(this.rec, this.facts, rt, env.sweep.now());
      if (this.line?.logasap === true) {
        logAsap(this.line, this.rec, rt, env.sweep.now());
        this.rec = undefined;
      }
    }
    try {
      // reuse() is always false: a socket always comes.
      if (socket === undefined) throw new OrcaError('ORCA_INTERNAL', 'dial ended without a socket');
      const frontend = env.frontends[this.fe];
      if (frontend === undefined) throw new OrcaError('ORCA_INTERNAL', 'frontend gone');
      const held = hold.release();
      const srv = rt.config.servers[server];
      // A TLS server's header went before its handshake (open()).
      const header = srv === undefined || rt.serverTls[server] !== undefined ? undefined : serverProxyHeader(srv, announced, this.client);
      if (header !== undefined) env.io.writeOwned(socket, header);
      const board = env.ddb;
      const ddb = board !== undefined && DdbBoard.wants(rt) ? board.open(rt, server) : undefined;
      this.ddb = ddb;
      const pipe = startPipe(
        env,
        {
          client: this.client,
          server: socket,
          timeouts: timeoutsOf(frontend.timeouts, rt.config.timeouts),
          // Batched per loop turn (core/shared/stat-batch.ts): a plain add per read instead of a BigInt Atomics add.
          counters: rt.serverSlots[server]?.later,
          frontendCounters: env.state.frontend(this.fe).later,
          toServer: held.toServer,
          toClient: held.toClient,
          clientStopped: held.clientStopped,
          serverStopped: held.serverStopped,
          framing: ddb?.framing,
        },
        this,
      );
      if (ddb !== undefined && this.ddb === ddb) ddb.pipe = pipe;
    } catch (e) {
      // A server connection the pipe never took (a PROXY line that could not be built) is closed with the session.
      socket?.destroy();
      this.setUpFailed(hold, e, false);
    }
  }

  /** DialHooks: no server (none usable, queue timeout or full, connect retries spent), already counted. */
  dialFailed(err: OrcaError): void {
    const hold = this.hold as ClientHold;
    this.hold = undefined;
    this.announced = undefined;
    this.setUpFailed(hold, err, true);
  }

  /**
   * The set-up failed (`dispatching`: the dial did): the hold and any slot taken are given back and the client is
   * closed. Never throws.
   */
  private setUpFailed(hold: ClientHold, e: unknown, dispatching: boolean): void {
    const env = this.env;
    try {
      hold.release();
      if (!dispatching) this.headerFailed(e);
      // Only a throw after dispatch can find a slot taken (the pipe itself throws nothing): give it back.
      this.releaseServer();
      if (!(e instanceof OrcaError)) {
        const frontend = env.frontends[this.fe];
        env.logger.log('err', `frontend '${frontend?.name ?? this.fe}': unexpected error in a session: ${String(e)}`);
      } else if (e.code === 'ORCA_NO_SERVER') {
        env.state.frontend(this.fe).add('refused', 1);
      }
      // No server (none usable, queue timeout or full, connect retries spent): HAProxy closes with a FIN after
      // reading what the client sent, never a reset (measured on 2.6.12). A client that is gone is simply dropped.
      if (dispatching && this.line !== undefined && this.rec !== undefined && this.facts !== undefined && this.rt !== undefined) {
        endWithoutServer(this.line, this.rec, this.facts, this.rt, e, env.sweep.now());
      }
      if (dispatching && !(e instanceof OrcaError && e.code === 'ORCA_CLIENT_CLOSED')) {
        lingeringClose(this.client, env.io).then(
          () => this.close(),
          () => this.close(),
        );
        return;
      }
    } catch {
      // Counting or logging failed: the client is still closed below.
    }
    this.close();
  }
  /** PipeOwner: the stats counters of how it ended (cli_abrt, srv_abrt, eresp, eint), then the slots go back. */
  onPipeEnd(result: PipeResult): void {
    try {
      if (this.ddb !== undefined) {
        if (this.rec !== undefined) this.rec.ddbErr = this.ddb.lastError;
        this.env.ddb?.ended(this.ddb);
        this.ddb = undefined;
      }
      // Tracked entries count the session's bytes when it ends, as haproxy 2.6 counts a forwarded TCP stream's
      // (measured: bytes on a connection still open are not in bytes_in_rate yet).
      if (this.counters !== undefined) countStickBytes(this.counters, result.bytesIn, result.bytesOut);
      if (this.rt !== undefined) countTermination(result.termination, this.rt.slot, this.rt.serverSlots[this.server]);
    } finally {
      this.releaseServer();
      // The line goes with the frontend's connection still counted (%fc), the server's slot back (%sc).
      if (this.line !== undefined && this.rec !== undefined && this.rt !== undefined) {
        endPiped(this.line, this.rec, this.rt, result.termination, result.bytesOut, result.bytesIn, this.env.sweep.now());
      }
      this.close();
    }
  }

  private releaseServer(): void {
    const rt = this.rt;
    if (rt === undefined || this.server < 0) return;
    this.env.accounting.serverClosed(this.env.thread, rt.index, rt.serverSlotIndexes[this.server] ?? 0);
    this.server = -1;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.counters?.endSession();
    this.client.destroy();
    this.env.accounting.clientClosed(this.env.thread, this.fe);
    this.ends.sessionEnded();
  }
}

/** Default inspection limit: HAProxy's tune.bufsize (16384) less its tune.maxrewrite reserve (1024). */
const DEFAULT_INSPECT_LIMIT = 16384 - 1024;

/** bytes_in/bytes_out of the tracked entries at the pipe's end, in steps StickCounters.countBytes takes (< 2^31). */
function countStickBytes(counters: StickCounters, bytesIn: number, bytesOut: number): void {
  const STEP = 0x40000000;
  let i = bytesIn;
  let o = bytesOut;
  // Bounded: 64 steps of 2^30 bytes each is more than any session moves.
  for (let k = 0; k < 64 && (i > 0 || o > 0); k++) {
    const di = Math.min(i, STEP);
    const dout = Math.min(o, STEP);
    counters.countBytes(di, dout);
    i -= di;
    o -= dout;
  }
}

/** What a backend's sessions need of the client's addresses, read once per backend and thread (not per connection). */
interface AddressNeeds {
  /** Before it has a server: a hashing balancer (the source address is its key), a relative port, or a PROXY line. */
  readonly addresses: boolean;
  /** A server is reached where the client connected (a relative port, or an address 0.0.0.0 or ::). */
  readonly destination: boolean;
  /** The backend's serverSet these were read at (`add server` may bring a send-proxy or relative-port server). */
  readonly serverSet: number;
}

const addressNeeds = new WeakMap<BackendRuntime, AddressNeeds>();

function needsOf(rt: BackendRuntime): AddressNeeds {
  let needs = addressNeeds.get(rt);
  if (needs === undefined || needs.serverSet !== rt.serverSet) {
    const live = rt.config.servers.filter((s) => s.retired !== true);
    const destination = live.some((s) => followsDestination(s));
    needs = { destination, addresses: rt.bindsByKey || destination || live.some((s) => s.sendProxy !== 'none'), serverSet: rt.serverSet };
    addressNeeds.set(rt, needs);
  }
  return needs;
}

/** Pipe timeouts per (frontend, backend) pair, built once: every session of the pair shares the object. */
const timeoutPairs = new WeakMap<Timeouts, WeakMap<Timeouts, PipeTimeouts>>();

function timeoutsOf(frontend: Timeouts, backend: Timeouts): PipeTimeouts {
  let byBackend = timeoutPairs.get(frontend);
  if (byBackend === undefined) {
    byBackend = new WeakMap();
    timeoutPairs.set(frontend, byBackend);
  }
  let t = byBackend.get(backend);
  if (t === undefined) {
    t = pipeTimeouts(frontend, backend);
    byBackend.set(backend, t);
  }
  return t;
}
