// Idle timeouts of a TCP-mode session: which HAProxy 2.6 timeout applies to each side, and one lazy timer per session.
// Manual §4.2 `timeout client|server|tunnel|client-fin|server-fin`; the rules are spelled out in l4-pipe.ts's header.
// Runs on forwarder threads, one IdleWatch per forwarded connection.

import type { Timeouts } from '../../config/model.js';
import { systemClock, type Clock } from '../health/scheduler.js';

/** Milliseconds; undefined = not set (HAProxy: no limit, or the next timeout in the fallback chain). */
export interface PipeTimeouts {
  client?: number;
  server?: number;
  clientFin?: number;
  serverFin?: number;
  tunnel?: number;
}

export const PipeSide = { client: 0, server: 1 } as const;
export type PipeSide = (typeof PipeSide)[keyof typeof PipeSide];

/**
 * Picks a session's timeouts from its two proxies the way HAProxy does: `client` and `client-fin` belong to the
 * frontend, `server`, `server-fin` and `tunnel` to the backend. Pure, any thread.
 */
export function pipeTimeouts(frontend: Timeouts, backend: Timeouts): PipeTimeouts {
  const t: PipeTimeouts = {};
  if (frontend.client !== undefined) t.client = frontend.client;
  if (frontend.clientFin !== undefined) t.clientFin = frontend.clientFin;
  if (backend.server !== undefined) t.server = backend.server;
  if (backend.serverFin !== undefined) t.serverFin = backend.serverFin;
  if (backend.tunnel !== undefined) t.tunnel = backend.tunnel;
  return t;
}

/**
 * The inactivity limit of one side: once either side has sent a FIN, `<side>-fin` when set; otherwise `tunnel` when
 * set (a TCP session is a tunnel from the start: no analyser stays attached); otherwise `client` / `server`.
 * undefined = that side never times out. Pure.
 */
export function idleLimit(t: PipeTimeouts, side: PipeSide, halfClosed: boolean): number | undefined {
  const fin = side === PipeSide.client ? t.clientFin : t.serverFin;
  if (halfClosed && fin !== undefined) return fin;
  return t.tunnel ?? (side === PipeSide.client ? t.client : t.server);
}

// setTimeout clamps anything above 2^31-1 ms to 1 ms; a longer limit simply re-arms when the timer fires early.
const MAX_TIMER_MS = 0x7fffffff;

/**
 * Tracks the last activity of both sides of a session with a single Node timer. touch() is called per chunk, so it
 * only stores a timestamp; the timer is re-armed lazily when it fires, or at once when a limit may have got shorter.
 * A side is only timed while `expecting(side)` says the proxy waits on it (to read from it, or to flush to it):
 * a side whose reads are paused because the *other* side does not drain is not the one to blame (as in HAProxy).
 * Time comes from `clock` (default: the monotonic clock and unref'ed Node timers), so tests can drive it by hand.
 */
export class IdleWatch {
  private readonly timeouts: PipeTimeouts;
  private readonly expecting: (side: PipeSide) => boolean;
  private readonly onExpire: (side: PipeSide) => void;
  private readonly clock: Clock;
  private readonly last: [number, number];
  private halfClosed = false;
  /** The clock's handle of the pending timer; undefined when none is armed. */
  private timer: unknown;
  private dueAt = Infinity;
  private stopped = false;

  constructor(
    timeouts: PipeTimeouts,
    expecting: (side: PipeSide) => boolean,
    onExpire: (side: PipeSide) => void,
    clock: Clock = systemClock,
  ) {
    this.timeouts = timeouts;
    this.expecting = expecting;
    this.onExpire = onExpire;
    this.clock = clock;
    const now = clock.now();
    this.last = [now, now];
    this.schedule(now);
  }

  /** Activity on a side (bytes read from it, or written out to it): its idle clock restarts. */
  touch(side: PipeSide): void {
    this.last[side] = this.clock.now();
  }

  /** A FIN was seen on either side: from now on the -fin timeouts apply, counted from now (HAProxy re-arms them). */
  halfClose(): void {
    if (this.stopped) return;
    this.halfClosed = true;
    const now = this.clock.now();
    this.last[0] = now;
    this.last[1] = now;
    this.schedule(now);
  }

  /** The limit of a side right now. */
  limit(side: PipeSide): number | undefined {
    return idleLimit(this.timeouts, side, this.halfClosed);
  }

  /** The HAProxy keyword behind limit(side), for messages: `timeout client-fin`, `timeout tunnel`, … */
  limitName(side: PipeSide): string {
    const base = side === PipeSide.client ? 'client' : 'server';
    const fin = side === PipeSide.client ? this.timeouts.clientFin : this.timeouts.serverFin;
    if (this.halfClosed && fin !== undefined) return `timeout ${base}-fin`;
    return this.timeouts.tunnel !== undefined ? 'timeout tunnel' : `timeout ${base}`;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.dueAt = Infinity;
    if (this.stopped) return;
    const now = this.clock.now();
    // The client is checked first: HAProxy looks at the request channel before the response one, so when both sides
    // expire in the same tick the session is logged `cD`.
    for (const side of [PipeSide.client, PipeSide.server] as const) {
      const limit = this.limit(side);
      if (limit === undefined) continue;
      if (!this.expecting(side)) {
        // Not waiting on this side: its clock does not run (a later wait starts with a touch()).
        this.last[side] = now;
        continue;
      }
      if (now - this.last[side] >= limit) {
        this.stop();
        this.onExpire(side);
        return;
      }
    }
    this.schedule(now);
  };

  private schedule(now: number): void {
    let due = Infinity;
    for (const side of [PipeSide.client, PipeSide.server] as const) {
      const limit = this.limit(side);
      if (limit !== undefined) due = Math.min(due, this.last[side] + limit);
    }
    if (due === Infinity || due >= this.dueAt) return;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.dueAt = due;
    // systemClock's timers are unref'ed: the sockets keep the thread alive, a pending idle timer alone must not.
    this.timer = this.clock.setTimer(this.fire, Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(due - now))));
  }
}
