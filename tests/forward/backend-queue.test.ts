// The backend queue across forwarder threads (core/forward/backend-queue.ts, core/shared/queue-board.ts), driven in
// one process: two BackendQueues on one shared buffer stand for two forwarders. A freed slot goes to the oldest waiter
// whichever thread queued it; a waiter that leaves frees its place and its head mark at once; a dead thread's marks
// are cleared by reclaimThread. Deterministic: slots are taken and released by hand. Test-runner thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildBackends, hasFreeSlot, type BackendRuntime } from '../../core/forward/backend-runtime.js';
import type { QueueWait } from '../../core/forward/backend-queue.js';
import { ConnAccounting } from '../../core/shared/conn-accounting.js';
import { QueueBoard, olderTicket } from '../../core/shared/queue-board.js';
import type { SharedState } from '../../core/shared/state-buffer.js';
import type { Topology } from '../../core/shared/topology.js';
import { healthConfig, seededState, serverConfig } from '../support/check-target.js';
import { delay } from '../support/wait.js';

interface TwoThreads {
  readonly state: SharedState;
  readonly topology: Topology;
  readonly accounting: ConnAccounting;
  /** Backend 0 as forwarder thread 0 and thread 1 see it. */
  readonly rt: readonly [BackendRuntime, BackendRuntime];
}

/** One backend, one server with maxconn 1, on a buffer laid out for two forwarder threads. */
function twoThreads(): TwoThreads {
  const config = healthConfig([{ name: 'be', servers: [serverConfig('s1', 1, { check: false, maxconn: 1 })] }]);
  const { state, topology } = seededState(config, 2);
  const accounting = new ConnAccounting(state);
  const rt0 = buildBackends(config, state, topology, { accounting, thread: 0 })[0];
  const rt1 = buildBackends(config, state, topology, { accounting, thread: 1 })[0];
  if (rt0 === undefined || rt1 === undefined) throw new Error('no backend');
  return { state, topology, accounting, rt: [rt0, rt1] };
}

/** What dispatch gives an unbound waiter: the balancer's pick among servers with a free slot. */
function unbound(rt: BackendRuntime, signal?: AbortSignal): QueueWait {
  return {
    bound: undefined,
    pick: () => rt.balancer.pick({ skip: (s) => !hasFreeSlot(s) }),
    usable: () => true,
    rebind: () => null,
    deadline: Infinity,
    signal,
  };
}

test('a freed slot goes to the oldest waiter, whichever thread queued it', async () => {
  const { accounting, rt } = twoThreads();
  assert.ok(accounting.takeServerSlot(0, 0, 0, 1), 'the only slot is taken');
  const served: string[] = [];
  const names = ['a@1', 'b@0', 'c@1', 'd@0'];
  const waits = names.map((name) => {
    const thread = name.endsWith('@0') ? 0 : 1;
    return rt[thread].queue.wait(unbound(rt[thread])).then(() => {
      served.push(name);
      return thread;
    });
  });
  assert.equal(rt[0].slot.load('queued'), 4);
  // One release at a time, each by the thread holding the slot; exactly one waiter may take it.
  let holder = 0;
  for (const w of waits) {
    accounting.serverClosed(holder, 0, 0);
    holder = await w;
  }
  assert.deepEqual(served, names);
  assert.equal(rt[0].slot.load('queued'), 0);
});

test('a waiter whose client leaves frees its place and its head mark at once; the next one is served', async () => {
  const { state, accounting, rt } = twoThreads();
  assert.ok(accounting.takeServerSlot(0, 0, 0, 1));
  const gone = new AbortController();
  const leaver = rt[0].queue.wait(unbound(rt[0], gone.signal));
  const next = rt[1].queue.wait(unbound(rt[1]));
  const head0 = (): number => Atomics.load(state.i32, state.threadBackendIndex(0, 0, 'queueHead'));
  assert.notEqual(head0(), 0, 'thread 0 marks its oldest waiter');
  gone.abort();
  await assert.rejects(leaver, { code: 'ORCA_CLIENT_CLOSED' });
  assert.equal(head0(), 0);
  assert.equal(rt[0].slot.load('queued'), 1);
  accounting.serverClosed(0, 0, 0);
  await next;
  assert.equal(rt[0].slot.load('queued'), 0);
});

test('a waiter past its deadline leaves with ORCA_QUEUE_TIMEOUT and its place is freed', async () => {
  const { accounting, rt } = twoThreads();
  assert.ok(accounting.takeServerSlot(0, 0, 0, 1));
  await assert.rejects(rt[1].queue.wait({ ...unbound(rt[1]), deadline: Date.now() + 20 }), { code: 'ORCA_QUEUE_TIMEOUT' });
  assert.equal(rt[0].slot.load('queued'), 0);
});

test('reclaimThread clears a dead thread\'s queue places and marks: the living thread\'s waiter is served', async () => {
  const { state, topology, accounting, rt } = twoThreads();
  assert.ok(accounting.takeServerSlot(1, 0, 0, 1));
  // Thread 0 "dies" with a waiter queued: its mark and count stay in the buffer, nobody will ever serve it.
  const board = new QueueBoard(state);
  board.count(0, 0, undefined, 1);
  board.publishHead(0, 0, undefined, board.ticket(0));
  let served = false;
  const living = rt[1].queue.wait(unbound(rt[1])).then(() => (served = true));
  accounting.serverClosed(1, 0, 0);
  // The living waiter defers to the older mark of the dead one until the main thread reclaims it.
  await delay(50);
  assert.equal(served, false);
  accounting.reclaimThread(0, topology);
  await living;
  assert.equal(rt[0].slot.load('queued'), 0);
});

test('ticket order survives the 32-bit wrap', () => {
  assert.equal(olderTicket(1, 2), true);
  assert.equal(olderTicket(2, 1), false);
  assert.equal(olderTicket(0x7fff_ffff, -0x8000_0000), true);
  assert.equal(olderTicket(-1, 1), true);
});
