// The shared-buffer words of `option dolphindb-inspect` (issue 16) in one place: the per-node exchange counters by
// kind and status, and the latency histogram's buckets (core/shared/layout.ts declares the fields; forwarders add,
// the stats thread reads). Pure data; any thread.

import type { ServerField } from '../shared/layout.js';

/** Exchange counters by kind (DDB_KIND order: connect, script, function, upload, other), [ok, error]. */
export const DDB_KIND_FIELDS: readonly (readonly [ServerField, ServerField])[] = [
  ['ddbConnectOk', 'ddbConnectErr'], ['ddbScriptOk', 'ddbScriptErr'], ['ddbFunctionOk', 'ddbFunctionErr'],
  ['ddbUploadOk', 'ddbUploadErr'], ['ddbOtherOk', 'ddbOtherErr'],
];

/** Upper bounds of the latency buckets, seconds; DDB_LATENCY_FIELDS has one more (+Inf). */
export const DDB_LATENCY_BOUNDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] as const;
export const DDB_LATENCY_FIELDS: readonly ServerField[] = [
  'ddbLe1ms', 'ddbLe5ms', 'ddbLe10ms', 'ddbLe50ms', 'ddbLe100ms', 'ddbLe500ms', 'ddbLe1s', 'ddbLe5s', 'ddbLeInf',
];
