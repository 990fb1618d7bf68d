// Round robin across real worker_threads over one SharedArrayBuffer: every thread builds its own balancer, and
// the shared ticket makes the global counts exact however the threads interleave.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { buildTestBackend, type TestServerSpec } from '../support/backend-view.js';
import type { RoundrobinWorkerData, RoundrobinWorkerReport } from '../support/roundrobin-worker.js';

const WORKER = new URL('../support/roundrobin-worker.js', import.meta.url);

/** Runs one worker per entry of `picks` (that many picks each) on one backend; returns picks per server index. */
async function runThreads(
  t: { after(fn: () => unknown): void },
  specs: readonly TestServerSpec[],
  algorithm: string,
  picks: readonly number[],
): Promise<number[]> {
  const be = buildTestBackend(specs);
  const gate = new SharedArrayBuffer(4);
  const workers = picks.map((count) => {
    const data: RoundrobinWorkerData = { buffer: be.state.buffer, statics: be.statics, algorithm, picks: count, gate };
    const w = new Worker(WORKER, { workerData: data });
    t.after(() => w.terminate());
    return w;
  });
  const signal = AbortSignal.timeout(10_000);
  await Promise.all(workers.map((w) => once(w, 'message', { signal })));
  // Every worker is now blocked on the gate and cannot report before it opens: listen first, then open.
  const reports = workers.map(async (w) => ((await once(w, 'message', { signal })) as [RoundrobinWorkerReport])[0]);
  Atomics.store(new Int32Array(gate), 0, 1);
  Atomics.notify(new Int32Array(gate), 0);
  const totals = specs.map(() => 0);
  for (const report of await Promise.all(reports)) {
    for (const [index, count] of Object.entries(report)) {
      assert.notEqual(index, '-1', 'a pick returned no server');
      totals[Number(index)] = (totals[Number(index)] ?? 0) + count;
    }
  }
  return totals;
}

// Per-thread pick counts are deliberately not whole periods: threads counting on their own would then be off by
// one or two, so only a shared ticket makes the totals exact.
test('two threads, 3 equal servers, 3000 picks: exactly 1000 each', async (t) => {
  assert.deepEqual(await runThreads(t, [{}, {}, {}], 'roundrobin', [1501, 1499]), [1000, 1000, 1000]);
});

test('two threads, weights 5,1,1, 7000 picks: exactly 5000, 1000, 1000', async (t) => {
  assert.deepEqual(
    await runThreads(t, [{ weight: 5 }, { weight: 1 }, { weight: 1 }], 'roundrobin', [3503, 3497]),
    [5000, 1000, 1000],
  );
});

test('static-rr shares the ticket the same way: three threads, weights 2,1, 3000 picks', async (t) => {
  assert.deepEqual(await runThreads(t, [{ weight: 2 }, { weight: 1 }], 'static-rr', [1001, 1000, 999]), [2000, 1000]);
});
