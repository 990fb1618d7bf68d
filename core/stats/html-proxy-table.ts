// One proxy's tables on HAProxy 2.6's stats page (observed on 2.6.12): the name bar, then the column groups
// (Queue, Session rate, Sessions, Bytes, Denied, Errors, Warnings, Server) with the frontend row, listener rows,
// server rows coloured by state, and the backend row; in admin mode a form around it with a checkbox per server
// and the action select (POST fields `s`, `action`, `b`). Stats thread, per page request.

import { COL, StatType, type StatColumn, type StatRow } from './stat-columns.js';
import { cellNum, cellText, durationCell, esc, grouped, limitOr } from './html-format.js';
import {
  abortsTip, backendTotalTip, bytesOutTip, frontendRateTip, frontendTotalTip, serverConnectionsTip, serverTotalTip, tip,
} from './html-tips.js';
import type { StatsPageView } from './html-view.js';
import { MODULE_COLUMN_HEADERS, MODULE_GROUP_HEADER, moduleCells } from './html-modules.js';
import { lastCheckCell, serverHiddenByUp, serverRunning, serverStateClass, serverStatusText } from './html-server-state.js';

/** One proxy's rows as the snapshot lists them (FRONTEND, listeners, servers, BACKEND). */
export interface ProxyRows {
  readonly name: string;
  readonly rows: readonly StatRow[];
}

const v = (row: StatRow, c: StatColumn): string => grouped(row.values[COL[c]]);
const t = (row: StatRow, c: StatColumn): string => cellText(row.values[COL[c]]);
const n = (row: StatRow, c: StatColumn): number => cellNum(row.values[COL[c]]);
const td = (inner: string): string => `<td>${inner}</td>`;
const hover = (value: string, box: string): string => `<td><u>${value}${box}</u></td>`;

const HEADER_GROUPS =
  '<th colspan=3>Queue</th><th colspan=3>Session rate</th><th colspan=6>Sessions</th><th colspan=2>Bytes</th>' +
  '<th colspan=2>Denied</th><th colspan=3>Errors</th><th colspan=2>Warnings</th><th colspan=9>Server</th>';
const HEADER_COLUMNS =
  '<tr class="titre">' +
  ['Cur', 'Max', 'Limit', 'Cur', 'Max', 'Limit', 'Cur', 'Max', 'Limit', 'Total', 'LbTot', 'Last', 'In', 'Out', 'Req',
    'Resp', 'Req', 'Conn', 'Resp', 'Retr', 'Redis', 'Status', 'LastChk', 'Wght', 'Act', 'Bck', 'Chk', 'Dwn', 'Dwntme',
    'Thrtle'].map((h) => `<th>${h}</th>`).join('') +
  '\n';

/**
 * The select of HAProxy 2.6's admin form: POST `action` value and the label an operator reads, in the form's order
 * (the empty first option selects nothing). The actions themselves belong to the health thread's admin code.
 */
const ACTION_OPTIONS: readonly (readonly [string, string])[] = [
  ['', ''],
  ['ready', 'Set state to READY'], ['drain', 'Set state to DRAIN'], ['maint', 'Set state to MAINT'],
  ['dhlth', 'Health: disable checks'], ['ehlth', 'Health: enable checks'], ['hrunn', 'Health: force UP'],
  ['hnolb', 'Health: force NOLB'], ['hdown', 'Health: force DOWN'], ['dagent', 'Agent: disable checks'],
  ['eagent', 'Agent: enable checks'], ['arunn', 'Agent: force UP'], ['adown', 'Agent: force DOWN'],
  ['shutdown', 'Kill Sessions'],
];
const ACTION_SELECT =
  '<select name=action>' + ACTION_OPTIONS.map(([value, label]) => `<option value="${value}">${label}</option>`).join('') + '</select>';

/** Renders one proxy: name bar, column table, its rows; inside an admin form where the proxy has servers. */
export function renderProxy(px: ProxyRows, view: StatsPageView): string {
  const first = px.rows[0];
  if (first === undefined) return '';
  const name = esc(px.name);
  const hasFrontend = px.rows.some((r) => n(r, 'type') === StatType.FRONTEND);
  const hasBackend = px.rows.some((r) => n(r, 'type') === StatType.BACKEND);
  const hasServers = px.rows.some((r) => n(r, 'type') === StatType.SERVER);
  const form = view.admin && hasBackend && hasServers;
  const cap = hasFrontend && hasBackend ? 'proxy' : hasFrontend ? 'frontend' : 'backend';
  const nameLink = `<a class=px href="#${name}">${name}</a>`;
  // The proxy's `description`, escaped (haproxy 2.6.12 inserts it as raw HTML).
  const desc = view.proxyDescriptions?.get(px.name);
  const descCell = desc === undefined || desc === '' ? '<th class="empty" width="90%"></th>' : `<th class="desc" width="90%">${esc(desc)}</th>`;
  const nameCell = view.showLegends ? `<u>${nameLink}${tip(`cap: ${cap}, mode: ${esc(t(first, 'mode'))}, id: ${esc(t(first, 'iid'))}`)}</u>` : nameLink;
  let out =
    (form ? '<form method="post">' : '') +
    '<table class="tbl" width="100%">\n' +
    `<tr class="titre"><th class="pxname" width="10%"><a name="${name}"></a>${nameCell}</th>${descCell}</tr>\n</table>\n` +
    '<table class="tbl" width="100%">\n<tr class="titre">';
  if (form) {
    // Toggles the proxy's own checkboxes without naming it in script (a name never reaches JavaScript).
    out += `<th rowspan=2 width=1><input type="checkbox" onclick="for (const c of this.closest('table').querySelectorAll('input[name=s]')) c.checked = this.checked"></th>`;
  } else if (view.admin) {
    out += '<th rowspan=2></th>';
  }
  out += view.showModules
    ? `<th rowspan=2></th>${HEADER_GROUPS}${MODULE_GROUP_HEADER}</tr>\n${HEADER_COLUMNS}${MODULE_COLUMN_HEADERS}</tr>`
    : `<th rowspan=2></th>${HEADER_GROUPS}</tr>\n${HEADER_COLUMNS}</tr>`;
  const modules = view.showModules ? moduleCells : (): string => '';
  const parts: string[] = [];
  for (const row of px.rows) {
    const type = n(row, 'type');
    if (type === StatType.SERVER && view.hideDown && serverHiddenByUp(row)) continue;
    const box = !view.admin ? '' : type === StatType.SERVER && form ? `<td><input class='${name}-checkbox' type="checkbox" name="s" value="${esc(t(row, 'svname'))}"></td>` : '<td></td>';
    if (type === StatType.FRONTEND) parts.push(`<tr class="frontend">${box}${frontendCells(row, px.name)}${modules(row)}</tr>`);
    else if (type === StatType.LISTENER) parts.push(`<tr class="socket">${box}${listenerCells(row, px.name, view)}${modules(row)}</tr>`);
    else if (type === StatType.SERVER) parts.push(`<tr class="${serverStateClass(row)}">${box}${serverCells(row, px.name, view)}${modules(row)}</tr>\n`);
    else parts.push(`<tr class="backend">${box}${backendCells(row, px, view)}${modules(row)}</tr>`);
  }
  // One join per proxy: rows are flattened while small (one long chain of concatenations costs more to flatten).
  out += parts.join('');
  out += '</table>';
  if (form) {
    out += `Choose the action to perform on the checked servers : ${ACTION_SELECT}<input type="hidden" name="b" value="#${esc(t(first, 'iid'))}">&nbsp;<input type="submit" value="Apply"></form>`;
  }
  return `${out}<p>\n`;
}

function anchor(px: string, sv: string, label: string): string {
  const id = esc(`${px}/${sv}`);
  return `<a name="${id}"></a><a class=lfsb href="#${id}">${label}</a>`;
}

function frontendCells(row: StatRow, px: string): string {
  return (
    `<td class=ac>${anchor(px, 'Frontend', 'Frontend')}</td><td colspan=3></td>` +
    hover(v(row, 'rate'), frontendRateTip(row, false)) + hover(v(row, 'rate_max'), frontendRateTip(row, true)) +
    td(limitOr(row.values[COL.rate_lim], '-')) +
    td(v(row, 'scur')) + td(v(row, 'smax')) + td(v(row, 'slim')) + hover(v(row, 'stot'), frontendTotalTip(row)) + '<td></td><td></td>' +
    td(v(row, 'bin')) + td(v(row, 'bout') + bytesOutTip(row)) +
    td(v(row, 'dreq')) + td(v(row, 'dresp')) + td(v(row, 'ereq')) + '<td></td><td></td><td></td><td></td>' +
    `<td class=ac>${esc(t(row, 'status'))}</td><td class=ac colspan=8></td>`
  );
}

function listenerCells(row: StatRow, px: string, view: StatsPageView): string {
  const sv = t(row, 'svname');
  // A listener's anchor carries a '+' so it never collides with a server of the same name.
  const link = anchor(px, `+${sv}`, esc(sv));
  const label = view.showLegends ? `<u>${link}${tip(`${addressLegend(row)}id: ${esc(t(row, 'sid'))}`)}</u>` : link;
  return (
    `<td class=ac>${label}</td><td colspan=3></td><td colspan=3>&nbsp;</td>` +
    td(v(row, 'scur')) + td(v(row, 'smax')) + td(v(row, 'slim')) + td(v(row, 'stot')) + '<td>&nbsp;</td><td>&nbsp;</td>' +
    td(v(row, 'bin')) + td(v(row, 'bout')) + td(v(row, 'dreq')) + td(v(row, 'dresp')) + td(v(row, 'ereq')) +
    '<td></td><td></td><td></td><td></td>' + `<td class=ac>${esc(t(row, 'status'))}</td><td class=ac colspan=8></td>`
  );
}

/** `IPv4: addr, ` (or IPv6/unix) for a row's addr column; '' without one. */
function addressLegend(row: StatRow): string {
  const addr = t(row, 'addr');
  if (addr === '') return '';
  const family = addr.startsWith('[') ? 'IPv6' : addr.startsWith('/') || addr.startsWith('unix@') ? 'unix' : 'IPv4';
  return `${family}: ${esc(addr)}, `;
}

function serverCells(row: StatRow, px: string, view: StatsPageView): string {
  const sv = t(row, 'svname');
  let label = esc(sv);
  if (view.showLegends) {
    const cookie = t(row, 'cookie');
    const details = `${addressLegend(row)}id: ${esc(t(row, 'sid'))}${cookie === '' ? '' : `, cookie: '${esc(cookie)}'`}`;
    label = `<u>${anchor(px, sv, label)}${tip(details)}</u>`;
  } else {
    label = anchor(px, sv, label);
  }
  const status = t(row, 'status');
  // No health counters of its own (not checked, or tracking another server): one empty cell over Chk/Dwn/Dwntme.
  const checked = t(row, 'chkfail') !== '';
  const backup = n(row, 'bck') > 0;
  const throttle = t(row, 'throttle');
  return (
    `<td class=ac>${label}</td>` +
    td(v(row, 'qcur')) + td(v(row, 'qmax')) + td(limitOr(row.values[COL.qlimit], '-')) +
    td(v(row, 'rate')) + td(v(row, 'rate_max')) + '<td></td>' +
    hover(v(row, 'scur'), serverConnectionsTip(row)) + td(v(row, 'smax')) + td(limitOr(row.values[COL.slim], '-')) +
    hover(v(row, 'stot'), serverTotalTip(row)) + td(v(row, 'lbtot')) + td(durationCell(row.values[COL.lastsess], '')) +
    td(v(row, 'bin')) + td(v(row, 'bout')) +
    '<td></td>' + td(v(row, 'dresp')) + '<td></td>' + td(v(row, 'econ')) + hover(v(row, 'eresp'), abortsTip(row)) +
    td(v(row, 'wretr')) + td(v(row, 'wredis')) +
    `<td class=ac>${serverStatusText(row)}</td>` + lastCheckCell(row) +
    `<td class=ac>${v(row, 'weight')}/${v(row, 'uweight')}</td><td class=ac>${backup ? '-' : 'Y'}</td><td class=ac>${backup ? 'Y' : '-'}</td>` +
    (checked
      ? hover(v(row, 'chkfail'), tip('Failed Health Checks')) + td(v(row, 'chkdown')) + td(durationCell(row.values[COL.downtime], ''))
      : trackedCell(row, status)) +
    `<td class=ac>${throttle === '' ? '-' : `${esc(throttle)} %`}</td>`
  );
}

/** Chk/Dwn/Dwntme of a server without checks: empty, or which server it follows (`track`). */
function trackedCell(row: StatRow, status: string): string {
  const via = /\(via ([^)]+)\)/.exec(status)?.[1] ?? (t(row, 'tracked').includes('/') ? t(row, 'tracked') : '');
  return via === '' ? '<td colspan=3></td>' : `<td class=ac colspan=3><a class=lfsb href="#${esc(via)}">via ${esc(via)}</a></td>`;
}

function backendCells(row: StatRow, proxy: ProxyRows, view: StatsPageView): string {
  const px = proxy.name;
  const link = anchor(px, 'Backend', 'Backend');
  let counts = '';
  if (view.hideDown) {
    // Under `;up` the backend says how many of its servers run, as the hidden ones no longer show it.
    const servers = proxy.rows.filter((r) => n(r, 'type') === StatType.SERVER);
    counts = ` (${servers.filter(serverRunning).length}/${servers.length})`;
  }
  const cookie = t(row, 'cookie');
  const legend = `balancing: ${esc(t(row, 'algo'))}${cookie === '' ? '' : `, cookie: '${esc(cookie)}'`}`;
  const label = view.showLegends ? `<u>${link}${tip(legend)}</u>` : link;
  const downtime = durationCell(row.values[COL.downtime], '&nbsp;');
  return (
    `<td class=ac>${label}</td>` +
    td(v(row, 'qcur')) + td(v(row, 'qmax')) + '<td></td>' + td(v(row, 'rate')) + td(v(row, 'rate_max')) + '<td></td>' +
    td(v(row, 'scur')) + td(v(row, 'smax')) + td(v(row, 'slim')) + hover(v(row, 'stot'), backendTotalTip(row)) +
    td(v(row, 'lbtot')) + td(durationCell(row.values[COL.lastsess], '')) +
    td(v(row, 'bin')) + td(v(row, 'bout') + bytesOutTip(row)) +
    td(v(row, 'dreq')) + td(v(row, 'dresp')) + '<td></td>' + td(v(row, 'econ')) + hover(v(row, 'eresp'), abortsTip(row)) +
    td(v(row, 'wretr')) + td(v(row, 'wredis')) +
    `<td class=ac>${durationCell(row.values[COL.lastchg], '')} ${esc(t(row, 'status'))}${counts}</td><td class=ac>&nbsp;</td>` +
    `<td class=ac>${v(row, 'weight')}/${v(row, 'uweight')}</td><td class=ac>${v(row, 'act')}</td><td class=ac>${v(row, 'bck')}</td>` +
    `<td class=ac>&nbsp;</td>${td(v(row, 'chkdown'))}${td(downtime)}<td></td>`
  );
}
