// The health thread's half of `balance dolphindb-load`: which servers get getPerf() readings, and how a reading is
// published into the server slot (`loadScore` ×1000, and the `placedSinceReading` count the reading now covers).
// Runs on the health-check thread, the single writer of `loadScore`.

import type { BackendConfig, DolphinDbCheckConfig } from '../../config/model.js';
import { getAlgorithm } from '../balance/registry.js';
import { LOAD_SCORE, loadScore } from '../dolphindb/load-score.js';
import type { ServerSlot } from '../shared/server-slot.js';
import type { PerfReading } from './probe-dolphindb.js';

/** True when the backend's algorithm balances by the nodes' load (its descriptor says so): its servers need readings. */
export function readsLoad(backend: Pick<BackendConfig, 'balance'>): boolean {
  return getAlgorithm(backend.balance.algorithm)?.readsLoad === true;
}

/** The login a separate reading connection uses: the dolphindb-check's when the backend has one. Pure. */
export function readingLogin(backend: Pick<BackendConfig, 'healthCheck'>): Pick<DolphinDbCheckConfig, 'user' | 'password'> {
  const d = backend.healthCheck.dolphindb;
  if (d?.user === undefined) return {};
  return d.password === undefined ? { user: d.user } : { user: d.user, password: d.password };
}

/** Marks a server as "no reading yet" (at start): balancers give it the mean score until the first reading. */
export function clearLoadScore(slot: ServerSlot): void {
  slot.store('loadScore', LOAD_SCORE.noReading);
}

/**
 * The placed count to take off once a reading started now succeeds. Read it BEFORE the reading's connection opens:
 * connections placed earlier are on the node when getPerf() runs, so the reading sees them.
 */
export function placedBeforeReading(slot: ServerSlot): number {
  return slot.load('placedSinceReading');
}

/**
 * Publishes a reading. A good one stores its score and takes `placedBefore` off `placedSinceReading`; a failed one
 * stores LOAD_SCORE.failed and leaves the count alone (nothing new is known about those connections).
 *
 * Why a subtraction and not a reset: forwarders change `placedSinceReading` with Atomics.add at any moment, from
 * any thread. A load + Atomics.store(0) would lose every add landing between the two; even Atomics.exchange(0),
 * which loses nothing, would also drop the connections placed WHILE the reading was in flight, which the reading
 * does not show yet, so the node would look emptier than it is until the next reading. Atomics.sub of the count
 * seen before the reading started loses nothing and keeps exactly those. It never goes below 0: only forwarders add
 * and only this thread subtracts, and it subtracts no more than it saw.
 */
export function publishReading(slot: ServerSlot, reading: PerfReading, placedBefore: number): void {
  if (!reading.ok) {
    slot.store('loadScore', LOAD_SCORE.failed);
    return;
  }
  // The score goes out first: a forwarder that sees the smaller count must already see the reading behind it.
  slot.store('loadScore', loadScore(reading.figures));
  if (placedBefore > 0) slot.add('placedSinceReading', -placedBefore);
}
