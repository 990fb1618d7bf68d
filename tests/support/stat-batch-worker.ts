// Test worker for tests/workers/stat-batch.test.ts: a stand-in forwarder on thread slot 0 that counts one request's
// stats through the batched path (core/shared/stat-batch.ts), tells the test it counted, then keeps its event loop
// busy for `busyMs` before the loop turn ends, so the flush comes that late.

import { parentPort, workerData } from 'node:worker_threads';
import { SharedState } from '../../core/shared/state-buffer.js';

/** What the test passes as workerData. */
export interface StatBatchInit {
  readonly buffer: SharedArrayBuffer;
  readonly busyMs: number;
}

const init = workerData as StatBatchInit;
const state = SharedState.attach(init.buffer);
state.thread(0).store('alive', 1);
state.publishStats(0);

parentPort?.on('message', () => {
  const f = state.frontend(0).later;
  f.add('reqTot', 1);
  f.add('hrsp2xx', 1);
  f.addWide('bytesOut', 123);
  parentPort?.postMessage('counted');
  // The rest of the loop turn: the flush (setImmediate) waits for it, as behind a forwarder's other sessions.
  const end = performance.now() + init.busyMs;
  while (performance.now() < end) {
    // busy
  }
});
