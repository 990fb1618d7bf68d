// Micro-benchmark: the stats page's `;json` (HAProxy's typed JSON, core/stats/stats-json.ts), serialised by
// fast-json-stringify from one schema per cell vs JSON.stringify on the same cells (issue 12: "measure it against
// JSON.stringify with benchmark"). Both get the same typed cells of the same rows (a 4-server backend, its frontend,
// and a stats listen: the seed's page, 7 rows, ~570 cells); their outputs are checked equal first. Stats thread work,
// single thread. Run: node_modules/.bin/tsc -p . && node_modules/.bin/node dist/native-bench/micro/stats-json.js

import Benchmark from 'benchmark';
import { renderStatsJson, statsJsonCells } from '../../core/stats/stats-json.js';
import { COL, MODULE_COLUMNS, STAT_COLUMNS, StatType, type StatRow, type StatValue } from '../../core/stats/stat-columns.js';

/** A row as the collector fills one: every counter a number, names and status as text. */
function row(px: string, sv: string, type: number, iid: number, sid: number): StatRow {
  const v: StatValue[] = STAT_COLUMNS.map((_, i) => (i % 3 === 0 ? undefined : i * 7));
  v[COL.pxname] = px;
  v[COL.svname] = sv;
  v[COL.type] = type;
  v[COL.iid] = iid;
  v[COL.sid] = sid;
  v[COL.status] = type === StatType.SERVER ? 'UP 1/3' : 'OPEN';
  v[COL.bin] = 123456789n;
  v[COL.mode] = 'http';
  v[COL.check_desc] = 'Layer4 check passed';
  return { values: v, modules: MODULE_COLUMNS.map(() => 0) };
}

const ROWS: StatRow[] = [
  row('ddb_fronted', 'FRONTEND', StatType.FRONTEND, 2, 0),
  ...[1, 2, 3, 4].map((n) => row('ddb_backend', `node${n}`, StatType.SERVER, 3, n)),
  row('ddb_backend', 'BACKEND', StatType.BACKEND, 3, 0),
  row('stats', 'FRONTEND', StatType.FRONTEND, 4, 0),
];

const cells = ROWS.map(statsJsonCells);
const viaStringify = (): string => `${JSON.stringify(cells)}\n`;
const viaFast = (): string => renderStatsJson(ROWS);
if (viaStringify() !== viaFast()) throw new Error('fast-json-stringify and JSON.stringify disagree');
// The cells themselves (what both need): measured alone so the serialisers' share can be told apart.
const cellsOnly = (): number => ROWS.map(statsJsonCells).length;
const viaFastOnCells = renderStatsJson.serialise;

function hz(name: string, fn: () => unknown): number {
  const bench = new Benchmark(name, fn, { maxTime: 1, minSamples: 20 });
  bench.run({ async: false });
  if (bench.error !== undefined) throw bench.error;
  return bench.hz ?? 0;
}

const rounds = 3;
const results: { fast: number[]; stringify: number[]; cells: number[] } = { fast: [], stringify: [], cells: [] };
for (let r = 0; r < rounds; r++) {
  results.fast.push(1e6 / hz('fast-json-stringify (serialise only)', () => viaFastOnCells(cells)));
  results.stringify.push(1e6 / hz('JSON.stringify (serialise only)', viaStringify));
  results.cells.push(1e6 / hz('cells from rows', cellsOnly));
}
const fmt = (xs: number[]): string => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)} µs`;
console.log(`;json of ${ROWS.length} rows, ${viaFast().length} bytes, ${rounds} rounds (µs per page, range):`);
console.log(`  fast-json-stringify serialise: ${fmt(results.fast)}`);
console.log(`  JSON.stringify serialise:      ${fmt(results.stringify)}`);
console.log(`  building the typed cells:      ${fmt(results.cells)}`);
