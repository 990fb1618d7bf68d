// `balance leastconn`: fewest live connections relative to weight (HAProxy's (conns+1)/weight key, idle first),
// round-robin among equals, and live counts read from the shared buffer.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_ARGS } from '../../core/balance/balancer.js';
import { leastconnAlgorithm } from '../../core/balance/leastconn.js';
import { buildTestBackend, pickNames, tally, type TestServerSpec } from '../support/backend-view.js';

const HASH = { method: 'map-based', function: 'sdbm', avalanche: false } as const;

function setup(specs: readonly TestServerSpec[]) {
  const be = buildTestBackend(specs);
  return { be, lc: leastconnAlgorithm.create(be.view, { args: NO_ARGS, hashType: HASH }) };
}

test('picks the server with the fewest live connections', () => {
  const { be, lc } = setup([{ conns: 3 }, { conns: 1 }, { conns: 2 }]);
  assert.deepEqual(pickNames(be, lc, 3), ['s1', 's1', 's1']);
});

test('connections count relative to weight', () => {
  // (1+1)/1 = 2 against (6+1)/3 ≈ 2.33: the light server is less loaded.
  const { be, lc } = setup([{ weight: 1, conns: 1 }, { weight: 3, conns: 6 }]);
  assert.equal(be.nameOf(lc.pick({})), 's0');
  // (2+1)/1 = 3 against (6+1)/3 ≈ 2.33: now the heavy one is.
  be.setConns(0, 2);
  assert.equal(be.nameOf(lc.pick({})), 's1');
});

test('an idle server wins over any loaded one, whatever the weights', () => {
  const { be, lc } = setup([{ weight: 256, conns: 1 }, { weight: 1, conns: 0 }]);
  assert.equal(be.nameOf(lc.pick({})), 's1');
});

test('equally loaded servers take turns', () => {
  const { be, lc } = setup([{ conns: 2 }, { conns: 2 }, { conns: 2 }]);
  assert.deepEqual(pickNames(be, lc, 6), ['s0', 's1', 's2', 's0', 's1', 's2']);
});

test('placing each picked connection spreads load by weight', () => {
  const { be, lc } = setup([{ weight: 1 }, { weight: 2 }, { weight: 3 }]);
  for (let i = 0; i < 60; i++) {
    const s = lc.pick({});
    assert.ok(s);
    be.slots[s.index]?.add('curConns', 1);
  }
  const conns = be.slots.map((s) => s.load('curConns'));
  // Each server ends within one connection of 60 × weight/6.
  assert.ok(Math.abs((conns[0] ?? 0) - 10) <= 1 && Math.abs((conns[1] ?? 0) - 20) <= 1, `${conns.join(',')}`);
  assert.equal(conns.reduce((a, b) => a + b, 0), 60);
});

test('a skipped server is passed over for the next least loaded', () => {
  const { be, lc } = setup([{ conns: 5 }, { conns: 0 }, { conns: 1 }]);
  assert.deepEqual(tally(pickNames(be, lc, 4, { skip: (s) => s.name === 's1' })), { s2: 4 });
});

test('leastconn follows effective weights and takes no argument', () => {
  assert.equal(leastconnAlgorithm.dynamicWeights, true);
  assert.equal(typeof leastconnAlgorithm.parseArgs(undefined, ['1']), 'string');
});
