// The issue-10 figures of the bench (native-bench/targets.ts, scaling-table.ts, scenarios/case-ratio.ts, the CPU
// reading of process-cpu.ts, the options and the CPU layout): efficiencies paired HAProxy ÷ orcalb round by round,
// the targets table's cells and verdicts, ratios across interleaved cases, and /proc's CPU fields. Pure functions and
// this process's own /proc entries, no child processes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBenchOptions, scalingSteps } from '../../native-bench/bench-options.js';
import { proxyCpusFor, type CpuLayout } from '../../native-bench/cpu-layout.js';
import { CpuMeter, statCpuTicks, treeCpuUs } from '../../native-bench/process-cpu.js';
import { CPU_PER } from '../../native-bench/process-figures.js';
import { RATIO_KIND, RESULT_VERSION, rowsOf, withSecondBuild, type BenchResult, type ResultRow, type RunTable } from '../../native-bench/result-model.js';
import { scalingTable } from '../../native-bench/scaling-table.js';
import { caseRatioRows } from '../../native-bench/scenarios/case-ratio.js';
import { SCENARIOS } from '../../native-bench/scenarios/registry.js';
import { TARGETS, targetFigures, targetsTable } from '../../native-bench/targets.js';

function resultOf(rows: readonly ResultRow[], mode: BenchResult['mode'] = 'full'): BenchResult {
  return {
    version: RESULT_VERSION, date: '2026-12-03T00:00:00.000Z', mode,
    machine: { cpus: 2, model: 'test', memoryGiB: 1, os: 'Linux', node: 'v24' },
    layout: { proxyCpus: '1', loadCpus: '0', text: '' },
    settings: { threads: 1, rounds: 2, durationS: 1, subjects: ['orcalb', 'haproxy'] },
    versions: {}, rows, leftovers: [], elapsedS: 1,
  };
}

test('a CPU-per-unit row pairs HAProxy ÷ the subject round by round (an efficiency), other rows subject ÷ HAProxy', () => {
  const table: RunTable = new Map([
    ['haproxy', new Map([['CPU per request', [20, 30]], ['p99 latency', [2, 4]]])],
    ['orcalb', new Map([['CPU per request', [40, 30]], ['p99 latency', [4, 4]]])],
  ]);
  const rows = rowsOf('l4-keepalive', 'c=64', [CPU_PER.request, { name: 'p99 latency', unit: 'ms', better: 'lower' }],
    ['orcalb', 'haproxy'], table, new Map());
  const cpu = rows.find((r) => r.subject === 'orcalb' && r.metric === 'CPU per request');
  // Round 1: 20/40 = 0.5, round 2: 30/30 = 1 → median 0.75 (not 25/35 from the medians).
  assert.equal(cpu?.ratioToHaproxy?.median, 0.75);
  assert.equal(cpu?.ratioKind, RATIO_KIND.haproxyOverSubject);
  const p99 = rows.find((r) => r.subject === 'orcalb' && r.metric === 'p99 latency');
  assert.equal(p99?.ratioToHaproxy?.median, 1.5);
  assert.equal(p99?.ratioKind, RATIO_KIND.subjectOverHaproxy);
  assert.equal(rows.find((r) => r.subject === 'haproxy')?.ratioToHaproxy, undefined);
});

test('the targets table lists the issue-10 paths with today, target and orcalb’s measured median, ✓ or ✗', () => {
  const table: RunTable = new Map([
    ['haproxy', new Map([['CPU per request', [20, 20, 20]]])],
    ['orcalb', new Map([['CPU per request', [20, 25, 40]]])],
  ]);
  const rows = [
    ...rowsOf('l4-keepalive', 'c=64', [CPU_PER.request], ['orcalb', 'haproxy'], table, new Map()),
    ...rowsOf('idle-memory', 'conns=4000', [{ name: 'memory per connection', unit: 'KiB', better: 'lower' }, { name: 'RSS idle', unit: 'MiB', better: 'lower' }],
      ['orcalb'], new Map([['orcalb', new Map([['memory per connection', [5.5]], ['RSS idle', [70]]])]]), new Map()),
    ...rowsOf('idle-memory', 'conns=9800', [{ name: 'memory per connection', unit: 'KiB', better: 'lower' }, { name: 'RSS idle', unit: 'MiB', better: 'lower' }],
      ['orcalb'], new Map([['orcalb', new Map([['memory per connection', [7.25]], ['RSS idle', [71]]])]]), new Map()),
    ...rowsOf('l7-keepalive', 'c=64', [CPU_PER.request], ['orcalb'], new Map(), new Map([['orcalb', { status: 'unsupported', note: 'no http' }]])),
  ];
  const lines = targetsTable(resultOf(rows));
  assert.equal(lines[0], '| path | today | target | measured |');
  assert.equal(lines.length, 2 + TARGETS.length);
  // Efficiencies 1, 0.8, 0.5: median 0.8, below 0.90.
  assert.ok(lines.includes('| L4 small keep-alive | 0.61–0.71 | ≥ 0.90 | 0.80 (0.50–1.00) ✗ |'), lines.join('\n'));
  assert.ok(lines.includes('| idle memory per proxied connection (4k and 9.8k idle) | 9.7–20.4 KiB | ≤ 6 KiB | ' +
    'conns=4000: 5.50 KiB ✓ · conns=9800: 7.25 KiB ✗ |'), lines.join('\n'));
  // Idle RSS is read from the first idle case only.
  assert.ok(lines.includes('| idle RSS of the whole process | 103 MiB | ≤ 60 MiB | 70.0 MiB ✗ |'), lines.join('\n'));
  assert.ok(lines.includes('| L7 small keep-alive (64 and 512 conns) | 0.30–0.37 | ≥ 0.85 | 64: unsupported |'), lines.join('\n'));
  assert.ok(lines.includes('| L4 1 MiB bulk | 0.65–0.84 | ≥ 1.00 | not measured |'), lines.join('\n'));
});

test('every issue-10 target is answered by a scenario of the default full pass', () => {
  const full = parseBenchOptions([], 2, '/tmp/out');
  for (const t of TARGETS) {
    for (const part of t.parts) {
      assert.ok(SCENARIOS.some((s) => s.id === part.scenario), `${t.path}: no scenario ${part.scenario}`);
      assert.ok(full.scenarioIds.includes(part.scenario), `${t.path}: ${part.scenario} is not in the full pass`);
    }
  }
  // The full pass measures 4k and ~10k idle connections and a minute of keep-alive load before the RSS reading.
  assert.deepEqual(full.settings.idleConns, [4000, 10_000]);
  assert.equal(full.settings.rssLoadS, 60);
  assert.ok(!full.scenarioIds.includes('thread-scaling'));
  for (const t of TARGETS) assert.deepEqual(targetFigures(t, []), [], t.path);
});

test('ratios across interleaved cases pair round i with round i per subject (2 threads ÷ 1)', () => {
  const one: RunTable = new Map([['orcalb', new Map([['CPU per request', [10, 20]]])], ['haproxy', new Map([['CPU per request', [10, 10]]])]]);
  const two: RunTable = new Map([['orcalb', new Map([['CPU per request', [12, 20]]])], ['haproxy', new Map([['CPU per request', [11, 10]]])]]);
  const rows = caseRatioRows('forwarders-one-cpu', 'x, 2 threads ÷ 1', { name: 'CPU per request at 2 ÷ at 1', unit: '×', better: 'lower' },
    'CPU per request', ['orcalb', 'haproxy', 'nginx'], two, one);
  const orcalb = rows.find((r) => r.subject === 'orcalb');
  assert.deepEqual(orcalb?.runs, [1.2, 1]);
  assert.equal(orcalb?.summary?.median, 1.1);
  assert.equal(rows.find((r) => r.subject === 'haproxy')?.summary?.median, 1.05);
  assert.equal(rows.find((r) => r.subject === 'nginx')?.status, 'failed');
});

test('the scaling summary has one line per load and forwarder count with rates, CPU, efficiency and speed-up', () => {
  const rate = { name: 'requests/s', unit: 'req/s', better: 'higher' } as const;
  const t1: RunTable = new Map([['orcalb', new Map([['CPU per request', [40]], ['requests/s', [10_000]]])], ['haproxy', new Map([['CPU per request', [20]], ['requests/s', [20_000]]])]]);
  const t2: RunTable = new Map([['orcalb', new Map([['CPU per request', [44]], ['requests/s', [18_000]]])], ['haproxy', new Map([['CPU per request', [20]], ['requests/s', [39_000]]])]]);
  const rows = [
    ...rowsOf('thread-scaling', 'L7 keep-alive, no proxy', [rate], ['direct'], new Map([['direct', new Map([['requests/s', [90_000]]])]]), new Map()),
    ...rowsOf('thread-scaling', 'L7 keep-alive, threads=1', [CPU_PER.request, rate], ['orcalb', 'haproxy'], t1, new Map()),
    ...rowsOf('thread-scaling', 'L7 keep-alive, threads=2', [CPU_PER.request, rate], ['orcalb', 'haproxy'], t2, new Map()),
    ...caseRatioRows('thread-scaling', 'L7 keep-alive, threads 2 ÷ 1', { name: 'requests/s at 2 ÷ at 1', unit: '×', better: 'higher' },
      'requests/s', ['orcalb', 'haproxy'], t2, t1),
  ];
  const lines = scalingTable(resultOf(rows, 'scaling'));
  assert.equal(lines.length, 4);
  assert.equal(lines[2], '| L7 keep-alive (no proxy: 90.0k req/s) | 1 | 10.0k | 20.0k | 40.0 | 20.0 | 0.50 | 1.00 | 1.00 |');
  assert.equal(lines[3], '| L7 keep-alive (no proxy: 90.0k req/s) | 2 | 18.0k | 39.0k | 44.0 | 20.0 | 0.45 | 1.80 | 1.95 |');
  assert.deepEqual(scalingTable(resultOf([])), []);
});

test('--scaling runs thread-scaling alone at 1, 2, 4, … N forwarders; modes exclude each other', () => {
  assert.deepEqual(scalingSteps(12), [1, 2, 4, 8, 12]);
  assert.deepEqual(scalingSteps(8), [1, 2, 4, 8]);
  assert.deepEqual(scalingSteps(1), [1]);
  const o = parseBenchOptions(['--scaling', '--threads', '12'], 16, '/tmp/out');
  assert.equal(o.settings.mode, 'scaling');
  assert.deepEqual(o.scenarioIds, ['thread-scaling']);
  assert.deepEqual(o.settings.scalingThreads, [1, 2, 4, 8, 12]);
  assert.deepEqual(o.settings.subjects, ['direct', 'orcalb', 'haproxy']);
  // Without --threads: every CPU the proxy gets in the scaling layout (3/4 of 16).
  assert.deepEqual(parseBenchOptions(['--scaling'], 16, '/tmp/out').settings.scalingThreads, [1, 2, 4, 8, 12]);
  assert.throws(() => parseBenchOptions(['--scaling', '--smoke'], 2, '/tmp/out'), /exclude each other/);
  assert.equal(parseBenchOptions(['--rounds', '2'], 2, '/tmp/out').roundsGiven, true);
});

test('the proxy gets one CPU per thread from the first proxy CPU (the study: 1 thread, whole process on CPU 1)', () => {
  const layout: CpuLayout = { cpus: 16, proxy: '8-15', load: '0-7', proxyCount: 8, loadCount: 8, proxyFirst: 8, share: 'half', model: 'x' };
  assert.equal(proxyCpusFor(layout, 1), '8');
  assert.equal(proxyCpusFor(layout, 4), '8-11');
  assert.equal(proxyCpusFor(layout, 12), '8-15');
  assert.equal(proxyCpusFor({ ...layout, proxyFirst: undefined }, 1), undefined);
});

test('CPU ticks are read from /proc/PID/stat fields 14 and 15, whatever the command name holds', () => {
  const stat = '4242 (odd) name (x)) S 1 4242 4242 0 -1 4194560 500 0 0 0 123 45 0 0 20 0 4 0 100 0 0';
  assert.deepEqual(statCpuTicks(stat), { user: 123, system: 45 });
  assert.equal(statCpuTicks('garbage'), undefined);
  // This process has run: its tree's CPU time grows while it works, and a meter measures the window.
  const meter = new CpuMeter(process.pid);
  meter.begin();
  assert.ok(Number.isNaN(meter.usedUs()));
  const before = process.cpuUsage();
  let x = 0;
  // Bounded busy loop: about 50 ms of this process's own CPU (3 ticks at least), whatever the machine's load.
  for (let i = 0; i < 1e9 && process.cpuUsage(before).user < 50_000; i++) x += i % 7;
  meter.end();
  assert.ok(x > 0);
  assert.ok(meter.usedUs() >= 10_000, String(meter.usedUs()));
  assert.ok(treeCpuUs(process.pid) > 0);
  assert.ok(Number.isNaN(treeCpuUs(-1)));
  const gone = new CpuMeter(-1);
  gone.begin();
  gone.end();
  assert.ok(Number.isNaN(gone.usedUs()));
});

test('a second orcalb build (orcalb-b) goes wherever orcalb goes, and only into passes that name it', () => {
  assert.deepEqual(withSecondBuild(['direct', 'orcalb', 'haproxy']), ['direct', 'orcalb', 'orcalb-b', 'haproxy']);
  assert.deepEqual(withSecondBuild(['haproxy']), ['haproxy']);
  assert.ok(!parseBenchOptions([], 2, '/tmp/out').settings.subjects.includes('orcalb-b'));
  assert.ok(parseBenchOptions(['--subjects', 'orcalb,orcalb-b,haproxy'], 2, '/tmp/out').settings.subjects.includes('orcalb-b'));
});
