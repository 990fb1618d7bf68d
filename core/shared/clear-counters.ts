// `clear counters [all]` (HAProxy 2.6 management.txt §9.3): plain clears the maxima of every frontend, backend and
// server (smax, qmax, rate_max, the *time_max); `all` clears their accumulated counters too (stot, bin/bout, econ,
// hrsp_*, req_tot, the time averages…), never the current values (scur, qcur) that live connections give back.
//
// Who runs it, and why that is race-free: the stats thread (the CLI), on fields whose writer is 'atomic-add' or
// 'max' (core/shared/layout.ts), i.e. fields any thread may change by the rules those writers follow. An
// accumulated counter is cleared by subtracting what was read (Atomics.sub): an add landing between the read and the
// sub survives, so nothing counted after the clear is lost and no count goes negative. A maximum is lowered to 0
// with compareExchange from the value read; a raise landing first makes the exchange miss, and that newer maximum
// stays (it happened after the clear began). A 'latest' timestamp (lastsess) is stored 0, as any thread may. Fields
// with a single writer are not touched here: `clear counters all` asks the health thread to clear its chkfail and
// chkdown (HealthChecker.clearCheckCounters); downtime and lastchg stay, as in haproxy 2.6.12.
// Stats thread; allocation does not matter here (an operator command).

import {
  BACKEND_FIELDS, BACKEND_WIDE_FIELDS, FRONTEND_FIELDS, FRONTEND_WIDE_FIELDS, SERVER_FIELDS, SERVER_WIDE_FIELDS, type FieldSpec,
} from './layout.js';
import type { SharedState } from './state-buffer.js';

export type ClearScope = 'max' | 'all';

/** Current values a clear never touches: live connections and waiters give them back when they end. */
const CURRENT = new Set(['curConns', 'queued', 'queueTicket', 'released', 'rrCursor', 'generation', 'placedSinceReading']);
/** Accumulated words without a stats column that go with one (the time averages' sample count). */
const WITH_SUMS = new Set(['timeSamples']);

/** Which words of a record `scope` clears, and how. Pure. */
function clearedFields(fields: readonly FieldSpec[], scope: ClearScope): { readonly index: number; readonly how: 'max' | 'sub' | 'zero' }[] {
  const out: { index: number; how: 'max' | 'sub' | 'zero' }[] = [];
  fields.forEach((f, index) => {
    if (f.writer === 'max') out.push({ index, how: 'max' });
    else if (scope === 'all' && f.writer === 'latest') out.push({ index, how: 'zero' });
    else if (scope === 'all' && f.writer === 'atomic-add' && !CURRENT.has(f.name) && (f.stat !== undefined || WITH_SUMS.has(f.name))) {
      out.push({ index, how: 'sub' });
    }
  });
  return out;
}

/** Lowers one maximum to 0 unless a thread raised it meanwhile. */
function clearMax(i32: Int32Array, at: number): void {
  const seen = Atomics.load(i32, at);
  if (seen !== 0) Atomics.compareExchange(i32, at, seen, 0);
}

function clearRecords(state: SharedState, base: number, count: number, fields: readonly FieldSpec[], scope: ClearScope): void {
  const words = clearedFields(fields, scope);
  for (let r = 0; r < count; r++) {
    const start = base + r * fields.length;
    for (const w of words) {
      if (w.how === 'max') clearMax(state.i32, start + w.index);
      else if (w.how === 'zero') Atomics.store(state.i32, start + w.index, 0);
      else Atomics.sub(state.i32, start + w.index, Atomics.load(state.i32, start + w.index));
    }
  }
}

function clearWide(state: SharedState, base: number, count: number, fields: readonly FieldSpec[]): void {
  for (let r = 0; r < count; r++) {
    fields.forEach((f, k) => {
      // Words without a stats column (dolphindb-inspect's latency sum) go with counters a clear leaves alone.
      if (f.stat === undefined) return;
      const i = base + r * fields.length + k;
      Atomics.sub(state.i64, i, Atomics.load(state.i64, i));
    });
  }
}

/** Clears the counters of every proxy and server in `state`. Never throws. */
export function clearCounters(state: SharedState, scope: ClearScope): void {
  const { counts, offsets } = state;
  clearRecords(state, offsets.servers, counts.servers, SERVER_FIELDS, scope);
  clearRecords(state, offsets.backends, counts.backends, BACKEND_FIELDS, scope);
  clearRecords(state, offsets.frontends, counts.frontends, FRONTEND_FIELDS, scope);
  if (scope !== 'all') return;
  clearWide(state, offsets.serverWide, counts.servers, SERVER_WIDE_FIELDS);
  clearWide(state, offsets.frontendWide, counts.frontends, FRONTEND_WIDE_FIELDS);
  clearWide(state, offsets.backendWide, counts.backends, BACKEND_WIDE_FIELDS);
}
