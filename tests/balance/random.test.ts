// `balance random(N)`: weighted draws, the "least loaded of N draws" rule, and its arguments. Distribution
// tests use Math.random with tolerances of about 4 standard deviations (failure odds below 1 in 10,000 per run).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RandomBalancer, randomAlgorithm } from '../../core/balance/random.js';
import { balanceArgs, buildTestBackend, pickNames, tally, type TestServerSpec } from '../support/backend-view.js';

const HASH = { method: 'map-based', function: 'sdbm', avalanche: false } as const;

/** `line`: the `balance` line's words (`random(2)`), parsed as config load parses them. */
function setup(specs: readonly TestServerSpec[], line = 'random') {
  const be = buildTestBackend(specs);
  return { be, rnd: randomAlgorithm.create(be.view, { args: balanceArgs(line), hashType: HASH }) };
}

/** A fixed list of "random" numbers, cycled: makes a draw sequence exact. */
function scripted(values: readonly number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}

test('30,000 picks over weights 1,2,3 land within 5% of 1/6, 2/6, 3/6', () => {
  const { be, rnd } = setup([{ weight: 1 }, { weight: 2 }, { weight: 3 }]);
  const n = 30_000;
  const counts = tally(pickNames(be, rnd, n));
  // Idle servers tie on load, so each pick is the last weighted draw. For the weight-1 server the standard
  // deviation is sqrt(n·(1/6)·(5/6)) ≈ 65 picks; 5% of its 5,000 expected picks is 250, about 3.9 σ.
  [1, 2, 3].forEach((w, i) => {
    const expected = (n * w) / 6;
    const got = counts[`s${i}`] ?? 0;
    assert.ok(Math.abs(got - expected) <= expected * 0.05, `s${i}: ${got} vs ${expected}`);
  });
});

test('random(2) keeps the less loaded of two draws: a loaded server wins only when drawn twice', () => {
  const { be, rnd } = setup([{ conns: 10 }, { conns: 0 }], 'random(2)');
  const n = 20_000;
  const loaded = tally(pickNames(be, rnd, n))['s0'] ?? 0;
  // P(both draws hit s0) = 1/4; σ = sqrt(n·0.25·0.75) ≈ 61, so ±2 points (400 picks) is over 6 σ.
  assert.ok(Math.abs(loaded / n - 0.25) <= 0.02, `loaded share ${loaded / n}`);
});

test('random(1) ignores load: a single draw is just weighted', () => {
  const { be, rnd } = setup([{ conns: 10 }, { conns: 0 }], 'random(1)');
  const n = 20_000;
  const loaded = tally(pickNames(be, rnd, n))['s0'] ?? 0;
  assert.ok(Math.abs(loaded / n - 0.5) <= 0.02, `loaded share ${loaded / n}`);
});

test('load is compared per unit of weight, and a tie keeps the later draw', () => {
  const be = buildTestBackend([{ weight: 1, conns: 2 }, { weight: 4, conns: 4 }]);
  // Draw 0.1 → s0 (cumulative 1 of 5), then 0.9 → s1: 4/4 = 1 < 2/1, so s1.
  assert.equal(be.nameOf(new RandomBalancer(be.view, 2, scripted([0.1, 0.9])).pick({})), 's1');
  // s1 at 8 conns: 8/4 = 2/1, a tie: the later draw (s1) is kept.
  be.setConns(1, 8);
  assert.equal(be.nameOf(new RandomBalancer(be.view, 2, scripted([0.1, 0.9])).pick({})), 's1');
  be.setConns(1, 9);
  assert.equal(be.nameOf(new RandomBalancer(be.view, 2, scripted([0.1, 0.9])).pick({})), 's0');
});

test('draws follow effective weights as they change', () => {
  const be = buildTestBackend([{ weight: 3, effectiveWeight: 1 }, { weight: 1 }]);
  const rnd = new RandomBalancer(be.view, 1, scripted([0.6]));
  // Weights 1,1: 0.6 × 2 = 1.2 falls on s1. Weights 3,1: 0.6 × 4 = 2.4 falls on s0.
  assert.equal(be.nameOf(rnd.pick({})), 's1');
  be.setWeight(0, 3);
  assert.equal(be.nameOf(rnd.pick({})), 's0');
});

test('with skip, draws are made among the servers it lets through', () => {
  const be = buildTestBackend([{}, {}, {}]);
  const rnd = new RandomBalancer(be.view, 2, scripted([0.0, 0.99, 0.5]));
  assert.deepEqual(tally(pickNames(be, rnd, 30, { skip: (s) => s.name === 's1' }))['s1'], undefined);
});

test('random arguments: none means 2 draws; the count must be a positive integer', () => {
  assert.deepEqual(randomAlgorithm.parseArgs(undefined, []), { kind: 'random', draws: 2 });
  assert.deepEqual(randomAlgorithm.parseArgs('5', []), { kind: 'random', draws: 5 });
  for (const [inner, rest] of [['0', []], ['-1', []], ['x', []], ['1.5', []], ['2', ['3']]] as const) {
    assert.equal(typeof randomAlgorithm.parseArgs(inner, rest), 'string', `random(${inner}) ${rest.join(' ')}`);
  }
});
