// `balance roundrobin`: the exact pick sequence (smooth weighted round robin over effective weights), its
// reaction to weight changes, fair handling of skipped servers, and the shared ticket across balancers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_ARGS } from '../../core/balance/balancer.js';
import { roundrobinAlgorithm, smoothWeightedSequence } from '../../core/balance/roundrobin.js';
import { buildTestBackend, pickNames, tally, type TestServerSpec } from '../support/backend-view.js';

const HASH = { method: 'map-based', function: 'sdbm', avalanche: false } as const;

function setup(specs: readonly TestServerSpec[]) {
  const be = buildTestBackend(specs);
  return { be, rr: roundrobinAlgorithm.create(be.view, { args: NO_ARGS, hashType: HASH }) };
}

test('three equal servers are picked s0,s1,s2,s0,s1,s2', () => {
  const { be, rr } = setup([{}, {}, {}]);
  assert.deepEqual(pickNames(be, rr, 6), ['s0', 's1', 's2', 's0', 's1', 's2']);
});

test('weights 5,1,1 give the smooth order a,a,b,a,c,a,a in every period', () => {
  const { be, rr } = setup([
    { name: 'a', weight: 5 },
    { name: 'b', weight: 1 },
    { name: 'c', weight: 1 },
  ]);
  const period = ['a', 'a', 'b', 'a', 'c', 'a', 'a'];
  assert.deepEqual(pickNames(be, rr, 21), [...period, ...period, ...period]);
});

test('the heavy server never gets more than its share in a row (no bursts)', () => {
  assert.deepEqual([...smoothWeightedSequence([3, 2, 1])], [0, 1, 0, 2, 1, 0]);
  // 10:1 — the light server sits in the middle of the period, not at an end after ten heavy picks.
  assert.deepEqual([...smoothWeightedSequence([10, 1])], [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
});

test('the sequence period is reduced by the gcd of the weights', () => {
  assert.deepEqual([...smoothWeightedSequence([100, 100, 100])], [0, 1, 2]);
  assert.deepEqual([...smoothWeightedSequence([20, 10])], [0, 1, 0]);
});

test('follows effective weights as they change (slowstart ramp)', () => {
  const { be, rr } = setup([
    { name: 'a', weight: 4, effectiveWeight: 1 },
    { name: 'b', weight: 1 },
  ]);
  // Ramping: a at effective weight 1 shares evenly with b.
  assert.deepEqual(tally(pickNames(be, rr, 10)), { a: 5, b: 5 });
  be.setWeight(0, 4);
  assert.deepEqual(tally(pickNames(be, rr, 50)), { a: 40, b: 10 });
});

test("a skipped server's turns are shared fairly by the others", () => {
  const { be, rr } = setup([
    { name: 'a', weight: 5 },
    { name: 'b', weight: 1 },
    { name: 'c', weight: 1 },
  ]);
  // a is full: b and c alternate instead of b inheriting every turn that follows a run of a's.
  const picks = pickNames(be, rr, 8, { skip: (s) => s.name === 'a' });
  assert.deepEqual(picks, ['b', 'c', 'b', 'c', 'b', 'c', 'b', 'c']);
});

test('a skipped server among equals leaves the others alternating', () => {
  const { be, rr } = setup([{}, {}, {}]);
  assert.deepEqual(pickNames(be, rr, 6, { skip: (s) => s.name === 's0' }), ['s1', 's2', 's1', 's2', 's1', 's2']);
});

test('two balancers on one backend (two threads) continue one global sequence', () => {
  const be = buildTestBackend([{}, {}, {}]);
  const one = roundrobinAlgorithm.create(be.view, { args: NO_ARGS, hashType: HASH });
  const two = roundrobinAlgorithm.create(be.view, { args: NO_ARGS, hashType: HASH });
  const picks = [one, two, two, one, two, one].map((b) => be.nameOf(b.pick({})));
  assert.deepEqual(picks, ['s0', 's1', 's2', 's0', 's1', 's2']);
});

test('a server that goes down drops out of the sequence and comes back in it', () => {
  const { be, rr } = setup([{}, {}, {}]);
  be.setUp(1, false);
  assert.deepEqual(tally(pickNames(be, rr, 6)), { s0: 3, s2: 3 });
  be.setUp(1, true);
  assert.deepEqual(tally(pickNames(be, rr, 6)), { s0: 2, s1: 2, s2: 2 });
});

test('roundrobin takes no argument', () => {
  assert.deepEqual(roundrobinAlgorithm.parseArgs(undefined, []), NO_ARGS);
  assert.equal(typeof roundrobinAlgorithm.parseArgs(undefined, ['2']), 'string');
});
