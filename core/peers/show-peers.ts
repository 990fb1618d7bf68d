// The runtime API's `show peers [dict|-] [section]` answer (HAProxy 2.6 management.txt §9.3), in haproxy 2.6.12's
// layout: one line per section, then per peer its name, role and state, address, last status and handshake age,
// its heartbeat and connection counters, and its shared tables. orcalb has no C pointers to print: the "addresses"
// are stable numbers (section, peer, table indexes) in the same hexadecimal form. Peers thread (it owns the state).

import type { PeersEngine } from './peers-engine.js';
import { PEER_HEARTBEAT_MS, PEER_RECV_TIMEOUT_MS, type PeerCounters } from './peer-session.js';

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

/** haproxy's human_time(): the two largest units, `4s`, `1m5s`, `2h3m`, `1d2h`. */
export function humanTime(ms: number): string {
  let t = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(t / 86400);
  const h = Math.floor((t % 86400) / 3600);
  const m = Math.floor((t % 3600) / 60);
  t %= 60;
  if (d > 0) return `${d}d${h > 0 ? `${h}h` : ''}`;
  if (h > 0) return `${h}h${m > 0 ? `${m}m` : ''}`;
  if (m > 0) return `${m}m${t > 0 ? `${t}s` : ''}`;
  return `${t}s`;
}

/** The whole answer for `engines`, or for the section named `only`. */
export function showPeers(engines: readonly PeersEngine[], nowMs: number, only?: string): string {
  const out: string[] = [];
  const date = new Date(nowMs);
  const stamp = `${String(date.getUTCDate()).padStart(2, '0')}/${MONTHS[date.getUTCMonth()] ?? ''}/${date.getUTCFullYear()}:${date.toISOString().slice(11, 19)}`;
  engines.forEach((e, si) => {
    if (only !== undefined && e.section.name !== only) return;
    const resync = e.resyncState === 'done' ? '<PAST>' : humanTime(e.resyncDeadline - nowMs);
    // flags: haproxy's internal state bits, which orcalb does not keep.
    out.push(`${ptr(0x1000 * (si + 1))}: [${stamp}] id=${e.section.name} disabled=0 flags=0x0 resync_timeout=${resync} task_calls=${e.ticks}`);
    e.peers.forEach((p, pi) => {
      const s = p.session;
      const established = s?.state === 'established';
      const state = established ? 'active' : 'inactive';
      const live = established ? s.counters : undefined;
      const count = (k: keyof PeerCounters): number => p.counters[k] + (live?.[k] ?? 0);
      // reconnect: while established, until the session is dropped for silence; otherwise until the next attempt.
      const reconnect = established
        ? humanTime(PEER_RECV_TIMEOUT_MS - (nowMs - s.lastRecv))
        : s === undefined && p.nextAttempt > nowMs ? humanTime(p.nextAttempt - nowMs) : '<NEVER>';
      const heartbeat = established ? humanTime(PEER_HEARTBEAT_MS - (nowMs - s.lastSent)) : '<NEVER>';
      out.push(
        `  ${ptr(0x1000 * (si + 1) + 0x10 * (pi + 1))}: id=${p.name}(remote,${state}) addr=${p.host}:${p.port} ` +
          `last_status=${statusLabel(p.lastStatus, s !== undefined && !established, established)} ` +
          `last_hdshk=${p.lastHandshake === 0 ? '<NEVER>' : humanTime(nowMs - p.lastHandshake)}`,
      );
      out.push(
        `        reconnect=${reconnect} heartbeat=${heartbeat} confirm=${count('confirm')} tx_hbt=${count('txHbt')} ` +
          `rx_hbt=${count('rxHbt')} no_hbt=${count('noHbt')} new_conn=${p.reconnects} proto_err=${count('protoErr')} coll=${p.collisions}`,
      );
      out.push(`        flags=0x0${p.lastError === '' ? '' : ` last_error="${p.lastError}"`}`);
      out.push('        shared tables:');
      for (const t of e.sharedTables()) {
        // last_acked is what this process acknowledged of the peer's updates (haproxy's meaning); what the peers
        // acknowledged of ours is the table's commitupdate.
        const remote = established ? s.remoteTable(t.wireName) : undefined;
        const pushed = established ? (s.pushed.get(t.id) ?? 0) : 0;
        const commit = Math.max(0, ...e.peers.map((x) => x.session?.acked.get(t.id) ?? 0));
        out.push(`          ${ptr(0x2000 * (si + 1) + t.id)} local_id=${t.id} remote_id=${remote?.remoteId ?? 0} flags=0x0 remote_data=0x0`);
        out.push(`              last_acked=${remote?.ackedId ?? 0} last_pushed=${pushed} last_get=${remote?.lastId ?? 0} teaching_origin=0 update=${t.updateId}`);
        out.push(`              table:${ptr(0x3000 * (si + 1) + t.id)} id=${t.name} update=${t.updateId} localupdate=${t.updateId} commitupdate=${commit} refcnt=1`);
      }
    });
  });
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
