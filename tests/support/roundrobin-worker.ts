// Test worker for tests/balance/roundrobin-threads.test.ts: plays one forwarder thread. It attaches to the shared
// buffer, builds its own BackendView and balancer (as forwarders do), waits on a start gate so all threads pick
// at once, makes `picks` picks and posts how many each server got.

import { parentPort, workerData } from 'node:worker_threads';
import { NO_ARGS } from '../../core/balance/balancer.js';
import { createBalancer } from '../../core/balance/registry.js';
import type { ServerStatic } from '../../core/shared/server-slot.js';
import { SharedState } from '../../core/shared/state-buffer.js';
import { attachBackendView } from './backend-view.js';

/** What the test hands each worker. */
export interface RoundrobinWorkerData {
  readonly buffer: SharedArrayBuffer;
  readonly statics: readonly ServerStatic[];
  readonly algorithm: string;
  readonly picks: number;
  /** Int32 word 0: the test stores 1 and notifies to start every worker together. */
  readonly gate: SharedArrayBuffer;
}

/** What each worker posts back: picks per server index ('-1' for none). */
export type RoundrobinWorkerReport = Record<string, number>;

function isWorkerData(v: unknown): v is RoundrobinWorkerData {
  return typeof v === 'object' && v !== null && 'buffer' in v && 'gate' in v && 'picks' in v && 'statics' in v;
}

const port = parentPort;
if (port === null || !isWorkerData(workerData)) throw new Error('roundrobin-worker must run as a worker thread');
const data = workerData;
const view = attachBackendView(SharedState.attach(data.buffer), data.statics);
const balancer = createBalancer(view, {
  source: { file: 'test', line: 0 },
  algorithm: data.algorithm,
  args: NO_ARGS,
  hashType: { method: 'map-based', function: 'sdbm', avalanche: false },
});
const gate = new Int32Array(data.gate);
port.postMessage('ready');
// A worker thread may block: wait (bounded) until the test opens the gate for everyone.
Atomics.wait(gate, 0, 0, 5000);
const report: RoundrobinWorkerReport = {};
for (let i = 0; i < data.picks; i++) {
  const key = String(balancer.pick({})?.index ?? -1);
  report[key] = (report[key] ?? 0) + 1;
}
port.postMessage(report);
