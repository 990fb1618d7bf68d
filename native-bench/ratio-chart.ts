// The ratio chart (results/<date>.svg, README embeds latest.svg): one horizontal bar per scenario · case · metric
// and subject, the paired median ratio to HAProxy with a min–max whisker, HAProxy = 1 as a vertical line.
// Hand-written SVG, no dependency.

import type { BenchResult, ResultRow, SubjectName } from './result-model.js';

const COLORS: Readonly<Record<SubjectName, string>> = {
  direct: '#9e9e9e',
  orcalb: '#d9480f',
  'orcalb-b': '#f08c00',
  haproxy: '#1c7ed6',
  nginx: '#2b8a3e',
  'node-http-proxy': '#7048e8',
};
const BAR = 14;
const GAP = 10;
const LABEL_W = 330;
const PLOT_W = 420;
const TOP = 58;

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Renders the chart of every non-informational row that has a ratio to HAProxy. Pure. */
export function ratioChartSvg(result: BenchResult): string {
  const rows = result.rows.filter((r): r is ResultRow & { ratioToHaproxy: NonNullable<ResultRow['ratioToHaproxy']> } =>
    r.ratioToHaproxy !== undefined && r.informational !== true);
  const groups = [...new Set(rows.map((r) => `${r.scenario} · ${r.case} · ${r.metric}${r.better === 'lower' ? ' (lower is better)' : ''}`))];
  // The axis stops at 3: a 6× memory ratio would squeeze every other bar; longer bars are clipped, labels exact.
  const maxRatio = Math.min(3, Math.max(2, ...rows.map((r) => r.ratioToHaproxy.max)));
  const scale = (v: number): number => LABEL_W + (Math.min(v, maxRatio) / maxRatio) * PLOT_W;
  const parts: string[] = [];
  let y = TOP;
  for (const g of groups) {
    const inGroup = rows.filter((r) => `${r.scenario} · ${r.case} · ${r.metric}${r.better === 'lower' ? ' (lower is better)' : ''}` === g);
    parts.push(`<text x="${LABEL_W - 8}" y="${y + BAR - 3}" text-anchor="end" font-size="11">${esc(g)}</text>`);
    for (const r of inGroup) {
      const ratio = r.ratioToHaproxy;
      const w = Math.max(1, scale(ratio.median) - LABEL_W);
      parts.push(
        `<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${COLORS[r.subject]}"><title>${esc(`${r.subject}: ${ratio.median.toFixed(2)}`)}</title></rect>`,
        `<line x1="${scale(ratio.min).toFixed(1)}" x2="${scale(ratio.max).toFixed(1)}" y1="${y + BAR / 2}" y2="${y + BAR / 2}" stroke="#222" stroke-width="1"/>`,
        `<text x="${(scale(ratio.max) + 4).toFixed(1)}" y="${y + BAR - 3}" font-size="10">${esc(`${r.subject} ${ratio.median.toFixed(2)}`)}</text>`,
      );
      y += BAR + 2;
    }
    y += GAP;
  }
  const height = y + 30;
  const width = LABEL_W + PLOT_W + 120;
  const one = scale(1);
  const ticks = [0, 0.5, 1, 1.5, 2, ...(maxRatio > 2 ? [maxRatio] : [])].map((t) =>
    `<text x="${scale(t).toFixed(1)}" y="${height - 12}" text-anchor="middle" font-size="10">${t === maxRatio && t === 3 ? '≥3' : t.toFixed(1)}</text>`);
  const legend = (Object.keys(COLORS) as SubjectName[]).filter((s) => s !== 'haproxy').map((s, i) =>
    `<rect x="${LABEL_W + i * 95}" y="30" width="10" height="10" fill="${COLORS[s]}"/><text x="${LABEL_W + i * 95 + 14}" y="39" font-size="11">${s}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="18" font-size="13" font-weight="bold">${esc(`Ratio to HAProxy 2.6 (paired medians, whisker min–max) — ${result.date}, ${result.machine.cpus} × ${result.machine.model}, ${result.settings.threads} thread(s), ${result.mode}`)}</text>`,
    ...legend,
    ...parts,
    `<line x1="${one.toFixed(1)}" x2="${one.toFixed(1)}" y1="${TOP - 6}" y2="${height - 26}" stroke="${COLORS.haproxy}" stroke-dasharray="4 3"/>`,
    `<text x="${one.toFixed(1)}" y="${TOP - 9}" text-anchor="middle" font-size="10" fill="${COLORS.haproxy}">HAProxy = 1</text>`,
    ...ticks,
    rows.length === 0 ? `<text x="10" y="${TOP + 10}" font-size="12">no ratios (HAProxy was not measured in this pass)</text>` : '',
    '</svg>',
    '',
  ].join('\n');
}
