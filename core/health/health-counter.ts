// rise/fall kept as ONE bounded integer per server, exactly as HAProxy 2.6 does (src/check.c
// set_server_check_status, check_notify_failure/success): 0..rise+fall-1, UP while >= rise.
// Pure functions; the health thread applies them and stores the result in the server slot.

import type { CheckResult } from './check-status.js';

export interface RiseFall {
  /** Consecutive successes that bring a DOWN server back (HAProxy `rise`, >= 1). */
  readonly rise: number;
  /** Consecutive failures that take a fully healthy server down (HAProxy `fall`, >= 1). */
  readonly fall: number;
}

/** What one finished check did to the counter. */
export interface CounterStep {
  readonly health: number;
  /**
   * The check moved the counter. HAProxy counts a failure in `chkfail` only when it moved the counter, so
   * failures of a server already at 0 are not counted.
   */
  readonly moved: boolean;
  /** The server state change this check causes, if any. */
  readonly transition: 'up' | 'down' | 'none';
}

/** The top of the counter: a server here is "UP 100%", checked every `inter`. */
export function maxHealth(rf: RiseFall): number {
  return rf.rise + rf.fall - 1;
}

/** HAProxy's rule: a server counts as healthy while its counter is at least `rise`. */
export function isHealthy(health: number, rf: RiseFall): boolean {
  return health >= rf.rise;
}

/**
 * The counter a checked server starts with. HAProxy (server.c: "health: up, but will fall down at first failure")
 * starts an enabled server UP with health = rise, NOT rise+fall-1: the first failed check after start takes it
 * DOWN at once, and the first success lifts it to the top. A server that starts DOWN starts at 0.
 */
export function startHealth(rf: RiseFall, up: boolean): number {
  return up ? rf.rise : 0;
}

/**
 * startHealth() in the (rise, fall) shape the main thread's writeInitialState takes: every server starts at `rise`
 * (a disabled one is MAINT and never checked, so its counter does not matter). Pure.
 */
export function initialHealth(rise: number, fall: number): number {
  return startHealth({ rise, fall }, true);
}

/**
 * Applies one check result. A failure takes one step down, and once below `rise` drops straight to 0, so an UP
 * server at the top goes DOWN after exactly `fall` failures. A success takes one step up, and on reaching `rise`
 * jumps straight to the top, so a DOWN server at 0 comes back after exactly `rise` successes. The state changes
 * when the counter hits 0 (down) or reaches `rise` (up), never in between. Pure; any thread.
 */
export function applyCheckResult(health: number, result: CheckResult, rf: RiseFall, up: boolean): CounterStep {
  const top = maxHealth(rf);
  let next = health;
  let moved = false;
  if (result === 'failed') {
    if (health > 0) {
      moved = true;
      next = health - 1;
      // Below rise there is no "almost UP": the whole rise must be climbed again.
      if (next < rf.rise) next = 0;
    }
    return { health: next, moved, transition: up && next === 0 ? 'down' : 'none' };
  }
  if (result === 'passed' || result === 'condpass') {
    if (health < top) {
      moved = true;
      next = health + 1;
      // Reaching rise means "fully healthy": the whole fall must be spent again before going DOWN.
      if (next >= rf.rise) next = top;
    }
    return { health: next, moved, transition: !up && next >= rf.rise ? 'up' : 'none' };
  }
  // 'unknown' and 'neutral' leave everything as it was (HAProxy: "no change is expected").
  return { health, moved: false, transition: 'none' };
}

/**
 * The `status: X/Y UP|DOWN` pair HAProxy prints for a check (log-health-checks) and stats show as
 * "UP 2/3": successes-so-far toward rise while down, failures-left budget while up.
 */
export function healthProgress(health: number, rf: RiseFall): { done: number; of: number; up: boolean } {
  return isHealthy(health, rf)
    ? { done: health - rf.rise + 1, of: rf.fall, up: true }
    : { done: health, of: rf.rise, up: false };
}
