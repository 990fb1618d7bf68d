// The bench's per-subject process figures (issue 8, item 11): RSS parsed from /proc/PID/status, the peak of an fd
// sampler, "RSS after" and "fds at peak" added around a measurement, and rows only for subjects that have a process.
// Pure functions and this test process's own /proc entries; no child processes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fdCount, IDLE_SETTLE, MIB, PROCESS_METRICS, samplePeak, settledRss, statusBytes, treeFds, withProcessFigures, WORK_DONE } from '../../native-bench/process-figures.js';
import { rowsOf, type RunTable } from '../../native-bench/result-model.js';

test('statusBytes reads VmRSS or another kB line of /proc/PID/status in bytes, 0 when absent', () => {
  const text = 'Name:\tnode\nVmHWM:\t  300000 kB\nVmRSS:\t  123456 kB\nRssAnon:\t   65432 kB\n';
  assert.equal(statusBytes(text), 123456 * 1024);
  assert.equal(statusBytes(text, 'RssAnon'), 65432 * 1024);
  assert.equal(statusBytes('Name:\tgone\n'), 0);
});

test('samplePeak keeps the largest sample, counting the one taken at start and the one taken at stop', () => {
  const reads = (values: number[]): (() => number) => () => values.shift() ?? 0;
  // Stopped at once: only the first and the last sample exist.
  assert.equal(samplePeak(reads([7, 3])).stop(), 7);
  assert.equal(samplePeak(reads([2, 9])).stop(), 9);
});

test('withProcessFigures adds RSS after (MiB) and fds at peak for a process, and nothing for a subject without one', async () => {
  const measured = { 'requests/s': 42 };
  assert.deepEqual(await withProcessFigures(undefined, async () => measured), measured);
  const own = await withProcessFigures(process.pid, async () => measured);
  assert.equal(own['requests/s'], 42);
  // This test process: tens of MiB resident, and at least stdin/stdout/stderr open.
  assert.ok((own['RSS after'] ?? 0) > 1 && (own['RSS after'] ?? 0) < 64 * 1024, String(own['RSS after']));
  assert.ok((own['fds at peak'] ?? 0) >= 3);
  assert.ok(treeFds(process.pid) >= fdCount(process.pid));
  assert.equal(fdCount(-1), 0);
  assert.equal(MIB, 1024 * 1024);
  await assert.rejects(withProcessFigures(process.pid, () => Promise.reject(new Error('wrk failed'))), /wrk failed/);
  // With a CPU metric: this process's CPU inside the window ÷ the work the measurement reports, which is not kept.
  const timed = await withProcessFigures(process.pid, async (cpu) => {
    cpu.begin();
    const before = process.cpuUsage();
    let x = 0;
    for (let i = 0; i < 1e9 && process.cpuUsage(before).user < 30_000; i++) x += i & 1;
    cpu.end();
    return { [WORK_DONE]: x > 0 ? 10 : 0 };
  }, 'CPU per request');
  assert.ok((timed['CPU per request'] ?? 0) >= 1000, String(timed['CPU per request']));
  assert.equal(timed[WORK_DONE], undefined);
  // No work done: no figure rather than a division by zero.
  const idle = await withProcessFigures(process.pid, async () => ({ [WORK_DONE]: 0 }), 'CPU per request');
  assert.ok(Number.isNaN(idle['CPU per request']));
});

test('process figures get rows for subjects with a process only: direct has none, a subject that did not start says why', () => {
  const table: RunTable = new Map([
    ['direct', new Map([['RSS after', [Number.NaN, Number.NaN]], ['fds at peak', [Number.NaN, Number.NaN]]])],
    ['orcalb', new Map([['RSS after', [120, 140]], ['fds at peak', [130, 150]]])],
    ['haproxy', new Map([['RSS after', [20, 28]], ['fds at peak', [140, 140]]])],
  ]);
  const rows = rowsOf('s', 'c=64', PROCESS_METRICS, ['direct', 'orcalb', 'haproxy', 'nginx'], table,
    new Map([['nginx', { status: 'skipped', note: 'not installed' }]]));
  assert.deepEqual(rows.map((r) => `${r.metric}/${r.subject}/${r.status}`), [
    'RSS after/orcalb/ok', 'RSS after/haproxy/ok', 'RSS after/nginx/skipped',
    'fds at peak/orcalb/ok', 'fds at peak/haproxy/ok', 'fds at peak/nginx/skipped',
  ]);
  const rss = rows.find((r) => r.metric === 'RSS after' && r.subject === 'orcalb');
  assert.equal(rss?.summary?.median, 130);
  // Paired by round: 120/20 and 140/28 → 6 and 5.
  assert.equal(rss?.ratioToHaproxy?.median, 5.5);
  assert.ok(rows.every((r) => r.informational === true));
});

test('settledRss returns once the readings hold still for the window asked, so a later drop (a compaction once idle) is what counts', async () => {
  // What a proxy that compacts its heap ~0.6 s after a burst looks like: flat for 3 reads, then lower for good.
  const series = (): (() => number) => {
    const values = [100, 100, 100, 100, 60];
    return () => (values.length > 1 ? (values.shift() ?? 60) : 60);
  };
  const fast = { intervalMs: 1 };
  assert.equal(await settledRss(0, { ...fast, stableReads: 2, maxReads: 25 }, series()), 100, 'a short window reads the transient');
  assert.equal(await settledRss(0, { ...fast, stableReads: IDLE_SETTLE.stableReads, maxReads: 100 }, series()), 60);
  // Never settling: the last reading after maxReads.
  let n = 0;
  assert.equal(await settledRss(0, { ...fast, stableReads: 3, maxReads: 5 }, () => (n += 10)), 60);
  assert.ok(IDLE_SETTLE.stableReads * IDLE_SETTLE.intervalMs >= 3000, 'the idle window covers the compactions measured (up to 2.8 s after)');
});
