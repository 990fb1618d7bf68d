// `set maxconn frontend F N` and `set maxconn global N` (HAProxy 2.6 management.txt §9.3): the limit words admission
// reads (core/accept/admission.ts), written by main, their single writer (core/shared/layout.ts). A raised limit
// wakes the listeners paused at the old one (the admission epoch, as a freed connection does); a lowered one lets
// the connections above it finish and admits no more until the count is under it, as haproxy does. Main thread.

import type { CliRelayAnswer, MainRelayRequest } from '../cli/cli-relay.js';
import type { ConnAccounting } from './conn-accounting.js';
import type { SharedState } from './state-buffer.js';

/** Applies one limit change; the stats thread already checked the names and values. Never throws. */
export function applyLimit(
  state: SharedState,
  accounting: ConnAccounting,
  request: Extract<MainRelayRequest, { readonly kind: 'maxconn-frontend' | 'maxconn-global' }>,
): CliRelayAnswer {
  const value = Math.max(0, request.maxconn);
  if (request.kind === 'maxconn-global') {
    state.storeGlobal('maxconn', value);
  } else {
    if (request.frontend < 0 || request.frontend >= state.counts.frontends) return { ok: false, message: 'No such frontend.\n' };
    state.frontend(request.frontend).store('maxconn', value);
  }
  accounting.notifyCapacity();
  return { ok: true, message: '' };
}
