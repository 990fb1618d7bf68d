// Test worker for tests/log/log-ring.test.ts: a forwarder's side of a traffic log ring (core/shared/log-ring.ts),
// pushing `lines` numbered lines as fast as it can and posting how many the ring refused. Starts on the 'go' message.

import { parentPort, workerData } from 'node:worker_threads';
import { LogRingProducer } from '../../core/shared/log-ring.js';

export interface LogRingWorkerInit {
  readonly ring: SharedArrayBuffer;
  readonly doorbell: SharedArrayBuffer;
  readonly frontend: number;
  readonly lines: number;
}

const init = workerData as LogRingWorkerInit;
const producer = new LogRingProducer(init.ring, init.doorbell);
parentPort?.once('message', () => {
  let refused = 0;
  for (let i = 0; i < init.lines; i++) {
    if (!producer.push(init.frontend, 6, `fe${init.frontend} line ${i} ${'x'.repeat(i % 200)}`, i % 7 === 0 ? `[sd i="${i}"]` : '')) refused++;
  }
  parentPort?.postMessage(refused);
});
