// The top of HAProxy 2.6's stats page (observed on 2.6.12): document head, the product/version header, the
// "General process information" block from the `show info` fields, the state colour legend, the "Display option"
// and "External resources" link lists, and the `;st=` outcome message of an admin POST. Stats thread, per request.

import { INFO, type InfoField, type StatSnapshot, type StatValue } from './stat-columns.js';
import { bitRate, cellNum, cellText, esc, uptimeText } from './html-format.js';
import { STATS_PAGE_CSS } from './html-styles.js';
import type { StatsActionStatusCode, StatsPageView } from './html-view.js';

function info(snapshot: StatSnapshot, field: InfoField): StatValue {
  return snapshot.info[INFO[field]];
}

/** The link suffixes a page keeps while its visitor navigates: `;up`, `;norefresh` (only where refresh is on). */
export function pageFlags(view: StatsPageView, hideDown = view.hideDown, noRefresh = view.noRefresh): string {
  return (hideDown ? ';up' : '') + (noRefresh && view.refreshSeconds > 0 ? ';norefresh' : '');
}

/** The `?scope=` tail the page's links carry, escaped for an attribute. */
export function scopeTail(view: StatsPageView): string {
  return view.scope === '' ? '' : `?scope=${esc(view.scope)}`;
}

/** `<!DOCTYPE>` through `<body>`: title (with the node name under show-node) and the style sheet. */
export function renderDocumentHead(snapshot: StatSnapshot, view: StatsPageView): string {
  const product = esc(cellText(info(snapshot, 'Name')) || 'orcalb');
  const on = view.node === undefined ? '' : ` on ${esc(view.node)}`;
  return (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8">\n' +
    `<title>Statistics Report for ${product}${on}</title>\n<link rel="icon" href="data:,">\n` +
    `<style>${STATS_PAGE_CSS}</style></head>\n<body>`
  );
}

/** The h1/h2 headers and the process information table with the legend and the link lists. */
export function renderProcessBlock(snapshot: StatSnapshot, view: StatsPageView): string {
  const product = esc(cellText(info(snapshot, 'Name')) || 'orcalb');
  const version = view.hideVersion
    ? product
    : `${product} version ${esc(cellText(info(snapshot, 'Version')))}, released ${esc(cellText(info(snapshot, 'Release_date')))}`;
  const on = view.node === undefined ? '' : ` on ${esc(view.node)}`;
  const desc = view.description === undefined || view.description === '' ? '' : `: ${esc(view.description)}`;
  const n = (f: InfoField): string => esc(cellText(info(snapshot, f)));
  const memmax = cellNum(info(snapshot, 'Memmax_MB'));
  // The collector's Uptime text when it has one (haproxy's rounds apart from Uptime_sec), else built from the seconds.
  const uptime = cellText(info(snapshot, 'Uptime'));
  const pipesUsed = cellNum(info(snapshot, 'PipesUsed'));
  const pipesAll = pipesUsed + cellNum(info(snapshot, 'PipesFree'));
  return (
    `<h1><a href="http://www.haproxy.org/" style="text-decoration: none;">${version}</a></h1>\n` +
    `<h2>Statistics Report for pid ${n('Pid')}${on}${desc}</h2>\n` +
    '<hr width="100%" class="hr">\n<h3>&gt; General process information</h3>\n' +
    '<table border=0><tr><td align="left" nowrap width="1%">\n' +
    `<p><b>pid = </b> ${n('Pid')} (process #${n('Process_num')}, nbproc = ${n('Nbproc')}, nbthread = ${n('Nbthread')})<br>\n` +
    `<b>uptime = </b> ${uptime === '' ? uptimeText(cellNum(info(snapshot, 'Uptime_sec'))) : esc(uptime)}<br>\n` +
    `<b>system limits:</b> memmax = ${memmax === 0 ? 'unlimited' : `${memmax} Megs`}; ulimit-n = ${n('Ulimit-n')}<br>\n` +
    `<b>maxsock = </b> ${n('Maxsock')}; <b>maxconn = </b> ${n('Maxconn')}; <b>maxpipes = </b> ${n('Maxpipes')}<br>\n` +
    `current conns = ${n('CurrConns')}; current pipes = ${pipesUsed}/${pipesAll}; conn rate = ${n('ConnRate')}/sec;` +
    ` bit rate = ${bitRate(cellNum(info(snapshot, 'BytesOutRate')))}<br>\n` +
    `Running tasks: ${n('Run_queue')}/${n('Tasks')}; idle = ${n('Idle_pct')} %<br>\n` +
    `</td><td align="center" nowrap>\n${LEGEND}</td>` +
    renderDisplayOptions(view) +
    EXTERNAL +
    '</tr></table>\n' +
    renderActionMessage(view)
  );
}

/** [class, label, class, label] per legend line; a single pair spans the line. */
const LEGEND_LINES: readonly (readonly string[])[] = [
  ['active_up', 'active UP', 'backup_up', 'backup UP'],
  ['active_going_down', 'active UP, going down', 'backup_going_down', 'backup UP, going down'],
  ['active_going_up', 'active DOWN, going up', 'backup_going_up', 'backup DOWN, going up'],
  ['active_down', 'active or backup DOWN', 'active_no_check', 'not checked'],
  ['maintain', 'active or backup DOWN for maintenance (MAINT)'],
  ['active_draining', 'active or backup SOFT STOPPED for maintenance'],
];

const LEGEND =
  '<table class="lgd">' +
  LEGEND_LINES.map((l) => {
    const pair = (c: string | undefined, label: string | undefined, span: string): string =>
      `<td class="${c ?? ''}">&nbsp;</td><td class="noborder"${span}>${label ?? ''}</td>`;
    return l.length === 2 ? `<tr>${pair(l[0], l[1], ' colspan="3"')}</tr>` : `<tr>${pair(l[0], l[1], '')}${pair(l[2], l[3], '')}</tr>`;
  }).join('\n') +
  '</table>\nNote: "NOLB"/"DRAIN" = UP with load-balancing disabled.';

const EXTERNAL =
  '<td align="left" valign="top" nowrap width="1%"><b>External resources:</b><ul style="margin-top: 0.25em;">\n' +
  '<li><a href="http://www.haproxy.org/">Primary site</a><br>\n' +
  '<li><a href="http://www.haproxy.org/#down">Updates (v2.6)</a><br>\n' +
  '<li><a href="http://www.haproxy.org/#docs">Online manual</a><br>\n</ul></td>';

function renderDisplayOptions(view: StatsPageView): string {
  const uri = esc(view.uri);
  const tail = scopeTail(view);
  const link = (flags: string, label: string): string => `<li><a href="${uri}${flags}${tail}">${label}</a><br>\n`;
  const export_ = view.refreshSeconds > 0 ? ';norefresh' : '';
  let out =
    '<td align="left" valign="top" nowrap width="1%"><b>Display option:</b><ul style="margin-top: 0.25em;">' +
    `<li><form method="GET">Scope : <input value="${esc(view.scope)}" name="scope" size="8" maxlength="20" tabindex="1"/></form>\n` +
    (view.hideDown ? link(pageFlags(view, false), 'Show all servers') : link(pageFlags(view, true), "Hide 'DOWN' servers"));
  if (view.refreshSeconds > 0) {
    out += view.noRefresh ? link(pageFlags(view, view.hideDown, false), 'Enable refresh') : link(pageFlags(view, view.hideDown, true), 'Disable refresh');
  }
  out += link(pageFlags(view), 'Refresh now');
  out += link(`;csv${export_}`, 'CSV export');
  out += `<li><a href="${uri};json${export_}${tail}">JSON export</a> (<a href="${uri};json-schema">schema</a>)<br>\n</ul></td>`;
  return out;
}

/** Per `;st=` code: the state class that colours the message and the message an operator reads. */
const ACTION_MESSAGES: Readonly<Record<StatsActionStatusCode, readonly [string, string]>> = {
  DONE: ['active_up', 'Action processed successfully.'],
  PART: ['active_going_down', 'Action partially processed.<br>Some server names are probably unknown or ambiguous (duplicated names in the backend).'],
  NONE: ['active_going_down', 'Nothing has changed.'],
  DENY: ['active_down', '<b>Action denied.</b>'],
  ERRP: [
    'active_down',
    'Action not processed because of invalid parameters.<ul><li>The action is maybe unknown.</li>' +
      '<li>Invalid key parameter (empty or too long).</li>' +
      '<li>The backend name is probably unknown or ambiguous (duplicated names).</li>' +
      '<li>Some server names are probably unknown or ambiguous (duplicated names in the backend).</li></ul>',
  ],
  EXCD: ['active_down', "<b>Action not processed : the buffer couldn't store all the data.<br>You should retry with less servers at a time.</b>"],
  UNKN: ['active_no_check', 'Unexpected result.'],
};

function renderActionMessage(view: StatsPageView): string {
  if (view.actionStatus === undefined) return '';
  const [cls, text] = ACTION_MESSAGES[view.actionStatus];
  const href = `${esc(view.uri)}${pageFlags(view)}${scopeTail(view)}`;
  return `<p><div class=${cls}><a class=lfsb href="${href}" title="Remove this message">[X]</a> ${text}</div>\n<p>\n`;
}
