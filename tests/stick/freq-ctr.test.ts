// HAProxy's frequency counter on shared words (core/shared/freq-ctr.ts): the sliding rate of freq_ctr.c — current
// count plus the previous period's weighted by the share still to run — its rotations, its reset after two idle
// periods, its "flapping correction" at one event per period, and ticks that wrap or lag.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLOCK_SKEW_MS, readFreq, updateFreq } from '../../core/shared/freq-ctr.js';

const P = 10_000;

function counter(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(12));
}

test('a fresh counter reads 0, and its first event starts the period at that tick', () => {
  const c = counter();
  assert.equal(readFreq(c, 0, P, 5000), 0);
  assert.equal(updateFreq(c, 0, P, 1, 5000), 1);
  assert.equal(c[0], 5000);
  assert.equal(readFreq(c, 0, P, 5000), 1);
});

test('within the period the rate is the count; in the next one the old count weighs by the share still to run', () => {
  const c = counter();
  for (let i = 0; i < 30; i++) updateFreq(c, 0, P, 1, 1000 + i);
  assert.equal(readFreq(c, 0, P, 1000 + P - 1), 30);
  // 25% into the next period: 30 × 0.75 = 22.5 → 22.
  assert.equal(readFreq(c, 0, P, 1000 + P + 2500), 22);
  // One event there: 1 + 22.5 → 23 (HAProxy's curr + past×remain/period, rounded down once).
  updateFreq(c, 0, P, 1, 1000 + P + 2500);
  assert.equal(c[0], 1000 + P, 'the period advanced by exactly one period');
  assert.equal(readFreq(c, 0, P, 1000 + P + 2500), 23);
  // 90% in: 1 + 3 = 4.
  assert.equal(readFreq(c, 0, P, 1000 + P + 9000), 4);
});

test('after two periods without an event nothing remains, and the next event restarts the period at its tick', () => {
  const c = counter();
  for (let i = 0; i < 5; i++) updateFreq(c, 0, P, 1, 1000);
  assert.equal(readFreq(c, 0, P, 1000 + 2 * P), 0);
  updateFreq(c, 0, P, 1, 1000 + 2 * P + 123);
  assert.equal(c[0], (1000 + 2 * P + 123) & ~1, 'the event\'s tick, made even (bit 0 is the rotation lock)');
  assert.equal(c[2], 0, 'no previous count');
  assert.equal(readFreq(c, 0, P, 1000 + 2 * P + 500), 1);
});

test('one event per period reads 1, not 0, until the period after next (the flapping correction)', () => {
  const c = counter();
  updateFreq(c, 0, P, 1, 0 + 2);
  assert.equal(readFreq(c, 0, P, 2 + P + 9999), 1, 'previous = 1, current = 0: read as 1');
  updateFreq(c, 0, P, 1, 2 + P + 9999);
  // previous 1, current 1, 0.01% left: 1 + 0 = 1.
  assert.equal(readFreq(c, 0, P, 2 + P + 9999), 1);
});

test('ticks that wrap past 2^31 keep counting in the same period', () => {
  const c = counter();
  const start = 0x7fff_ff00;
  updateFreq(c, 0, P, 1, start);
  const wrapped = (start + 600) | 0;
  assert.ok(wrapped < 0);
  updateFreq(c, 0, P, 1, wrapped);
  assert.equal(readFreq(c, 0, P, wrapped), 2);
  assert.equal(readFreq(c, 0, P, (start + P + P / 2) | 0), 1, '2 × 0.5 in the next period');
});

test('a caller whose tick lags the period start (another thread read the clock later) counts in the current period', () => {
  const c = counter();
  updateFreq(c, 0, P, 1, 50_000);
  updateFreq(c, 0, P, 1, 49_990);
  assert.equal(c[0], 50_000, 'no rotation');
  assert.equal(readFreq(c, 0, P, 49_990), 2);
  // A tick "ahead" by more than any skew is one that wrapped long ago: the period is over, nothing remains.
  assert.equal(readFreq(c, 0, P, 50_000 - CLOCK_SKEW_MS - 1), 0);
});
