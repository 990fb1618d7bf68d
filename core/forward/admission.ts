// Global and frontend `maxconn`: a connection over the limit is held, unread, until a slot frees, as HAProxy leaves
// it in the kernel's backlog (§3.2 maxconn, §4.2 maxconn). Runs where connections are accepted (acceptor thread, or
// each forwarder in reuseport mode, where threads may overshoot the limit by at most one each).

import type net from 'node:net';
import type { Config } from '../../config/model.js';
import type { SharedState } from '../shared/state-buffer.js';

interface Held {
  readonly socket: net.Socket;
  readonly frontend: number;
  readonly admit: () => void;
}

/** How often held connections are looked at again while any are held. */
const RECHECK_MS = 5;

export class Admission {
  private readonly state: SharedState;
  private readonly config: Config;
  private readonly held: Held[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(state: SharedState, config: Config) {
    this.state = state;
    this.config = config;
  }

  /** Calls `admit` now if under both limits, else later, in arrival order. A held client that leaves is dropped. */
  offer(socket: net.Socket, frontend: number, admit: () => void): void {
    if (this.held.length === 0 && this.hasRoom(frontend)) {
      admit();
      return;
    }
    socket.on('error', () => undefined);
    this.held.push({ socket, frontend, admit });
    this.timer ??= setInterval(() => this.drain(), RECHECK_MS);
  }

  /** Drops every held connection (stopping). */
  clear(): void {
    for (const h of this.held.splice(0)) h.socket.destroy();
    this.stopTimer();
  }

  private hasRoom(frontend: number): boolean {
    const globalMax = this.config.global.maxconn;
    if (globalMax > 0 && this.state.loadGlobal('curConns') >= globalMax) return false;
    const feMax = this.config.frontends[frontend]?.maxconn ?? 0;
    return feMax === 0 || this.state.frontend(frontend).load('curConns') < feMax;
  }

  private drain(): void {
    while (this.held.length > 0) {
      const h = this.held[0] as Held;
      if (h.socket.destroyed) {
        this.held.shift();
        continue;
      }
      if (!this.hasRoom(h.frontend)) break;
      this.held.shift();
      h.admit();
    }
    if (this.held.length === 0) this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
