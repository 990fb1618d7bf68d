// The runtime API's listeners (HAProxy 2.6 `stats socket`, §3.1 and management guide §9.3): one net server per
// `stats socket` line, on a dup of the main thread's master socket (or bound here without the addon), each client
// served by a CliConnection at the line's `level`. `stats maxconn` bounds the clients served at once across every
// socket (a line's own `maxconn` bounds that socket too): the others wait, not read, in arrival order, as
// haproxy leaves them in its listen queue (at most MAX_WAITING of them: past that a new one is closed). Commands read
// the shared buffer; those that change state go through `relay` (main → the owning thread). Stats thread only.

import net from 'node:net';
import type { Config, StatsSocketLevel } from '../../config/model.js';
import type { ListenTarget } from '../accept/listeners.js';
import type { SharedState } from '../shared/state-buffer.js';
import type { Topology } from '../shared/topology.js';
import type { CliCommand, CliContext } from './cli-command.js';
import { CliConnection } from './cli-connection.js';
import type { CliRelayAnswer, CliRelayRequest } from './cli-relay.js';

export interface CliServerOptions {
  readonly config: Config;
  readonly state: SharedState;
  readonly topology: Topology;
  readonly threads: number;
  readonly version: string;
  readonly startedMs: number;
  /** One per `stats socket` line (core/accept/listeners.ts cliTargets), `bind` = the line's index. */
  readonly targets: readonly ListenTarget[];
  /** fds[i]: a listening socket for targets[i] this thread owns, or undefined: bind it here. */
  readonly fds?: readonly number[];
  readonly commands: readonly CliCommand[];
  readonly relay: (request: CliRelayRequest) => Promise<CliRelayAnswer>;
}

/** Clients waiting for a `stats maxconn` slot at most; more are closed at once (each holds an fd). */
export const MAX_WAITING = 1024;

interface Waiting {
  readonly socket: net.Socket;
  readonly line: number;
}

export class CliServer {
  private readonly o: CliServerOptions;
  private readonly servers: net.Server[] = [];
  private readonly live = new Set<net.Socket>();
  /** Clients served now, per `stats socket` line. */
  private readonly perLine: number[];
  private readonly waiting: Waiting[] = [];

  constructor(options: CliServerOptions) {
    this.o = options;
    this.perLine = options.config.global.statsSockets.map(() => 0);
  }

  /** Clients being served now (all sockets). */
  get active(): number {
    return this.live.size;
  }

  /** Starts accepting on every stats socket; rejects when one cannot listen. */
  async listen(): Promise<void> {
    await Promise.all(this.o.targets.map((t, i) => this.listenOne(t, this.o.fds?.[i])));
  }

  private listenOne(t: ListenTarget, fd: number | undefined): Promise<void> {
    // allowHalfOpen: `echo cmd | socat` shuts its side after the line and still reads the answer.
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.arrive(socket, t.bind));
    this.servers.push(server);
    return new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const done = (): void => {
        server.off('error', reject);
        server.on('error', () => undefined);
        resolve();
      };
      if (fd !== undefined) server.listen({ fd }, done);
      // Without the addon start-checks.ts refuses UNIX stats sockets (no socket file may exist before its mode).
      else if (t.unix !== undefined) reject(new Error(`stats socket ${t.unix.path} needs the fd-dup addon`));
      else server.listen({ host: t.address, port: t.port, backlog: t.backlog }, done);
    });
  }

  private arrive(socket: net.Socket, line: number): void {
    socket.on('error', () => socket.destroy());
    if (this.canServe(line)) return this.serve(socket, line);
    if (this.waiting.length >= MAX_WAITING) return void socket.destroy();
    const w: Waiting = { socket, line };
    this.waiting.push(w);
    socket.once('close', () => {
      const i = this.waiting.indexOf(w);
      if (i >= 0) this.waiting.splice(i, 1);
    });
  }

  private canServe(line: number): boolean {
    const own = this.o.config.global.statsSockets[line]?.maxconn;
    return this.live.size < this.o.config.global.statsMaxconn && (own === undefined || (this.perLine[line] ?? 0) < own);
  }

  private serve(socket: net.Socket, line: number): void {
    const level: StatsSocketLevel = this.o.config.global.statsSockets[line]?.level ?? 'operator';
    this.live.add(socket);
    this.perLine[line] = (this.perLine[line] ?? 0) + 1;
    const ctx: CliContext = {
      config: this.o.config,
      state: this.o.state,
      topology: this.o.topology,
      threads: this.o.threads,
      version: this.o.version,
      startedMs: this.o.startedMs,
      level,
      client: { interactive: false, experimental: false, quit: false },
      relay: this.o.relay,
    };
    new CliConnection(socket, ctx, {
      commands: this.o.commands,
      bufsize: this.o.config.global.bufsize,
      idleMs: this.o.config.global.statsTimeoutMs,
      onClose: () => {
        this.live.delete(socket);
        this.perLine[line] = (this.perLine[line] ?? 1) - 1;
        this.admitWaiting();
      },
    });
  }

  /** A slot freed: waiting clients come in, in arrival order, each once its socket is under its own limit. */
  private admitWaiting(): void {
    let i = 0;
    while (i < this.waiting.length && this.live.size < this.o.config.global.statsMaxconn) {
      const w = this.waiting[i];
      if (w === undefined) break;
      if (w.socket.destroyed) {
        this.waiting.splice(i, 1);
      } else if (this.canServe(w.line)) {
        this.waiting.splice(i, 1);
        this.serve(w.socket, w.line);
      } else {
        i++;
      }
    }
  }

  /** Stops accepting and closes every client. */
  close(): void {
    for (const s of this.servers) s.close();
    for (const s of this.live) s.destroy();
    for (const w of this.waiting.splice(0)) w.socket.destroy();
  }
}
