// Distribution checks with reasoned tolerances (the Envoy simulation-test idea) for the hashing algorithms over
// 10,000 client addresses, and exact shares for the deterministic ones over whole periods.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HashTypeConfig } from '../../config/model.js';
import { NO_ARGS } from '../../core/balance/balancer.js';
import { getAlgorithm } from '../../core/balance/registry.js';
import { fullHash } from '../../core/balance/hash-functions.js';
import { buildTestBackend, pickNames, tally } from '../support/backend-view.js';

const N = 10_000;
// 10.0.0.0 … 10.0.39.15: consecutive addresses, the worst case for a hash without avalanche.
const ADDRS = Array.from({ length: N }, (_, i) => `10.0.${i >> 8}.${i & 255}`);

function sourceShares(weights: readonly number[], hashType: HashTypeConfig): number[] {
  const be = buildTestBackend(weights.map((weight) => ({ weight })));
  const sh = getAlgorithm('source')?.create(be.view, { args: NO_ARGS, hashType });
  assert.ok(sh);
  const counts = weights.map(() => 0);
  for (const key of ADDRS) {
    const s = sh.pick({ key });
    assert.ok(s);
    counts[s.index] = (counts[s.index] ?? 0) + 1;
  }
  return counts.map((c) => c / N);
}

/** Fraction of the 32-bit ring closest to each server's points (what consistent hashing gives it). */
function ringShares(weights: readonly number[]): number[] {
  const points = weights
    .flatMap((w, i) => Array.from({ length: w * 16 }, (_, j) => ({ key: fullHash((i + 1) * 4096 + j), owner: i })))
    .sort((a, b) => a.key - b.key);
  const shares = weights.map(() => 0);
  points.forEach((p, k) => {
    const prev = points[(k - 1 + points.length) % points.length] ?? p;
    const next = points[(k + 1) % points.length] ?? p;
    // A point owns half the gap to each neighbour (closest-point lookup).
    shares[p.owner] = (shares[p.owner] ?? 0) + (((p.key - prev.key) >>> 0) + ((next.key - p.key) >>> 0)) / 2 / 2 ** 32;
  });
  return shares;
}

test('map-based source spreads consecutive addresses exactly evenly over 4 servers', () => {
  // Without avalanche the folded hash of consecutive IPv4 addresses is consecutive integers: mod 4 is exact.
  assert.deepEqual(sourceShares([1, 1, 1, 1], { method: 'map-based', function: 'sdbm', avalanche: false }), [
    0.25, 0.25, 0.25, 0.25,
  ]);
  assert.deepEqual(sourceShares([1, 2, 3, 2], { method: 'map-based', function: 'sdbm', avalanche: false }), [
    0.125, 0.25, 0.375, 0.25,
  ]);
});

test('map-based source with avalanche stays within 5% of each weight share', () => {
  // full_hash makes the slots behave like uniform draws: for a 1/4 share σ = sqrt(N·¼·¾)/N ≈ 0.43%, so a 5%
  // relative band (1.25 points) is about 2.9 σ; the inputs are fixed, so the outcome is too.
  const weights = [1, 2, 3, 2];
  const shares = sourceShares(weights, { method: 'map-based', function: 'sdbm', avalanche: true });
  weights.forEach((w, i) => {
    const expected = w / 8;
    assert.ok(Math.abs((shares[i] ?? 0) - expected) <= expected * 0.05, `s${i}: ${shares[i]} vs ${expected}`);
  });
});

test('consistent source gives each server the ring share its points own, and that share follows weight', () => {
  for (const weights of [
    [1, 1, 1, 1],
    [1, 2, 3, 2],
  ]) {
    const shares = sourceShares(weights, { method: 'consistent', function: 'sdbm', avalanche: true });
    const ring = ringShares(weights);
    const total = weights.reduce((a, b) => a + b, 0);
    weights.forEach((w, i) => {
      const arc = ring[i] ?? 0;
      // Observed vs ring arc: binomial with p = arc, 4 σ ≤ 0.02 for N = 10,000.
      const sigma = Math.sqrt((arc * (1 - arc)) / N);
      assert.ok(Math.abs((shares[i] ?? 0) - arc) <= 4 * sigma, `s${i}: ${shares[i]} vs arc ${arc}`);
      // Arc vs weight: 16 points per unit of weight leave a relative spread of about 1/√(16·w) (25% at weight
      // 1), so ±35% bounds it; the ring keys are fixed, so this is a regression guard, not a dice roll.
      assert.ok(Math.abs(arc - w / total) <= (0.35 * w) / total, `s${i}: arc ${arc} vs weight share ${w / total}`);
    });
  }
});

test('roundrobin and static-rr give exact weight shares over whole periods', () => {
  for (const name of ['roundrobin', 'static-rr']) {
    const be = buildTestBackend([{ weight: 1 }, { weight: 2 }, { weight: 3 }]);
    const b = getAlgorithm(name)?.create(be.view, {
      args: NO_ARGS,
      hashType: { method: 'map-based', function: 'sdbm', avalanche: false },
    });
    assert.ok(b);
    assert.deepEqual(tally(pickNames(be, b, 6000)), { s0: 1000, s1: 2000, s2: 3000 }, name);
  }
});
