// The backend and server queues as the shared buffer shows them (HAProxy 2.6 §5.2 `maxconn`/`maxqueue`, §4.2
// `timeout queue`): waiter counts (qcur) with per-thread shadows, arrival tickets, and each thread's oldest waiter
// per queue, so that the forwarders together serve every queue oldest first, as HAProxy's single queue does.
// Forwarder threads write their own records; the main thread clears a dead thread's (ConnAccounting.reclaimThread).

import { raiseMax } from './stat-counters.js';
import type { SharedState } from './state-buffer.js';
import type { Topology } from './topology.js';

/** True when ticket `a` was handed out before `b` (tickets wrap at 2^32: compared as a signed difference). */
export function olderTicket(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** Reads and writes the queue records of one shared buffer. Cheap to build; holds no state of its own. */
export class QueueBoard {
  private readonly state: SharedState;

  constructor(state: SharedState) {
    this.state = state;
  }

  /** A fresh arrival ticket for backend `be`, never 0 (0 marks "no waiter" in a queue head). */
  ticket(be: number): number {
    const b = this.state.backend(be);
    let t = (b.add('queueTicket', 1) + 1) | 0;
    if (t === 0) t = (b.add('queueTicket', 1) + 1) | 0;
    return t;
  }

  /** Waiters in backend `be`'s queue (bound to no server), all threads. */
  backendQueued(be: number): number {
    return this.state.backend(be).load('queued');
  }

  /** Waiters in the queue of server slot `server`, all threads. */
  serverQueued(server: number): number {
    return this.state.server(server).load('queued');
  }

  /** A waiter of `thread` joined (delta 1) or left (-1) backend `be`'s queue, or server slot `server`'s when given. */
  count(thread: number, be: number, server: number | undefined, delta: 1 | -1): void {
    const s = this.state;
    if (server === undefined) {
      const b = s.backend(be);
      const now = b.add('queued', delta) + delta;
      Atomics.add(s.i32, s.threadBackendIndex(thread, be, 'queued'), delta);
      if (delta > 0) raiseMax(b.words, b.at('maxQueued'), now);
    } else {
      const srv = s.server(server);
      const now = srv.add('queued', delta) + delta;
      Atomics.add(s.i32, s.threadServerIndex(thread, server, 'queued'), delta);
      if (delta > 0) raiseMax(srv.words, srv.at('maxQueued'), now);
    }
  }

  /** Publishes `ticket` (0 = none) as `thread`'s oldest waiter of the backend queue, or of server slot `server`'s. */
  publishHead(thread: number, be: number, server: number | undefined, ticket: number): void {
    const s = this.state;
    const at = server === undefined ? s.threadBackendIndex(thread, be, 'queueHead') : s.threadServerIndex(thread, server, 'queueHead');
    Atomics.store(s.i32, at, ticket);
  }

  /** True when some thread's oldest waiter in backend `be`'s queue arrived before `ticket`. O(threads). */
  olderInBackend(ticket: number, be: number): boolean {
    const s = this.state;
    for (let t = 0; t < s.counts.threads; t++) {
      const head = Atomics.load(s.i32, s.threadBackendIndex(t, be, 'queueHead'));
      if (head !== 0 && olderTicket(head, ticket)) return true;
    }
    return false;
  }

  /** True when some thread's oldest waiter in server slot `server`'s queue arrived before `ticket`. O(threads). */
  olderInServer(ticket: number, server: number): boolean {
    const s = this.state;
    for (let t = 0; t < s.counts.threads; t++) {
      const head = Atomics.load(s.i32, s.threadServerIndex(t, server, 'queueHead'));
      if (head !== 0 && olderTicket(head, ticket)) return true;
    }
    return false;
  }

  /** Main thread, after `thread` died: its waiters are gone; their places and heads are cleared. */
  reclaimThread(thread: number, topology: Topology): void {
    const s = this.state;
    for (let srv = 0; srv < topology.counts.servers; srv++) {
      Atomics.store(s.i32, s.threadServerIndex(thread, srv, 'queueHead'), 0);
      const held = Atomics.exchange(s.i32, s.threadServerIndex(thread, srv, 'queued'), 0);
      if (held !== 0) s.server(srv).add('queued', -held);
    }
    for (let be = 0; be < topology.counts.backends; be++) {
      Atomics.store(s.i32, s.threadBackendIndex(thread, be, 'queueHead'), 0);
      const held = Atomics.exchange(s.i32, s.threadBackendIndex(thread, be, 'queued'), 0);
      if (held !== 0) s.backend(be).add('queued', -held);
    }
  }
}
