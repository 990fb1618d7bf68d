// IdleCompaction (core/io/idle-compaction.ts): the policy on given heap figures, and the collection on this thread's
// real V8 heap. Test-runner thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import {
  CompactionPolicy,
  GROWTH_BYTES,
  IdleCompaction,
  MAX_PAUSE_SHARE,
  QUIET_BYTES,
  QUIET_CHECKS,
  QUIET_UTILIZATION,
  memoryReducingGc,
  type Reading,
} from '../../core/io/idle-compaction.js';
import { within } from '../support/wait.js';

const MIB = 1 << 20;
const figures = (usedMib: number, totalMib: number, utilization = 0): Reading => ({
  used_heap_size: usedMib * MIB,
  total_heap_size: totalMib * MIB,
  utilization,
});

/** Feeds `r` for QUIET_CHECKS - 1 checks (none due: not quiet long enough), then once more: is it due? */
function dueAfterQuiet(p: CompactionPolicy, r: Reading, at: number): boolean {
  for (let i = 1; i < QUIET_CHECKS; i++) assert.equal(p.due(r, at), false, `quiet ${i} of ${QUIET_CHECKS} checks`);
  return p.due(r, at);
}

test('the policy collects once a grown heap has gone quiet, and not while it is still allocating', () => {
  const p = new CompactionPolicy(figures(10, 18));
  assert.equal(p.due(figures(12, 20), 0), false, 'allocating and not grown enough');
  assert.equal(p.due(figures(30, 40), 0), false, 'grown, but allocating (used moved by 18 MiB)');
  assert.equal(dueAfterQuiet(p, figures(30, 40), 0), true, 'grown and quiet QUIET_CHECKS times in a row');
  p.compacted(figures(20, 22), 0, 0);
  assert.equal(dueAfterQuiet(p, figures(20, 22), 0), false, 'quiet, but the heap is what the last collection left');
  assert.equal(p.due(figures(20, 22 + GROWTH_BYTES / MIB - 1), 0), false, 'below the growth worth a collection');
  const grown = 22 + GROWTH_BYTES / MIB;
  assert.equal(p.due(figures(20 + (QUIET_BYTES / MIB) * 2, grown), 0), false, 'grown but allocating');
  assert.equal(dueAfterQuiet(p, figures(20 + (QUIET_BYTES / MIB) * 2, grown), 0), true);
});

test('a busy event loop is never quiet, even when a scavenge has put the used heap back where it was', () => {
  const p = new CompactionPolicy(figures(10, 18));
  const busy = QUIET_UTILIZATION * 10;
  for (let i = 0; i < 10; i++) assert.equal(p.due(figures(30, 40, busy), 0), false, `check ${i}`);
  // One busy check in between starts the count again.
  for (let i = 1; i < QUIET_CHECKS; i++) assert.equal(p.due(figures(30, 40), 0), false);
  assert.equal(p.due(figures(30, 40, busy), 0), false);
  assert.equal(dueAfterQuiet(p, figures(30, 40), 0), true);
});

test('bursts on purpose: after a collection of P ms the next waits P / MAX_PAUSE_SHARE ms, however grown the heap', () => {
  const p = new CompactionPolicy(figures(10, 18));
  assert.equal(p.due(figures(30, 40), 1000), false);
  assert.equal(dueAfterQuiet(p, figures(30, 40), 1500), true);
  p.compacted(figures(20, 22), 1550, 50);
  const wait = 50 / MAX_PAUSE_SHARE;
  assert.equal(p.due(figures(40, 60), 1750), false, 'the next burst');
  assert.equal(dueAfterQuiet(p, figures(40, 60), 2250), false, 'grown and quiet, but too soon');
  assert.equal(p.due(figures(40, 60), 1550 + wait - 1), false);
  assert.equal(p.due(figures(40, 60), 1550 + wait), true);
});

test('from start, the first quiet spell collects whatever start-up left, without holding back the next burst', () => {
  const p = new CompactionPolicy(figures(10, 18), true);
  assert.equal(p.due(figures(14, 18), 0), false, 'still starting');
  assert.equal(dueAfterQuiet(p, figures(14, 18), 0), true);
  // The start's collection took 100 ms: the first burst's may still come at once.
  p.compacted(figures(9, 10), 1000, 100);
  assert.equal(p.due(figures(9, 12), 1100), false);
  assert.equal(p.due(figures(30, 10 + GROWTH_BYTES / MIB), 1200), false, 'the burst');
  assert.equal(dueAfterQuiet(p, figures(30, 10 + GROWTH_BYTES / MIB), 1300), true);
  // That one counts.
  p.compacted(figures(9, 10), 1400, 100);
  assert.equal(p.due(figures(30, 10 + GROWTH_BYTES / MIB), 1500), false);
  assert.equal(dueAfterQuiet(p, figures(30, 10 + GROWTH_BYTES / MIB), 1600), false);
});

test('the baseline follows the heap down: growth is counted from the smallest heap seen since the last collection', () => {
  const p = new CompactionPolicy(figures(10, 30));
  assert.equal(p.due(figures(10, 14, 0.5), 0), false, 'the heap shrank (a GC), the loop busy');
  assert.equal(dueAfterQuiet(p, figures(10, 14 + GROWTH_BYTES / MIB), 0), true);
  assert.equal(p.due(figures(10, 14 + GROWTH_BYTES / MIB, 0.5), 0), false);
});

test("a burst's garbage and grown young generation are given back once the thread is quiet", async (t) => {
  const collect = memoryReducingGc();
  assert.ok(collect !== undefined, 'V8 hands out its gc function after --expose-gc at run time');
  // Started before the burst, as a forwarder starts before its connections: the heap now is the baseline.
  const compaction = new IdleCompaction({}, collect);
  t.after(() => compaction.stop());
  // A burst: short-lived objects, enough to grow the new space and promote some of them.
  let keep: object[] = [];
  for (let round = 0; round < 40; round++) {
    keep = [];
    for (let i = 0; i < 20_000; i++) keep.push({ i, a: [i, i], s: `x${i}` });
  }
  keep = [];
  const grown = getHeapStatistics().total_heap_size;
  let check: NodeJS.Timeout | undefined;
  t.after(() => clearInterval(check));
  await within(
    new Promise<void>((resolve) => {
      check = setInterval(() => {
        if (compaction.collections > 0) resolve();
      }, 50);
    }),
    10_000,
    'an idle compaction',
  );
  const after = getHeapStatistics().total_heap_size;
  const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
  assert.ok(after < grown - GROWTH_BYTES / 2, `heap ${(grown / MIB).toFixed(1)} → ${(after / MIB).toFixed(1)} MiB`);
  assert.ok(newSpace <= 2 * MIB, `new space back to ${(newSpace / MIB).toFixed(1)} MiB`);
  assert.equal(keep.length, 0);
});

test('without a gc function there is no timer and nothing to stop', () => {
  const c = new IdleCompaction({}, undefined);
  c.stop();
  assert.equal(c.collections, 0);
});
