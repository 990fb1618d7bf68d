// The proxy-level lines HAProxy 2.6 prints for the operator's signals, word for word: the SIGHUP dump of every
// server's state (haproxy.c sig_dump_state), "Proxy X stopped" when a soft stop unbinds it (proxy.c
// proxy_cond_disable) and "Proxy X hard-stopped" when hard-stop-after expires (proxy.c hard_stop).
// Reads the shared buffer with Atomics.load; builds text only. Main thread.

import type { Config } from '../../config/model.js';
import { ServerState } from '../shared/layout.js';
import type { SharedState } from '../shared/state-buffer.js';
import { serverSlotIndex, type Topology } from '../shared/topology.js';
import type { ProxyEntry } from './proxy-list.js';

/** The first stderr line of a SIGHUP dump (HAProxy prints it once, then the proxies). */
export const SIGHUP_HEADER = 'SIGHUP received, dumping servers states.';

/** The syslog line HAProxy sends to each proxy's own log targets before that proxy's lines. */
export function sighupProxyHeader(proxy: ProxyEntry): string {
  return `SIGHUP received, dumping servers states for proxy ${proxy.name}.`;
}

/** Counters are 32-bit words: read them as the unsigned totals they are. */
const u32 = (n: number): number => n >>> 0;

/** The live figures of one proxy, as sig_dump_state reads them from struct proxy. */
interface ProxyFigures {
  readonly feconn: number;
  readonly beconn: number;
  readonly totpend: number;
  readonly nbpend: number;
  readonly feTotal: number;
  readonly beTotal: number;
}

function figures(config: Config, state: SharedState, topology: Topology, p: ProxyEntry): ProxyFigures {
  const fe = p.frontend === undefined ? undefined : state.frontend(p.frontend);
  const be = p.backend === undefined ? undefined : state.backend(p.backend);
  // Only the backend has a queue today; server queues count into totpend when they exist.
  let serverQueues = 0;
  if (p.backend !== undefined) {
    const b = p.backend;
    config.backends[b]?.servers.forEach((_, s) => {
      serverQueues += state.server(serverSlotIndex(topology, b, s)).load('queued');
    });
  }
  const nbpend = be?.load('queued') ?? 0;
  return {
    feconn: fe?.load('curConns') ?? 0,
    beconn: be?.load('curConns') ?? 0,
    totpend: nbpend + serverQueues,
    nbpend,
    feTotal: u32(fe?.load('totalConns') ?? 0),
    beTotal: u32(be?.load('totalConns') ?? 0),
  };
}

/**
 * The SIGHUP lines of one proxy: `SIGHUP: Server be/s1 is UP. Conn: …` per server, then the proxy's own line
 * (no servers / no server available / running on backup servers / N active and M backup servers available).
 * A server is UP unless it is DOWN or in maintenance, as HAProxy tests cur_state != STOPPED.
 */
export function sighupProxyLines(config: Config, state: SharedState, topology: Topology, p: ProxyEntry): string[] {
  const lines: string[] = [];
  const backend = p.backend === undefined ? undefined : config.backends[p.backend];
  const servers = (backend?.servers ?? []).filter((srv) => srv.retired !== true);
  backend?.servers.forEach((srv, s) => {
    if (srv.retired === true) return; // a slot `del server` freed
    const slot = state.server(serverSlotIndex(topology, p.backend ?? 0, s));
    const up = slot.load('state') === ServerState.UP ? 'UP' : 'DOWN';
    lines.push(
      `SIGHUP: Server ${p.name}/${srv.name} is ${up}. ` +
        `Conn: ${slot.load('curConns')} act, ${slot.load('queued')} pend, ${u32(slot.load('totalConns'))} tot.`,
    );
  });
  const f = figures(config, state, topology, p);
  const conn =
    `Conn: act(FE+BE): ${f.feconn}+${f.beconn}, ${f.totpend} pend (${f.nbpend} unass), ` +
    `tot(FE+BE): ${f.feTotal}+${f.beTotal}.`;
  if (servers.length === 0) {
    lines.push(`SIGHUP: Proxy ${p.name} has no servers. ${conn}`);
    return lines;
  }
  const slot = state.backend(p.backend ?? 0);
  const active = slot.load('activeServers');
  const backups = slot.load('backupServers');
  if (active === 0) {
    const what = backups > 0 ? 'is running on backup servers' : 'has no server available';
    lines.push(`SIGHUP: Proxy ${p.name} ${what} ! ${conn}`);
  } else {
    lines.push(`SIGHUP: Proxy ${p.name} has ${active} active servers and ${backups} backup servers available. ${conn}`);
  }
  return lines;
}

/**
 * The soft stop's `Proxy X stopped (cumulated conns: FE: n, BE: m).` lines: proxies with listeners first (they
 * stop when unbound), then backend-only proxies, each group in configuration order, as HAProxy 2.6.12 prints them.
 */
export function proxyStoppedLines(state: SharedState, proxies: readonly ProxyEntry[]): { proxy: ProxyEntry; line: string }[] {
  const ordered = [...proxies.filter((p) => p.frontend !== undefined), ...proxies.filter((p) => p.frontend === undefined)];
  return ordered.map((p) => {
    const fe = p.frontend === undefined ? 0 : u32(state.frontend(p.frontend).load('totalConns'));
    const be = p.backend === undefined ? 0 : u32(state.backend(p.backend).load('totalConns'));
    return { proxy: p, line: `Proxy ${p.name} stopped (cumulated conns: FE: ${fe}, BE: ${be}).` };
  });
}

/** hard-stop-after's first line, sent to the global log targets. */
export const HARD_STOP_HEADER = 'soft-stop running for too long, performing a hard-stop.';

/** `Proxy X hard-stopped (N remaining conns will be closed).` for each proxy with a frontend that still has clients. */
export function proxyHardStoppedLines(state: SharedState, proxies: readonly ProxyEntry[]): { proxy: ProxyEntry; line: string }[] {
  const out: { proxy: ProxyEntry; line: string }[] = [];
  for (const p of proxies) {
    if (p.frontend === undefined) continue;
    const live = state.frontend(p.frontend).load('curConns');
    if (live > 0) out.push({ proxy: p, line: `Proxy ${p.name} hard-stopped (${live} remaining conns will be closed).` });
  }
  return out;
}
