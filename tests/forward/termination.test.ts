// The termination-state table (core/forward/termination.ts): the state a failed dispatch gets from its error's side
// and code, and the counters each state adds to. The same rules run side by side with haproxy 2.6.12 in
// tests/regressions/issue-0009-termination-counters.test.ts; this file covers every state, including the ones no
// client can provoke on purpose (an internal error). Test-runner thread; pure, apart from one shared buffer.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OrcaError, type OrcaErrorCode } from '../../core/errors.js';
import { countTermination, countersOf, dispatchTermination } from '../../core/forward/termination.js';
import { SharedState } from '../../core/shared/state-buffer.js';

test('every state the L4 pipe ends with counts as haproxy 2.6.12 counts it', () => {
  const table: ReadonlyArray<[string, readonly string[]]> = [
    ['--', []],
    ['CD', ['clientAborts']],
    ['cD', ['clientAborts']],
    ['CL', ['clientAborts']],
    ['cL', ['clientAborts']],
    ['SD', ['serverAborts', 'responseErrors']],
    ['SL', ['serverAborts', 'responseErrors']],
    ['sD', ['serverAborts']],
    ['sL', ['serverAborts']],
    ['ID', ['internalErrors']],
    ['IL', ['internalErrors']],
  ];
  for (const [state, counters] of table) assert.deepEqual(countersOf(state), counters, state);
});

test('a failed dispatch gets its state from the side and the code of its error', () => {
  const table: ReadonlyArray<[OrcaErrorCode, string]> = [
    ['ORCA_SERVER_CONNECT_REFUSED', 'SC'],
    ['ORCA_SERVER_CONNECT_ERROR', 'SC'],
    ['ORCA_SERVER_CONNECT_TIMEOUT', 'sC'],
    ['ORCA_NO_SERVER', 'SC'],
    ['ORCA_QUEUE_TIMEOUT', 'sQ'],
    ['ORCA_QUEUE_FULL', 'SQ'],
    ['ORCA_CLIENT_CLOSED', 'CD'],
    ['ORCA_INTERNAL', 'IC'],
  ];
  for (const [code, state] of table) assert.equal(dispatchTermination(new OrcaError(code, 'x')), state, code);
  // The side an error was raised with wins over the table's usual one (a protocol error's sender).
  assert.equal(dispatchTermination(new OrcaError('ORCA_DDB_PROTOCOL', 'x', { side: 'server' })), 'SC');
  // Something that is not an OrcaError is a fault of ours.
  assert.equal(dispatchTermination(new TypeError('bug')), 'IC');
});

test('failures before the data phase count econ on the server side and cli_abrt on the client side', () => {
  assert.deepEqual(countersOf('SC'), ['connectErrors']);
  assert.deepEqual(countersOf('sC'), ['connectErrors']);
  assert.deepEqual(countersOf('sQ'), ['connectErrors']);
  assert.deepEqual(countersOf('SQ'), ['connectErrors']);
  assert.deepEqual(countersOf('IC'), ['internalErrors']);
});

test('countTermination adds to the backend and, when there is one, to the server', () => {
  const state = SharedState.allocate({ servers: 2, backends: 1, frontends: 1, threads: 1 });
  countTermination('SD', state.backend(0), state.server(1));
  countTermination('sQ', state.backend(0), undefined);
  countTermination('--', state.backend(0), state.server(1));
  const fields = ['serverAborts', 'responseErrors', 'connectErrors'] as const;
  assert.deepEqual(fields.map((f) => state.backend(0).load(f)), [1, 1, 1]);
  assert.deepEqual(fields.map((f) => state.server(1).load(f)), [1, 1, 0]);
  assert.equal(state.server(0).load('serverAborts'), 0);
});
