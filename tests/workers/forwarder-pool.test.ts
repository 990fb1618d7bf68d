// The forwarder pool (workers/forwarder-pool.ts) in this process, on real forwarder threads: a forwarder that dies is
// replaced in the same slot, and every handoff still in flight to it is cancelled by the pool itself (the fd closed
// once, the admission given back) even when no acceptor is linked to it to do so: main's half of the ticket
// guarantee (core/shared/handoff-tickets.ts). Test-runner main thread plays the main thread.

import assert from 'node:assert/strict';
import { fstatSync, openSync } from 'node:fs';
import { test } from 'node:test';
import { initialHealth } from '../../core/health/health-counter.js';
import { allocateLogRings } from '../../core/shared/log-ring.js';
import { createLogger } from '../../core/log.js';
import { ConnAccounting } from '../../core/shared/conn-accounting.js';
import { HandoffTickets } from '../../core/shared/handoff-tickets.js';
import { writeInitialState } from '../../core/shared/initial-state.js';
import { SharedState } from '../../core/shared/state-buffer.js';
import { topologyOf } from '../../core/shared/topology.js';
import { ForwarderPool } from '../../workers/forwarder-pool.js';
import type { ReportMessage } from '../../workers/messages.js';
import { load, validConfig } from '../support/config-load.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { tcpConfig } from '../support/tcp-config.js';
import { pollUntil } from '../support/wait.js';

test('a handoff in flight to a forwarder that dies is cancelled by the pool, with no acceptor linked: fd closed, slot back', async (t) => {
  // node --test gives this process every default as an explicit flag (--v8-pool-size, --secure-heap…), which a Worker
  // refuses in execArgv (spawn.ts passes main's flags on); orcalb's own command line carries none of them.
  const execArgv = process.execArgv.splice(0);
  t.after(() => void process.execArgv.push(...execArgv));
  const config = validConfig(await load(tcpConfig(await freeTcpPort(), [await freeTcpPort()])));
  const topology = topologyOf(config, 1);
  const state = SharedState.allocate(topology.counts);
  writeInitialState(config, state, topology, initialHealth);
  const accounting = new ConnAccounting(state);
  const readies: number[] = [];
  const pool = new ForwarderPool(
    { config, buffer: state.buffer, threads: 1, accept: 'acceptor', maxsock: 1000, logRings: allocateLogRings(1) },
    state, accounting, topology, createLogger([], { stderr: false }),
    {
      onReport: (r: ReportMessage) => {
        if (r.type === 'ready') readies.push(r.thread);
      },
      linkTo: () => undefined,
    },
  );
  t.after(() => pool.destroy());
  const ready = (n: number): Promise<void> => pollUntil(() => readies.length >= n, 10_000, `forwarder ready #${n}`);
  pool.start();
  await ready(1);
  const threadId = state.thread(0).load('threadId');

  // An admitted connection handed to forwarder 0 (its id never reaches it: no acceptor is linked).
  const fd = openSync('/dev/null', 'r');
  assert.equal(accounting.reserveClient(0, 0, 0), 'ok');
  const tickets = new HandoffTickets(state);
  tickets.markPosted(tickets.issue(fd, 0, 0, threadId));
  assert.equal(state.frontend(0).load('curConns'), 1);

  pool.post({ type: 'crash', thread: 0 });
  await ready(2);
  assert.deepEqual(readies, [0, 0], 'the replacement took slot 0');
  assert.notEqual(state.thread(0).load('threadId'), threadId);
  assert.equal(tickets.inFlight(), 0, 'the ticket was cancelled');
  assert.throws(() => fstatSync(fd), /EBADF/, 'its fd was closed');
  assert.equal(state.frontend(0).load('curConns'), 0, 'its admission was given back');
  assert.equal(state.loadGlobal('curConns'), 0);
});
