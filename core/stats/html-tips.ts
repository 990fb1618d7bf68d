// The hover details of HAProxy 2.6's stats page (observed on 2.6.12): a `<div class=tips>` inside a cell, shown on
// hover, holding the figures behind a cell (rates, the response-code breakdown behind Sessions Total, connection
// reuse, the check's description, the idle connection counts). Every figure comes from the row's stats columns.
// Stats thread, per page request.

import { COL, type StatColumn, type StatRow } from './stat-columns.js';
import { cellNum, cellText, grouped, percent } from './html-format.js';

/** Wraps `inner` (already HTML) as a hover box. */
export function tip(inner: string): string {
  return `<div class=tips>${inner}</div>`;
}

/** One detail line: label, value and an optional third cell (a percentage or a unit). */
type Line = readonly [string, string, (string | undefined)?];

function det(lines: readonly Line[]): string {
  let out = '<table class=det>';
  for (const [label, value, extra] of lines) {
    out += label.startsWith('colspan:')
      ? `<tr><th colspan=3>${label.slice(8)}</th></tr>`
      : `<tr><th>${label}</th><td>${value}</td>${extra === undefined ? '' : `<td>${extra}</td>`}</tr>`;
  }
  return `${out}</table>`;
}

const v = (row: StatRow, c: StatColumn): string => grouped(row.values[COL[c]]);
const n = (row: StatRow, c: StatColumn): number => cellNum(row.values[COL[c]]);
const isHttp = (row: StatRow): boolean => cellText(row.values[COL.mode]) === 'http';

/** Frontend "Session rate Cur" box: current connection, session and (HTTP) request rates. */
export function frontendRateTip(row: StatRow, max: boolean): string {
  const [c, s, r] = max ? (['conn_rate_max', 'rate_max', 'req_rate_max'] as const) : (['conn_rate', 'rate', 'req_rate'] as const);
  const word = max ? 'Max' : 'Current';
  const lines: Line[] = [
    [`${word} connection rate:`, `${v(row, c)}/s`],
    [`${word} session rate:`, `${v(row, s)}/s`],
  ];
  if (isHttp(row)) lines.push([`${word} request rate:`, `${v(row, r)}/s`]);
  return tip(det(lines));
}

/** The HTTP response-code lines; `pctOf` adds each class's share of that total (servers show shares). */
function responseLines(row: StatRow, pctOf: number | undefined, compressed: boolean): Line[] {
  const share = (c: StatColumn): string | undefined => (pctOf === undefined ? undefined : percent(n(row, c), pctOf));
  const lines: Line[] = [
    ['- HTTP 1xx responses:', v(row, 'hrsp_1xx'), share('hrsp_1xx')],
    ['- HTTP 2xx responses:', v(row, 'hrsp_2xx'), share('hrsp_2xx')],
  ];
  if (compressed) lines.push(['&nbsp;&nbsp;Compressed 2xx:', v(row, 'comp_rsp'), percent(n(row, 'comp_rsp'), n(row, 'hrsp_2xx'))]);
  lines.push(
    ['- HTTP 3xx responses:', v(row, 'hrsp_3xx'), share('hrsp_3xx')],
    ['- HTTP 4xx responses:', v(row, 'hrsp_4xx'), share('hrsp_4xx')],
    ['- HTTP 5xx responses:', v(row, 'hrsp_5xx'), share('hrsp_5xx')],
    ['- other responses:', v(row, 'hrsp_other'), share('hrsp_other')],
  );
  return lines;
}

const cacheLines = (row: StatRow): Line[] => [
  ['Cache lookups:', v(row, 'cache_lookups')],
  ['Cache hits:', v(row, 'cache_hits'), percent(n(row, 'cache_hits'), n(row, 'cache_lookups'))],
];

/** The last-1024 averages; response time only in HTTP mode (a TCP session has no response). */
function timeLines(row: StatRow): Line[] {
  const lines: Line[] = [
    ['colspan:Max / Avg over last 1024 success. conn.', ''],
    ['- Queue time:', `${v(row, 'qtime_max')} / ${v(row, 'qtime')}`, 'ms'],
    ['- Connect time:', `${v(row, 'ctime_max')} / ${v(row, 'ctime')}`, 'ms'],
  ];
  if (isHttp(row)) lines.push(['- Responses time:', `${v(row, 'rtime_max')} / ${v(row, 'rtime')}`, 'ms']);
  lines.push(['- Total time:', `${v(row, 'ttime_max')} / ${v(row, 'ttime')}`, 'ms']);
  return lines;
}

/** Sessions, and in HTTP mode the new and reused server connections behind them. */
function connectionLines(row: StatRow): Line[] {
  const lines: Line[] = [['Cum. sessions:', v(row, 'stot')]];
  if (isHttp(row)) {
    lines.push(
      ['New connections:', v(row, 'connect')],
      ['Reused connections:', v(row, 'reuse'), percent(n(row, 'reuse'), n(row, 'connect') + n(row, 'reuse'))],
    );
  }
  return lines;
}

/** Frontend "Sessions Total" box: connections, sessions and, in HTTP mode, the request and response breakdown. */
export function frontendTotalTip(row: StatRow): string {
  const lines: Line[] = [
    ['Cum. connections:', v(row, 'conn_tot')],
    ['Cum. sessions:', v(row, 'stot')],
  ];
  if (isHttp(row)) {
    lines.push(['Cum. HTTP requests:', v(row, 'req_tot')], ...responseLines(row, undefined, true));
    lines.push(['Intercepted requests:', v(row, 'intercepted')], ...cacheLines(row));
    lines.push(['Failed hdr rewrites:', v(row, 'wrew')], ['Internal errors:', v(row, 'eint')]);
  }
  return tip(det(lines));
}

/** Backend "Sessions Total" box: sessions, connection reuse, HTTP breakdown, and the last-1024 time averages. */
export function backendTotalTip(row: StatRow): string {
  const lines: Line[] = connectionLines(row);
  if (isHttp(row)) {
    lines.push(['Cum. HTTP requests:', v(row, 'req_tot')], ...responseLines(row, undefined, true), ...cacheLines(row));
    lines.push(['Failed hdr rewrites:', v(row, 'wrew')], ['Internal errors:', v(row, 'eint')]);
  }
  return tip(det([...lines, ...timeLines(row)]));
}

/** Server "Sessions Total" box: as a backend's, the response classes with their share of the requests. */
export function serverTotalTip(row: StatRow): string {
  const lines: Line[] = connectionLines(row);
  if (isHttp(row)) {
    lines.push(['Cum. HTTP requests:', v(row, 'req_tot')], ...responseLines(row, n(row, 'req_tot'), false));
    lines.push(['Failed hdr rewrites:', v(row, 'wrew')], ['Internal error:', v(row, 'eint')]);
  }
  return tip(det([...lines, ...timeLines(row)]));
}

/** Server "Sessions Cur" box: active, used and idle connections and their limits. */
export function serverConnectionsTip(row: StatRow): string {
  const limit = (c: StatColumn): string => (n(row, c) > 0 ? v(row, c) : '-');
  return tip(
    det([
      ['Current active connections:', v(row, 'scur')],
      ['Current used connections:', v(row, 'used_conn_cur')],
      ['Current idle connections:', v(row, 'srv_icur')],
      ['- unsafe:', v(row, 'idle_conn_cur')],
      ['- safe:', v(row, 'safe_conn_cur')],
      ['Estimated need of connections:', v(row, 'need_conn_est')],
      ['Active connections limit:', limit('slim')],
      ['Idle connections limit:', limit('src_ilim')],
    ]),
  );
}

/** Frontend/backend "Bytes Out" box: response bytes and what compression did to them. */
export function bytesOutTip(row: StatRow): string {
  const compIn = n(row, 'comp_in');
  const compOut = n(row, 'comp_out');
  return tip(
    det([
      ['Response bytes in:', v(row, 'bout')],
      ['Compression in:', v(row, 'comp_in')],
      ['Compression out:', v(row, 'comp_out'), percent(compOut, compIn)],
      ['Compression bypass:', v(row, 'comp_byp')],
      ['Total bytes saved:', grouped(compIn - compOut), percent(compIn - compOut, n(row, 'bout'))],
    ]),
  );
}

/** "Errors Resp" box: the aborts behind the response errors. */
export function abortsTip(row: StatRow): string {
  return tip(`Connection resets during transfers: ${v(row, 'cli_abrt')} client, ${v(row, 'srv_abrt')} server`);
}
