// `balance dolphindb-load`: the load score formula, and the pick sequence over a real shared buffer with fixed
// scores, placing each pick as a forwarder does (placedSinceReading and curConns +1), so the water-level filling,
// the tie-breaks, readings that take placed connections back, and the missing/failed reading rules are exact.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Balancer } from '../../core/balance/balancer.js';
import { DEFAULT_PLACEMENT_COST, dolphindbLoadAlgorithm, placementCost } from '../../core/balance/dolphindb-load.js';
import { LOAD_SCORE, loadScore } from '../../core/dolphindb/load-score.js';
import { publishReading } from '../../core/health/load-reading.js';
import type { ServerSlot } from '../../core/shared/server-slot.js';
import { balanceArgs, buildTestBackend, tally, type TestBackend } from '../support/backend-view.js';

const HASH = { method: 'map-based', function: 'sdbm', avalanche: false } as const;
const GIB = 1024 ** 3;

/** `line`: the `balance` line's words (`dolphindb-load 0.2`), parsed as config load parses them. */
function setup(scores: readonly number[], line = 'dolphindb-load'): { be: TestBackend; balancer: Balancer } {
  const be = buildTestBackend(scores.map((_, i) => ({ name: 'abcdefgh'[i] ?? `s${i}` })));
  scores.forEach((s, i) => be.slots[i]?.store('loadScore', s));
  return { be, balancer: dolphindbLoadAlgorithm.create(be.view, { args: balanceArgs(line), hashType: HASH }) };
}

/** `count` picks, each placed as dispatch() places it (serverOpened: curConns and placedSinceReading +1). */
function place(be: TestBackend, balancer: Balancer, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const s = balancer.pick({});
    out.push(be.nameOf(s));
    if (s === undefined) continue;
    const slot = be.slots[s.index] as ServerSlot;
    slot.add('curConns', 1);
    slot.add('placedSinceReading', 1);
  }
  return out;
}

test('the score: 0 for an idle node, the weighted mean of cpu, avgLoad, connections and memory, plus backlog', () => {
  const idle = new Map([['cpuUsage', 0], ['avgLoad', 0], ['connectionNum', 0], ['maxConnections', 512], ['memoryUsed', 0], ['maxMemSize', 16]]);
  assert.equal(loadScore(idle), 0);
  const full = new Map([['cpuUsage', 100], ['avgLoad', 1], ['connectionNum', 511], ['maxConnections', 512], ['memoryUsed', 16 * GIB], ['maxMemSize', 16]]);
  assert.equal(loadScore(full), 1000);
  // Half CPU only: 0.30 * 0.5 = 0.15.
  assert.equal(loadScore(new Map([...idle, ['cpuUsage', 50]])), 150);
  // Each queued job adds 0.05, each running job 0.01.
  assert.equal(loadScore(new Map([...idle, ['queuedJobs', 2], ['runningJobs', 3]])), 130);
  // At the connection limit the node refuses sessions: saturated whatever the rest says.
  assert.equal(loadScore(new Map([...idle, ['connectionNum', 512]])), LOAD_SCORE.saturated);
});

test('the score: figures the node does not report are left out and the other weights rescaled', () => {
  // Real getPerf() has no maxConnections (DolphinDB's default 512 is assumed) and no maxMemSize (memory left out).
  const real = new Map([['cpuUsage', 100], ['avgLoad', 1], ['connectionNum', 256], ['memoryUsed', 1e9]]);
  // (0.30*1 + 0.25*1 + 0.25*0.5) / 0.80 = 0.84375
  assert.equal(loadScore(real), 844);
  assert.equal(loadScore(new Map([['diskCapacity', 1]])), LOAD_SCORE.failed);
});

test('picks fill the nodes like water levels: the least loaded first, then shared, ties to the fewest connections', () => {
  const { be, balancer } = setup([100, 300, 500, 700]);
  assert.deepEqual(place(be, balancer, 15), ['a', 'a', 'a', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'c', 'b', 'a']);
});

test('40 connections at once spread by load: 16/12/8/4 for scores 0.1/0.3/0.5/0.7 at the default cost 0.05', () => {
  const { be, balancer } = setup([100, 300, 500, 700]);
  assert.deepEqual(tally(place(be, balancer, 40)), { a: 16, b: 12, c: 8, d: 4 });
});

test('a larger cost per placed connection spreads a burst more evenly', () => {
  const { be, balancer } = setup([100, 300, 500, 700], 'dolphindb-load 0.2');
  assert.deepEqual(tally(place(be, balancer, 40)), { a: 11, b: 10, c: 10, d: 9 });
  assert.equal(placementCost([]), DEFAULT_PLACEMENT_COST);
  assert.equal(placementCost(['0.2']), 200);
  for (const bad of [['x'], ['-1'], ['11'], ['0.1', '2']]) assert.equal(placementCost(bad), undefined, bad.join(' '));
  assert.match(String(dolphindbLoadAlgorithm.parseArgs(undefined, ['x'])), /cost per placed connection/);
});

test('a reading takes back the connections it covers, so picks follow the new scores', () => {
  const { be, balancer } = setup([100, 300]);
  assert.deepEqual(place(be, balancer, 4), ['a', 'a', 'a', 'a']);
  const a = be.slots[0] as ServerSlot;
  // The reading saw the 4 connections: a now reports more load than b.
  publishReading(a, { ok: true, figures: new Map([['cpuUsage', 100], ['avgLoad', 0.2]]) }, 4);
  assert.equal(a.load('placedSinceReading'), 0);
  assert.equal(a.load('loadScore'), Math.round(((0.3 + 0.25 * 0.2) / 0.55) * 1000));
  assert.equal(place(be, balancer, 1)[0], 'b');
  // Connections placed while a reading is in flight stay counted after it.
  a.add('placedSinceReading', 3);
  publishReading(a, { ok: true, figures: new Map([['cpuUsage', 0]]) }, 1);
  assert.equal(a.load('placedSinceReading'), 2);
  publishReading(a, { ok: false, reason: 'timeout' }, 2);
  assert.equal(a.load('loadScore'), LOAD_SCORE.failed);
  assert.equal(a.load('placedSinceReading'), 2);
});

test('a node without a reading counts as the mean of the known scores; a failed reading as the worst', () => {
  const fresh = setup([100, LOAD_SCORE.noReading, 500]);
  // b counts as mean(100, 500) = 300: a takes 4 to reach 300, then a and b share up to c's 500 (4 each).
  assert.deepEqual(tally(place(fresh.be, fresh.balancer, 12)), { a: 8, b: 4 });
  const failed = setup([LOAD_SCORE.failed, 2400]);
  assert.deepEqual(place(failed.be, failed.balancer, 3), ['b', 'b', 'b']);
  const none = setup([LOAD_SCORE.noReading, LOAD_SCORE.noReading]);
  assert.deepEqual(place(none.be, none.balancer, 4).sort(), ['a', 'a', 'b', 'b']);
});

test('down servers, weight 0 and skipped servers are never picked, whatever their score', () => {
  const { be, balancer } = setup([0, 100, 200]);
  be.setUp(0, false);
  be.setWeight(1, 0);
  assert.deepEqual(place(be, balancer, 3), ['c', 'c', 'c']);
  assert.equal(balancer.pick({ skip: (s) => s.name === 'c' }), undefined);
});
