// The bench runner's command line: `--quick`, `--smoke`, or the full suite by default, with overrides
// (`--scenarios`, `--subjects`, `--rounds`, `--duration`, `--threads`, `--out`, `--cpu-prof`). Runner main thread.

import { parseArgs } from 'node:util';
import { SUBJECT_NAMES, type SubjectName } from './result-model.js';
import { SCENARIOS } from './scenarios/registry.js';
import type { BenchSettings } from './scenarios/scenario.js';

export interface BenchOptions {
  readonly settings: BenchSettings;
  readonly scenarioIds: readonly string[];
  /** Where <date>.json, <date>.svg, latest.md and latest.svg go. */
  readonly outDir: string;
  /** Run orcalb under `node --cpu-prof` writing .cpuprofile files here. */
  readonly cpuProfDir?: string;
}

export const BENCH_USAGE = `usage: npm run bench -- [--quick | --smoke] [--scenarios a,b] [--subjects a,b] [--rounds N]
       [--duration S] [--threads N] [--out DIR] [--cpu-prof DIR]
scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}
subjects: ${SUBJECT_NAMES.join(', ')}`;

function positiveInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs an integer >= 1, got ${JSON.stringify(v)}`);
  return n;
}

function list(v: string | undefined): string[] | undefined {
  return v?.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * Parses argv (without node and the script). `cpus` is the machine's CPU count (for the scaling thread list).
 * Throws with a message for unknown flags, subjects or bad numbers.
 */
export function parseBenchOptions(argv: readonly string[], cpus: number, defaultOut: string): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean' }, smoke: { type: 'boolean' }, scenarios: { type: 'string' }, subjects: { type: 'string' },
      rounds: { type: 'string' }, duration: { type: 'string' }, threads: { type: 'string' }, out: { type: 'string' },
      'cpu-prof': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const mode = values.smoke === true ? 'smoke' : values.quick === true ? 'quick' : 'full';
  const subjects = list(values.subjects) ?? (mode === 'smoke' ? ['orcalb', 'direct'] : [...SUBJECT_NAMES]);
  const bad = subjects.filter((s) => !(SUBJECT_NAMES as readonly string[]).includes(s));
  if (bad.length > 0) throw new Error(`unknown subject(s) ${bad.join(', ')}`);
  const threads = positiveInt(values.threads, 'threads') ?? 1;
  const preset = {
    full: { rounds: 5, durationS: 10, idleConns: 10_000, keepAliveConns: [64, 512], ddbSessions: [64, 256] },
    quick: { rounds: 3, durationS: 3, idleConns: 10_000, keepAliveConns: [64, 512], ddbSessions: [64] },
    // CI: one round of one second, L4 only, small enough for the 20 s test budget.
    smoke: { rounds: 1, durationS: 1, idleConns: 200, keepAliveConns: [64], ddbSessions: [8] },
  }[mode];
  const settings: BenchSettings = {
    mode,
    rounds: positiveInt(values.rounds, 'rounds') ?? preset.rounds,
    durationS: positiveInt(values.duration, 'duration') ?? preset.durationS,
    threads,
    subjects: subjects as SubjectName[],
    idleConns: preset.idleConns,
    keepAliveConns: preset.keepAliveConns,
    ddbSessions: preset.ddbSessions,
    scalingThreads: Array.from({ length: Math.max(1, cpus) }, (_, i) => i + 1),
  };
  const scenarioIds = list(values.scenarios) ?? (mode === 'smoke' ? ['l4-bulk'] : SCENARIOS.map((s) => s.id));
  return {
    settings,
    scenarioIds,
    outDir: values.out ?? defaultOut,
    ...(values['cpu-prof'] === undefined ? {} : { cpuProfDir: values['cpu-prof'] }),
  };
}
