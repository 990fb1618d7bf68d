// Where a connection accepted on an ssl bind enters a forwarder (manual §5.1 `bind … ssl`): the fd is adopted as a
// plain socket, the bind's TLS server (tls-front.ts) runs the handshake on this thread, and the TLS socket then
// enters the session a plain connection gets (connection-entry.ts startSession). Counts the SSL stats module's
// ssl_sess / ssl_reused_sess / ssl_failed_handshake per frontend. Forwarder threads; once per ssl connection.

import type net from 'node:net';
import type tls from 'node:tls';
import { adoptSocket } from '../accept/fd-handoff.js';
import { setHeaderBeforeTls } from '../forward/client-origin.js';
import { startSession, type SessionOutcome } from '../forward/connection-entry.js';
import type { ProxyHeaderRead } from '../proxy-protocol/parse.js';
import type { ClientConn, SessionEnv } from '../forward/session-env.js';
import type { ChangedBind } from './cert-update.js';
import { TlsFronts } from './tls-front.js';
import { countRate } from '../shared/stat-counters.js';
import { stickNow } from '../stick/stick-clock.js';
import type { ConnError } from '../log/connection-error.js';
import type { LogRecord } from '../log/log-record.js';
import { connectionRecord } from '../log/tcp-session-log.js';

/** A forwarder's TLS entry: serve() takes a connection of an ssl bind, and answers false for a plain bind. */
export interface TlsEntry {
  /** A reload changed these binds of frontend `fe` (env.frontends already holds them): see TlsFronts.rebuild. */
  rebuild(fe: number, binds: readonly number[]): void;

  serve(conn: ClientConn, fe: number, bind: number): boolean;
  /** `commit ssl cert`: the binds whose certificates changed (core/tls/cert-update.ts) build their contexts again. */
  replaceCerts(changed: readonly ChangedBind[]): void;
}

/**
 * The thread's TLS entry, or undefined when no bind of the config is ssl (then nothing of node:tls is built).
 * `ticketKeys`: the 48 bytes main made at start, the same in every forwarder (resumption across threads); `sessions`:
 * the session-id cache main made, shared the same way.
 */
export function tlsEntry(env: SessionEnv, outcome: SessionOutcome, ticketKeys: Uint8Array | undefined, sessions: SharedArrayBuffer | undefined): TlsEntry | undefined {
  if (!TlsFronts.needed(env.frontends)) return undefined;
  // The log records of the handshakes under way on logging frontends (a failed one's connection error line).
  const records = new WeakMap<net.Socket, LogRecord>();
  const fronts = new TlsFronts(env.frontends, ticketKeys, sessions, {
    secured(socket: tls.TLSSocket, fe: number, bind: number, resumed: boolean, header: ProxyHeaderRead | undefined): void {
      const slot = env.state.frontend(fe);
      slot.add('sslSess', 1);
      if (resumed) slot.add('sslReusedSess', 1);
      // show info's SslRate and SslFrontendKeyRate (a full handshake makes new keys; a resumed one does not).
      const now = stickNow();
      countRate(slot, 'sslRatetick', 'sslRateMax', now);
      if (!resumed) countRate(slot, 'sslKeyRatetick', 'sslKeyRateMax', now);
      // show info's CurrSslConns: this thread's secured clients until they close.
      const mine = env.state.thread(env.thread);
      mine.add('sslConns', 1);
      socket.once('close', () => mine.add('sslConns', -1));
      if (header !== undefined) setHeaderBeforeTls(socket, header);
      startSession(env, socket, fe, bind, outcome);
    },
    failed(raw: net.Socket, fe: number, bind: number, tlsFailure: boolean, error: ConnError): void {
      if (tlsFailure) env.state.frontend(fe).add('sslFailedHandshake', 1);
      const rec = records.get(raw);
      if (rec !== undefined) env.logLines?.[fe]?.connectionError(rec, error, bind, env.sweep.now());
      env.accounting.clientClosed(env.thread, fe);
      outcome.sessionEnded();
    },
  });
  return {
    replaceCerts: (changed) => fronts.replaceCerts(changed),
    serve(conn: ClientConn, fe: number, bind: number): boolean {
      const server = fronts.serverFor(fe, bind);
      if (server === undefined) return false;
      let raw: net.Socket;
      try {
        // Not half-open during the handshake: TlsFront.handshake() owns that setting (and says why).
        raw = typeof conn === 'number' ? adoptSocket(conn, { allowHalfOpen: false }) : conn;
      } catch (e) {
        outcome.notAdopted(conn, fe, e);
        return true;
      }
      // A hard stop destroys it mid-handshake like any live client; the session's TLS socket is added on its own.
      env.liveClients.add(raw);
      raw.once('close', () => env.liveClients.delete(raw));
      raw.setNoDelay(true);
      // A logging frontend keeps the connection's addresses and accept date, for the line of a handshake that fails.
      const line = env.logLines?.[fe];
      if (line?.logs === true) {
        const rec = connectionRecord(line, raw, env.sweep.now());
        rec.tls = true;
        records.set(raw, rec);
      }
      const frontend = env.frontends[fe];
      if (frontend?.binds[bind]?.acceptProxy === true) server.handshakeAfterProxy(raw, frontend.timeouts.client);
      else server.handshake(raw);
      return true;
    },

    rebuild(fe: number, binds: readonly number[]): void {
      for (const bind of binds) fronts.rebuild(fe, bind);
    },
  };
}
