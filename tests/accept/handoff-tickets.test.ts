// Handoff tickets (core/shared/handoff-tickets.ts): who owns an accepted fd while its ticket id travels from the
// acceptor to a forwarder. A ticket is taken once, by its forwarder or by a canceller once that forwarder died; a
// dead acceptor's unposted tickets are cancelled by main; bogus or stale ids claim nothing; and under a real race
// between a taking and a cancelling thread every ticket goes to exactly one of them. Test-runner thread + workers.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { HandoffTickets, ticketId } from '../../core/shared/handoff-tickets.js';
import { HANDOFF_TICKETS } from '../../core/shared/layout.js';
import { SharedState } from '../../core/shared/state-buffer.js';
import type { TicketRaceInit, TicketRaceRound } from '../support/ticket-race-worker.js';
import { within } from '../support/wait.js';

const COUNTS = { servers: 1, backends: 1, frontends: 2, threads: 2 };
const WORKER_URL = new URL('../support/ticket-race-worker.js', import.meta.url);

function fresh(): HandoffTickets {
  return new HandoffTickets(SharedState.allocate(COUNTS));
}

test('a taken ticket hands over its fd, frontend and bind once; a second take and a later cancel get nothing', () => {
  const tickets = fresh();
  const id = tickets.issue(42, 1, 3, 7001);
  assert.ok(id >= 0);
  tickets.markPosted(id);
  const got: number[][] = [];
  assert.equal(tickets.take(id, (fd, fe, bind) => got.push([fd, fe, bind])), true);
  assert.deepEqual(got, [[42, 1, 3]]);
  assert.equal(tickets.take(id, () => assert.fail('taken twice')), false);
  assert.equal(tickets.cancelTarget(7001, () => assert.fail('cancelled after the take')), 0);
  assert.equal(tickets.inFlight(), 0);
});

test('cancelTarget claims the tickets of the dead forwarder only; its forwarder can no longer take them', () => {
  const tickets = fresh();
  const dead = [tickets.issue(10, 0, 0, 1), tickets.issue(11, 1, 0, 1)];
  const alive = tickets.issue(12, 0, 0, 2);
  for (const id of [...dead, alive]) tickets.markPosted(id);
  const cancelled: number[][] = [];
  assert.equal(tickets.cancelTarget(1, (fd, fe) => cancelled.push([fd, fe])), 2);
  assert.deepEqual(cancelled.sort(), [[10, 0], [11, 1]]);
  for (const id of dead) assert.equal(tickets.take(id, () => assert.fail('a cancelled ticket was taken')), false);
  assert.equal(tickets.inFlight(2), 1);
  assert.equal(tickets.take(alive, () => undefined), true);
});

test('cancelUnposted takes back what a dead acceptor issued but never posted, and nothing it posted', () => {
  const tickets = fresh();
  const posted = tickets.issue(20, 0, 0, 1);
  tickets.markPosted(posted);
  const unposted = tickets.issue(21, 1, 0, 1);
  const back: number[] = [];
  assert.equal(tickets.cancelUnposted((fd) => back.push(fd)), 1);
  assert.deepEqual(back, [21]);
  assert.equal(tickets.take(unposted, () => assert.fail('an unposted ticket was taken after its cancel')), false);
  assert.equal(tickets.take(posted, () => undefined), true);
});

test('a record reused for a new ticket does not answer the old id; bogus ids claim nothing', () => {
  const tickets = fresh();
  const first = tickets.issue(30, 0, 0, 1);
  assert.equal(tickets.take(first, () => undefined), true);
  // Fill every record once so the first one is issued again under a new sequence number.
  const ids = Array.from({ length: HANDOFF_TICKETS }, (_, i) => tickets.issue(100 + i, 0, 0, 1));
  assert.ok(ids.every((id) => id >= 0));
  assert.equal(tickets.issue(99, 0, 0, 1), -1, 'all records in flight: no ticket');
  assert.equal(tickets.available(), false);
  assert.equal(tickets.take(first, () => assert.fail('an old id claimed a reused record')), false);
  for (const bogus of [-1, Number.NaN, 1.5, Number.MAX_SAFE_INTEGER + 2, ticketId(0, 0), ticketId(3, 2 ** 31)]) {
    assert.equal(tickets.take(bogus, () => assert.fail(`bogus id ${bogus} claimed a ticket`)), false);
  }
  assert.equal(tickets.inFlight(), HANDOFF_TICKETS);
});

test('a forwarder taking and a thread cancelling the same tickets at once: each of 200 x 1000 tickets goes to exactly one', async (t) => {
  const state = SharedState.allocate(COUNTS);
  const tickets = new HandoffTickets(state);
  const ROUNDS = 200;
  const PER_ROUND = 1000;
  const tally = new SharedArrayBuffer(4 * PER_ROUND);
  const start = (mode: TicketRaceInit['mode']): Worker =>
    new Worker(WORKER_URL, { workerData: { buffer: state.buffer, tally, mode } satisfies TicketRaceInit });
  const taker = start('take');
  const canceller = start('cancel');
  t.after(() => Promise.all([taker.terminate(), canceller.terminate()]));
  await within(Promise.all([once(taker, 'online'), once(canceller, 'online')]), 10_000, 'workers online');
  const counts = new Int32Array(tally);
  let taken = 0;
  let cancelled = 0;
  for (let r = 0; r < ROUNDS; r++) {
    counts.fill(0);
    const target = 1000 + r;
    // The fd is the index into the tally: each must be counted exactly once by one of the two threads.
    const ids = Array.from({ length: PER_ROUND }, (_, fd) => tickets.issue(fd, 0, 0, target));
    for (const id of ids) tickets.markPosted(id);
    const round: TicketRaceRound = { ids, target };
    const answers = [once(taker, 'message'), once(canceller, 'message')];
    taker.postMessage(round);
    canceller.postMessage(round);
    const [[byTaker], [byCanceller]] = (await within(Promise.all(answers), 10_000, `round ${r}`)) as [[number], [number]];
    taken += byTaker;
    cancelled += byCanceller;
    assert.equal(byTaker + byCanceller, PER_ROUND, `round ${r}`);
    assert.ok(counts.every((n) => n === 1), `round ${r}: a ticket handled ${Math.max(...counts)} times or never`);
    assert.equal(tickets.inFlight(), 0);
  }
  t.diagnostic(`taken ${taken}, cancelled ${cancelled}`);
});
