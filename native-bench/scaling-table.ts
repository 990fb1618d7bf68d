// The thread-scaling summary (`npm run bench -- --scaling --threads 12`): one line per forwarder count and load, with
// req/s and CPU per request of orcalb and HAProxy, the efficiency, and each one's req/s at N ÷ at 1, read off the
// thread-scaling rows. The first table of results/scaling-latest.md and of the README's scaling section. Pure.

import { CPU_PER } from './process-figures.js';
import type { BenchResult, ResultRow, SubjectName } from './result-model.js';
import { formatValue } from './statistics.js';

const SCENARIO = 'thread-scaling';
const RATE = 'requests/s';

function median(rows: readonly ResultRow[], c: string, metric: string, subject: SubjectName, take: 'value' | 'ratio' = 'value'): string {
  const row = rows.find((r) => r.case === c && r.metric === metric && r.subject === subject);
  if (row === undefined) return '–';
  if (row.status !== 'ok') return row.status;
  const s = take === 'ratio' ? row.ratioToHaproxy : row.summary;
  if (s === undefined || s.n === 0) return '–';
  return take === 'ratio' || metric.includes(' ÷ ') ? s.median.toFixed(2) : formatValue(s.median);
}

/** The summary table's lines, or [] when the result has no thread-scaling rows. */
export function scalingTable(result: BenchResult): string[] {
  const rows = result.rows.filter((r) => r.scenario === SCENARIO);
  const cases = [...new Set(rows.map((r) => r.case))];
  const loads = [...new Set(cases.map((c) => /^(.*), threads=\d+$/.exec(c)?.[1]).filter((l): l is string => l !== undefined))];
  if (loads.length === 0) return [];
  const out = [
    '| load | forwarders | orcalb req/s | haproxy req/s | orcalb µs CPU/req | haproxy µs CPU/req | efficiency (haproxy ÷ orcalb) | ' +
      'orcalb req/s at N ÷ at 1 | haproxy req/s at N ÷ at 1 |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const load of loads) {
    const ceiling = median(rows, `${load}, no proxy`, RATE, 'direct');
    for (const c of cases.filter((x) => x.startsWith(`${load}, threads=`))) {
      const n = c.slice(`${load}, threads=`.length);
      const speedup = `${load}, threads ${n} ÷ 1`;
      const of = (s: SubjectName): string => (n === '1' ? '1.00' : median(rows, speedup, `${RATE} at ${n} ÷ at 1`, s));
      out.push(`| ${load}${ceiling === '–' ? '' : ` (no proxy: ${ceiling} req/s)`} | ${n} | ${median(rows, c, RATE, 'orcalb')} | ` +
        `${median(rows, c, RATE, 'haproxy')} | ${median(rows, c, CPU_PER.request.name, 'orcalb')} | ${median(rows, c, CPU_PER.request.name, 'haproxy')} | ` +
        `${median(rows, c, CPU_PER.request.name, 'orcalb', 'ratio')} | ${of('orcalb')} | ${of('haproxy')} |`);
    }
  }
  return out;
}
