// Test worker for tests/accept/handoff-tickets.test.ts: plays one claimant of a batch of handoff tickets, as a
// forwarder taking the ids it was posted ('take') or a thread cancelling every ticket to a dead forwarder ('cancel'),
// while another worker does the other at the same time. Each fd it wins is counted in a shared tally, so the test can
// check that every ticket went to exactly one of them. Starts each round on a message, answers with what it won.

import { parentPort, workerData } from 'node:worker_threads';
import { HandoffTickets } from '../../core/shared/handoff-tickets.js';
import { SharedState } from '../../core/shared/state-buffer.js';

/** workerData: the shared state, the tally (Int32Array buffer, one word per fd) and this worker's part. */
export interface TicketRaceInit {
  readonly buffer: SharedArrayBuffer;
  readonly tally: SharedArrayBuffer;
  readonly mode: 'take' | 'cancel';
}

/** One round: the ids to take (mode 'take') or the target to cancel (mode 'cancel'). */
export interface TicketRaceRound {
  readonly ids: readonly number[];
  readonly target: number;
}

const port = parentPort;
const init = workerData as TicketRaceInit;
if (port === null) throw new Error('ticket-race-worker must run as a worker thread');
const tickets = new HandoffTickets(SharedState.attach(init.buffer));
const tally = new Int32Array(init.tally);
const count = (fd: number): void => void Atomics.add(tally, fd, 1);

port.on('message', (round: TicketRaceRound) => {
  let won = 0;
  if (init.mode === 'take') {
    for (const id of round.ids) if (tickets.take(id, count)) won++;
  } else {
    // Bounded: each pass claims what is left; a pass that finds nothing in flight ends the round.
    for (let pass = 0; pass < 10_000; pass++) {
      won += tickets.cancelTarget(round.target, count);
      if (tickets.inFlight(round.target) === 0) break;
    }
  }
  port.postMessage(won);
});
