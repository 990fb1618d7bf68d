// Servers for health-check tests: a TCP listener on 127.0.0.1 that records every connection (first bytes, all
// bytes, how it ended), answers as a test scripts it, and can be killed and revived on the same port.
// Also a Logger that captures lines, typed Config builders so health tests need no config parser, and a shared
// buffer seeded as the main thread seeds it.

import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { BackendConfig, Config, HealthCheckConfig, ServerConfig, Timeouts } from '../../config/model.js';
import { NO_ARGS } from '../../core/balance/balancer.js';
import { initialHealth } from '../../core/health/health-counter.js';
import type { Logger, LogLevel } from '../../core/log.js';
import { writeInitialState } from '../../core/shared/initial-state.js';
import { SharedState } from '../../core/shared/state-buffer.js';
import { topologyOf, type Topology } from '../../core/shared/topology.js';
import { waitOn } from './wait.js';

export interface TargetConnection {
  readonly socket: Socket;
  /** The checker's port as seen at accept time (the socket forgets it once closed). */
  readonly peerPort: number;
  received: Buffer;
  /** 'fin' when the checker closed cleanly, 'rst' when it reset, undefined while open. */
  ended: 'fin' | 'rst' | undefined;
}

/** How a target answers: called on every chunk with everything received on that connection so far. */
export type Responder = (conn: TargetConnection, chunk: Buffer) => void;

export class CheckTarget {
  readonly connections: TargetConnection[] = [];
  readonly #events = new EventEmitter();
  readonly #respond: Responder | undefined;
  #server: Server | undefined;
  #port = 0;

  private constructor(respond: Responder | undefined) {
    this.#respond = respond;
    this.#events.setMaxListeners(0);
  }

  /** Listens on 127.0.0.1:0. `respond` undefined: accept and stay silent. */
  static async start(respond?: Responder): Promise<CheckTarget> {
    const t = new CheckTarget(respond);
    await t.revive();
    return t;
  }

  get port(): number {
    return this.#port;
  }

  /** Listens again (on the same port once one was chosen). */
  async revive(): Promise<void> {
    const server = createServer((socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    if (addr !== null && typeof addr === 'object') this.#port = addr.port;
    this.#server = server;
  }

  /** Stops listening and destroys live connections: connects are refused from now on. */
  async kill(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const c of this.connections) c.socket.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  close(): Promise<void> {
    return this.kill();
  }

  /** Resolves once `predicate` holds, re-checked on every accept, data and close; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return waitOn(this.#events, 'change', predicate, timeoutMs, what);
  }

  #accept(socket: Socket): void {
    const conn: TargetConnection = { socket, peerPort: socket.remotePort ?? 0, received: Buffer.alloc(0), ended: undefined };
    this.connections.push(conn);
    socket.on('data', (chunk: Buffer) => {
      conn.received = Buffer.concat([conn.received, chunk]);
      this.#respond?.(conn, chunk);
      this.#events.emit('change');
    });
    socket.on('end', () => {
      conn.ended ??= 'fin';
      socket.end();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') conn.ended ??= 'rst';
    });
    socket.on('close', () => this.#events.emit('change'));
    this.#events.emit('change');
  }
}

/** A port on 127.0.0.1 where nothing listens (bound once, then released). */
export async function closedPort(): Promise<number> {
  const t = await CheckTarget.start();
  const port = t.port;
  await t.close();
  return port;
}

export interface CapturedLine {
  readonly level: LogLevel;
  readonly message: string;
}

/** A Logger that keeps its lines; waitFor re-checks on every new line. */
export interface CapturedLogger extends Logger {
  readonly lines: CapturedLine[];
  messages(): string[];
  waitFor(predicate: (lines: readonly CapturedLine[]) => boolean, timeoutMs: number, what: string): Promise<void>;
}

export function captureLogger(): CapturedLogger {
  const lines: CapturedLine[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(0);
  return {
    lines,
    log(level, message) {
      lines.push({ level, message });
      events.emit('line');
    },
    close() {},
    messages: () => lines.map((l) => l.message),
    waitFor: (predicate, timeoutMs, what) => waitOn(events, 'line', () => predicate(lines), timeoutMs, what),
  };
}

const SOURCE = { file: 'test.cfg', line: 1 };

/** A server line with HAProxy's defaults (check on, inter 2s, rise 2, fall 3), overridden by `over`. */
export function serverConfig(name: string, port: number, over: Partial<ServerConfig> = {}): ServerConfig {
  const inter = over.inter ?? 2000;
  return {
    source: SOURCE, name, address: '127.0.0.1', port, weight: 1, backup: false, disabled: false, maxconn: 0,
    maxqueue: 0, check: true, inter, fastinter: inter, downinter: inter, rise: 2, fall: 3, sendProxy: 'none',
    checkSendProxy: false, slowstart: 0, ...over,
  };
}

export interface BackendSpec {
  readonly name: string;
  readonly servers: readonly ServerConfig[];
  readonly healthCheck?: HealthCheckConfig;
  readonly timeouts?: Timeouts;
  readonly section?: 'backend' | 'listen';
}

/** A Config holding only backends (what the health checker reads). */
export function healthConfig(backends: readonly BackendSpec[], bufsize = 16384): Config {
  const options = {
    redispatch: false, allbackups: false, dontlognull: false, tcplog: false, httplog: false,
    httpServerClose: false, httpKeepAlive: false, httpClose: false,
  };
  const built: BackendConfig[] = backends.map((b) => ({
    source: SOURCE, name: b.name, section: b.section ?? 'backend', mode: 'tcp',
    balance: { source: SOURCE, algorithm: 'roundrobin', args: NO_ARGS, hashType: { method: 'map-based', function: 'sdbm', avalanche: false } },
    servers: b.servers, healthCheck: b.healthCheck ?? { type: 'connect', rules: [] },
    retries: 3, timeouts: b.timeouts ?? {}, options, maxconn: 0, disabled: false,
  }));
  return {
    files: ['test.cfg'],
    global: { source: SOURCE, maxconn: 0, log: [], daemon: false, statsSockets: [], statsTimeoutMs: 10_000, statsMaxconn: 10, bufsize },
    frontends: [],
    backends: built,
  };
}

/**
 * A shared buffer for `config` with the state the main thread writes before any thread starts: servers UP at
 * health = rise (MAINT when disabled), effective weight = weight, backend totals, generation 1.
 */
export function seededState(config: Config, threads = 1): { state: SharedState; topology: Topology } {
  const topology = topologyOf(config, threads);
  const state = SharedState.allocate(topology.counts);
  // Exactly what workers/main.ts writes, so tests start from the real initial state.
  writeInitialState(config, state, topology, initialHealth);
  return { state, topology };
}
