// A backend's `balance` line (algorithm, arguments, hash-type) changed by a reload (workers/reload.ts,
// config/config-diff.ts): the new BalanceConfig, applied by every thread to its own copy of the Config; the forwarders
// then build the backend's balancer and request-key extractor again (core/forward/backend-runtime.ts applyBalance), so
// the next pick follows it while the servers keep their slots and state. Any thread; a control message, no hot path.

import type { BalanceConfig, Config } from './model.js';

export interface BalanceChange {
  /** Index in config.backends. */
  readonly backend: number;
  readonly balance: BalanceConfig;
}

/** Gives the backend its new balance, in place. Returns false for an index out of range. Never throws. */
export function applyBalanceChange(config: Config, change: BalanceChange): boolean {
  const be = config.backends[change.backend];
  if (be === undefined) return false;
  // The Config is readonly to its readers; this and the other *-change.ts files are its run-time writers.
  (be as { balance: BalanceConfig }).balance = change.balance;
  return true;
}
