// SessionEnv: what every client session of one forwarder thread shares (the shared buffer, the backends built for
// this thread, the logger, the stop signals, the idle server connections kept for reuse, the socket I/O and deadline
// sweep), and how a session takes its client connection (adoptClient). The forwarder thread
// creates one at start (workers/forwarder.ts) and hands it to each session; tests build their own (one per harness).

import type net from 'node:net';
import type { DdbBoard } from './ddb-sessions.js';
import type { FrontendConfig } from '../../config/model.js';
import type { DeadlineSweep } from '../io/deadline-sweep.js';
import type { ReadSink, SocketIo } from '../io/socket-io.js';
import type { Logger } from '../log.js';
import type { TrafficLog } from '../log/traffic-log.js';
import type { FrontendLine } from '../log/traffic-lines.js';
import type { ConnAccounting } from '../shared/conn-accounting.js';
import type { SharedState } from '../shared/state-buffer.js';
import type { StickTables } from '../stick/stick-tables.js';
import type { FetchContext } from '../acl/fetch-context.js';
import type { TcpPrograms } from './tcp-rules/tcp-rule-program.js';
import type { BackendRuntime } from './backend-runtime.js';
import { adoptSocket } from '../accept/fd-handoff.js';
import { stampSession } from './session-registry.js';
import type { IdleServerPool } from './l7-idle-pool.js';
import type { ProxyPlans } from './l7-plans.js';

/** One forwarder thread's environment, read by its L4 and L7 sessions; nothing in it is shared across threads. */
export interface SessionEnv {
  readonly state: SharedState;
  readonly accounting: ConnAccounting;
  readonly thread: number;
  readonly frontends: readonly FrontendConfig[];
  readonly backends: readonly BackendRuntime[];
  /** Backend index by name. */
  readonly backendByName: ReadonlyMap<string, number>;
  readonly logger: Logger;
  /** The thread's traffic log (option tcplog/httplog, log-format lines); absent in tests that do not log. */
  readonly trafficLog?: TrafficLog;
  /**
   * Each frontend's traffic log line (core/log/traffic-lines.ts), by index: undefined where the frontend does not
   * log (no target or no format), and then its sessions build no record. Absent: nothing logs.
   */
  readonly logLines?: readonly (FrontendLine | undefined)[];
  /**
   * This thread's idle server connections (HAProxy's `http-reuse safe` pool): L7 sessions park a server connection
   * here after a response and later requests take it. Per thread, as the sockets belong to this thread's loop.
   */
  readonly idlePool: IdleServerPool;
  /** Aborted on hard stop: sessions still waiting for a server give up. */
  readonly stopSignal: AbortSignal;
  /**
   * Aborted on a graceful stop: HTTP sessions idle between requests are closed, and the next response tells the
   * client `connection: close` (HAProxy's soft stop). TCP sessions ignore it. Optional for tests.
   */
  readonly softStopSignal?: AbortSignal;
  /** The thread's socket factory and writer: one shared read buffer, try-write (core/io/socket-io.ts). */
  readonly io: SocketIo;
  /** The thread's one timer for every session deadline (core/io/deadline-sweep.ts). */
  readonly sweep: DeadlineSweep;
  /**
   * Every client socket a session of this thread has adopted and not yet closed: the forwarder destroys them all on
   * a hard stop. A session adds its client when it adopts it (adoptClient) and removes it when the socket closes.
   */
  readonly liveClients: Set<net.Socket>;
  /**
   * The thread's view of every stick table (core/stick/stick-tables.ts), built once at start with this thread's
   * slot when the config declares stick tables; undefined when it declares none (track-sc and the sc_/src_ fetches
   * then have nothing to read, which config load already refuses).
   */
  readonly stick: StickTables | undefined;
  /** Every proxy's compiled rules for this thread (l7-plans.ts compileProxyPlans), built once at start. */
  readonly plans: ProxyPlans;
  /**
   * Each frontend's and backend's compiled tcp-request / TCP switching rules (core/forward/tcp-rules/
   * tcp-rule-program.ts), by index; undefined entries (or none at all) mean no rules: the rule-free path. Compiled
   * once per thread.
   */
  readonly tcpPrograms?: TcpPrograms;
  /** What tcp-request content rules may see of a client's first bytes (tune.bufsize less 1024); default 15360. */
  readonly bufferLimit?: number;
  /** DolphinDB session options (issue 16): this thread's framed sessions; absent when no backend sets one. */
  readonly ddb?: DdbBoard;
}

/**
 * What a connection brings into an HTTP session when something ran on it before (runL7Session's `carried`): its
 * FetchContext (addresses, frontend, the stick counters tcp-request rules already track: the L7 session uses it
 * instead of creating one, and ends its counters when the connection closes) and, after `tcp-request content
 * switch-mode http`, the client bytes already read (`preface`: the session's first client input, before any read).
 * A connection carried from an HTTP frontend's connection rules (connection-entry.ts) still has its PROXY header to
 * read on an `accept-proxy` bind (haproxy runs connection rules before the header); one carried from a TCP session
 * never had one (config load refuses a PROXY header on a TCP frontend that hands connections to the HTTP engine).
 */
export interface CarriedConnection {
  readonly fetch: FetchContext;
  readonly preface?: Buffer;
}

/**
 * A client connection as a session receives it: an fd handed over by the acceptor (or dup'ed from a reuseport
 * listener's socket), which the session adopts with its own read sink; or, only where orcalb runs without the native
 * addon (`--accept reuseport` on Node's own listeners), the socket Node's net.Server built (SocketIo.attach).
 */
export type ClientConn = number | net.Socket;

/**
 * Adopts a client connection as this thread's socket and registers it in env.liveClients until it closes. With a
 * `sink` its reads go through the thread's SocketIo (shared read buffer): env.io.adopt for an fd, env.io.attach for a
 * socket Node built. Without one (engines not yet on SocketIo) it is a plain paused net.Socket.
 * Throws if an fd is not an open socket (the caller closes the fd and releases the admission).
 */
export function adoptClient(env: SessionEnv, conn: ClientConn, sink?: ReadSink): net.Socket {
  let client: net.Socket;
  if (sink === undefined) client = typeof conn === 'number' ? adoptSocket(conn, { allowHalfOpen: true }) : conn;
  else client = typeof conn === 'number' ? env.io.adopt(conn, sink) : env.io.attach(conn, sink);
  env.liveClients.add(client);
  (client as LiveClient)[kLiveSet] = env.liveClients;
  stampSession(env, client);
  client.on('close', forgetClient);
  return client;
}

const kLiveSet = Symbol('orcalb.liveClients');

/** A client in its thread's liveClients: the set rides on the socket, so one shared 'close' listener serves all. */
interface LiveClient extends net.Socket {
  [kLiveSet]: Set<net.Socket>;
}

function forgetClient(this: LiveClient): void {
  this[kLiveSet].delete(this);
}
