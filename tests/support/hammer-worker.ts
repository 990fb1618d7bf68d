// Test worker for tests/workers/shared-buffer-hammer.test.ts: hammers one server slot and one backend slot of a
// shared buffer with the same Atomics accessors the forwarders use, then returns the round-robin tickets it drew;
// or (mode 'admission') admits and releases clients against a maxconn as reuseport forwarders do, counting in a
// separate word how many it holds at once. Starts only on the 'go' message, so all workers contend at once.

import { parentPort, workerData } from 'node:worker_threads';
import { ConnAccounting } from '../../core/shared/conn-accounting.js';
import { SharedState } from '../../core/shared/state-buffer.js';

/** What the test passes as workerData. */
export interface HammerInit {
  readonly buffer: SharedArrayBuffer;
  readonly iterations: number;
  readonly server: number;
  readonly backend: number;
  /** 'admission': admitClient/unadmitClient on frontend 0 against `maxconn` (global and frontend alike). */
  readonly mode?: 'counters' | 'admission';
  readonly maxconn?: number;
  /** mode 'admission': an extra Int32Array over its own SharedArrayBuffer: [held now, most held at once, admitted]. */
  readonly held?: SharedArrayBuffer;
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

/** Admits and releases `iterations` times; the held word shows whether the limit ever let one too many in. */
function hammerAdmission(state: SharedState, held: Int32Array, maxconn: number): void {
  const accounting = new ConnAccounting(state);
  for (let i = 0; i < init.iterations; i++) {
    if (accounting.admitClient(0, maxconn, maxconn) !== 'ok') continue;
    const now = Atomics.add(held, 0, 1) + 1;
    // Keep the most held at once (a compare-exchange loop, bounded by the contenders).
    for (let seen = Atomics.load(held, 1); now > seen; seen = Atomics.load(held, 1)) {
      if (Atomics.compareExchange(held, 1, seen, now) === seen) break;
    }
    Atomics.add(held, 2, 1);
    // Hold it a moment, so the others mostly find the limit reached and race for each slot that frees.
    let spin = 0;
    for (let k = 0; k < 200; k++) spin += Math.sqrt(k);
    if (spin < 0) throw new Error('unreachable');
    Atomics.sub(held, 0, 1);
    accounting.unadmitClient(0);
  }
}

port.once('message', () => {
  // Attach as a forwarder does: from the buffer alone, with its own views.
  const state = SharedState.attach(init.buffer);
  if (init.mode === 'admission' && init.held !== undefined) {
    hammerAdmission(state, new Int32Array(init.held), init.maxconn ?? 1);
    port.postMessage(new Uint32Array(0));
    return;
  }
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
