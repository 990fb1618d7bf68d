// One stick table under contention from several forwarder threads (real worker_threads over one SharedArrayBuffer,
// the tests/support/hammer-worker.ts pattern): counts and rates stay exact, conn_cur is exact while sessions hold
// their tracks and drops by exactly what a dead thread held once main reclaims it, and inserts racing with purges,
// expiry and the sweeper never put one key in two slots.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { StickTableConfig } from '../../config/model.js';
import { ENTRY, EntryState } from '../../core/shared/stick-layout.js';
import { stickNow } from '../../core/stick/stick-clock.js';
import { setIntegerKey } from '../../core/stick/stick-key.js';
import type { HammerInit, StickHammer } from '../support/hammer-worker.js';
import { stickBuffer, stores, tableSpec, type StickBuffer } from '../support/stick-state.js';
import { delay, within } from '../support/wait.js';

const WORKER_URL = new URL('../support/hammer-worker.js', import.meta.url);
const WORKERS = 3;
const KEYS = 50;

const COUNTED = tableSpec('counted', {
  keyType: 'integer',
  size: 256,
  store: stores('conn_cur', 'conn_cnt', 'http_req_cnt', 'http_req_rate(600000)', 'gpc0'),
});
const CHURN = tableSpec('churn', { keyType: 'integer', size: 200, expire: 3 });

/** Starts WORKERS hammer workers on `buf`, lets them go at once, resolves with their reports. */
async function hammer(
  t: { after(fn: () => Promise<void>): void },
  buf: StickBuffer,
  tables: readonly StickTableConfig[],
  iterations: number,
  opts: { hold: boolean; churnKeys: number },
): Promise<{ workers: Worker[]; reports: Uint32Array[] }> {
  const workers = Array.from({ length: WORKERS }, (_, thread) => {
    const stick: StickHammer = { tables, threads: WORKERS, thread, keys: KEYS, ...opts };
    const init: HammerInit = { buffer: buf.state.buffer, iterations, server: 0, backend: 0, mode: 'stick', stick };
    return new Worker(WORKER_URL, { workerData: init });
  });
  t.after(async () => {
    await Promise.all(workers.map((w) => w.terminate()));
  });
  await within(Promise.all(workers.map((w) => once(w, 'online'))), 10_000, 'workers online');
  const results = workers.map((w) => once(w, 'message') as Promise<[Uint32Array]>);
  for (const w of workers) w.postMessage('go');
  const reports = (await within(Promise.all(results), 60_000, 'all workers to finish')).map(([r]) => r);
  return { workers, reports };
}

test('three threads tracking the same 50 keys lose no count: conn_cnt, http_req_cnt, gpc0 and the rate are exact', async (t) => {
  const ITER = 30_000;
  const buf = stickBuffer([COUNTED], WORKERS);
  const { reports } = await hammer(t, buf, [COUNTED], ITER, { hold: false, churnKeys: 0 });
  for (const r of reports) assert.equal(r[0], 0, 'no track refused');
  const view = buf.view(-1);
  const store = view.store(0);
  const f = view.fieldsOf(0);
  assert.ok(f.connCnt && f.httpReqCnt && f.httpReqRate);
  const gpc0 = store.layout.fields.get('gpc0');
  assert.ok(gpc0 !== undefined);
  const each = (WORKERS * ITER) / KEYS;
  const now = stickNow();
  for (let k = 0; k < KEYS; k++) {
    setIntegerKey(store, k);
    const slot = store.lookup(now);
    assert.ok(slot >= 0, `key ${k}`);
    assert.equal(store.loadUint(slot, f.connCnt.field), each, `conn_cnt of ${k}`);
    assert.equal(store.loadUint(slot, f.httpReqCnt.field), each, `http_req_cnt of ${k}`);
    assert.equal(store.loadUint(slot, gpc0), each, `gpc0 of ${k}`);
    assert.equal(store.readRate(slot, f.httpReqRate.field, now), each, `http_req_rate of ${k} (one 10-minute period)`);
    assert.equal(store.tracks(slot), 0, 'every stream ended');
  }
  assert.equal(store.count(), KEYS);
});

test("conn_cur is exact while threads hold tracks, and drops by exactly a dead thread's once main reclaims it", async (t) => {
  const buf = stickBuffer([COUNTED], WORKERS);
  // Each worker tracks every key at session level and ends without untracking: a thread that died with them.
  await hammer(t, buf, [COUNTED], 100, { hold: true, churnKeys: 0 });
  const main = buf.view(-1).store(0);
  const connCur = (): number[] =>
    Array.from({ length: KEYS }, (_, k) => {
      setIntegerKey(main, k);
      return main.tracks(main.lookup(stickNow()));
    });
  assert.deepEqual(new Set(connCur()), new Set([WORKERS]));
  main.reclaimThread(1);
  assert.deepEqual(new Set(connCur()), new Set([WORKERS - 1]));
  main.reclaimThread(0);
  main.reclaimThread(2);
  assert.deepEqual(new Set(connCur()), new Set([0]));
});

test('inserts racing with purges, expiry and the sweeper never put one key in two slots, and the counts add up', async (t) => {
  const tables = [COUNTED, CHURN];
  const buf = stickBuffer(tables, WORKERS);
  const sweeper = buf.view(-1).store(1);
  let sweeping = true;
  // The health thread's role, from this thread, while the workers insert (3 ms expiry, 1000 keys for 200 places).
  const sweeps = (async () => {
    while (sweeping) {
      sweeper.sweep(stickNow());
      await delay(1);
    }
  })();
  const { reports } = await hammer(t, buf, tables, 20_000, { hold: false, churnKeys: 1000 });
  sweeping = false;
  await sweeps;
  for (const r of reports) assert.deepEqual([r[1], r[2]], [0, 0], 'no insert refused (lock wait, full): a full table purges');
  const { i32 } = buf.state;
  const layout = sweeper.layout;
  const first = buf.state.offsets.stick + layout.entries;
  const keys = new Set<number>();
  let live = 0;
  let tombs = 0;
  for (let slot = 0; slot < layout.capacity; slot++) {
    const e = first + slot * layout.entryWords;
    const state = i32[e + ENTRY.state];
    if (state === EntryState.TOMB) tombs++;
    if (state !== EntryState.LIVE) continue;
    live++;
    const key = i32[e + layout.keyAt] ?? -1;
    assert.ok(!keys.has(key), `key ${key} is in two slots`);
    keys.add(key);
  }
  assert.ok(live <= CHURN.size);
  assert.equal(sweeper.count(), live, 'table_cnt is the number of live slots');
  assert.equal(Atomics.load(i32, buf.state.offsets.stick + layout.base + 5), tombs, 'the tombstone count is exact');
});
