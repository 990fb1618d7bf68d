// When checks run: inter/fastinter/downinter by counter position, the staggered first checks of HAProxy's
// start_checks(), the `timeout check` / `timeout connect` deadlines (manual §5.2 inter, §4.2 timeout check),
// and one timer per server. Runs on the health thread; the clock is injectable so tests can drive time.

import { performance } from 'node:perf_hooks';
import type { ServerConfig, Timeouts } from '../../config/model.js';
import { maxHealth } from './health-counter.js';

export type CheckTiming = Pick<ServerConfig, 'inter' | 'fastinter' | 'downinter' | 'rise' | 'fall'>;

/** HAProxy's SRV_CHK_INTER_THRES: servers checked faster than this do not set the start-up spreading period. */
export const SPREAD_INTER_THRESHOLD_MS = 1000;

/**
 * The delay before the next check (HAProxy srv_getinter): `inter` at the top of the counter, `downinter` at 0
 * while DOWN, `fastinter` anywhere in between (including a freshly started server, which sits at `rise`).
 * fastinter/downinter fall back to inter when 0. Pure.
 */
export function checkInterval(t: CheckTiming, health: number, down: boolean): number {
  if (health === maxHealth(t)) return t.inter;
  if (down && health === 0) return t.downinter > 0 ? t.downinter : t.inter;
  return t.fastinter > 0 ? t.fastinter : t.inter;
}

/**
 * Delays of the first check of each checked server, in config order (HAProxy start_checks/start_check_task):
 * the smallest interval among those of at least 1 s is split evenly between all checks, so server i of n starts
 * at max(thatInterval, ownInterval) * i / n. The first server is checked at once. Pure.
 */
export function firstCheckDelays(intervals: readonly number[]): number[] {
  let minInter = 0;
  for (const i of intervals) {
    if (i >= SPREAD_INTER_THRESHOLD_MS && (minInter === 0 || i < minInter)) minInter = i;
  }
  const n = intervals.length;
  return intervals.map((own, pos) => Math.floor((Math.max(minInter, own) * pos) / n));
}

/** How long each phase of one check may take. */
export interface CheckDeadlines {
  /** From the start of a connect until it must be established (L4TOUT otherwise). */
  readonly connectMs: number;
  /**
   * From the moment a connection is established until the whole check must be done (L7TOUT otherwise);
   * undefined when `timeout check` is not set: the connect deadline then keeps running and bounds everything.
   */
  readonly afterConnectMs: number | undefined;
}

/**
 * HAProxy 2.6 (tcpcheck.c, connect step): a check may take `inter`; with `timeout check` set, the connect phase is
 * bounded by min(inter, timeout connect) and, once connected, the rest by `timeout check` counted from that
 * moment. `inter` here is the plain `inter`, not fastinter/downinter. Pure.
 */
export function checkDeadlines(inter: number, timeouts: Pick<Timeouts, 'check' | 'connect'>): CheckDeadlines {
  const check = timeouts.check !== undefined && timeouts.check > 0 ? timeouts.check : undefined;
  if (check === undefined) return { connectMs: inter, afterConnectMs: undefined };
  const connect = timeouts.connect !== undefined && timeouts.connect > 0 ? Math.min(inter, timeouts.connect) : inter;
  return { connectMs: connect, afterConnectMs: check };
}

/** Time source and timers; the real one uses unref'd timers so a forgotten check never holds a process open. */
export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** One server's repeating check as the scheduler sees it. */
export interface PeriodicCheck {
  /** Runs one check and applies its result. Should not reject; a rejection is swallowed and the loop goes on. */
  run(): Promise<void>;
  /** Asked after each run, when the counter has moved: the delay before the next one. */
  nextDelayMs(): number;
}

interface Entry {
  readonly check: PeriodicCheck;
  timer: unknown;
  inFlight: Promise<void> | undefined;
  /** Set by remove(): a run in flight ends the loop instead of arming the next. */
  removed?: boolean;
}

/**
 * One timer per server. The next check is planned when the previous one has finished (HAProxy re-arms the task at
 * completion + interval), so a slow check never overlaps the next one on the same server.
 */
export class CheckScheduler {
  readonly #clock: Clock;
  readonly #entries: Entry[] = [];
  #stopped = false;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** Registers a check and arms its first run after `firstDelayMs`. Health thread only. */
  add(check: PeriodicCheck, firstDelayMs: number): void {
    if (this.#stopped) return;
    const entry: Entry = { check, timer: undefined, inFlight: undefined };
    this.#entries.push(entry);
    this.#arm(entry, firstDelayMs);
  }

  /**
   * Stops one check for good (`del server`): its timer is cancelled and a run in flight is not re-armed. Health
   * thread only; unknown checks are ignored.
   */
  remove(check: PeriodicCheck): void {
    const at = this.#entries.findIndex((e) => e.check === check);
    const entry = this.#entries[at];
    if (entry === undefined) return;
    this.#entries.splice(at, 1);
    if (entry.timer !== undefined) this.#clock.clearTimer(entry.timer);
    entry.timer = undefined;
    entry.removed = true;
  }

  /** Cancels every timer and waits for the checks in flight to settle. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const pending: Promise<void>[] = [];
    for (const e of this.#entries) {
      if (e.timer !== undefined) this.#clock.clearTimer(e.timer);
      e.timer = undefined;
      if (e.inFlight !== undefined) pending.push(e.inFlight);
    }
    await Promise.all(pending);
  }

  #arm(entry: Entry, delayMs: number): void {
    entry.timer = this.#clock.setTimer(() => this.#fire(entry), Math.max(0, delayMs));
  }

  #fire(entry: Entry): void {
    entry.timer = undefined;
    if (this.#stopped) return;
    const done = entry.check.run().catch(() => undefined);
    entry.inFlight = done.then(() => {
      entry.inFlight = undefined;
      if (!this.#stopped && entry.removed !== true) this.#arm(entry, entry.check.nextDelayMs());
    });
  }
}
