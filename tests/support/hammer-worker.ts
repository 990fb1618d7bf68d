// Test worker for tests/workers/shared-buffer-hammer.test.ts: hammers one server slot and one backend slot of a
// shared buffer with the same Atomics accessors the forwarders use, then returns the round-robin tickets it drew;
// or (mode 'admission') admits and releases clients against a maxconn as reuseport forwarders do, counting in a
// separate word how many it holds at once; or (mode 'stick', tests/stick/stick-hammer.test.ts) tracks, counts and
// inserts stick-table keys as forwarder `thread` does. Starts only on the 'go' message, so all workers contend at once.

import { parentPort, workerData } from 'node:worker_threads';
import type { StickTableConfig } from '../../config/model.js';
import { ConnAccounting } from '../../core/shared/conn-accounting.js';
import { SharedState } from '../../core/shared/state-buffer.js';
import { stickNow } from '../../core/stick/stick-clock.js';
import { StickCounters, TrackLevel } from '../../core/stick/stick-counters.js';
import { setIntegerKey } from '../../core/stick/stick-key.js';
import { StickTables } from '../../core/stick/stick-tables.js';
import { stickRegionLayout } from '../../core/shared/stick-layout.js';

/** What the test passes as workerData. */
export interface HammerInit {
  readonly buffer: SharedArrayBuffer;
  readonly iterations: number;
  readonly server: number;
  readonly backend: number;
  /** 'admission': admitClient/unadmitClient on frontend 0 against `maxconn` (global and frontend alike). */
  readonly mode?: 'counters' | 'admission' | 'stick';
  readonly maxconn?: number;
  /** mode 'admission': an extra Int32Array over its own SharedArrayBuffer: [held now, most held at once, admitted]. */
  readonly held?: SharedArrayBuffer;
  /** mode 'stick': the tables of the buffer and what to do with them. */
  readonly stick?: StickHammer;
}

/**
 * mode 'stick': `iterations` rounds over integer keys 0..keys-1 of table 0: track sc0 for one request (conn_cnt,
 * conn_cur, http_req_*), sc_inc_gpc0, end the stream; then, when `hold`, track every key at session level and keep
 * the tracks (the test reads conn_cur, or kills this worker). With `churnKeys`, each round also inserts a random key
 * of 0..churnKeys-1 into table 1 (an expiring table the test sweeps meanwhile).
 */
export interface StickHammer {
  readonly tables: readonly StickTableConfig[];
  readonly threads: number;
  readonly thread: number;
  readonly keys: number;
  readonly hold: boolean;
  readonly churnKeys: number;
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

/** Stick mode: returns [tracks refused, churn inserts refused: lock wait over, table full]. */
function hammerStick(state: SharedState, h: StickHammer): Uint32Array {
  const tables = new StickTables(state, stickRegionLayout(h.tables, h.threads), h.thread);
  const store = tables.store(0);
  const refused = new Uint32Array(3);
  const counters = new StickCounters(tables);
  let seed = 0x9e3779b1 ^ h.thread;
  for (let i = 0; i < init.iterations; i++) {
    const now = stickNow();
    setIntegerKey(store, i % h.keys);
    if (!counters.trackHttpRequest(0, 0, now)) refused[0] = (refused[0] ?? 0) + 1;
    counters.incGpc(0, 0, now);
    counters.endStream(now);
    if (h.churnKeys > 0) {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      const churn = tables.store(1);
      setIntegerKey(churn, (seed >>> 8) % h.churnKeys);
      if (churn.acquire(now) >= 0) churn.release();
    }
  }
  if (h.churnKeys > 0) {
    refused[1] = tables.store(1).refusedLock;
    refused[2] = tables.store(1).refusedFull;
  }
  if (h.hold) {
    for (let k = 0; k < h.keys; k++) {
      setIntegerKey(store, k);
      // One connection per key, tracked until this worker ends (never, unless the test terminates it).
      new StickCounters(tables).track(1, 0, TrackLevel.SESSION);
    }
  }
  return refused;
}

port.once('message', () => {
  // Attach as a forwarder does: from the buffer alone, with its own views.
  const state = SharedState.attach(init.buffer);
  if (init.mode === 'stick' && init.stick !== undefined) {
    const refused = hammerStick(state, init.stick);
    port.postMessage(refused);
    return;
  }
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
