// The `;csv` output of the stats page (HAProxy 2.6 management guide §9.1): the `# pxname,…` header with the module
// columns after a `-` column, then one line per row, each line ending with a comma as 2.6.12's do (measured).
// Stats thread; allocates per page, never on a forwarder's path.

import { MODULE_COLUMNS, STAT_COLUMNS, type StatRow, type StatValue } from './stat-columns.js';

/** HAProxy 2.6.12's header line, byte for byte (with its newline). */
export const CSV_HEADER = `# ${[...STAT_COLUMNS, '-', ...MODULE_COLUMNS].join(',')},\n`;

/**
 * One cell as HAProxy's csv_enc writes it: empty for an empty cell; a text holding a comma, a quote, a line break
 * or a leading/trailing space goes in double quotes with its quotes doubled. Pure.
 */
export function csvCell(v: StatValue): string {
  if (v === undefined) return '';
  if (typeof v !== 'string') return String(v);
  if (!/[,"\r\n]|^\s|\s$/.test(v)) return v;
  return `"${v.replace(/"/g, '""')}"`;
}

/** One row's line (with its newline). Pure. */
export function csvLine(row: StatRow): string {
  const cells = row.values.map(csvCell);
  cells.push('-');
  for (const m of row.modules) cells.push(csvCell(m));
  return `${cells.join(',')},\n`;
}

/** The whole `;csv` body: header, then every row. Pure. */
export function renderCsv(rows: readonly StatRow[]): string {
  let out = CSV_HEADER;
  for (const r of rows) out += csvLine(r);
  return out;
}
