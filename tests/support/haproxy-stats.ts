// Test support: reads the real HAProxy's counters over its stats socket (`stats socket PATH` in the global section,
// management guide §9.3), for tests that compare what haproxy counts or clamps with orcalb; and reads its answers
// into orcalb's StatSnapshot (snapshotFromHaproxy) so orcalb's renderers can be held against haproxy's own output.
// Test-runner thread.

import { connect } from 'node:net';
import {
  COL, INFO, INFO_FIELDS, MODULE_COL, MODULE_COLUMNS, STAT_COLUMNS, type StatRow, type StatSnapshot, type StatValue,
} from '../../core/stats/stat-columns.js';
import type { StickTableMetrics } from '../../core/stats/prometheus-orcalb.js';

/** Sends one command to haproxy's stats socket and resolves with the whole answer; rejects after 5 s. */
export function statsCommand(path: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let text = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer to '${command}' within 5 s`));
    }, 5000);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (text += d));
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    sock.end(`${command}\n`);
  });
}

/** One `show stat` row (proxy `px`, service `sv`: FRONTEND, BACKEND or a server name) as column name → value. */
export function statRow(csv: string, px: string, sv: string): Record<string, string> {
  const [header = '', ...rows] = csv.trim().split('\n');
  const names = header.replace(/^# /, '').split(',');
  const row = rows.map((r) => r.split(',')).find((r) => r[0] === px && r[1] === sv) ?? [];
  return Object.fromEntries(names.map((n, i) => [n, row[i] ?? '']));
}

/** A stats cell as the StatSnapshot holds it: '' → empty (undefined), an integer → number (bigint past 2^53), else text. */
function cellOf(text: string): StatValue {
  if (text === '') return undefined;
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  return text;
}

/** Splits one CSV line of `show stat` (haproxy quotes nothing in it: names cannot hold a comma). */
function csvCells(line: string): string[] {
  return line.split(',');
}

/**
 * A StatSnapshot from haproxy's own `show stat` (or `;csv`) text and `show info` text: the shape orcalb's renderers
 * take, filled by the real haproxy, so a renderer's output can be compared with haproxy's own at the same moment.
 * Columns are matched by name (the generic ones, then the module ones after '-'); empty cells stay empty.
 */
export function snapshotFromHaproxy(csv: string, info: string): StatSnapshot {
  const [header = '', ...lines] = csv.trim().split('\n');
  const names = csvCells(header.replace(/^# /, ''));
  const dash = names.indexOf('-');
  const rows: StatRow[] = lines
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const cells = csvCells(line);
      const values = new Array<StatValue>(STAT_COLUMNS.length).fill(undefined);
      const modules = new Array<StatValue>(MODULE_COLUMNS.length).fill(undefined);
      names.forEach((name, i) => {
        const text = cells[i] ?? '';
        if (dash >= 0 && i > dash) {
          const m = (MODULE_COL as Record<string, number>)[name];
          if (m !== undefined) modules[m] = cellOf(text);
        } else {
          const c = (COL as Record<string, number>)[name];
          if (c !== undefined) values[c] = c === COL.pxname || c === COL.svname ? text : cellOf(text);
        }
      });
      return { values, modules };
    });
  const infoRow = new Array<StatValue>(INFO_FIELDS.length).fill(undefined);
  for (const line of info.split('\n')) {
    const colon = line.indexOf(': ');
    if (colon < 0) continue;
    const i = (INFO as Record<string, number>)[line.slice(0, colon)];
    if (i !== undefined) infoRow[i] = cellOf(line.slice(colon + 2).trim());
  }
  return { info: infoRow, rows };
}

/**
 * The stick tables of a `show table` answer (`# table: NAME, type: T, size:N, used:N` lines) in configuration order,
 * as orcalb's collector hands them to the Prometheus renderer (haproxy lists them last declared first).
 */
export function stickTablesFromHaproxy(showTable: string): StickTableMetrics[] {
  const out: StickTableMetrics[] = [];
  for (const m of showTable.matchAll(/^# table: ([^,]+), type: ([^,]+), size:(\d+), used:(\d+)/gm)) {
    out.push({ name: m[1] as string, type: m[2] as string, size: Number(m[3]), used: Number(m[4]) });
  }
  return out.reverse();
}
