// Figures that pair runs across two cases of the same interleaved rounds (measureInterleavedCases): CPU per request
// at 2 forwarders ÷ at 1, requests/s at N threads ÷ at 1. Round i of one case over round i of the other, per
// subject, so a slow spell of the machine hits both sides of each ratio. Bench runner main thread.

import { ROW_STATUS, rowsOf, type MetricSpec, type ResultRow, type RunTable, type SubjectName, type SubjectOutcome } from '../result-model.js';

/**
 * Rows of `metric`, whose runs are `source` in `numerator` ÷ `source` in `denominator`, per subject and round
 * (paired to HAProxy's own ratio as any row). A subject missing from either table gets a 'failed' row. Pure.
 */
export function caseRatioRows(
  scenario: string,
  caseLabel: string,
  metric: MetricSpec,
  source: string,
  subjects: readonly SubjectName[],
  numerator: RunTable,
  denominator: RunTable,
): ResultRow[] {
  const table: RunTable = new Map();
  const outcomes = new Map<SubjectName, SubjectOutcome>();
  for (const s of subjects) {
    const top = numerator.get(s)?.get(source);
    const bottom = denominator.get(s)?.get(source);
    if (top === undefined || bottom === undefined) {
      outcomes.set(s, { status: ROW_STATUS.failed, note: 'not measured in both cases' });
      continue;
    }
    table.set(s, new Map([[metric.name, top.map((v, i) => v / (bottom[i] ?? Number.NaN))]]));
  }
  return rowsOf(scenario, caseLabel, [metric], subjects, table, outcomes);
}
