// The forwarders' batched stats (core/shared/stat-batch.ts): counted into per-thread arrays and applied once per loop
// turn, exactly as the single Atomics operations they replace would have left the words; and stats readers
// (settleStats) wait for a forwarder's pending counts, so a reply a client already got is in the next read.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { SharedState } from '../../core/shared/state-buffer.js';
import { settleStats } from '../../core/stats/settle-stats.js';
import { addTimeSample, readRate, readTimeAverage } from '../../core/shared/stat-counters.js';
import { stickNow } from '../../core/stick/stick-clock.js';
import { within } from '../support/wait.js';

const COUNTS = { servers: 2, backends: 1, frontends: 1, threads: 1 };

test('batched counters reach the shared words only at the flush, once per loop turn, and sum exactly', async () => {
  const state = SharedState.allocate(COUNTS);
  const srv = state.server(1);
  const later = srv.later;
  for (let i = 0; i < 5; i++) {
    later.add('totalConns', 1);
    later.add('hrsp2xx', 1);
    later.addWide('bytesOut', 1000);
    later.rate('ratetick', 'rateMax');
    later.max('maxConnsSeen', i + 1);
    later.latest('lastSessMs');
  }
  later.add('hrsp5xx', 2);
  assert.equal(srv.load('totalConns'), 0, 'nothing applied before the loop turn ends');
  assert.equal(srv.loadWide('bytesOut'), 0n);
  await nextTurn();
  assert.equal(srv.load('totalConns'), 5);
  assert.equal(srv.load('hrsp2xx'), 5);
  assert.equal(srv.load('hrsp5xx'), 2);
  assert.equal(srv.loadWide('bytesOut'), 5000n);
  assert.equal(srv.load('maxConnsSeen'), 5);
  assert.equal(srv.load('rateMax'), 5, 'the rate counter took the five events in one period');
  assert.equal(readRate(srv, 'ratetick', stickNow()), 5);
  assert.ok(srv.load('lastSessMs') !== 0, 'the last session time is set');
  // The neighbour record is untouched (offsets are the record's own).
  assert.equal(state.server(0).load('totalConns'), 0);
  assert.equal(state.server(0).loadWide('bytesOut'), 0n);
  // A second turn adds to what is there; a max never lowers.
  later.add('totalConns', 3);
  later.max('maxConnsSeen', 2);
  await nextTurn();
  assert.equal(srv.load('totalConns'), 8);
  assert.equal(srv.load('maxConnsSeen'), 5);
});

test('a batch of transaction times leaves the sliding averages as the samples one by one would (one per turn: exactly)', async () => {
  const a = SharedState.allocate(COUNTS);
  const b = SharedState.allocate(COUNTS);
  const samples = [
    [0, 2, 10, 20],
    [1, 3, 30, 40],
    [-1, -1, 5, 9],
  ] as const;
  for (const [q, c, r, t] of samples) {
    addTimeSample(a.backend(0), q, c, r, t);
    b.backend(0).later.time(q, c, r, t);
    await nextTurn();
  }
  for (const f of ['qtimeSum', 'ctimeSum', 'rtimeSum', 'ttimeSum', 'timeSamples', 'qtimeMax', 'ctimeMax', 'rtimeMax', 'ttimeMax'] as const) {
    assert.equal(b.backend(0).load(f), a.backend(0).load(f), f);
  }
  // Many samples in one turn: the average is still theirs (a constant series averages to itself).
  const c = SharedState.allocate(COUNTS);
  for (let i = 0; i < 2000; i++) c.server(0).later.time(0, 4, 7, 12);
  await nextTurn();
  assert.equal(readTimeAverage(c.server(0), 'ttimeSum', 'timeSamples'), 12);
  assert.equal(readTimeAverage(c.server(0), 'ctimeSum', 'timeSamples'), 4);
  assert.equal(c.server(0).load('ttimeMax'), 12);
});

test('a stats reader waits for a forwarder whose counts are not applied yet, and no longer than its bound', async (t) => {
  for (const [busyMs, bound, applied] of [
    [150, 2000, true],
    [1500, 30, false],
  ] as const) {
    const state = SharedState.allocate(COUNTS);
    const worker = new Worker(new URL('../support/stat-batch-worker.js', import.meta.url), { workerData: { buffer: state.buffer, busyMs } });
    t.after(() => worker.terminate());
    await within(once(worker, 'online'), 5000, 'worker online');
    const counted = once(worker, 'message');
    worker.postMessage('go');
    await within(counted, 5000, 'the worker counted');
    const f = state.frontend(0);
    assert.equal(f.load('reqTot'), 0, 'counted, not applied: the worker is still in its loop turn');
    const start = performance.now();
    settleStats(state, bound);
    const waited = performance.now() - start;
    if (applied) {
      assert.equal(f.load('reqTot'), 1, 'the read comes after the flush');
      assert.equal(f.load('hrsp2xx'), 1);
      assert.equal(f.loadWide('bytesOut'), 123n);
      assert.ok(waited < busyMs + 1000, `waited ${waited} ms`);
    } else {
      assert.equal(f.load('reqTot'), 0, 'a forwarder stuck past the bound is read as it is');
      assert.ok(waited >= bound - 1 && waited < 1000, `waited ${waited} ms for a bound of ${bound}`);
    }
    await worker.terminate();
  }
});
