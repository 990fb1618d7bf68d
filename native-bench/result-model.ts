// The bench result file's shape (native-bench/results/<date>.json): one flat row per scenario × case × metric ×
// subject, with every run's value, the median with spread, and the paired ratio to HAProxy. Bench runner main thread.

import { pairedRatio, summarize, type Summary } from './statistics.js';

/** Every subject, in measuring order; `orcalb-b` is a second orcalb build (ORCALB_BENCH_MAIN_B), only when asked for. */
export const SUBJECT_NAMES = ['direct', 'orcalb', 'orcalb-b', 'haproxy', 'nginx', 'node-http-proxy'] as const;
export type SubjectName = (typeof SUBJECT_NAMES)[number];

/**
 * A scenario's candidates with `orcalb-b` right after `orcalb` (scenarios name orcalb only: the A/B build goes
 * wherever orcalb goes). Pure.
 */
export function withSecondBuild(candidates: readonly SubjectName[]): SubjectName[] {
  return candidates.flatMap((s) => (s === 'orcalb' ? ['orcalb', 'orcalb-b'] as const : [s]));
}

export const BENCH_MODES = ['full', 'quick', 'smoke', 'scaling'] as const;
export type BenchMode = (typeof BENCH_MODES)[number];

export const ROW_STATUS = { ok: 'ok', unsupported: 'unsupported', skipped: 'skipped', failed: 'failed' } as const;
export type RowStatus = (typeof ROW_STATUS)[keyof typeof ROW_STATUS];

export interface MetricSpec {
  readonly name: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  /** Context for another figure (e.g. the generator's own CPU): in the table, not in the ratio chart. */
  readonly informational?: boolean;
  /** A figure of the subject's own process (RSS, fds, CPU): a subject that has none (`direct`) gets no row at all. */
  readonly perProcess?: boolean;
  /**
   * Paired the other way round: HAProxy's run ÷ the subject's (the issue-10 "efficiency" of a CPU-per-unit figure,
   * > 1 when the subject spends less CPU than HAProxy for the same work).
   */
  readonly efficiency?: boolean;
}

/** How a row's ratioToHaproxy was paired. */
export const RATIO_KIND = { subjectOverHaproxy: 'subject÷haproxy', haproxyOverSubject: 'haproxy÷subject' } as const;
export type RatioKind = (typeof RATIO_KIND)[keyof typeof RATIO_KIND];

export interface ResultRow {
  readonly scenario: string;
  /** e.g. `c=64`, `threads=2`, `sessions=64`. */
  readonly case: string;
  readonly metric: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  readonly informational?: boolean;
  readonly subject: SubjectName;
  readonly status: RowStatus;
  /** Why a subject is unsupported, skipped or failed; or a caveat on an ok row. */
  readonly note?: string;
  readonly runs: readonly number[];
  readonly summary?: Summary;
  /**
   * subject ÷ haproxy per interleaved round (haproxy ÷ subject for an efficiency metric: see ratioKind); absent for
   * haproxy itself or without haproxy runs.
   */
  readonly ratioToHaproxy?: Summary;
  readonly ratioKind?: RatioKind;
}

/** 2: CPU-per-unit rows, efficiency ratios (ratioKind), the scaling mode. */
export const RESULT_VERSION = 2;

export interface BenchResult {
  readonly version: typeof RESULT_VERSION;
  readonly date: string;
  readonly mode: BenchMode;
  readonly machine: { readonly cpus: number; readonly model: string; readonly memoryGiB: number; readonly os: string; readonly node: string };
  readonly layout: { readonly proxyCpus: string | null; readonly loadCpus: string | null; readonly text: string };
  readonly settings: {
    readonly threads: number;
    readonly rounds: number;
    readonly durationS: number;
    readonly subjects: readonly SubjectName[];
    /** The forwarder counts of a scaling pass. */
    readonly scalingThreads?: readonly number[];
  };
  readonly versions: Readonly<Record<string, string>>;
  readonly rows: readonly ResultRow[];
  readonly leftovers: readonly string[];
  readonly elapsedS: number;
}

/** Values measured per subject, per metric, one entry per interleaved round (NaN for a failed run). */
export type RunTable = Map<SubjectName, Map<string, number[]>>;

/** What a subject turned out to be in one scenario case, when it did not run. */
export interface SubjectOutcome {
  readonly status: RowStatus;
  readonly note?: string;
}

/**
 * Builds the rows of one scenario case: measured subjects get summaries and paired ratios to haproxy's runs,
 * the others one row per metric with their status and note. Pure.
 */
export function rowsOf(
  scenario: string,
  caseLabel: string,
  metrics: readonly MetricSpec[],
  subjects: readonly SubjectName[],
  runs: RunTable,
  outcomes: ReadonlyMap<SubjectName, SubjectOutcome>,
  notes: ReadonlyMap<SubjectName, string> = new Map(),
): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const metric of metrics) {
    const reference = runs.get('haproxy')?.get(metric.name);
    for (const subject of subjects) {
      const base = {
        scenario, case: caseLabel, metric: metric.name, unit: metric.unit, better: metric.better,
        ...(metric.informational === true ? { informational: true } : {}), subject,
      };
      const outcome = outcomes.get(subject);
      const values = runs.get(subject)?.get(metric.name);
      if (metric.perProcess === true && outcome === undefined && (values === undefined || values.every((v) => Number.isNaN(v)))) continue;
      if (outcome !== undefined || values === undefined) {
        const o = outcome ?? { status: ROW_STATUS.skipped, note: 'not run' };
        rows.push({ ...base, status: o.status, ...(o.note === undefined ? {} : { note: o.note }), runs: [] });
        continue;
      }
      const summary = summarize(values);
      const efficiency = metric.efficiency === true;
      const ratio = subject === 'haproxy' || reference === undefined
        ? undefined
        : efficiency ? pairedRatio(reference, values) : pairedRatio(values, reference);
      const note = notes.get(subject) ?? (summary.n < values.length ? `${values.length - summary.n} run(s) failed` : undefined);
      rows.push({
        ...base,
        status: summary.n === 0 ? ROW_STATUS.failed : ROW_STATUS.ok,
        ...(note === undefined ? {} : { note }),
        runs: values,
        summary,
        ...(ratio === undefined
          ? {}
          : { ratioToHaproxy: ratio, ratioKind: efficiency ? RATIO_KIND.haproxyOverSubject : RATIO_KIND.subjectOverHaproxy }),
      });
    }
  }
  return rows;
}

/** Appends one round's values for a subject to the table (NaN for metrics it did not report). */
export function record(table: RunTable, subject: SubjectName, metrics: readonly MetricSpec[], values: Readonly<Record<string, number>>): void {
  let bySubject = table.get(subject);
  if (bySubject === undefined) table.set(subject, (bySubject = new Map()));
  for (const m of metrics) {
    let list = bySubject.get(m.name);
    if (list === undefined) bySubject.set(m.name, (list = []));
    list.push(values[m.name] ?? Number.NaN);
  }
}
