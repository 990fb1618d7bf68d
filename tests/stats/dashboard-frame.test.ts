// The dashboard's frame builder (core/stats/dashboard/frame.ts) and the page's ring buffers
// (core/stats/dashboard/page/history.js, plain browser JS run here as the ES module it is): rates from counter
// differences, resets, empty cells, DolphinDB score sentinels, per-thread rates, and rings that never grow.
// Test-runner thread.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameBuilder, stateOf } from '../../core/stats/dashboard/frame.js';
import { COL, StatType, type StatRow, type StatValue } from '../../core/stats/stat-columns.js';
import { LOAD_SCORE } from '../../core/dolphindb/load-score.js';
import { fakeBackends, fakeServer, fakeSnapshot } from '../support/dashboard-source.js';

test('stateOf: HAProxy status cells to one state word', () => {
  const cases: [string, string][] = [['UP', 'UP'], ['UP 1/3', 'UP'], ['DOWN 2/3', 'DOWN'], ['no check', 'NOCHECK'],
    ['MAINT (via be/s1)', 'MAINT'], ['DRAIN', 'DRAIN'], ['NOLB', 'NOLB'], ['OPEN', 'OPEN'], ['', '']];
  for (const [status, state] of cases) assert.equal(stateOf(status), state, status);
});

test('rates are counter differences over the time between ticks; a counter that went back (reload) has no rate', () => {
  const backends = fakeBackends(1, 2);
  const b = new FrameBuilder(1000);
  const first = b.build(fakeSnapshot(backends), undefined, 10_000);
  assert.equal(first.rows.find((r) => r.sv === 's0')!.reqRate, null, 'no previous tick: no rate');
  const s0 = fakeServer(backends, 'be0', 's0');
  s0.reqTot += 500;
  s0.stot += 50;
  s0.bin += 1_000_000n;
  s0.econ += 3;
  s0.hrsp5xx += 4;
  const second = b.build(fakeSnapshot(backends), undefined, 12_000); // 2 s later
  const r = second.rows.find((x) => x.px === 'be0' && x.sv === 's0')!;
  assert.equal(r.reqRate, 250);
  assert.equal(r.sessRate, 25);
  assert.equal(r.binRate, 500_000);
  assert.equal(r.errRate, 1.5);
  assert.equal(r.h5xxRate, 2);
  const be = second.rows.find((x) => x.type === 'BACKEND')!;
  assert.equal(be.reqRate, 250, 'backend row from its own counters');
  s0.reqTot = 10; // a reload restarted the counter
  const third = b.build(fakeSnapshot(backends), undefined, 13_000);
  assert.equal(third.rows.find((x) => x.sv === 's0')!.reqRate, null);
  assert.equal(third.seq, 3);
  assert.equal(third.info.version, '0.1.0');
  assert.equal(new FrameBuilder(1000, true).build(fakeSnapshot(backends), undefined, 1).info.version, '', 'stats hide-version');
  b.reset();
  assert.equal(b.build(fakeSnapshot(backends), undefined, 14_000).rows.find((x) => x.sv === 's0')!.reqRate, null, 'after reset: no rate');
});

test('requests fall back to the sum of hrsp_* when req_tot is empty; listeners are left out; empty cells are null', () => {
  const values: StatValue[] = [];
  values[COL.pxname] = 'be';
  values[COL.svname] = 's';
  values[COL.type] = StatType.SERVER;
  values[COL.hrsp_2xx] = 10;
  values[COL.hrsp_4xx] = 5;
  const listener: StatValue[] = [];
  listener[COL.pxname] = 'fe';
  listener[COL.svname] = 'sock-1';
  listener[COL.type] = StatType.LISTENER;
  const snap = (n: number): { info: StatValue[]; rows: StatRow[] } => {
    values[COL.hrsp_2xx] = n;
    return { info: [], rows: [{ values: [...values], modules: [] }, { values: listener, modules: [] }] };
  };
  const b = new FrameBuilder(1000);
  b.build(snap(10), undefined, 1000);
  const f = b.build(snap(30), undefined, 2000);
  assert.equal(f.rows.length, 1);
  assert.equal(f.rows[0]!.reqRate, 20);
  assert.equal(f.rows[0]!.scur, null);
  assert.equal(f.rows[0]!.status, '');
  assert.equal(f.info.uptimeSec, null);
  assert.doesNotThrow(() => JSON.parse(b.stringify(f)));
});

test('DolphinDB scores: ×1000 to a ratio, no reading → null, failed → -1; threads get connection rates and a busy share from CPU seconds', () => {
  const backends = fakeBackends(1, 3);
  const b = new FrameBuilder(1000);
  const extra = (total: number) => ({
    dolphindbNodes: [
      { proxy: 'be0', server: 's0', loadScore: 420 },
      { proxy: 'be0', server: 's1', loadScore: LOAD_SCORE.noReading },
      { proxy: 'be0', server: 's2', loadScore: LOAD_SCORE.failed },
    ],
    threads: [
      { thread: 1, currentConnections: 7, connectionsTotal: total, cpuUserSeconds: total / 800, cpuSystemSeconds: total / 1600 },
      { thread: 2, currentConnections: 1, connectionsTotal: total },
    ],
  });
  b.build(fakeSnapshot(backends), extra(100), 1000);
  const f = b.build(fakeSnapshot(backends), extra(400), 1500);
  const score = (sv: string): number | null => f.rows.find((r) => r.sv === sv)!.score;
  assert.equal(score('s0'), 0.42);
  assert.equal(score('s1'), null);
  assert.equal(score('s2'), -1);
  assert.deepEqual(f.threads, [
    { name: 'forwarder 1', connections: 7, connRate: 600, busy: 1.125 }, // (0.5 + 0.25 - 0.125 - 0.0625) s over 0.5 s
    { name: 'forwarder 2', connections: 1, connRate: 600, busy: null },
  ]);
  const json = JSON.parse(b.stringify(f)) as { rows: { score: number | null }[] };
  assert.deepEqual(json.rows.filter((r) => r.score !== null).map((r) => r.score), [0.42, -1]);
});

test('DolphinDB calls (option dolphindb-inspect): per node, calls per second and their mean latency over the tick', () => {
  const backends = fakeBackends(1, 2);
  const b = new FrameBuilder(1000);
  const extra = (calls: number, seconds: number) => ({
    dolphindbNodes: [],
    threads: [],
    dolphindbRequests: [{ proxy: 'be0', node: 's0', counts: [], buckets: [calls, 0, 0, 0, 0, 0, 0, 0, 0], sumSeconds: seconds }],
  });
  const first = b.build(fakeSnapshot(backends), extra(10, 0.02), 1000);
  assert.equal(first.rows.find((r) => r.sv === 's0')!.ddbRate, null, 'no previous tick');
  const f = b.build(fakeSnapshot(backends), extra(60, 0.52), 1500);
  const s0 = f.rows.find((r) => r.sv === 's0')!;
  assert.equal(s0.ddbRate, 100); // 50 calls over 0.5 s
  assert.ok(Math.abs((s0.ddbMs ?? 0) - 10) < 1e-9); // 0.5 s over 50 calls
  assert.equal(f.rows.find((r) => r.sv === 's1')!.ddbMs, null, 'not inspected');
  const idle = b.build(fakeSnapshot(backends), extra(60, 0.52), 2500);
  assert.equal(idle.rows.find((r) => r.sv === 's0')!.ddbRate, 0);
  assert.equal(idle.rows.find((r) => r.sv === 's0')!.ddbMs, null, 'no call in the tick: no mean');
  const json = JSON.parse(b.stringify(f)) as { rows: { sv: string; ddbMs: number | null }[] };
  assert.equal(json.rows.find((r) => r.sv === 's0')?.ddbMs, s0.ddbMs);
});

interface PageHistory {
  length: number;
  times: Float64Array;
  series: Map<string, Float64Array>;
  push(t: number): void;
  set(key: string, v: number | null): void;
  at(i: number): number;
  prune(): void;
}

test('the page\'s History: fixed capacity, oldest first, NaN gaps, prune drops series empty over the window', async () => {
  const page = '../../../core/stats/dashboard/page/history.js'; // plain JS of the page, not compiled
  const { History } = (await import(page)) as { History: new (capacity: number) => PageHistory };
  const h = new History(4);
  for (let t = 1; t <= 6; t++) {
    h.push(t);
    if (t !== 5) h.set('a', t * 10);
    if (t === 1) h.set('gone', 1);
  }
  assert.equal(h.length, 4);
  const read = (key: string): number[] => Array.from({ length: h.length }, (_, i) => h.series.get(key)![h.at(i)]!);
  assert.deepEqual(Array.from({ length: 4 }, (_, i) => h.times[h.at(i)]), [3, 4, 5, 6]);
  assert.deepEqual(read('a').map((v) => (Number.isNaN(v) ? 'gap' : v)), [30, 40, 'gap', 60]);
  assert.equal(h.series.get('a')!.length, 4, 'a series never grows past the capacity');
  h.prune();
  assert.equal(h.series.has('gone'), false);
  assert.equal(h.series.has('a'), true);
});
