// The runtime API's view of one forwarder thread's sessions (HAProxy 2.6 `show sess`, `shutdown session ID`,
// `shutdown sessions server B/S`): every client socket a session adopted is in env.liveClients already; adoptClient
// stamps it with an id (unique across threads: the thread's slot in the high bits) and its start time, and the
// session engines (L4, L7) mark it with themselves so the line can name the frontend, backend and server. Listing
// and cutting run when main asks (an operator command), never on the traffic path; cutting destroys the client
// socket, the same path a hard stop takes, so the session's own close handling gives back its slots and counts.
// Forwarder threads.

import type net from 'node:net';

/**
 * What of a forwarder's SessionEnv (session-env.ts) the registry reads, named here so that session-env.ts, which
 * stamps every client through this file, is not imported back (no import cycle).
 */
export interface SessionRegistryEnv {
  readonly thread: number;
  readonly liveClients: ReadonlySet<net.Socket>;
  readonly frontends: readonly { readonly name: string }[];
  readonly backends: readonly { readonly config: { readonly name: string; readonly servers: readonly { readonly name: string }[] } }[];
}

/** What a session engine tells about its session now (-1: none yet). */
export interface SessionProbe {
  sessionFrontend(): number;
  sessionBackend(): number;
  sessionServer(): number;
}

const kId = Symbol('orcalb.sessionId');
const kStarted = Symbol('orcalb.sessionStarted');
const kProbe = Symbol('orcalb.sessionProbe');

interface MarkedClient extends net.Socket {
  [kId]?: number;
  [kStarted]?: number;
  [kProbe]?: SessionProbe;
}

/** Session ids: thread slot × 2^32 + a per-thread sequence, so main routes `shutdown session ID` to its thread. */
const THREAD_SPAN = 2 ** 32;
let sequence = 0;

/** adoptClient: stamps a newly adopted client. Two property stores; no allocation. */
export function stampSession(env: Pick<SessionRegistryEnv, 'thread'>, client: net.Socket): void {
  sequence = (sequence + 1) % THREAD_SPAN;
  (client as MarkedClient)[kId] = (env.thread + 1) * THREAD_SPAN + sequence;
  (client as MarkedClient)[kStarted] = Date.now();
}

/**
 * The client of the last session marked on this thread, kept reachable after it ends, on purpose (issue 10, new
 * connections). Optimized code of the connection path holds the hidden classes (maps) of the objects it meets weakly,
 * and a full GC that finds no live instance of one throws that code away: the idle compaction (core/io/
 * idle-compaction.ts), run once every connection is gone, deoptimized ~120 functions this way ("embedded weak objects
 * cleared": startL4Session, Socket.connect, afterConnect, dialed…), and the next burst ran them in the interpreter
 * while 150-250 functions were compiled again. One ended session (sockets destroyed, fds closed; a few KiB) keeps an
 * instance of each: measured with --trace-deopt / --trace-opt around 1.5 s of idle after L4 `Connection: close` load,
 * 119 → 0 such deoptimizations during the idle and 177 → 79 compilations in the 3 s after it.
 */
let lastMarked: net.Socket | undefined;

/** A session engine marks its client with itself (once, when it takes the client). */
export function markSession(client: net.Socket, probe: SessionProbe): void {
  (client as MarkedClient)[kProbe] = probe;
  lastMarked = client;
}

/** The client lastMarked keeps (tests). */
export function keptSession(): net.Socket | undefined {
  return lastMarked;
}

/** The thread slot a session id belongs to (-1 when the id cannot be one). Pure. */
export function sessionThread(id: number): number {
  return Number.isSafeInteger(id) && id >= THREAD_SPAN ? Math.floor(id / THREAD_SPAN) - 1 : -1;
}

/** One `show sess` line, in haproxy 2.6.12's field names where they apply. */
export function sessionLines(env: SessionRegistryEnv, nowMs: number): string[] {
  const out: string[] = [];
  for (const socket of env.liveClients) {
    const c = socket as MarkedClient;
    const id = c[kId];
    if (id === undefined) continue;
    const probe = c[kProbe];
    const fe = probe?.sessionFrontend() ?? -1;
    const b = probe?.sessionBackend() ?? -1;
    const s = probe?.sessionServer() ?? -1;
    const backend = b >= 0 ? env.backends[b] : undefined;
    const server = s >= 0 ? backend?.config.servers[s]?.name : undefined;
    const proto = socket.remoteFamily === 'IPv6' ? 'tcpv6' : 'tcpv4';
    const age = Math.max(0, Math.floor((nowMs - (c[kStarted] ?? nowMs)) / 1000));
    out.push(
      `0x${id.toString(16)}: proto=${proto} src=${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0} ` +
        `fe=${env.frontends[fe]?.name ?? '<NONE>'} be=${backend?.config.name ?? '<NONE>'} srv=${server ?? '<none>'} ` +
        `age=${formatAge(age)} thr=${env.thread}`,
    );
  }
  return out;
}

/** `shutdown session ID`: cuts that session of this thread. False when it is not (or no longer) here. */
export function shutdownSession(env: SessionRegistryEnv, id: number): boolean {
  for (const socket of env.liveClients) {
    if ((socket as MarkedClient)[kId] !== id) continue;
    socket.destroy();
    return true;
  }
  return false;
}

/** `shutdown sessions server B/S`: cuts every session of this thread on server `s` of backend `b`; how many. */
export function shutdownServerSessions(env: SessionRegistryEnv, b: number, s: number): number {
  const victims: net.Socket[] = [];
  for (const socket of env.liveClients) {
    const probe = (socket as MarkedClient)[kProbe];
    if (probe !== undefined && probe.sessionBackend() === b && probe.sessionServer() === s) victims.push(socket);
  }
  for (const socket of victims) socket.destroy();
  return victims.length;
}

/** HAProxy's human duration (`3s`, `2m5s`, `1h2m`, `3d4h`). Pure. */
function formatAge(sec: number): string {
  if (sec < 60) return `${sec}s`;
  if (sec < 3600) return `${Math.floor(sec / 60)}m${sec % 60}s`;
  if (sec < 86400) return `${Math.floor(sec / 3600)}h${Math.floor((sec % 3600) / 60)}m`;
  return `${Math.floor(sec / 86400)}d${Math.floor((sec % 86400) / 3600)}h`;
}
