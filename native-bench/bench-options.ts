// The bench runner's command line: `--quick`, `--smoke`, `--scaling`, or the full suite by default, with overrides
// (`--scenarios`, `--subjects`, `--rounds`, `--duration`, `--threads`, `--out`, `--cpu-prof`). Runner main thread.

import { parseArgs } from 'node:util';
import { SUBJECT_NAMES, type BenchMode, type SubjectName } from './result-model.js';
import { SCENARIOS } from './scenarios/registry.js';
import type { BenchSettings } from './scenarios/scenario.js';

export interface BenchOptions {
  readonly settings: BenchSettings;
  readonly scenarioIds: readonly string[];
  /** Where <date>.json, <date>.svg, latest.md and latest.svg (scaling: scaling-latest.*) go. */
  readonly outDir: string;
  /** Run orcalb under `node --cpu-prof` writing .cpuprofile files here. */
  readonly cpuProfDir?: string;
  /** `--rounds` was given: it overrides a scenario's maxRounds too. */
  readonly roundsGiven: boolean;
}

export const BENCH_USAGE = `usage: npm run bench -- [--quick | --smoke | --scaling] [--scenarios a,b] [--subjects a,b] [--rounds N]
       [--duration S] [--threads N] [--out DIR] [--cpu-prof DIR]
  --scaling: thread scaling only (L4 and L7 keep-alive at 1, 2, 4, … N forwarders, --threads N: the largest,
             default the proxy's CPUs; the proxy gets 3/4 of the machine, the load 1/4)
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

/** Thread counts of a scaling pass up to `max`: the powers of two below it, then max (12 → 1, 2, 4, 8, 12). Pure. */
export function scalingSteps(max: number): number[] {
  const out: number[] = [];
  for (let t = 1; t < max; t *= 2) out.push(t);
  out.push(max);
  return out;
}

/** The presets per mode: rounds, seconds per run and the sizes of each scenario's cases. */
const PRESETS = {
  full: { rounds: 5, durationS: 10, idleConns: [4000, 10_000], keepAliveConns: [64, 512], ddbSessions: [64, 256], rssLoadS: 60 },
  quick: { rounds: 3, durationS: 3, idleConns: [4000, 10_000], keepAliveConns: [64, 512], ddbSessions: [64], rssLoadS: 3 },
  // CI: one round of one second, L4 only, small enough for the 20 s test budget.
  smoke: { rounds: 1, durationS: 1, idleConns: [200], keepAliveConns: [64], ddbSessions: [8], rssLoadS: 1 },
  // About 8 minutes on a 16-core machine at --threads 12 (5 thread counts × 2 loads × 2 subjects × 3 rounds × 5 s).
  scaling: { rounds: 3, durationS: 5, idleConns: [], keepAliveConns: [], ddbSessions: [], rssLoadS: 5 },
} as const satisfies Record<BenchMode, object>;

/**
 * Parses argv (without node and the script). `cpus` is the machine's CPU count (for the scaling thread list).
 * Throws with a message for unknown flags, subjects or bad numbers.
 */
export function parseBenchOptions(argv: readonly string[], cpus: number, defaultOut: string): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean' }, smoke: { type: 'boolean' }, scaling: { type: 'boolean' }, scenarios: { type: 'string' },
      subjects: { type: 'string' }, rounds: { type: 'string' }, duration: { type: 'string' }, threads: { type: 'string' },
      out: { type: 'string' }, 'cpu-prof': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const modes = (['smoke', 'quick', 'scaling'] as const).filter((m) => values[m] === true);
  if (modes.length > 1) throw new Error(`--${modes.join(' and --')} exclude each other`);
  const mode: BenchMode = modes[0] ?? 'full';
  // orcalb-b (a second build) only when named: a pass without ORCALB_BENCH_MAIN_B would list it skipped everywhere.
  const defaultSubjects: readonly string[] = mode === 'smoke'
    ? ['orcalb', 'direct']
    : mode === 'scaling' ? ['direct', 'orcalb', 'haproxy'] : SUBJECT_NAMES.filter((s) => s !== 'orcalb-b');
  const subjects = list(values.subjects) ?? [...defaultSubjects];
  const bad = subjects.filter((s) => !(SUBJECT_NAMES as readonly string[]).includes(s));
  if (bad.length > 0) throw new Error(`unknown subject(s) ${bad.join(', ')}`);
  const threads = positiveInt(values.threads, 'threads');
  const preset = PRESETS[mode];
  // Scaling: --threads is the largest forwarder count; by default every CPU the proxy gets (3/4 of the machine).
  const scalingMax = threads ?? Math.max(2, cpus - Math.max(1, Math.floor(cpus / 4)));
  const settings: BenchSettings = {
    mode,
    rounds: positiveInt(values.rounds, 'rounds') ?? preset.rounds,
    durationS: positiveInt(values.duration, 'duration') ?? preset.durationS,
    threads: mode === 'scaling' ? 1 : threads ?? 1,
    subjects: subjects as SubjectName[],
    idleConns: preset.idleConns,
    keepAliveConns: preset.keepAliveConns,
    ddbSessions: preset.ddbSessions,
    rssLoadS: preset.rssLoadS,
    scalingThreads: mode === 'scaling' ? scalingSteps(scalingMax) : scalingSteps(Math.max(2, cpus)),
  };
  const defaultScenarios = mode === 'smoke' ? ['l4-bulk'] : mode === 'scaling' ? ['thread-scaling'] : SCENARIOS.filter((s) => s.inFullPass !== false).map((s) => s.id);
  const scenarioIds = list(values.scenarios) ?? defaultScenarios;
  return {
    settings,
    scenarioIds,
    outDir: values.out ?? defaultOut,
    roundsGiven: values.rounds !== undefined,
    ...(values['cpu-prof'] === undefined ? {} : { cpuProfDir: values['cpu-prof'] }),
  };
}
