// A forwarder's identity in the shared buffer: the first free thread slot, claimed with compareExchange. A
// replacement forwarder may start before the main thread has released the dead one's slot, so it retries briefly.

import type { SharedState } from '../core/shared/state-buffer.js';

const CLAIM_RETRY_MS = 5;
const CLAIM_GIVE_UP_MS = 5000;

/** Claims a slot for the calling thread and records its threadId there. Throws if none frees within 5 s. */
export async function claimThreadSlot(state: SharedState, threads: number, threadId: number): Promise<number> {
  const deadline = Date.now() + CLAIM_GIVE_UP_MS;
  for (;;) {
    for (let t = 0; t < threads; t++) {
      const slot = state.thread(t);
      if (slot.claim()) {
        slot.store('threadId', threadId);
        return t;
      }
    }
    if (Date.now() > deadline) throw new Error(`no free forwarder slot among ${threads}`);
    await new Promise((r) => setTimeout(r, CLAIM_RETRY_MS));
  }
}

/** The slot held by worker `threadId`, or undefined. Main thread (after a worker died). */
export function slotOfThread(state: SharedState, threads: number, threadId: number): number | undefined {
  for (let t = 0; t < threads; t++) {
    const slot = state.thread(t);
    if (slot.load('alive') === 1 && slot.load('threadId') === threadId) return t;
  }
  return undefined;
}
