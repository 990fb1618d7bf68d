// How a session ended, as HAProxy's 2-char termination state (manual §8.5: who ended it, then in which phase), and
// the stats counters each state adds to (cli_abrt, srv_abrt, eresp, econ, eint of the backend and its server), as
// measured on haproxy 2.6.12 (tests/regressions/issue-0009-termination-counters.test.ts). Forwarder threads; once
// per session end, never per read.

import { OrcaError, type OrcaErrorCode } from '../errors.js';
import type { BackendSlot } from '../shared/record-slots.js';
import type { ServerSlot } from '../shared/server-slot.js';

/** Codes raised when a side was idle past its limit: HAProxy writes their cause letter in lower case (cD, sQ). */
const TIMEOUT_CODES: ReadonlySet<OrcaErrorCode> = new Set([
  'ORCA_CLIENT_TIMEOUT', 'ORCA_SERVER_TIMEOUT', 'ORCA_SERVER_CONNECT_TIMEOUT', 'ORCA_QUEUE_TIMEOUT',
]);

/** Codes of a session that failed while waiting in a queue (phase Q). */
const QUEUE_CODES: ReadonlySet<OrcaErrorCode> = new Set(['ORCA_QUEUE_TIMEOUT', 'ORCA_QUEUE_FULL']);

/**
 * The cause letter of an error: the side it is blamed on (C client, S server, I internal), lower case for a
 * timeout. Anything that is not an OrcaError is an internal error. Pure.
 */
function causeOf(err: unknown): string {
  if (!(err instanceof OrcaError)) return 'I';
  const letter = err.side === 'client' ? 'C' : err.side === 'server' ? 'S' : 'I';
  return TIMEOUT_CODES.has(err.code) ? letter.toLowerCase() : letter;
}

/**
 * The termination state of a session whose server could not be had (dispatch rejected with `err`): SC for no
 * server or a failed connect, sC for a connect timeout, sQ/SQ for a queue timeout or a full server queue. A client
 * that left while queued or connecting gets CD, as haproxy 2.6.12 logs it in TCP mode (measured). Pure.
 */
export function dispatchTermination(err: unknown): string {
  const cause = causeOf(err);
  if (cause === 'C' || cause === 'c') return `${cause}D`;
  return `${cause}${err instanceof OrcaError && QUEUE_CODES.has(err.code) ? 'Q' : 'C'}`;
}

type Counter = 'clientAborts' | 'serverAborts' | 'responseErrors' | 'connectErrors' | 'internalErrors';

const NONE: readonly Counter[] = [];
const CLIENT_ABORT: readonly Counter[] = ['clientAborts'];
const SERVER_RESET: readonly Counter[] = ['serverAborts', 'responseErrors'];
const SERVER_TIMEOUT: readonly Counter[] = ['serverAborts'];
const CONNECT_ERROR: readonly Counter[] = ['connectErrors'];
const INTERNAL: readonly Counter[] = ['internalErrors'];

/**
 * The counters a termination state adds one to. haproxy 2.6.12, measured: a client abort in any phase is cli_abrt;
 * in the data phase a server reset is srv_abrt and eresp, a server timeout srv_abrt alone; before it (no server, a
 * failed connect, a queue error) the server side is econ. `--` (a clean end) counts nothing. Pure.
 */
export function countersOf(state: string): readonly Counter[] {
  const phase = state[1];
  const dataPhase = phase === 'D' || phase === 'L';
  switch (state[0]) {
    case 'C':
    case 'c':
      return CLIENT_ABORT;
    case 'S':
      return dataPhase ? SERVER_RESET : CONNECT_ERROR;
    case 's':
      return dataPhase ? SERVER_TIMEOUT : CONNECT_ERROR;
    case 'I':
      return INTERNAL;
    default:
      return NONE;
  }
}

/**
 * Adds one session's end to the counters of its backend and, when the session had a server (connected, or bound to
 * it in its queue), of that server. Forwarder threads (Atomics.add: the fields are 'atomic-add' in layout.ts).
 */
export function countTermination(state: string, backend: BackendSlot, server: ServerSlot | undefined): void {
  for (const counter of countersOf(state)) {
    backend.add(counter, 1);
    server?.add(counter, 1);
  }
}
