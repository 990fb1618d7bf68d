// The interleaved measurement every throughput scenario shares: start the selected subjects on one spec, measure
// each once per round in a fixed order (A B C, A B C, …) with its process figures (RSS after, fds at peak), stop
// them, and turn the runs into rows with paired ratios to HAProxy. Bench runner main thread.

import { PROCESS_METRICS, withProcessFigures } from '../process-figures.js';
import { record, ROW_STATUS, rowsOf, type MetricSpec, type ResultRow, type RunTable, type SubjectName, type SubjectOutcome } from '../result-model.js';
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

/** Starts one subject on spec with the context's CPUs and profile dir; never rejects (a failure is an outcome). */
export async function startSubject(ctx: ScenarioContext, name: SubjectName, spec: ProxySpec): Promise<StartResult> {
  const launcher = launcherOf(name);
  if (!launcher.modes.includes(spec.mode)) return { outcome: { status: ROW_STATUS.unsupported, note: `no ${spec.mode} mode` } };
  try {
    const started = await launcher.start(spec, {
      group: ctx.group,
      cpus: ctx.layout.proxy,
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
  readonly metrics: readonly MetricSpec[];
  /** One measurement of one subject; a rejection records NaN for that run. RSS and fds are added around it. */
  measure(subject: RunningSubject): Promise<Record<string, number>>;
}

/**
 * Runs one case: starts the subjects, `settings.rounds` interleaved rounds, stops them (always), returns the rows.
 * Never rejects for a subject's failure.
 */
export async function measureInterleaved(ctx: ScenarioContext, c: InterleavedCase): Promise<ResultRow[]> {
  const metrics = [...c.metrics, ...PROCESS_METRICS];
  const subjects = c.subjects.filter((s) => ctx.settings.subjects.includes(s));
  const outcomes = new Map<SubjectName, SubjectOutcome>();
  const running: RunningSubject[] = [];
  const notes = new Map<SubjectName, string>();
  const table: RunTable = new Map();
  try {
    for (const name of subjects) {
      const r = await startSubject(ctx, name, c.spec);
      if ('running' in r) {
        running.push(r.running);
        if (r.running.note !== undefined) notes.set(name, r.running.note);
      } else outcomes.set(name, r.outcome);
    }
    for (let round = 0; round < ctx.settings.rounds; round++) {
      for (const s of running) {
        let values: Record<string, number> = {};
        try {
          values = await withProcessFigures(s.pid, () => c.measure(s));
        } catch (e) {
          ctx.log(`  ${s.name} round ${round + 1}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0] ?? ''}`);
        }
        record(table, s.name, metrics, values);
        const primary = c.metrics[0];
        if (primary !== undefined) ctx.log(`  ${c.caseLabel} round ${round + 1} ${s.name}: ${primary.name} ${(values[primary.name] ?? Number.NaN).toFixed(1)} ${primary.unit}`);
      }
    }
  } finally {
    await Promise.all(running.map((s) => s.stop()));
  }
  return rowsOf(c.scenario, c.caseLabel, metrics, subjects, table, outcomes, notes);
}

/**
 * Runs one case of a memory scenario: a fresh subject per round and subject (memory left over from an earlier round
 * would hide what this one adds), measured once, then stopped; the rows as measureInterleaved's. `measure` adds its
 * own process figures (it knows when "after" is). Never rejects for a subject's failure.
 */
export async function measureFreshPerRound(ctx: ScenarioContext, c: InterleavedCase): Promise<ResultRow[]> {
  const subjects = c.subjects.filter((s) => ctx.settings.subjects.includes(s));
  const table: RunTable = new Map();
  const outcomes = new Map<SubjectName, SubjectOutcome>();
  for (let round = 0; round < ctx.settings.rounds; round++) {
    for (const name of subjects) {
      if (outcomes.has(name)) continue;
      const started = await startSubject(ctx, name, c.spec);
      if (!('running' in started)) {
        outcomes.set(name, started.outcome);
        continue;
      }
      let values: Record<string, number> = {};
      try {
        values = await c.measure(started.running);
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
