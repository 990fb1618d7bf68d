// The runtime API's `show peers [dict|-] [section]` answer (HAProxy 2.6 management.txt §9.3), in haproxy 2.6.12's
// layout: one line per section, then per peer its name, role and state, address, last status and handshake age,
// its heartbeat and connection counters, and its shared tables. orcalb has no C pointers to print: the "addresses"
// are stable numbers (section, peer, table indexes) in the same hexadecimal form. Peers thread (it owns the state).

import type { PeersEngine } from './peers-engine.js';

/** HAProxy's names for a peer session's last status (its PEER_SESS_SC_* labels). */
function statusLabel(code: number, connecting: boolean, established: boolean): string {
  if (established) return 'ESTA';
  if (connecting) return 'CONN';
  switch (code) {
    case 0:
      return 'NONE';
    case 300:
      return 'TRYAGAIN';
    case 501:
      return 'ERRPROTO';
    case 502:
      return 'ERRVERS';
    case 503:
      return 'ERRHOST';
    case 504:
      return 'ERRPEER';
    default:
      return 'CONNERR';
  }
}

function ptr(n: number): string {
  return `0x${n.toString(16).padStart(12, '0')}`;
}

/** The whole answer for `engines`, or for the section named `only`. */
export function showPeers(engines: readonly PeersEngine[], nowMs: number, only?: string): string {
  const out: string[] = [];
  const date = new Date(nowMs);
  const stamp = `${String(date.getUTCDate()).padStart(2, '0')}/${MONTHS[date.getUTCMonth()] ?? ''}/${date.getUTCFullYear()}:${date.toISOString().slice(11, 19)}`;
  engines.forEach((e, si) => {
    if (only !== undefined && e.section.name !== only) return;
    const resync = e.resyncState === 'done' ? '<PAST>' : '<NEVER>';
    out.push(`${ptr(0x1000 * (si + 1))}: [${stamp}] id=${e.section.name} disabled=0 flags=0x0 resync_timeout=${resync} task_calls=0`);
    e.peers.forEach((p, pi) => {
      const s = p.session;
      const established = s?.state === 'established';
      const state = established ? 'active' : 'inactive';
      out.push(
        `  ${ptr(0x1000 * (si + 1) + 0x10 * (pi + 1))}: id=${p.name}(remote,${state}) addr=${p.host}:${p.port} ` +
          `last_status=${statusLabel(p.lastStatus, s !== undefined && !established, established)} last_hdshk=${established ? '0s' : '<NEVER>'}`,
      );
      out.push(`        reconnect=<NEVER> heartbeat=<NEVER> confirm=0 tx_hbt=0 rx_hbt=0 no_hbt=0 new_conn=${p.reconnects} proto_err=${p.failures} coll=0`);
      out.push(`        flags=0x0${p.lastError === '' ? '' : ` last_error="${p.lastError}"`}`);
      out.push('        shared tables:');
      for (const t of e.sharedTables()) {
        out.push(`          ${ptr(0x2000 * (si + 1) + t.id)} local_id=${t.id} remote_id=0 flags=0x0 remote_data=0x0`);
        out.push(`              last_acked=0 last_pushed=${t.updateId} last_get=0 teaching_origin=0 update=${t.updateId}`);
        out.push(`              table:${ptr(0x3000 * (si + 1) + t.id)} id=${t.name} update=${t.updateId} localupdate=${t.updateId} commitupdate=0 refcnt=1`);
      }
    });
  });
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
