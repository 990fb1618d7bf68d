// CI smoke pass of the bench suite (issue 5): `run.js --smoke` (L4 bulk only, orcalb + direct, one 1-second round)
// must write a result file of the documented shape, the Markdown table and the SVG chart, and leave no process
// behind. No timed assertions: only that figures exist and are positive.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const RUNNER = resolve(dirname(fileURLToPath(import.meta.url)), '../../native-bench/run.js');

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function runSmoke(outDir: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [RUNNER, '--smoke', '--out', outDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr += d;
  });
  // Bounded: the smoke pass takes a few seconds; a hung runner is killed (by its PID) after 18 s.
  const timer = setTimeout(() => child.kill('SIGKILL'), 18_000);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearTimeout(timer);
  return { code, stderr };
}

test('the smoke pass writes a result file with L4 bulk figures for orcalb and direct and leaves no process behind', async (t) => {
  const outDir = await mkdtemp(join(tmpdir(), 'orcalb-bench-smoke-'));
  t.after(() => rm(outDir, { recursive: true, force: true }));
  const { code, stderr } = await runSmoke(outDir);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /CPU layout: /);

  const files = await readdir(outDir);
  const jsonFile = files.find((f) => f.endsWith('.json'));
  assert.ok(jsonFile !== undefined, `no result file in ${files.join(', ')}`);
  assert.ok(files.includes('latest.md') && files.includes('latest.svg'), files.join(', '));
  const parsed: unknown = JSON.parse(await readFile(join(outDir, jsonFile), 'utf8'));
  assert.ok(isRecord(parsed));
  assert.equal(parsed['version'], 2);
  assert.equal(parsed['mode'], 'smoke');
  assert.deepEqual(parsed['leftovers'], []);
  assert.ok(isRecord(parsed['machine']) && typeof parsed['machine']['cpus'] === 'number');
  assert.ok(isRecord(parsed['settings']));
  assert.deepEqual(parsed['settings']['subjects'], ['orcalb', 'direct']);
  const rows = parsed['rows'];
  assert.ok(Array.isArray(rows));
  for (const subject of ['orcalb', 'direct']) {
    const row: unknown = rows.find((r: unknown) => isRecord(r) && r['subject'] === subject && r['metric'] === 'throughput');
    assert.ok(isRecord(row), `no throughput row for ${subject}`);
    assert.equal(row['scenario'], 'l4-bulk');
    assert.equal(row['status'], 'ok', String(row['note']));
    assert.equal(row['unit'], 'MB/s');
    assert.ok(Array.isArray(row['runs']) && row['runs'].length === 1);
    const summary = row['summary'];
    assert.ok(isRecord(summary) && typeof summary['median'] === 'number' && summary['median'] > 0);
    // Without haproxy in the pass there is nothing to pair with.
    assert.equal(row['ratioToHaproxy'], undefined);
  }
  assert.ok(!rows.some((r: unknown) => isRecord(r) && (r['subject'] === 'haproxy' || r['subject'] === 'nginx')));
  // Every scenario reports the proxy's CPU per unit of work (here per MiB, first), its RSS after the run and its open
  // fds at peak; `direct` has no process of its own.
  const firstOfOrcalb: unknown = rows.find((r: unknown) => isRecord(r) && r['subject'] === 'orcalb');
  assert.ok(isRecord(firstOfOrcalb) && firstOfOrcalb['metric'] === 'CPU per MiB');
  for (const metric of ['CPU per MiB', 'RSS after', 'fds at peak']) {
    const row: unknown = rows.find((r: unknown) => isRecord(r) && r['subject'] === 'orcalb' && r['metric'] === metric);
    assert.ok(isRecord(row) && row['status'] === 'ok', `no ${metric} row for orcalb`);
    const summary = row['summary'];
    assert.ok(isRecord(summary) && typeof summary['median'] === 'number' && summary['median'] > 0, metric);
    assert.ok(!rows.some((r: unknown) => isRecord(r) && r['subject'] === 'direct' && r['metric'] === metric));
  }

  const md = await readFile(join(outDir, 'latest.md'), 'utf8');
  assert.match(md, /## l4-bulk/);
  // The issue-10 targets table comes first; without HAProxy in the pass no efficiency can be measured.
  assert.match(md, /## Targets \(issue 10\)\n[^#]*\| path \| today \| target \| measured \|/);
  assert.match(md, /\| L4 1 MiB bulk \| 0\.65–0\.84 \| ≥ 1\.00 \| HAProxy not measured \|/);
  assert.match(md, /\| c=8 \| CPU per MiB \(µs\/MiB, lower is better\) \|/);
  assert.match(md, /\| c=8 \| throughput \(MB\/s\) \|/);
  assert.match(md, /\| c=8 \| RSS after \(MiB, lower is better\) \|/);
  assert.match(md, /\| c=8 \| fds at peak \(fds, lower is better\) \|/);
  assert.match(await readFile(join(outDir, 'latest.svg'), 'utf8'), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
});
