// A forwarder's identity in the shared buffer: the thread slot the main thread gave it (workers/forwarder-pool.ts),
// claimed with compareExchange so two live threads can never share one. Main releases a dead forwarder's slot
// (ConnAccounting.reclaimThread) before it starts the replacement, so the claim succeeds at once.

import type { SharedState } from '../core/shared/state-buffer.js';

/** Claims slot `slot` for the calling thread and records its threadId there. Throws if the slot is still taken. */
export function claimThreadSlot(state: SharedState, slot: number, threadId: number): number {
  const s = state.thread(slot);
  if (!s.claim()) throw new Error(`forwarder slot ${slot} is still held by another thread`);
  s.store('threadId', threadId);
  return slot;
}
