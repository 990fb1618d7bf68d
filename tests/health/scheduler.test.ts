// When checks run: inter/fastinter/downinter by counter position (driven by a fake clock, the only thing faked:
// no network here), HAProxy's staggered first checks, the timeout check / timeout connect rule, no overlap.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyCheckResult, initialHealth } from '../../core/health/health-counter.js';
import {
  CheckScheduler,
  checkDeadlines,
  checkInterval,
  firstCheckDelays,
  type CheckTiming,
} from '../../core/health/scheduler.js';
import { FakeClock } from '../support/fake-clock.js';

const TIMING: CheckTiming = { inter: 1000, fastinter: 200, downinter: 5000, rise: 2, fall: 3 };

test('interval: inter at the top of the counter, downinter at 0 while DOWN, fastinter in between', () => {
  assert.equal(checkInterval(TIMING, 4, false), 1000);
  assert.equal(checkInterval(TIMING, 3, false), 200);
  assert.equal(checkInterval(TIMING, 2, false), 200, 'a freshly started server is "yet unchecked": fastinter');
  assert.equal(checkInterval(TIMING, 1, true), 200);
  assert.equal(checkInterval(TIMING, 0, true), 5000);
});

test('interval: fastinter and downinter fall back to inter when unset', () => {
  const t = { ...TIMING, fastinter: 0, downinter: 0 };
  assert.equal(checkInterval(t, 3, false), 1000);
  assert.equal(checkInterval(t, 0, true), 1000);
});

test('first checks are spread over the smallest interval of at least 1s, as start_checks() does', () => {
  assert.deepEqual(firstCheckDelays([2000, 2000, 2000, 2000]), [0, 500, 1000, 1500]);
  // 500 ms is under the threshold, so 2000 sets the period; each server also waits at least its own interval share.
  assert.deepEqual(firstCheckDelays([500, 3000, 2000]), [0, 1000, 1333]);
  assert.deepEqual(firstCheckDelays([100, 100]), [0, 50]);
  assert.deepEqual(firstCheckDelays([]), []);
});

test('deadlines: without timeout check, inter bounds the whole check', () => {
  assert.deepEqual(checkDeadlines(2000, { connect: 500 }), { connectMs: 2000, afterConnectMs: undefined });
});

test('deadlines: with timeout check, min(inter, timeout connect) bounds the connect and timeout check the rest', () => {
  assert.deepEqual(checkDeadlines(2000, { connect: 500, check: 300 }), { connectMs: 500, afterConnectMs: 300 });
  assert.deepEqual(checkDeadlines(400, { connect: 10_000, check: 300 }), { connectMs: 400, afterConnectMs: 300 });
  assert.deepEqual(checkDeadlines(400, { check: 300 }), { connectMs: 400, afterConnectMs: 300 });
});

/** One server's check loop over the fake clock: `script` gives each check's outcome in turn. */
function scriptedServer(clock: FakeClock, script: string) {
  const state = { health: initialHealth(TIMING.rise, TIMING.fall), up: true, runs: [] as number[] };
  let i = 0;
  const check = {
    run: async () => {
      state.runs.push(clock.now());
      const step = applyCheckResult(state.health, script[i++] === 'S' ? 'passed' : 'failed', TIMING, state.up);
      state.health = step.health;
      if (step.transition !== 'none') state.up = step.transition === 'up';
    },
    nextDelayMs: () => checkInterval(TIMING, state.health, !state.up),
  };
  return { state, check };
}

test('a server walks inter → fastinter while failing → downinter once DOWN → fastinter while rising → inter', async () => {
  const clock = new FakeClock();
  const scheduler = new CheckScheduler(clock);
  const { state, check } = scriptedServer(clock, 'SFFFSSS');
  scheduler.add(check, 0);
  await clock.advance(7600);
  await scheduler.stop();
  // S at 0 (top: +1000), F (3: +200), F (2: +200), F (DOWN at 0: +5000), S (1: +200), S (UP, top: +1000), S.
  assert.deepEqual(state.runs, [0, 1000, 1200, 1400, 6400, 6600, 7600]);
  assert.equal(state.up, true);
});

test('the next check is planned from the end of the previous one, so checks of a server never overlap', async () => {
  const clock = new FakeClock();
  const scheduler = new CheckScheduler(clock);
  const starts: number[] = [];
  let finish: (() => void) | undefined;
  scheduler.add(
    {
      run: () => {
        starts.push(clock.now());
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
      nextDelayMs: () => 100,
    },
    0,
  );
  await clock.advance(0);
  assert.deepEqual(starts, [0]);
  await clock.advance(1000);
  assert.deepEqual(starts, [0], 'a check still in flight holds back the next one');
  finish?.();
  await clock.advance(100);
  assert.deepEqual(starts, [0, 1100]);
  finish?.();
  await scheduler.stop();
});

test('stop() cancels every timer and no check runs afterwards', async () => {
  const clock = new FakeClock();
  const scheduler = new CheckScheduler(clock);
  let runs = 0;
  for (let i = 0; i < 3; i++) scheduler.add({ run: async () => void runs++, nextDelayMs: () => 50 }, i * 10);
  await clock.advance(60);
  const before = runs;
  await scheduler.stop();
  assert.equal(clock.pending(), 0);
  await clock.advance(1000);
  assert.equal(runs, before);
});
