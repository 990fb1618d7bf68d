// IdleWatch: one lazy timer per session that closes it when a side stays idle past its HAProxy 2.6 timeout (which
// timeout applies is pipe-timeouts.ts). Manual §4.2 `timeout client|server|tunnel|client-fin|server-fin`.
// Runs on forwarder threads, one IdleWatch per forwarded connection.

import { idleLimit, PipeSide, type PipeTimeouts } from './pipe-timeouts.js';
import { systemClock, type Clock } from '../health/scheduler.js';

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
