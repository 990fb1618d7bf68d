// How HAProxy 2.6's stats page shows a server's state (observed on 2.6.12): the row's colour class, the Status cell
// (time since the change, the status word, an arrow while checks move it), which check the LastChk cell reports,
// and which servers `;up` hides or counts as running. Read from the row's CSV status text and check columns only.
// Stats thread, per page request.

import { COL, type StatColumn, type StatRow } from './stat-columns.js';
import { cellNum, cellText, durationCell, esc } from './html-format.js';
import { tip } from './html-tips.js';

const t = (row: StatRow, c: StatColumn): string => cellText(row.values[COL[c]]);
const n = (row: StatRow, c: StatColumn): number => cellNum(row.values[COL[c]]);
/** "UP 2/3", "DOWN 1/2", "NOLB 1/3": a check moving the server (going down from UP/NOLB, going up from DOWN). */
const MOVING = / \d+\/\d+$/;

/**
 * The row class for a server. Admin DRAIN colours as draining, an agent's "DRAIN (agent)" by its weight as UP does
 * (haproxy 2.6.12 draws that one in the UP colour); "DOWN (agent)" is down; "MAINT …" is maintenance.
 */
export function serverStateClass(row: StatRow): string {
  const status = t(row, 'status');
  if (status.startsWith('MAINT')) return 'maintain';
  const side = n(row, 'bck') > 0 ? 'backup_' : 'active_';
  if (status === 'no check') return `${side}no_check`;
  if (status === 'DRAIN') return `${side}draining`;
  if (status.startsWith('DOWN')) return MOVING.test(status) ? `${side}going_up` : `${side}down`;
  if (status.startsWith('NOLB')) return MOVING.test(status) ? `${side}going_down` : `${side}nolb`;
  if (MOVING.test(status)) return `${side}going_down`;
  if (status.startsWith('UP') || status.startsWith('DRAIN')) return n(row, 'weight') === 0 ? `${side}draining` : `${side}up`;
  return `${side}no_check`;
}

/** True when `;up` leaves this server out: DOWN (not one going up) or in maintenance. */
export function serverHiddenByUp(row: StatRow): boolean {
  const status = t(row, 'status');
  return (status.startsWith('DOWN') && !MOVING.test(status)) || status.startsWith('MAINT');
}

/** A server that takes traffic or could (UP, NOLB, DRAIN, going down, not checked): what `;up` counts as running. */
export function serverRunning(row: StatRow): boolean {
  const status = t(row, 'status');
  return status.startsWith('UP') || status.startsWith('NOLB') || status.startsWith('DRAIN') || status === 'no check';
}

/**
 * The Status cell: time since the last change, the status (a tracked server's "(via …)" moves to the Chk columns),
 * and an arrow while the health counter moves it: ↓ for an UP one below its top, ↑ for a DOWN one above zero.
 */
export function serverStatusText(row: StatRow): string {
  const status = t(row, 'status');
  if (status === 'no check') return '<i>no check</i>';
  const via = status.indexOf(' (via ');
  const shown = via < 0 ? status : status.slice(0, via);
  const health = n(row, 'check_health');
  const top = n(row, 'check_rise') + n(row, 'check_fall') - 1;
  let arrow = '';
  if (status.startsWith('MAINT')) {
    // No arrow: checks do not move a server in maintenance.
  } else if (t(row, 'check_health') !== '') {
    if (status.startsWith('DOWN')) arrow = health > 0 ? ' &uarr;' : '';
    else if (health < top) arrow = ' &darr;';
  } else if (MOVING.test(status)) {
    // Without the health columns, the status text's "x/y" says the same for the moving states.
    arrow = status.startsWith('DOWN') ? ' &uarr;' : ' &darr;';
  }
  return `${durationCell(row.values[COL.lastchg], '')} ${esc(shown)}${arrow}`;
}

/** The LastChk cell: the health check's result, or the agent's when the agent took the server down. */
export function lastCheckCell(row: StatRow): string {
  const agent = t(row, 'status') === 'DOWN (agent)';
  const [statusCol, codeCol, durationCol, descCol, lastCol] = agent
    ? (['agent_status', 'agent_code', 'agent_duration', 'agent_desc', 'last_agt'] as const)
    : (['check_status', 'check_code', 'check_duration', 'check_desc', 'last_chk'] as const);
  const status = t(row, statusCol);
  if (status === '') return '<td></td>';
  const code = t(row, codeCol);
  const duration = t(row, durationCol);
  const desc = esc(t(row, descCol));
  const last = t(row, lastCol);
  const box = tip(last === '' ? desc : `${desc}: ${esc(last)}`);
  return `<td class=ac><u> ${esc(status)}${code === '' ? '' : `/${esc(code)}`}${duration === '' ? '' : ` in ${esc(duration)}ms`}${box}</u></td>`;
}
