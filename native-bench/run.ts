// The bench runner (`npm run bench`, `-- --quick`, `-- --scaling`): prints the CPU layout, runs the scenarios with
// the subjects interleaved, writes results/<date>.json, <date>.svg, latest.md, latest.svg (scaling: scaling-latest.*),
// prints the Markdown report (the issue-10 targets table first), stops every process it started and checks that none
// is left. Main thread of its own process.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir, totalmem, type } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_USAGE, parseBenchOptions, type BenchOptions } from './bench-options.js';
import { describeLayout, planCpuLayout } from './cpu-layout.js';
import { wrkAvailable } from './load/wrk-run.js';
import { ProcessGroup } from './process-group.js';
import { markdownReport } from './report-table.js';
import { ratioChartSvg } from './ratio-chart.js';
import { RESULT_VERSION, ROW_STATUS, type BenchResult, type ResultRow } from './result-model.js';
import { scenariosByIds } from './scenarios/registry.js';
import { launcherOf } from './subjects/registry.js';

const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../native-bench');

function stamp(d: Date): string {
  return d.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
}

async function runBench(opts: BenchOptions): Promise<number> {
  const started = Date.now();
  // Thread scaling gives the proxy 3/4 of the machine (12 of 16 CPUs); the passes split it in halves.
  const layout = planCpuLayout(opts.settings.mode === 'scaling' ? 'quarter' : 'half');
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  log(describeLayout(layout));
  const group = new ProcessGroup();
  const tmpDir = mkdtempSync(join(tmpdir(), 'orcalb-bench-'));
  const stopAll = (): void => {
    void group.stopAll(1000).finally(() => process.exit(130));
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  const rows: ResultRow[] = [];
  try {
    for (const scenario of scenariosByIds(opts.scenarioIds)) {
      log(`== ${scenario.id}: ${scenario.title}`);
      if (scenario.usesWrk === true && !wrkAvailable()) {
        log('  skipped: wrk not installed (apt-get install -y wrk)');
        continue;
      }
      try {
        const rounds = scenario.maxRounds === undefined || opts.roundsGiven ? opts.settings.rounds : Math.min(opts.settings.rounds, scenario.maxRounds);
        const settings = { ...opts.settings, rounds };
        rows.push(...(await scenario.run({ group, layout, settings, tmpDir, log, ...(opts.cpuProfDir === undefined ? {} : { cpuProfDir: opts.cpuProfDir }) })));
      } catch (e) {
        log(`  scenario failed: ${e instanceof Error ? e.message : String(e)}`);
        rows.push({ scenario: scenario.id, case: '–', metric: 'error', unit: '', better: 'higher', subject: 'direct', status: ROW_STATUS.failed, note: String(e).split('\n')[0] ?? '', runs: [] });
      }
    }
  } finally {
    await group.stopAll();
    rmSync(tmpDir, { recursive: true, force: true });
  }
  // Give the kernel a moment to reap what was just stopped before looking for leftovers.
  await new Promise((r) => setTimeout(r, 200));
  const leftovers = group.leftovers();
  const versions: Record<string, string> = {};
  for (const s of opts.settings.subjects) versions[s] = launcherOf(s).version() ?? 'not installed';
  const date = new Date();
  const result: BenchResult = {
    version: RESULT_VERSION,
    date: date.toISOString(),
    mode: opts.settings.mode,
    machine: { cpus: layout.cpus, model: layout.model, memoryGiB: Math.round(totalmem() / 2 ** 30), os: `${type()} ${release()}`, node: process.version },
    layout: { proxyCpus: layout.proxy ?? null, loadCpus: layout.load ?? null, text: describeLayout(layout) },
    settings: {
      threads: opts.settings.threads,
      rounds: opts.settings.rounds,
      durationS: opts.settings.durationS,
      subjects: opts.settings.subjects,
      ...(opts.settings.mode === 'scaling' ? { scalingThreads: opts.settings.scalingThreads } : {}),
    },
    versions,
    rows,
    leftovers,
    elapsedS: Math.round((Date.now() - started) / 100) / 10,
  };
  mkdirSync(opts.outDir, { recursive: true });
  const base = join(opts.outDir, stamp(date));
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  const svg = ratioChartSvg(result);
  writeFileSync(`${base}.svg`, svg);
  const md = markdownReport(result);
  // A scaling pass keeps its own "latest": it must not replace the last full pass's table.
  const latest = opts.settings.mode === 'scaling' ? 'scaling-latest' : 'latest';
  writeFileSync(join(opts.outDir, `${latest}.md`), md);
  writeFileSync(join(opts.outDir, `${latest}.svg`), svg);
  process.stdout.write(md);
  log(`results: ${base}.json (${group.count} processes started, ${leftovers.length} left behind, ${result.elapsedS} s)`);
  return leftovers.length === 0 ? 0 : 1;
}

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`${BENCH_USAGE}\n`);
  process.exit(0);
}
let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2), (await import('node:os')).availableParallelism(), join(BENCH_DIR, 'results'));
} catch (e) {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n${BENCH_USAGE}\n`);
  process.exit(2);
}
process.exitCode = await runBench(options);
