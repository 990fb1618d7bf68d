// Issue 10 (bench): a pass must give, as the primary figure of each scenario, the proxy process's CPU per unit of
// work from /proc, paired with HAProxy round by round as an efficiency (HAProxy's ÷ orcalb's), and print the issue's
// targets table from it: L4 small keep-alive (a scenario that did not exist) and DolphinDB binary-API calls through
// `mode tcp` + `send-proxy` (which reported calls/s only). One short real pass of orcalb and haproxy (1 round of
// 1 s, `--quick` sizes) through the runner, as `npm run bench` runs it. Test-runner thread; the runner is a child.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const RUNNER = resolve(dirname(fileURLToPath(import.meta.url)), '../../native-bench/run.js');

interface Row {
  readonly scenario: string;
  readonly case: string;
  readonly metric: string;
  readonly subject: string;
  readonly status: string;
  readonly runs: readonly number[];
  readonly ratioToHaproxy?: { readonly median: number };
  readonly ratioKind?: string;
}

function isRow(v: unknown): v is Row {
  return typeof v === 'object' && v !== null && 'scenario' in v && 'metric' in v && 'subject' in v && 'runs' in v;
}

test('a pass gives CPU per request and per DolphinDB call from /proc, paired HAProxy ÷ orcalb, and the targets table', async (t) => {
  const outDir = await mkdtemp(join(tmpdir(), 'orcalb-bench-i10-'));
  t.after(() => rm(outDir, { recursive: true, force: true }));
  const args = ['--quick', '--scenarios', 'l4-keepalive,ddb-round-trips', '--subjects', 'orcalb,haproxy', '--rounds', '1', '--duration', '1', '--out', outDir];
  const child = spawn(process.execPath, [RUNNER, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  // Bounded: about 15 s of runs and starts; a hung runner is killed by its PID.
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearTimeout(timer);
  assert.equal(code, 0, stderr);

  const jsonFile = (await readdir(outDir)).find((f) => f.endsWith('.json'));
  assert.ok(jsonFile !== undefined);
  const parsed: unknown = JSON.parse(await readFile(join(outDir, jsonFile), 'utf8'));
  assert.ok(typeof parsed === 'object' && parsed !== null && 'rows' in parsed && Array.isArray(parsed.rows));
  const rows = parsed.rows.filter(isRow);
  const find = (scenario: string, c: string, metric: string, subject: string): Row => {
    const row = rows.find((r) => r.scenario === scenario && r.case === c && r.metric === metric && r.subject === subject);
    assert.ok(row !== undefined, `no ${scenario} ${c} ${metric} row for ${subject}`);
    assert.equal(row.status, 'ok', `${scenario} ${metric} ${subject}: ${stderr.slice(-2000)}`);
    return row;
  };
  for (const [scenario, c, metric] of [
    ['l4-keepalive', 'c=64', 'CPU per request'],
    ['ddb-round-trips', 'sessions=64', 'CPU per call'],
  ] as const) {
    const orcalb = find(scenario, c, metric, 'orcalb');
    const haproxy = find(scenario, c, metric, 'haproxy');
    const [o] = orcalb.runs;
    const [h] = haproxy.runs;
    assert.ok(o !== undefined && h !== undefined && o > 0 && h > 0, `${metric}: ${o} / ${h}`);
    // The efficiency: HAProxy's CPU per unit over orcalb's, from the same round.
    assert.equal(orcalb.ratioKind, 'haproxy÷subject');
    assert.equal(orcalb.ratioToHaproxy?.median, h / o);
    // The primary figure comes first in its case.
    assert.equal(rows.find((r) => r.scenario === scenario && r.case === c)?.metric, metric);
  }

  const md = await readFile(join(outDir, 'latest.md'), 'utf8');
  const line = (path: string): string => md.split('\n').find((l) => l.startsWith(`| ${path} |`)) ?? '';
  assert.match(line('L4 small keep-alive'), /^\| L4 small keep-alive \| 0\.61–0\.71 \| ≥ 0\.90 \| \d+\.\d\d [✓✗] \|$/);
  assert.match(line('DolphinDB binary API calls, TCP mode (send-proxy)'), /\| ≥ 0\.90 \| \d+\.\d\d [✓✗] \|$/);
  assert.match(line('p99 latency at 64 conns, ÷ HAProxy’s'), /L4: \d+\.\d\d× [✓✗]/);
  assert.match(line('L7 1 MiB bulk'), /\| not measured \|$/);
});
