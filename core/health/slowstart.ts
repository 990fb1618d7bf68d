// `slowstart` (manual §5.2): after a server comes back UP from DOWN, its effective weight grows linearly to its
// configured weight, as HAProxy's server_recalc_eweight + server_warmup do (src/server.c). Never applies at start.
// Runs on the health-check thread, which is the single writer of effectiveWeight.

import { systemClock, type Clock } from './scheduler.js';

/** HAProxy's BE_WEIGHT_SCALE: the ramp starts at 1/16 of the weight, not at zero, so traffic flows at once. */
export const WEIGHT_SCALE = 16;

/**
 * The effective weight `elapsedMs` after the server came UP. HAProxy computes
 * eweight = weight × (SCALE × elapsed + slowstart) / (SCALE × slowstart), rounded up, full weight once elapsed
 * reaches slowstart; HAProxy counts elapsed in whole seconds, this counts milliseconds (a smoother ramp, same ends).
 * Never below 1 for a weight above 0 (the "from 1 to 100%" of the manual); 0 stays 0. Pure.
 */
export function slowstartWeight(weight: number, slowstartMs: number, elapsedMs: number): number {
  if (weight <= 0) return 0;
  if (slowstartMs <= 0 || elapsedMs >= slowstartMs || elapsedMs < 0) return weight;
  const w = Math.ceil((weight * (WEIGHT_SCALE * elapsedMs + slowstartMs)) / (WEIGHT_SCALE * slowstartMs));
  return Math.min(weight, Math.max(1, w));
}

/** HAProxy's warm-up period: every 1/20th of slowstart, but never more often than once a second. Pure. */
export function slowstartStepMs(slowstartMs: number): number {
  return Math.max(1000, Math.floor(slowstartMs / 20));
}

/**
 * One server's warm-up: `apply` receives each new effective weight (first at once, then every step, last the full
 * weight) and is not called again after that or after cancel(). Health thread only.
 */
export class WeightRamp {
  #weight: number;
  readonly #slowstartMs: number;
  readonly #apply: (weight: number) => void;
  readonly #clock: Clock;
  #startedAt = 0;
  #timer: unknown;
  #last = -1;

  constructor(weight: number, slowstartMs: number, apply: (weight: number) => void, clock: Clock = systemClock) {
    this.#weight = weight;
    this.#slowstartMs = slowstartMs;
    this.#apply = apply;
    this.#clock = clock;
  }

  /** The weight to publish at the moment the server comes UP. */
  initialWeight(): number {
    return slowstartWeight(this.#weight, this.#slowstartMs, 0);
  }

  /** Starts the ramp now; the caller has already published initialWeight(). */
  start(): void {
    this.cancel();
    this.#startedAt = this.#clock.now();
    this.#last = this.initialWeight();
    if (this.#last < this.#weight) this.#schedule();
  }

  /**
   * The runtime API changed the user weight (`set weight`): a ramp in progress goes on toward the new one; the caller
   * publishes the weight of this instant (current()).
   */
  setWeight(weight: number): void {
    this.#weight = weight;
  }

  /** The ramp's weight now: the full weight once it ended (or never started). */
  current(): number {
    if (this.#timer === undefined) return this.#weight;
    return slowstartWeight(this.#weight, this.#slowstartMs, this.#clock.now() - this.#startedAt);
  }

  /** True while the weight has not reached its configured value. */
  get active(): boolean {
    return this.#timer !== undefined;
  }

  cancel(): void {
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimer(() => this.#step(), slowstartStepMs(this.#slowstartMs));
  }

  #step(): void {
    this.#timer = undefined;
    const w = slowstartWeight(this.#weight, this.#slowstartMs, this.#clock.now() - this.#startedAt);
    // Only real changes are published: each one costs every balancer a cache rebuild.
    if (w !== this.#last) {
      this.#last = w;
      this.#apply(w);
    }
    if (w < this.#weight) this.#schedule();
  }
}
