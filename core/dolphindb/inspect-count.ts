// Counts one DolphinDB exchange of `option dolphindb-inspect` into its node's shared slot (issue 16): its kind and
// status, its latency bucket and the latency sum (core/dolphindb/inspect-fields.ts names the words). One home for
// every path that frames exchanges: the L4 pipe's binary-API and WebSocket sessions (core/forward/ddb-sessions.ts),
// and the HTTP engine's JSON-API transactions and WebSocket tunnels. Forwarder threads; Atomics.add, no allocation.

import type { ServerField } from '../shared/layout.js';
import type { ServerSlot } from '../shared/server-slot.js';
import { DDB_KIND_FIELDS, DDB_LATENCY_BOUNDS, DDB_LATENCY_FIELDS } from './inspect-fields.js';
import { DDB_KIND } from './session-framing.js';

/** Adds one exchange of `kind` (DDB_KIND), answered OK or not, that took `seconds`, to `slot`. Never throws. */
export function countExchange(slot: ServerSlot, kind: number, ok: boolean, seconds: number): void {
  const fields = DDB_KIND_FIELDS[kind] ?? DDB_KIND_FIELDS[DDB_KIND.other];
  slot.add((fields as readonly [ServerField, ServerField])[ok ? 0 : 1], 1);
  let b = 0;
  while (b < DDB_LATENCY_BOUNDS.length && seconds > (DDB_LATENCY_BOUNDS[b] as number)) b++;
  slot.add(DDB_LATENCY_FIELDS[b] as ServerField, 1);
  slot.addWide('ddbLatencyUs', Math.round(seconds * 1e6));
}
