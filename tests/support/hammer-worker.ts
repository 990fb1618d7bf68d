// Test worker for tests/workers/shared-buffer-hammer.test.ts: hammers one server slot and one backend slot of a
// shared buffer with the same Atomics accessors the forwarders use, then returns the round-robin tickets it drew.
// Starts only on the 'go' message, so all workers contend at once.

import { parentPort, workerData } from 'node:worker_threads';
import { SharedState } from '../../core/shared/state-buffer.js';

/** What the test passes as workerData. */
export interface HammerInit {
  readonly buffer: SharedArrayBuffer;
  readonly iterations: number;
  readonly server: number;
  readonly backend: number;
}

function isHammerInit(data: unknown): data is HammerInit {
  return (
    typeof data === 'object' &&
    data !== null &&
    'buffer' in data &&
    data.buffer instanceof SharedArrayBuffer &&
    'iterations' in data &&
    typeof data.iterations === 'number' &&
    'server' in data &&
    typeof data.server === 'number' &&
    'backend' in data &&
    typeof data.backend === 'number'
  );
}

const port = parentPort;
if (port === null || !isHammerInit(workerData)) throw new Error('hammer-worker needs a parentPort and HammerInit');
const init = workerData;

port.once('message', () => {
  // Attach as a forwarder does: from the buffer alone, with its own views.
  const state = SharedState.attach(init.buffer);
  const server = state.server(init.server);
  const backend = state.backend(init.backend);
  const tickets = new Uint32Array(init.iterations);
  for (let i = 0; i < init.iterations; i++) {
    server.add('curConns', 1);
    server.add('curConns', -1);
    server.add('totalConns', 1);
    server.addWide('bytesIn', 3);
    tickets[i] = backend.nextTicket();
  }
  // Transfer, not copy: 100,000 tickets per worker.
  port.postMessage(tickets, [tickets.buffer]);
});
