// A proxy's `timeout` lines changed by a reload (workers/reload.ts, config/config-diff.ts): the new Timeouts of one
// frontend or backend, applied by every thread to its own copy of the Config. The sessions read a proxy's timeouts
// where they use them (a session's next deadline, a connect, a check's deadlines when it is armed), never a copy
// made at start, so replacing the proxy's object is the whole change. Any thread; a control message, no hot path.

import type { Config, Timeouts } from './model.js';

export interface TimeoutsChange {
  readonly proxy: 'frontend' | 'backend';
  /** Index in config.frontends or config.backends. */
  readonly index: number;
  readonly timeouts: Timeouts;
}

/**
 * Gives the proxy its new Timeouts, in place: every structure holding that proxy's object sees them. A fresh object
 * each time (a `defaults` section's timeouts may be one object shared by several proxies). Returns false for an index
 * out of range. Never throws.
 */
export function applyTimeoutsChange(config: Config, change: TimeoutsChange): boolean {
  const proxy = change.proxy === 'frontend' ? config.frontends[change.index] : config.backends[change.index];
  if (proxy === undefined) return false;
  // The Config is readonly to its readers; this and core/shared/server-slots.ts are its run-time writers.
  (proxy as { timeouts: Timeouts }).timeouts = { ...change.timeouts };
  return true;
}
