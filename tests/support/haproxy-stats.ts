// Test support: reads the real HAProxy's counters over its stats socket (`stats socket PATH` in the global section,
// management guide §9.3), for tests that compare what haproxy counts or clamps with orcalb, and turns its `show stat`
// and `show info` answers into the stats model (core/stats/stat-columns.ts) for the renderers' tests. Test-runner thread.

import { cliCommand } from './cli-client.js';
import {
  COL, INFO, INFO_FIELDS, type InfoField, MODULE_COL, MODULE_COLUMNS, type ModuleColumn, STAT_COLUMNS, type StatColumn, type StatRow,
  type StatSnapshot, type StatValue,
} from '../../core/stats/stat-columns.js';

/** Sends one command to a stats socket and resolves with the whole answer; rejects after 5 s (cli-client.ts). */
export function statsCommand(path: string, command: string): Promise<string> {
  return cliCommand(path, command);
}

/** One `show stat` row (proxy `px`, service `sv`: FRONTEND, BACKEND or a server name) as column name → value. */
export function statRow(csv: string, px: string, sv: string): Record<string, string> {
  const [header = '', ...rows] = csv.trim().split('\n');
  const names = header.replace(/^# /, '').split(',');
  const row = rows.map((r) => r.split(',')).find((r) => r[0] === px && r[1] === sv) ?? [];
  return Object.fromEntries(names.map((n, i) => [n, row[i] ?? '']));
}

/** Every server row of a `show stat` answer: `px/sv` → its status cell (`UP`, `MAINT (resolution)`, …). */
export function serverStatuses(csv: string): Map<string, string> {
  const [header = '', ...rows] = csv.trim().split('\n');
  const status = header.replace(/^# /, '').split(',').indexOf('status');
  const cells = rows.map((r) => r.split(',')).filter((c) => c[1] !== 'FRONTEND' && c[1] !== 'BACKEND');
  return new Map(cells.map((c) => [`${c[0] ?? ''}/${c[1] ?? ''}`, c[status] ?? '']));
}

/** A cell as the stats model holds it: empty → undefined, an integer → number, anything else → its text. */
function statValue(text: string | undefined): StatValue {
  if (text === undefined || text === '') return undefined;
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

/**
 * The real haproxy's `show stat` (or `;csv`) and `show info` answers as the stats model's StatSnapshot, so a renderer
 * can be fed haproxy's own figures and its output compared with haproxy's page for the same moment. Columns are
 * placed by the CSV header's names (generic columns, then the module columns after `-`).
 */
export function snapshotFromHaproxy(csv: string, infoText: string): StatSnapshot {
  const [header = '', ...lines] = csv.trim().split('\n');
  const names = header.replace(/^# /, '').split(',');
  const rows: StatRow[] = lines.filter((l) => l !== '' && !l.startsWith('#')).map((line) => {
    const cells = line.split(',');
    const values: StatValue[] = new Array<StatValue>(STAT_COLUMNS.length).fill(undefined);
    const modules: StatValue[] = new Array<StatValue>(MODULE_COLUMNS.length).fill(undefined);
    names.forEach((name, i) => {
      if (Object.hasOwn(COL, name)) values[COL[name as StatColumn]] = statValue(cells[i]);
      else if (Object.hasOwn(MODULE_COL, name)) modules[MODULE_COL[name as ModuleColumn]] = statValue(cells[i]);
    });
    return { values, modules };
  });
  const info: StatValue[] = new Array<StatValue>(INFO_FIELDS.length).fill(undefined);
  for (const line of infoText.split('\n')) {
    const colon = line.indexOf(': ');
    const name = colon < 0 ? '' : line.slice(0, colon);
    if (Object.hasOwn(INFO, name)) info[INFO[name as InfoField]] = statValue(line.slice(colon + 2));
  }
  return { info, rows };
}

/**
 * The stick tables of a `show table` answer (`# table: NAME, type: T, size:N, used:N` lines) in configuration order,
 * as orcalb's collector hands them to the Prometheus renderer (haproxy lists them last declared first).
 */
export function stickTablesFromHaproxy(showTable: string): Array<{ name: string; type: string; size: number; used: number }> {
  const out: Array<{ name: string; type: string; size: number; used: number }> = [];
  for (const m of showTable.matchAll(/^# table: ([^,]+), type: ([^,]+), size:(\d+), used:(\d+)/gm)) {
    out.push({ name: m[1] as string, type: m[2] as string, size: Number(m[3]), used: Number(m[4]) });
  }
  return out.reverse();
}
