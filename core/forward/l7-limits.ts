// The buffer limits the HTTP engine applies (HAProxy 2.6 §3.2 tune.bufsize, tune.http.maxhdr, their defaults) and
// HAProxy's `retry-on` rule for a request whose server failed before answering (§4.2 retry-on). Forwarder threads;
// pure constants and one pure function.

import type { ParseLimits } from '../http1/parser.js';

/** tune.bufsize and tune.http.maxhdr, HAProxy's defaults (the parser keeps tune.maxrewrite free itself). */
export const HEAD_LIMITS: ParseLimits = { maxHeadBytes: 16384, maxHeaders: 101 };

/**
 * Client bytes a session keeps while they cannot be handled yet (a partial head, a pipelined request, a body waiting
 * for its server): above this the client is not read until they are consumed, so a fast sender cannot grow memory.
 */
export const HOLD_LIMIT = 64 * 1024;

/**
 * True when `retry-on` (HAProxy's default: conn-failure only) allows replaying a request after this failure:
 * `response-timeout` for a 504, `empty-response` for a close without a byte, `junk-response` for an invalid or cut
 * head, `all-retryable-errors` for all of them. The caller adds the safety conditions (idempotent, no body). Pure.
 */
export function retryAllowed(retryOn: readonly string[] | undefined, status: 502 | 504, empty: boolean): boolean {
  const on = retryOn ?? ['conn-failure'];
  if (on.includes('all-retryable-errors')) return true;
  if (status === 504) return on.includes('response-timeout');
  return on.includes(empty ? 'empty-response' : 'junk-response');
}
