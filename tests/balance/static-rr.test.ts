// `balance static-rr`: HAProxy's map order over STATIC weights (sequences checked against haproxy 2.6.12), and
// the fact that effective weights only switch a server off, never change its share.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_ARGS } from '../../core/balance/balancer.js';
import { haproxyWeightMap } from '../../core/balance/hash-map-based.js';
import { staticRrAlgorithm } from '../../core/balance/static-rr.js';
import { buildTestBackend, pickNames, tally, type TestServerSpec } from '../support/backend-view.js';

const HASH = { method: 'map-based', function: 'sdbm', avalanche: false } as const;

function setup(specs: readonly TestServerSpec[]) {
  const be = buildTestBackend(specs);
  return { be, srr: staticRrAlgorithm.create(be.view, { args: NO_ARGS, hashType: HASH }) };
}

test('equal weights are picked in config order', () => {
  const { be, srr } = setup([{}, {}, {}]);
  assert.deepEqual(pickNames(be, srr, 6), ['s0', 's1', 's2', 's0', 's1', 's2']);
});

test('weights 5,1,1 follow HAProxy map order a,a,a,b,a,a,c', () => {
  const { be, srr } = setup([
    { name: 'a', weight: 5 },
    { name: 'b', weight: 1 },
    { name: 'c', weight: 1 },
  ]);
  const period = ['a', 'a', 'a', 'b', 'a', 'a', 'c'];
  assert.deepEqual(pickNames(be, srr, 14), [...period, ...period]);
});

test('weights are divided by their gcd first: 10,10,20 cycle a,c,b,c', () => {
  const { be, srr } = setup([
    { name: 'a', weight: 10 },
    { name: 'b', weight: 10 },
    { name: 'c', weight: 20 },
  ]);
  assert.deepEqual(pickNames(be, srr, 8), ['a', 'c', 'b', 'c', 'a', 'c', 'b', 'c']);
});

test('the map builder reproduces HAProxy recalc_server_map()', () => {
  assert.deepEqual([...haproxyWeightMap([3, 2, 1])], [0, 0, 1, 0, 1, 2]);
  assert.deepEqual([...haproxyWeightMap([1])], [0]);
  assert.deepEqual([...haproxyWeightMap([0, 2])], [1, 1]);
});

test('effective weights do not change the shares, but effective weight 0 switches a server off', () => {
  const { be, srr } = setup([
    { name: 'a', weight: 3, effectiveWeight: 1 },
    { name: 'b', weight: 1 },
  ]);
  assert.deepEqual(tally(pickNames(be, srr, 40)), { a: 30, b: 10 });
  be.setWeight(0, 0);
  assert.deepEqual(tally(pickNames(be, srr, 4)), { b: 4 });
});

test('static-rr takes no argument and declares static weights', () => {
  assert.equal(staticRrAlgorithm.dynamicWeights, false);
  assert.equal(typeof staticRrAlgorithm.parseArgs(undefined, ['x']), 'string');
});
