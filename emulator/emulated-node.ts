// An emulated DolphinDB data node for the demo and the tests (protocol notes §11): one TCP port carrying the binary
// API, HTTP, the JSON API and WebSocket, behind an optional PROXY header, with knobs for reported load, limits,
// delays and failures, and counters of what it saw. Runs on the thread that starts it (a test, the demo, ddb-node).

import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { ProxyAddresses } from '../core/proxy-protocol/addresses.js';
import type { NodeFacts } from './builtin-functions.js';
import { sortConnection } from './connection-sorter.js';
import type { ClusterRoster } from './controller-roster.js';
import { createHttpSide, type HttpSide } from './http-side.js';
import { serveBinary } from './binary-side.js';
import { NodeKnobs, type FailureMode, type KnobSettings, type LoadFigures } from './node-knobs.js';
import { clientOf, type ConnectionRecord, type NodeRuntime, type ProxyMode } from './node-runtime.js';
import { Session } from './session.js';

export interface EmulatedNodeOptions extends KnobSettings {
  /** Node alias, e.g. `node1`: shown on the page, by getNodeAlias() and in getClusterPerf(). */
  readonly name: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** PROXY header handling, default 'auto'. */
  readonly proxy?: ProxyMode;
  /** user → password; default { admin: '123456' } (DolphinDB's default account). */
  readonly users?: Readonly<Record<string, string>>;
  /** version() text; the first word must look like X.YY.Z for the C++ and Java clients. */
  readonly version?: string;
  /** isClientAuth(): when true, scripts need a login first. Default false. */
  readonly clientAuth?: boolean;
  /** Set: the node is a controller (`--role controller`) and getClusterPerf() reports this cluster. */
  readonly cluster?: ClusterRoster;
}

export interface EmulatedNodeCounters {
  /** Connections accepted since start. */
  readonly connections: number;
  /** Connections open now. */
  readonly liveConnections: number;
  /** PROXY headers read and stripped. */
  readonly proxyHeaders: number;
  /** Connections closed for their PROXY header (missing with require, present with forbid, malformed). */
  readonly proxyRejected: number;
  /** DolphinDB requests received (binary, WebSocket, JSON API). */
  readonly requests: number;
  /** HTTP requests received (pages, JSON API, WebSocket upgrades). */
  readonly httpRequests: number;
}

export const DEFAULT_VERSION = '3.00.2 2024.09.20 LINUX x86_64';
/** How many connection records are kept for inspection; older ones are dropped first. */
const RECORDS_KEPT = 1000;
const JSON_SESSIONS_KEPT = 1000;

export class EmulatedNode {
  readonly name: string;
  readonly host: string;
  /** The cluster this node reports when it is a controller; undefined for a data node. */
  readonly cluster: ClusterRoster | undefined;
  private boundPort = 0;
  private listener: Server | undefined;
  private readonly knobs: NodeKnobs;
  private readonly proxyMode: ProxyMode;
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<Session>();
  private readonly jsonSessions = new Map<string, Session>();
  private readonly records: ConnectionRecord[] = [];
  private readonly abort = new AbortController();
  private readonly http: HttpSide;
  private readonly runtime: NodeRuntime;
  private count = { connections: 0, proxyHeaders: 0, proxyRejected: 0, requests: 0, httpRequests: 0 };

  /** Use startEmulatedNode(); the constructor does not listen. */
  constructor(options: EmulatedNodeOptions) {
    this.name = options.name;
    this.host = options.host ?? '127.0.0.1';
    this.cluster = options.cluster;
    this.boundPort = options.port ?? 0;
    this.proxyMode = options.proxy ?? 'auto';
    this.knobs = new NodeKnobs(options);
    const self = this;
    const facts: NodeFacts = {
      name: this.name,
      host: this.host,
      get port() { return self.boundPort; },
      version: options.version ?? DEFAULT_VERSION,
      users: new Map(Object.entries(options.users ?? { admin: '123456' })),
      clientAuth: options.clientAuth ?? false,
      load: () => this.knobs.snapshot(this.sockets.size),
      perfValues: () => this.knobs.perfValues,
      sessions: () => [...this.sessions].map((s) => ({ sid: s.sid, user: s.user, remoteIP: s.remoteIP, remotePort: s.remotePort })),
      ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
    };
    this.runtime = {
      name: this.name,
      facts,
      knobs: this.knobs,
      signal: this.abort.signal,
      openSession: (record) => { const s = new Session(facts, clientOf(record)); this.sessions.add(s); return s; },
      closeSession: (s) => { this.sessions.delete(s); },
      jsonSession: (sid, record) => this.jsonSession(sid, record, facts),
      countRequest: () => { this.count.requests++; },
      countHttpRequest: () => { this.count.httpRequests++; },
    };
    this.http = createHttpSide(this.runtime);
  }

  get port(): number {
    return this.boundPort;
  }

  address(): AddressInfo {
    return { address: this.host, family: this.host.includes(':') ? 'IPv6' : 'IPv4', port: this.boundPort };
  }

  counters(): EmulatedNodeCounters {
    return { ...this.count, liveConnections: this.sockets.size };
  }

  /** The most recent connections (up to 1000), oldest first, with the PROXY header each one carried. */
  connections(): readonly ConnectionRecord[] {
    return this.records;
  }

  /** Source/destination of every PROXY header seen on the kept records (UNKNOWN/LOCAL headers omitted). */
  proxyAddresses(): ProxyAddresses[] {
    return this.records.flatMap((r) => (r.proxy?.addresses === undefined ? [] : [r.proxy.addresses]));
  }

  /** Merges load figures into what getPerf/getClusterPerf report; throws RangeError for negative or NaN values. */
  setLoad(figures: Partial<LoadFigures>): void { this.knobs.setLoad(figures); }
  /** Connections accepted past `n` get S00006 on their first request (already open ones are not affected). */
  setMaxConnections(n: number): void { this.knobs.setMaxConnections(n); }
  /** Milliseconds to wait before answering each request, from the next request on. */
  setDelay(ms: number): void { this.knobs.setDelay(ms); }
  /** getPerf() values as a DOUBLE vector or an ANY vector of DOUBLE scalars. */
  setPerfValues(form: 'double' | 'any'): void { this.knobs.setPerfValues(form); }

  /** Switches the failure mode. Entering 'refuse' closes the listener; leaving it listens again on the same port. */
  async setFailure(mode: FailureMode): Promise<void> {
    this.knobs.setFailure(mode);
    if (mode === 'refuse' && this.listener !== undefined) {
      // Not awaited: close() calls back only once every open connection ends, and those keep working.
      this.listener.close();
      this.listener = undefined;
    } else if (mode !== 'refuse' && this.listener === undefined && !this.abort.signal.aborted) {
      await this.listen();
    }
  }

  /** Binds the port (used by startEmulatedNode and when leaving 'refuse'). Rejects with the bind error. */
  async listen(): Promise<void> {
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.boundPort, host: this.host }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => { /* a running listener's errors end nothing but its own accepts */ });
    this.boundPort = (server.address() as AddressInfo).port;
    this.listener = server;
  }

  /** Stops listening and destroys every connection; resolves when the listener is closed. Idempotent. */
  async close(): Promise<void> {
    this.abort.abort();
    const listener = this.listener;
    this.listener = undefined;
    for (const s of this.sockets) s.destroy();
    this.http.close();
    if (listener !== undefined) await new Promise<void>((resolve) => listener.close(() => resolve()));
  }

  private jsonSession(sid: string, record: ConnectionRecord, facts: NodeFacts): Session {
    const known = this.jsonSessions.get(sid);
    if (known !== undefined) return known;
    const session = new Session(facts, clientOf(record));
    session.run({ api: 'API', sessionId: session.sid, flags: 0, body: { kind: 'connect' } });
    this.jsonSessions.set(session.sid, session);
    // JSON API sessions outlive connections; keep a bounded number, dropping the oldest.
    if (this.jsonSessions.size > JSON_SESSIONS_KEPT) {
      const oldest = this.jsonSessions.keys().next().value;
      if (oldest !== undefined) this.jsonSessions.delete(oldest);
    }
    return session;
  }

  private accept(socket: Socket): void {
    socket.on('error', () => { /* a peer's reset must not reach the process: the 'close' event cleans up */ });
    this.count.connections++;
    this.sockets.add(socket);
    const record: ConnectionRecord = {
      id: this.count.connections,
      peerAddress: socket.remoteAddress ?? '',
      peerPort: socket.remotePort ?? 0,
      proxy: undefined,
      proxyRejected: undefined,
      protocol: 'none',
      overLimit: this.sockets.size > this.knobs.maxConnections,
    };
    this.records.push(record);
    if (this.records.length > RECORDS_KEPT) this.records.shift();
    socket.on('close', () => { this.sockets.delete(socket); });
    if (this.knobs.failure === 'reset') { socket.destroy(); return; }
    sortConnection(socket, this.proxyMode, {
      proxy: (version, addresses) => {
        this.count.proxyHeaders++;
        record.proxy = { version, addresses };
      },
      reject: (reason, asHttp) => {
        this.count.proxyRejected++;
        record.proxyRejected = reason;
        if (asHttp) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        else socket.destroy();
      },
      binary: (first) => serveBinary(socket, first, record, this.runtime),
      http: (first) => this.http.handOver(socket, first, record),
    });
  }
}

/**
 * Starts an emulated data node listening on options.host:options.port (default 127.0.0.1, any free port).
 * Rejects with the bind error (e.g. EADDRINUSE). Throws RangeError for nonsense knob values. Started with
 * failure 'refuse', it does not listen until setFailure moves away from 'refuse' (port 0 then picks a port).
 */
export async function startEmulatedNode(options: EmulatedNodeOptions): Promise<EmulatedNode> {
  const node = new EmulatedNode(options);
  if (options.failure !== 'refuse') await node.listen();
  return node;
}
