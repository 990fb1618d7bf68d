// The Markdown report of a bench pass (stdout and results/latest.md): a header with date, machine, layout and
// settings, the issue-10 targets table (targets.ts), then one table per scenario — median (min–max) per subject and
// orcalb's paired ratio to HAProxy (an efficiency, HAProxy ÷ orcalb, for the CPU-per-unit rows).

import { formatValue, type Summary } from './statistics.js';
import { RATIO_KIND, SUBJECT_NAMES, type BenchResult, type ResultRow, type SubjectName } from './result-model.js';
import { scalingTable } from './scaling-table.js';
import { targetsTable } from './targets.js';

function cell(row: ResultRow | undefined): string {
  if (row === undefined) return '';
  if (row.status !== 'ok' || row.summary === undefined) return row.status;
  const s = row.summary;
  return s.n > 1 ? `${formatValue(s.median)} (${formatValue(s.min)}–${formatValue(s.max)})` : formatValue(s.median);
}

function ratioCell(r: Summary | undefined): string {
  if (r === undefined) return '–';
  return r.n > 1 ? `${r.median.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})` : r.median.toFixed(2);
}

/** Renders the whole report. Pure. */
export function markdownReport(result: BenchResult): string {
  const m = result.machine;
  const out = [
    `# orcalb bench — ${result.date} (${result.mode})`,
    '',
    `Machine: ${m.cpus} × ${m.model}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}.  `,
    `${result.layout.text}.  `,
    `Threads: ${result.settings.scalingThreads === undefined ? result.settings.threads : `${result.settings.scalingThreads.join(', ')} (scaling)`}; ${result.settings.rounds} interleaved round(s) of ${result.settings.durationS} s; ` +
      `medians (min–max); ratios to HAProxy are paired per round: orcalb ÷ haproxy (>1: more than HAProxy), except ` +
      `CPU-per-unit rows: haproxy ÷ orcalb (>1: orcalb spends less CPU).  `,
    `Versions: ${Object.entries(result.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
  ];
  if (result.mode !== 'scaling') {
    out.push(
      '## Targets (issue 10)',
      '',
      'CPU figures are efficiencies: HAProxy’s CPU time per request, connection, call or MiB ÷ orcalb’s, from /proc ' +
        '(utime + stime of the whole process), paired round by round; median (min–max). ✓ the median meets the target.',
      '',
      ...targetsTable(result),
      '',
    );
  }
  const scaling = scalingTable(result);
  if (scaling.length > 0) {
    out.push('## Thread scaling', '', 'Medians over the rounds; the proxy on the CPUs of the layout line at every thread count.', '', ...scaling, '');
  }
  const notes: string[] = [];
  for (const scenario of [...new Set(result.rows.map((r) => r.scenario))]) {
    const rows = result.rows.filter((r) => r.scenario === scenario);
    const present = SUBJECT_NAMES.filter((s) => rows.some((r) => r.subject === s));
    out.push(`## ${scenario}`, '');
    // orcalb's ratio, and the second build's beside it in an A/B pass.
    const rated = (['orcalb', 'orcalb-b'] as const).filter((s) => s === 'orcalb' || present.includes(s));
    out.push(`| case | metric | ${present.join(' | ')} | ${rated.map((s) => `${s} vs haproxy`).join(' | ')} |`);
    out.push(`|---|---|${present.map(() => '---:').join('|')}|${rated.map(() => '---:').join('|')}|`);
    const keys = [...new Set(rows.map((r) => `${r.case}\u0000${r.metric}`))];
    for (const key of keys) {
      const [c, metric] = key.split('\u0000') as [string, string];
      const of = (s: SubjectName): ResultRow | undefined => rows.find((r) => r.case === c && r.metric === metric && r.subject === s);
      const first = rows.find((r) => r.case === c && r.metric === metric);
      const efficiency = rows.some((r) => r.case === c && r.metric === metric && r.ratioKind === RATIO_KIND.haproxyOverSubject);
      const unit = first === undefined
        ? ''
        : ` (${first.unit}${first.better === 'lower' ? ', lower is better' : ''}${efficiency ? '; ratio = haproxy ÷ orcalb' : ''})`;
      const ratios = rated.map((s) => ratioCell(of(s)?.ratioToHaproxy)).join(' | ');
      out.push(`| ${c} | ${metric}${unit} | ${present.map((s) => cell(of(s))).join(' | ')} | ${ratios} |`);
      for (const s of present) {
        const r = of(s);
        const note = r?.note;
        if (note !== undefined && !notes.includes(`${scenario} · ${s}: ${note}`)) notes.push(`${scenario} · ${s}: ${note}`);
      }
    }
    out.push('');
  }
  if (notes.length > 0) out.push('Notes:', '', ...notes.map((n) => `- ${n}`), '');
  out.push(result.leftovers.length === 0 ? 'Processes left behind: none.' : `Processes left behind: ${result.leftovers.join(', ')}`, '');
  return out.join('\n');
}
