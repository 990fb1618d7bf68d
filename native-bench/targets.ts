// The issue-10 targets table (path | today | target | measured), read straight off a pass's rows: which scenario,
// case and metric answers each target, and whether the median meets it. The first table of results/latest.md and
// of the README's bench section. Pure; bench runner main thread.

import { RSS_LATER_OVER_IDLE } from './scenarios/rss-after-load.js';
import { twoOverOne } from './scenarios/forwarders-one-cpu.js';
import { CPU_PER } from './process-figures.js';
import { formatValue, type Summary } from './statistics.js';
import type { BenchResult, ResultRow } from './result-model.js';

/** One figure of a target: orcalb's row, its paired ratio to HAProxy (`ratio`) or its own median (`value`). */
export interface TargetPart {
  readonly scenario: string;
  /** The case label, or a pattern matching several (each becomes a part, labelled with its case). */
  readonly case: string | RegExp;
  readonly metric: string;
  readonly take: 'ratio' | 'value';
  /** Shown before the figure when a target has several parts ("L4", "64 conns"). */
  readonly label?: string;
  /** With a pattern: only the first matching case (idle RSS is the same in every idle case). */
  readonly firstOnly?: boolean;
}

export interface Target {
  readonly path: string;
  /** Where orcalb stood when the issue was filed (its "today" column). */
  readonly today: string;
  readonly target: string;
  /** The bound every part's median must meet. */
  readonly goal: { readonly atLeast?: number; readonly atMost?: number };
  readonly unit: string;
  readonly parts: readonly TargetPart[];
}

const ratio = (scenario: string, c: string, metric: string, label?: string): TargetPart =>
  ({ scenario, case: c, metric, take: 'ratio', ...(label === undefined ? {} : { label }) });
const value = (scenario: string, c: string | RegExp, metric: string, extra: Partial<TargetPart> = {}): TargetPart =>
  ({ scenario, case: c, metric, take: 'value', ...extra });
const atLeast = (v: number): Target['goal'] => ({ atLeast: v });
const atMost = (v: number): Target['goal'] => ({ atMost: v });
const REQ = CPU_PER.request.name;
const TWO_THREADS = 'forwarders-one-cpu';

/** The table, in its order. CPU figures are efficiencies: HAProxy's CPU per unit ÷ orcalb's. */
export const TARGETS: readonly Target[] = [
  {
    path: 'L4 small keep-alive', today: '0.61–0.71', target: '≥ 0.90', goal: atLeast(0.9), unit: '',
    parts: [ratio('l4-keepalive', 'c=64', REQ)],
  },
  {
    path: 'L4 1 MiB bulk', today: '0.65–0.84', target: '≥ 1.00', goal: atLeast(1), unit: '',
    parts: [ratio('l4-bulk', 'c=8', CPU_PER.mib.name)],
  },
  {
    path: 'L7 small keep-alive (64 and 512 conns)', today: '0.30–0.37', target: '≥ 0.85', goal: atLeast(0.85), unit: '',
    parts: [ratio('l7-keepalive', 'c=64', REQ, '64'), ratio('l7-keepalive', 'c=512', REQ, '512')],
  },
  {
    path: 'L7 1 MiB bulk', today: '0.63–0.69', target: '≥ 1.00', goal: atLeast(1), unit: '',
    parts: [ratio('l7-bulk', 'c=8', CPU_PER.mib.name)],
  },
  {
    path: 'new connections (L4 and L7 `Connection: close`)', today: '0.25–0.34',
    target: '≥ 0.65', goal: atLeast(0.65), unit: '',
    parts: [ratio('l4-conn-rate', 'c=64', CPU_PER.connection.name, 'L4'), ratio('l7-close', 'c=64', REQ, 'L7')],
  },
  {
    path: 'DolphinDB binary API calls, TCP mode (send-proxy)', today: 'not measured',
    target: '≥ 0.90', goal: atLeast(0.9), unit: '',
    parts: [ratio('ddb-round-trips', 'sessions=64', CPU_PER.call.name)],
  },
  {
    path: 'p99 latency at 64 conns, ÷ HAProxy’s', today: '1.8–5×', target: '≤ 1.3×', goal: atMost(1.3), unit: '×',
    parts: [
      ratio('l7-keepalive', 'c=64', 'p99 latency', 'L7'), ratio('l4-keepalive', 'c=64', 'p99 latency', 'L4'),
      ratio('l7-close', 'c=64', 'p99 latency', 'L7 close'), ratio('l4-conn-rate', 'c=64', 'p99 latency', 'L4 new'),
    ],
  },
  {
    path: 'idle memory per proxied connection (4k and 9.8k idle)', today: '9.7–20.4 KiB',
    target: '≤ 6 KiB', goal: atMost(6), unit: ' KiB',
    parts: [value('idle-memory', /^conns=/, 'memory per connection')],
  },
  {
    path: 'idle RSS of the whole process', today: '103 MiB', target: '≤ 60 MiB', goal: atMost(60), unit: ' MiB',
    parts: [value('idle-memory', /^conns=/, 'RSS idle', { firstOnly: true })],
  },
  {
    path: 'RSS after 60 s of L7 keep-alive load, then 10 s idle', today: '256 MiB+',
    target: '≤ 2× idle RSS', goal: atMost(2), unit: '×',
    parts: [value('rss-after-load', /^keep-alive c=64/, RSS_LATER_OVER_IDLE)],
  },
  {
    path: 'CPU per request at 2 forwarders ÷ at 1 (both on the same CPU)', today: '0.42 "scaling"',
    target: '≤ 1.10', goal: atMost(1.1), unit: '×',
    parts: [
      value(TWO_THREADS, 'L7 keep-alive c=64, 2 threads ÷ 1', twoOverOne(CPU_PER.request), { label: 'L7' }),
      value(TWO_THREADS, 'L4 new connections c=64, 2 threads ÷ 1', twoOverOne(CPU_PER.connection), { label: 'L4 new' }),
    ],
  },
];

/** One measured figure of a target: its text, and whether its median meets the goal (undefined: none). */
export interface TargetFigure {
  readonly text: string;
  readonly met: boolean | undefined;
}

function spread(s: Summary, digits: (v: number) => string): string {
  return s.n > 1 ? `${digits(s.median)} (${digits(s.min)}–${digits(s.max)})` : digits(s.median);
}

function meets(goal: Target['goal'], v: number): boolean {
  return (goal.atLeast === undefined || v >= goal.atLeast) && (goal.atMost === undefined || v <= goal.atMost);
}

/** orcalb's figures for one target in this result ([] when none of its scenarios ran). Pure. */
export function targetFigures(t: Target, rows: readonly ResultRow[]): TargetFigure[] {
  const out: TargetFigure[] = [];
  for (const part of t.parts) {
    let matching = rows.filter((r) => r.subject === 'orcalb' && r.scenario === part.scenario && r.metric === part.metric &&
      (typeof part.case === 'string' ? r.case === part.case : part.case.test(r.case)));
    if (part.firstOnly === true) matching = matching.slice(0, 1);
    for (const row of matching) {
      const label = part.label ?? (typeof part.case === 'string' ? undefined : row.case);
      const prefix = label === undefined || part.firstOnly === true ? '' : `${label}: `;
      const s = part.take === 'ratio' ? row.ratioToHaproxy : row.summary;
      if (row.status !== 'ok' || s === undefined || s.n === 0) {
        out.push({ text: `${prefix}${row.status === 'ok' ? 'HAProxy not measured' : row.status}`, met: undefined });
        continue;
      }
      const digits = part.take === 'ratio' || t.unit === '×' ? (v: number): string => v.toFixed(2) : formatValue;
      out.push({ text: `${prefix}${spread(s, digits)}${t.unit}`, met: meets(t.goal, s.median) });
    }
  }
  return out;
}

/** The Markdown table: path | today | target | measured (medians (min–max), ✓ met / ✗ not). Pure. */
export function targetsTable(result: BenchResult): string[] {
  const lines = ['| path | today | target | measured |', '|---|---|---|---|'];
  for (const t of TARGETS) {
    const figures = targetFigures(t, result.rows);
    const measured = figures.length === 0
      ? 'not measured'
      : figures.map((f) => `${f.text}${f.met === undefined ? '' : f.met ? ' ✓' : ' ✗'}`).join(' · ');
    lines.push(`| ${t.path} | ${t.today} | ${t.target} | ${measured} |`);
  }
  return lines;
}
