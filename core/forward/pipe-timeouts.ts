// Which HAProxy 2.6 idle timeout applies to each side of a session: the values taken from the two proxies, and the
// limit of one side at a given moment. Manual §4.2 `timeout client|server|tunnel|client-fin|server-fin`; the rules are
// spelled out in l4-pipe.ts's header. Pure; forwarder threads (the L4 pipe enforces the limits on its thread's sweep).

import type { Timeouts } from '../../config/model.js';

/** Milliseconds; undefined = not set (HAProxy: no limit, or the next timeout in the fallback chain). */
export interface PipeTimeouts {
  client?: number;
  server?: number;
  clientFin?: number;
  serverFin?: number;
  tunnel?: number;
}

export const PipeSide = { client: 0, server: 1 } as const;
export type PipeSide = (typeof PipeSide)[keyof typeof PipeSide];

/**
 * Picks a session's timeouts from its two proxies the way HAProxy does: `client` and `client-fin` belong to the
 * frontend, `server`, `server-fin` and `tunnel` to the backend. Pure, any thread.
 */
export function pipeTimeouts(frontend: Timeouts, backend: Timeouts): PipeTimeouts {
  const t: PipeTimeouts = {};
  if (frontend.client !== undefined) t.client = frontend.client;
  if (frontend.clientFin !== undefined) t.clientFin = frontend.clientFin;
  if (backend.server !== undefined) t.server = backend.server;
  if (backend.serverFin !== undefined) t.serverFin = backend.serverFin;
  if (backend.tunnel !== undefined) t.tunnel = backend.tunnel;
  return t;
}

/**
 * The inactivity limit of one side: once either side has sent a FIN, `<side>-fin` when set; otherwise `tunnel` when
 * set (a TCP session is a tunnel from the start: no analyser stays attached); otherwise `client` / `server`.
 * undefined = that side never times out. Pure.
 */
export function idleLimit(t: PipeTimeouts, side: PipeSide, halfClosed: boolean): number | undefined {
  const fin = side === PipeSide.client ? t.clientFin : t.serverFin;
  if (halfClosed && fin !== undefined) return fin;
  return t.tunnel ?? (side === PipeSide.client ? t.client : t.server);
}

/** The HAProxy keyword behind idleLimit(t, side, halfClosed), for messages: `timeout client-fin`, `timeout tunnel`… */
export function limitName(t: PipeTimeouts, side: PipeSide, halfClosed: boolean): string {
  const base = side === PipeSide.client ? 'client' : 'server';
  const fin = side === PipeSide.client ? t.clientFin : t.serverFin;
  if (halfClosed && fin !== undefined) return `timeout ${base}-fin`;
  return t.tunnel !== undefined ? 'timeout tunnel' : `timeout ${base}`;
}
