// The interleaved measurement every throughput scenario shares: start the selected subjects on one spec (or on
// several cases measured in the same rounds), measure each once per round in a fixed order (A B C, A B C, …) with
// its process figures (CPU per unit of work, RSS after, fds at peak), stop them, and turn the runs into rows with
// paired ratios to HAProxy. Bench runner main thread.

import { proxyCpusFor } from '../cpu-layout.js';
import { NO_CPU_WINDOW, type CpuWindow } from '../process-cpu.js';
import { PROCESS_METRICS, withProcessFigures } from '../process-figures.js';
import { record, ROW_STATUS, rowsOf, withSecondBuild, type MetricSpec, type ResultRow, type RunTable, type SubjectName, type SubjectOutcome } from '../result-model.js';
import { launcherOf } from '../subjects/registry.js';
import type { ProxySpec, RunningSubject } from '../subjects/subject.js';
import type { ScenarioContext } from './scenario.js';

/** Open-file limit for every proxy: the idle scenario's 10,000 client + 10,000 server sockets fit. */
export const PROXY_NOFILE = 65_536;

/**
 * maxconn of the throughput scenarios: the seed configs' global value (4000), above wrk's 512 connections and
 * within a 20,000 open-file limit (HAProxy refuses to start when 2 × maxconn sockets do not fit).
 */
export const SEED_MAXCONN = 4000;

/** The first line of an error, plus the first ALERT / emerg line of the process output it quotes. */
function shortReason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = text.split('\n');
  const alert = lines.find((l) => /ALERT|\[emerg\]|Error:/.test(l));
  return [lines[0] ?? 'start failed', alert?.trim()].filter((l) => l !== undefined && l !== '').join(' — ');
}

export type StartResult = { readonly running: RunningSubject } | { readonly outcome: SubjectOutcome };

/** Starts one subject on spec, pinned to `cpus`, with the context's profile dir; never rejects (a failure is an outcome). */
export async function startSubject(ctx: ScenarioContext, name: SubjectName, spec: ProxySpec, cpus: string | undefined): Promise<StartResult> {
  const launcher = launcherOf(name);
  if (!launcher.modes.includes(spec.mode)) return { outcome: { status: ROW_STATUS.unsupported, note: `no ${spec.mode} mode` } };
  try {
    const started = await launcher.start(spec, {
      group: ctx.group,
      cpus,
      tmpDir: ctx.tmpDir,
      nofile: PROXY_NOFILE,
      ...(ctx.cpuProfDir === undefined ? {} : { cpuProfDir: ctx.cpuProfDir }),
    });
    if (started.kind === 'running') return { running: started.subject };
    ctx.log(`  ${name}: ${started.kind} (${started.note})`);
    return { outcome: { status: started.kind === 'unsupported' ? ROW_STATUS.unsupported : ROW_STATUS.skipped, note: started.note } };
  } catch (e) {
    const note = shortReason(e);
    ctx.log(`  ${name}: failed to start: ${note}`);
    return { outcome: { status: ROW_STATUS.failed, note } };
  }
}

export interface InterleavedCase {
  readonly scenario: string;
  readonly caseLabel: string;
  readonly spec: ProxySpec;
  /** Candidates in measuring order; those not selected for this pass are left out of the rows. */
  readonly subjects: readonly SubjectName[];
  /**
   * The primary figure: µs of the proxy's CPU per unit of work (CPU_PER), from the WORK_DONE that `measure` returns.
   * First in the rows. Absent in the memory scenarios.
   */
  readonly cpu?: MetricSpec;
  readonly metrics: readonly MetricSpec[];
  /** taskset list for the proxies; default: the first `spec.threads` proxy CPUs (proxyCpusFor). */
  readonly cpus?: string | undefined;
  /**
   * One measurement of one subject; a rejection records NaN for that run. RSS, fds and CPU are added around it; a
   * generator with a warm-up narrows the CPU window with `cpu.begin()` / `cpu.end()`.
   */
  measure(subject: RunningSubject, cpu: CpuWindow): Promise<Record<string, number>>;
}

/** One case of a multi-case interleaving: its label, its spec and, optionally, its own proxy CPUs. */
export interface RoundCase {
  readonly caseLabel: string;
  readonly spec: ProxySpec;
  readonly cpus?: string | undefined;
}

/** Several cases measured in the same rounds (A1 B1 A2 B2, A1 B1 A2 B2, …): their runs pair across cases. */
export interface InterleavedCases extends Omit<InterleavedCase, 'caseLabel' | 'spec' | 'cpus' | 'measure'> {
  readonly cases: readonly RoundCase[];
  measure(subject: RunningSubject, caseIndex: number, cpu: CpuWindow): Promise<Record<string, number>>;
}

/** The metrics of a case in row order: the CPU figure, the case's own, then RSS after and fds at peak. */
function metricsOf(c: { readonly cpu?: MetricSpec; readonly metrics: readonly MetricSpec[] }): MetricSpec[] {
  return [...(c.cpu === undefined ? [] : [c.cpu]), ...c.metrics, ...PROCESS_METRICS];
}

/** The progress line of one run: the CPU figure and the case's first metric. */
function progress(c: InterleavedCases, values: Readonly<Record<string, number>>): string {
  const shown = [c.cpu, c.metrics[0]].filter((m): m is MetricSpec => m !== undefined && values[m.name] !== undefined);
  return shown.map((m) => `${m.name} ${(values[m.name] ?? Number.NaN).toFixed(1)} ${m.unit}`).join(', ') || 'failed';
}

/**
 * Runs several cases in the same interleaved rounds: starts every subject of every case (each on its own port),
 * `settings.rounds` rounds of case × subject, stops them (always). Returns the rows of each case and its run table
 * (for figures that pair runs across cases, e.g. 2 threads ÷ 1). Never rejects for a subject's failure.
 */
export async function measureInterleavedCases(ctx: ScenarioContext, c: InterleavedCases): Promise<{ rows: ResultRow[]; tables: RunTable[] }> {
  const metrics = metricsOf(c);
  const subjects = withSecondBuild(c.subjects).filter((s) => ctx.settings.subjects.includes(s));
  const perCase = c.cases.map(() => ({
    outcomes: new Map<SubjectName, SubjectOutcome>(), running: [] as RunningSubject[], notes: new Map<SubjectName, string>(), table: new Map() as RunTable,
  }));
  try {
    for (const [i, rc] of c.cases.entries()) {
      const state = perCase[i];
      if (state === undefined) continue;
      for (const name of subjects) {
        const r = await startSubject(ctx, name, rc.spec, rc.cpus ?? proxyCpusFor(ctx.layout, rc.spec.threads));
        if ('running' in r) {
          state.running.push(r.running);
          if (r.running.note !== undefined) state.notes.set(name, r.running.note);
        } else state.outcomes.set(name, r.outcome);
      }
    }
    for (let round = 0; round < ctx.settings.rounds; round++) {
      for (const [i, rc] of c.cases.entries()) {
        const state = perCase[i];
        for (const s of state?.running ?? []) {
          let values: Record<string, number> = {};
          try {
            values = await withProcessFigures(s.pid, (cpu) => c.measure(s, i, cpu), c.cpu?.name);
          } catch (e) {
            ctx.log(`  ${s.name} round ${round + 1}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0] ?? ''}`);
          }
          if (state !== undefined) record(state.table, s.name, metrics, values);
          ctx.log(`  ${rc.caseLabel} round ${round + 1} ${s.name}: ${progress(c, values)}`);
        }
      }
    }
  } finally {
    await Promise.all(perCase.flatMap((p) => p.running).map((s) => s.stop()));
  }
  const rows = c.cases.flatMap((rc, i) => {
    const p = perCase[i];
    return p === undefined ? [] : rowsOf(c.scenario, rc.caseLabel, metrics, subjects, p.table, p.outcomes, p.notes);
  });
  return { rows, tables: perCase.map((p) => p.table) };
}

/**
 * Runs one case: starts the subjects, `settings.rounds` interleaved rounds, stops them (always), returns the rows.
 * Never rejects for a subject's failure.
 */
export async function measureInterleaved(ctx: ScenarioContext, c: InterleavedCase): Promise<ResultRow[]> {
  const { caseLabel, spec, cpus, measure, ...rest } = c;
  const r = await measureInterleavedCases(ctx, {
    ...rest,
    cases: [{ caseLabel, spec, cpus }],
    measure: (s, _i, cpu) => measure(s, cpu),
  });
  return r.rows;
}

/**
 * Runs one case of a memory scenario: a fresh subject per round and subject (memory left over from an earlier round
 * would hide what this one adds), measured once, then stopped; the rows as measureInterleaved's. `measure` adds its
 * own process figures (it knows when "after" is). Never rejects for a subject's failure.
 */
export async function measureFreshPerRound(ctx: ScenarioContext, c: InterleavedCase): Promise<ResultRow[]> {
  const subjects = withSecondBuild(c.subjects).filter((s) => ctx.settings.subjects.includes(s));
  const table: RunTable = new Map();
  const outcomes = new Map<SubjectName, SubjectOutcome>();
  for (let round = 0; round < ctx.settings.rounds; round++) {
    for (const name of subjects) {
      if (outcomes.has(name)) continue;
      const started = await startSubject(ctx, name, c.spec, c.cpus ?? proxyCpusFor(ctx.layout, c.spec.threads));
      if (!('running' in started)) {
        outcomes.set(name, started.outcome);
        continue;
      }
      let values: Record<string, number> = {};
      try {
        values = await c.measure(started.running, NO_CPU_WINDOW);
        const shown = c.metrics.filter((m) => m.informational !== true).map((m) => `${m.name} ${(values[m.name] ?? Number.NaN).toFixed(2)} ${m.unit}`);
        ctx.log(`  ${c.caseLabel} round ${round + 1} ${name}: ${shown.join(', ')}`);
      } catch (e) {
        ctx.log(`  ${c.caseLabel} round ${round + 1} ${name}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0] ?? ''}`);
      } finally {
        await started.running.stop();
      }
      record(table, name, c.metrics, values);
    }
  }
  for (const name of subjects) if (!table.has(name) && !outcomes.has(name)) outcomes.set(name, { status: ROW_STATUS.failed, note: 'no run' });
  return rowsOf(c.scenario, c.caseLabel, c.metrics, subjects, table, outcomes);
}
