// A manual Clock (core/health/scheduler.ts Clock) for the health scheduler's tests, and the time of a DeadlineSweep
// the L4 pipe tests drive (core/io/deadline-sweep.ts): time moves only when the test advances it, timers fire in due
// order, and promise callbacks run between timers so async check loops make progress.

import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock } from '../../core/health/scheduler.js';

interface FakeTimer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

export class FakeClock implements Clock {
  #now = 0;
  #nextId = 1;
  #timers: FakeTimer[] = [];

  now(): number {
    return this.#now;
  }

  setTimer(fn: () => void, ms: number): unknown {
    const t = { id: this.#nextId++, due: this.#now + ms, fn };
    this.#timers.push(t);
    return t.id;
  }

  clearTimer(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /** Timers armed and not yet fired. */
  pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, each at its own due time. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    // Bounded: a timer armed at delay 0 by the timer it fires cannot spin the loop forever.
    for (let guard = 0; guard < 100_000; guard++) {
      await this.#settle();
      const next = this.#timers.reduce<FakeTimer | undefined>(
        (a, t) => (a === undefined || t.due < a.due || (t.due === a.due && t.id < a.id) ? t : a),
        undefined,
      );
      if (next === undefined || next.due > end) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = next.due;
      next.fn();
    }
    this.#now = end;
    await this.#settle();
  }

  /** Lets pending promise chains (the check that just ran, its re-arm) complete. */
  async #settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await nextTurn();
  }
}
