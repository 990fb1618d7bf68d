// Live-connection and server-slot bookkeeping in the shared buffer: every client connection open/close and every
// server slot taken/released (HAProxy's `served`: a TCP connection, or one HTTP transaction) updates the global,
// frontend, backend and server counters AND the owning thread's shadow counters (layout.ts), so that the main thread
// can give back exactly what a crashed thread held, queue places included. Forwarders and the acceptor call it.

import type { SharedState } from './state-buffer.js';
import type { Topology } from './topology.js';
import { BACKEND } from './layout.js';
import { QueueBoard } from './queue-board.js';

export class ConnAccounting {
  private readonly state: SharedState;

  constructor(state: SharedState) {
    this.state = state;
  }

  /** A client connection of frontend `fe` now belongs to `thread` (acceptor at handoff, or a reuseport forwarder). */
  clientOpened(thread: number, fe: number): void {
    const s = this.state;
    s.addGlobal('curConns', 1);
    const f = s.frontend(fe);
    f.add('curConns', 1);
    f.add('totalConns', 1);
    Atomics.add(s.i32, s.threadFrontendIndex(thread, fe), 1);
    const t = s.thread(thread);
    t.add('liveConns', 1);
    t.add('totalConns', 1);
  }

  /** The client connection ended (forwarder that owned it). */
  clientClosed(thread: number, fe: number): void {
    const s = this.state;
    s.addGlobal('curConns', -1);
    s.frontend(fe).add('curConns', -1);
    Atomics.sub(s.i32, s.threadFrontendIndex(thread, fe), 1);
    s.thread(thread).add('liveConns', -1);
  }

  /**
   * Takes a slot of server slot `server` (backend `be`) for `thread` when it has one free under `maxconn` (0 = no
   * limit); the check and the add are one atomic step, so threads never overshoot maxconn together. True when taken:
   * the caller then owes one serverClosed. Forwarder threads.
   */
  takeServerSlot(thread: number, be: number, server: number, maxconn: number): boolean {
    const s = this.state;
    const srv = s.server(server);
    if (!srv.takeSlot(maxconn)) return false;
    srv.add('totalConns', 1);
    srv.add('placedSinceReading', 1);
    const b = s.backend(be);
    b.add('curConns', 1);
    b.add('totalConns', 1);
    Atomics.add(s.i32, s.threadServerIndex(thread, server), 1);
    return true;
  }

  /** Takes a slot whatever the server's maxconn (tests and callers that checked the limit themselves). */
  serverOpened(thread: number, be: number, server: number): void {
    this.takeServerSlot(thread, be, server, 0);
  }

  /** The slot is released (connection closed, or HTTP transaction over): queued waiters on every thread are woken. */
  serverClosed(thread: number, be: number, server: number): void {
    const s = this.state;
    s.server(server).add('curConns', -1);
    s.backend(be).add('curConns', -1);
    Atomics.sub(s.i32, s.threadServerIndex(thread, server), 1);
    this.notifyReleased(be);
  }

  /** Wakes every thread waiting for a free server slot, or for an older waiter to leave, in backend `be`. */
  notifyReleased(be: number): void {
    const s = this.state;
    s.backend(be).add('released', 1);
    Atomics.notify(s.i32, releasedIndex(s, be));
  }

  /**
   * Main thread, after `thread` exited: subtracts everything it still held from the shared totals (server slots,
   * client connections, queue places) and zeroes its shadows and its published queue heads, so that no slot stays
   * taken and no other thread keeps deferring to one of its dead waiters. Its sockets were closed with the thread.
   */
  reclaimThread(thread: number, topology: Topology): void {
    const s = this.state;
    for (let srv = 0; srv < topology.counts.servers; srv++) {
      const idx = s.threadServerIndex(thread, srv);
      const held = Atomics.exchange(s.i32, idx, 0);
      if (held === 0) continue;
      s.server(srv).add('curConns', -held);
      s.backend(backendOfServer(topology, srv)).add('curConns', -held);
    }
    new QueueBoard(s).reclaimThread(thread, topology);
    for (let fe = 0; fe < topology.counts.frontends; fe++) {
      const held = Atomics.exchange(s.i32, s.threadFrontendIndex(thread, fe), 0);
      if (held === 0) continue;
      s.frontend(fe).add('curConns', -held);
      s.addGlobal('curConns', -held);
    }
    // Every backend: a freed slot or a vanished queue head may let another thread's waiter go.
    for (let be = 0; be < topology.counts.backends; be++) this.notifyReleased(be);
    const t = s.thread(thread);
    t.store('liveConns', 0);
    t.store('alive', 0);
  }
}

/** The backend index owning server slot `srv`. */
export function backendOfServer(topology: Topology, srv: number): number {
  let be = 0;
  for (let b = 0; b < topology.firstServerSlot.length; b++) {
    if ((topology.firstServerSlot[b] ?? 0) <= srv) be = b;
  }
  return be;
}

/** i32 index of backend `be`'s `released` word, for Atomics.waitAsync. */
export function releasedIndex(state: SharedState, be: number): number {
  return state.offsets.backends + be * Object.keys(BACKEND).length + BACKEND.released;
}
