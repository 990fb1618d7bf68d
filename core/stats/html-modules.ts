// The "Extra modules" column group of HAProxy 2.6's stats page under `stats show-modules` (observed on 2.6.12): one
// cell per stats module (ssl, h2, h1) holding the module's counters in a hover box, where the row has them. The
// labels are the modules' field descriptions as haproxy prints them. Stats thread, per page request.

import { MODULE_COL, type ModuleColumn, type StatRow } from './stat-columns.js';
import { cellText } from './html-format.js';

/** Per module: its name and its columns with the description an operator reads. */
const MODULES: readonly (readonly [string, readonly (readonly [ModuleColumn, string])[]])[] = [
  ['ssl', [
    ['ssl_sess', 'Total number of ssl sessions established'],
    ['ssl_reused_sess', 'Total number of ssl sessions reused'],
    ['ssl_failed_handshake', 'Total number of failed handshake'],
  ]],
  ['h2', [
    ['h2_headers_rcvd', 'Total number of received HEADERS frames'],
    ['h2_data_rcvd', 'Total number of received DATA frames'],
    ['h2_settings_rcvd', 'Total number of received SETTINGS frames'],
    ['h2_rst_stream_rcvd', 'Total number of received RST_STREAM frames'],
    ['h2_goaway_rcvd', 'Total number of received GOAWAY frames'],
    ['h2_detected_conn_protocol_errors', 'Total number of connection protocol errors'],
    ['h2_detected_strm_protocol_errors', 'Total number of stream protocol errors'],
    ['h2_rst_stream_resp', 'Total number of RST_STREAM sent on detected error'],
    ['h2_goaway_resp', 'Total number of GOAWAY sent on detected error'],
    ['h2_open_connections', 'Count of currently open connections'],
    ['h2_backend_open_streams', 'Count of currently open streams'],
    ['h2_total_connections', 'Total number of connections'],
    ['h2_backend_total_streams', 'Total number of streams'],
  ]],
  ['h1', [
    ['h1_open_connections', 'Count of currently open connections'],
    ['h1_open_streams', 'Count of currently open streams'],
    ['h1_total_connections', 'Total number of connections'],
    ['h1_total_streams', 'Total number of streams'],
    ['h1_bytes_in', 'Total number of bytes received'],
    ['h1_bytes_out', 'Total number of bytes send'],
    ['h1_spliced_bytes_in', 'Total number of bytes received using kernel splicing'],
    // haproxy 2.6.12 prints this label without the space.
    ['h1_spliced_bytes_out', 'Total number of bytes sendusing kernel splicing'],
  ]],
];

/** The group header cell and the column header cells the module group adds. */
export const MODULE_GROUP_HEADER = `<th colspan=${MODULES.length}>Extra modules</th>`;
export const MODULE_COLUMN_HEADERS = MODULES.map(([name]) => `<th>${name}</th>`).join('');

/** A row's module cells: each module with its counters in a hover box, or an empty cell where the row has none. */
export function moduleCells(row: StatRow): string {
  let out = '';
  for (const [name, fields] of MODULES) {
    const first = fields[0];
    if (first === undefined || cellText(row.modules[MODULE_COL[first[0]]]) === '') {
      out += '<td></td>';
      continue;
    }
    let box = '<table class=det>';
    for (const [col, label] of fields) box += `<tr><th>${label}</th><td>${cellText(row.modules[MODULE_COL[col]])}</td></tr>`;
    out += `<td><u>${name}<div class=tips>${box}</table></div></u></td>`;
  }
  return out;
}
