// Where an accepted connection enters its engine on a forwarder thread: `mode tcp` frontends go to the TCP session
// (which runs its own tcp-request rules), `mode http` ones to the HTTP session; an HTTP frontend with `tcp-request
// connection|session` rules runs them here first, right after adoption and before any byte is read (HAProxy runs them
// before the HTTP mux exists), then hands the socket over with its FetchContext (CarriedConnection). Forwarder
// threads (workers/forwarder.ts) and the in-process harness (tests/support/l7-harness.ts); once per connection.

import type net from 'node:net';
import { FetchContext } from '../acl/fetch-context.js';
import type { ReadSink } from '../io/socket-io.js';
import { StickCounters } from '../stick/stick-counters.js';
import { runL4Session, startL4Session, type SessionEnds } from './l4-session.js';
import { runL7Session } from './l7-session.js';
import { adoptClient, type ClientConn, type SessionEnv } from './session-env.js';
import { TCP } from './tcp-rules/tcp-rule-program.js';

/**
 * Never given a read: the connection rules run synchronously between adoption and the HTTP session taking the socket
 * (a read is delivered by the event loop, after this turn). Stops reading if that ever changed.
 */
const NO_READ: ReadSink = { onRead: () => false };

/** What a forwarder hears of each connection it serves (startSession): one object per thread. */
export interface SessionOutcome extends SessionEnds {
  /** `conn` could not be adopted (the caller closes it and gives its admission back); sessionEnded() is not called. */
  notAdopted(conn: ClientConn, fe: number, err: unknown): void;
}

/**
 * Serves one admitted connection of frontend `fe` (bind `bind`) on this thread and tells `outcome` how it ended. A
 * TCP frontend's session reports straight to `outcome` (startL4Session: no promise per connection, issue 10); an
 * HTTP one through runSession's promise.
 */
export function startSession(env: SessionEnv, conn: ClientConn, fe: number, bind: number, outcome: SessionOutcome): void {
  if (env.frontends[fe]?.mode !== 'http') {
    try {
      startL4Session(env, conn, fe, bind, outcome);
    } catch (e) {
      outcome.notAdopted(conn, fe, e);
    }
    return;
  }
  runSession(env, conn, fe, bind).then(
    () => outcome.sessionEnded(),
    (e: unknown) => outcome.notAdopted(conn, fe, e),
  );
}

/**
 * Serves one admitted connection of frontend `fe` (bind `bind`) on this thread: same contract as runL4Session /
 * runL7Session (resolves at the end; rejects only when the connection cannot be adopted).
 */
export function runSession(env: SessionEnv, conn: ClientConn, fe: number, bind: number): Promise<void> {
  const frontend = env.frontends[fe];
  if (frontend?.mode !== 'http') return runL4Session(env, conn, fe, bind);
  const program = env.tcpPrograms?.frontends[fe];
  if (program === undefined || (!program.has('connection') && !program.has('session'))) return runL7Session(env, conn, fe, bind);
  let client: net.Socket;
  try {
    client = adoptClient(env, conn, NO_READ);
  } catch (e) {
    return Promise.reject(e);
  }
  const ctx = new FetchContext();
  ctx.frontend = fe;
  ctx.state = env.state;
  ctx.stickTables = env.stick;
  ctx.setSource(client.remoteAddress ?? '', client.remotePort ?? 0);
  ctx.setDestination(client.localAddress ?? '', client.localPort ?? 0);
  ctx.setClientSocket(client);
  const counters = program.tracks && env.stick !== undefined ? new StickCounters(env.stick) : undefined;
  ctx.stickCounters = counters;
  // expect-proxy is refused in a mode http frontend at load: a PROXY verdict cannot come here, and passes anyway.
  let v = program.run('connection', ctx, counters, env.stick);
  if (v === TCP.PROXY) v = TCP.PASS;
  // haproxy 2.6 resets a connection its connection rules reject, and ends one its session rules reject (measured).
  let reset = v !== TCP.PASS;
  // The stats: dcon when the connection rules refuse, dses when the session rules do.
  let refusedBy: 'deniedConn' | 'deniedSess' = 'deniedConn';
  // Session rules follow at once: config load refuses them with accept-proxy binds in HTTP mode (the header's
  // address would come later), so here they see the same addresses as the connection rules.
  if (v === TCP.PASS) {
    v = program.run('session', ctx, counters, env.stick);
    reset = v === TCP.DROP;
    refusedBy = 'deniedSess';
  }
  if (v === TCP.REJECT || v === TCP.DROP) {
    // The stats: dcon when the connection rules refused it, dses when the session rules did.
    env.state.frontend(fe).add(refusedBy, 1);
    counters?.endSession();
    if (reset) client.resetAndDestroy();
    else client.destroy();
    env.accounting.clientClosed(env.thread, fe);
    return Promise.resolve();
  }
  counters?.countSession();
  const ended = runL7Session(env, client, fe, bind, { fetch: ctx });
  // Until the HTTP session ends the counters itself (it is handed them in ctx), they end with its promise.
  return counters === undefined ? ended : ended.finally(() => counters.endSession());
}
