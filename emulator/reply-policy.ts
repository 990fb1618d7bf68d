// How the emulated node answers one request once the knobs are applied: the injected failure (reset, stall,
// close-mid-reply, <DataNodeNotAvail>), the connection limit (S00006), the per-request delay and async requests
// (flag 4: no reply at all). Shared by the TCP binary side and the WebSocket side. Runs on the node's thread.

import { setTimeout as sleep } from 'node:timers/promises';
import { maxConnectionsMessage, notAvailableMessage, type FailureMode, type NodeKnobs } from './node-knobs.js';
import type { Session } from './session.js';
import { REQUEST_FLAG, type DdbRequest } from '../core/dolphindb/wire-request.js';
import { encodeErrorReply } from '../core/dolphindb/wire-reply.js';

/** What the transport must do with a request's answer. */
export type Delivery =
  /** Write the chunks (MSG chunks then the reply, one WebSocket message each); close afterwards if asked. */
  | { readonly kind: 'send'; readonly chunks: readonly Buffer[]; readonly thenClose: boolean }
  /** Write nothing: an async request, or a stalled node. */
  | { readonly kind: 'silent' }
  /** Write these bytes (half a reply), then destroy the connection. */
  | { readonly kind: 'truncate'; readonly bytes: Buffer }
  /** Destroy the connection without writing. */
  | { readonly kind: 'destroy' };

export interface AnswerInputs {
  readonly knobs: NodeKnobs;
  readonly nodeName: string;
  /** Set when the connection came past maxConnections: it gets S00006 and is closed. */
  readonly overLimit: boolean;
  /** Aborted when the node closes, so a delayed answer does not hold the process open. */
  readonly signal: AbortSignal;
}

/**
 * Runs `request` in `session` under the node's knobs and says how to deliver the result.
 * Never rejects: a closing node yields 'destroy'.
 */
export async function answerRequest(session: Session, request: DdbRequest, inputs: AnswerInputs): Promise<Delivery> {
  const { knobs } = inputs;
  // Read through a call: the knob can change while this request waits, and TypeScript would otherwise keep
  // the narrowing of the first read across the await.
  const failure = (): FailureMode => knobs.failure;
  if (failure() === 'reset') return { kind: 'destroy' };
  if (failure() === 'stall') return { kind: 'silent' };
  if (inputs.overLimit) {
    return { kind: 'send', chunks: [encodeErrorReply(session.sid, maxConnectionsMessage(knobs.maxConnections))], thenClose: true };
  }
  if (knobs.delayMs > 0) {
    try {
      await sleep(knobs.delayMs, undefined, { signal: inputs.signal });
    } catch {
      return { kind: 'destroy' };
    }
    // The knob may have moved while we slept; the later setting wins, as it would on a real node.
    if (failure() === 'reset') return { kind: 'destroy' };
    if (failure() === 'stall') return { kind: 'silent' };
  }
  const kind = request.body.kind;
  if (failure() === 'not-available' && (kind === 'script' || kind === 'function')) {
    return { kind: 'send', chunks: [encodeErrorReply(session.sid, notAvailableMessage(inputs.nodeName))], thenClose: false };
  }
  const chunks = session.encode(session.run(request), request.api);
  // Async requests (flag bit 4) run but are never answered: the client does not read a reply.
  if ((request.flags & REQUEST_FLAG.async) !== 0) return { kind: 'silent' };
  if (failure() === 'close-mid-reply') {
    const all = Buffer.concat(chunks);
    return { kind: 'truncate', bytes: all.subarray(0, Math.max(1, Math.floor(all.length / 2))) };
  }
  return { kind: 'send', chunks, thenClose: false };
}
