// Live-connection and server-slot bookkeeping in the shared buffer. A client connection is counted in two steps:
// the thread that admits it (core/accept/admission.ts, which owns the count from then on: the acceptor, or a
// reuseport forwarder) takes its global + frontend slot atomically against maxconn BEFORE any handoff, so a burst cannot overshoot; the forwarder that adopts it adds it to its own thread's
// shadow counters (layout.ts). Every server slot taken/released (HAProxy's `served`: a TCP connection, or one HTTP
// transaction) updates the server and backend counters and the thread's shadows too, so that the main thread can
// give back exactly what a crashed thread held, queue places included. Every client release bumps the admission
// epoch that paused listeners wait on. Forwarders and the acceptor count; main reclaims and cancels.

import type { SharedState } from './state-buffer.js';
import type { Topology } from './topology.js';
import { BACKEND, BACKEND_FIELDS } from './layout.js';
import { QueueBoard } from './queue-board.js';
import { countRate, raiseMax } from './stat-counters.js';
import { stickNow } from '../stick/stick-clock.js';
import { stickStores } from './stick-store.js';

/** Why a connection could not be admitted: which limit is full. */
export type AdmitResult = 'ok' | 'global' | 'frontend';

/** Longest single Atomics.waitAsync slice while waiting for capacity: a safety net, not the wake-up path. */
const CAPACITY_WAIT_SLICE_MS = 1000;

export class ConnAccounting {
  private readonly state: SharedState;

  constructor(state: SharedState) {
    this.state = state;
  }

  /**
   * Admission (HAProxy §3.2 / §4.2 maxconn): takes one global and one frontend slot if both limits allow it (0 = no
   * limit), atomically, so concurrent admitters (reuseport forwarders) never exceed a limit together, and counts the
   * connection in the frontend's total. On 'ok' the connection holds global + frontend curConns until clientClosed
   * (adopted) or unadmitClient (never adopted). Any accepting thread; allocates nothing.
   */
  admitClient(fe: number, globalMax: number, feMax: number): AdmitResult {
    const r = this.reserveClient(fe, globalMax, feMax);
    if (r === 'ok') this.clientAccepted(fe);
    return r;
  }

  /**
   * admitClient without the total: the slots for a connection not accepted yet (HAProxy's listener_accept reserves
   * before accept(), and gives the slot back with unadmitClient when nothing was waiting). clientAccepted counts the
   * connection once accept() returned one. Any accepting thread; allocates nothing.
   */
  reserveClient(fe: number, globalMax: number, feMax: number): AdmitResult {
    const s = this.state;
    // Add first, then look at what was there: two threads racing for the last slot cannot both see room.
    const g = s.addGlobal('curConns', 1);
    if (globalMax > 0 && g >= globalMax) {
      s.addGlobal('curConns', -1);
      this.notifyCapacity();
      return 'global';
    }
    const f = s.frontend(fe);
    const before = f.add('curConns', 1);
    if (feMax > 0 && before >= feMax) {
      f.add('curConns', -1);
      s.addGlobal('curConns', -1);
      this.notifyCapacity();
      return 'frontend';
    }
    return 'ok';
  }

  /**
   * A connection accepted on a reserved slot (reserveClient): counted in the frontend's total (stot), its sessions per
   * second (rate, conn_rate). Its highest live count (smax) is raised when a forwarder adopts it: curConns also holds
   * the reservations of accepts not made yet.
   */
  clientAccepted(fe: number): void {
    const f = this.state.frontend(fe);
    f.add('totalConns', 1);
    countRate(f, 'sessRatetick', 'sessRateMax', stickNow());
  }

  /** An admitted connection that no forwarder adopted (handoff failed, stopping): gives its slots back. Any thread. */
  unadmitClient(fe: number): void {
    const s = this.state;
    s.addGlobal('curConns', -1);
    s.frontend(fe).add('curConns', -1);
    this.notifyCapacity();
  }

  /** The admitted connection now belongs to forwarder `thread` (it adopted the fd). Forwarder threads. */
  clientAdopted(thread: number, fe: number): void {
    const s = this.state;
    Atomics.add(s.i32, s.threadFrontendIndex(thread, fe), 1);
    // smax: the live connections every thread holds (O(threads) loads per connection, no reservation counted).
    let live = 0;
    for (let t = 0; t < s.counts.threads; t++) live += Atomics.load(s.i32, s.threadFrontendIndex(t, fe));
    const f = s.frontend(fe);
    raiseMax(f.words, f.at('maxConns'), live);
    const t = s.thread(thread);
    t.add('liveConns', 1);
    t.add('totalConns', 1);
  }

  /** The client connection ended (forwarder that owned it): frees its admission slots, wakes paused listeners. */
  clientClosed(thread: number, fe: number): void {
    const s = this.state;
    Atomics.sub(s.i32, s.threadFrontendIndex(thread, fe), 1);
    s.thread(thread).add('liveConns', -1);
    s.addGlobal('curConns', -1);
    s.frontend(fe).add('curConns', -1);
    this.notifyCapacity();
  }

  /**
   * Capacity freed (a connection closed or was given back, a handoff ticket freed): bumps the admission epoch and
   * wakes the accepting threads waiting on it. The notify is skipped when nobody waits (the usual case). Any thread.
   */
  notifyCapacity(): void {
    const s = this.state;
    s.addGlobal('admissionEpoch', 1);
    if (s.loadGlobal('admissionWaiters') > 0) Atomics.notify(s.i32, s.globalIndex('admissionEpoch'));
  }

  /**
   * Accepting threads: resolves once `hasRoom()` holds, re-checked each time capacity frees anywhere in the process
   * (Atomics.waitAsync on the admission epoch; never blocks the event loop), or once `signal` is aborted. Registered
   * as a waiter before the first check, so a release between the check and the wait is never missed.
   */
  async waitForCapacity(hasRoom: () => boolean, signal?: AbortSignal): Promise<void> {
    const s = this.state;
    const index = s.globalIndex('admissionEpoch');
    s.addGlobal('admissionWaiters', 1);
    try {
      while (signal?.aborted !== true) {
        const epoch = Atomics.load(s.i32, index);
        if (hasRoom()) return;
        const wait = Atomics.waitAsync(s.i32, index, epoch, CAPACITY_WAIT_SLICE_MS);
        if (wait.async) await wait.value;
      }
    } finally {
      s.addGlobal('admissionWaiters', -1);
    }
  }

  /**
   * Takes a slot of server slot `server` (backend `be`) for `thread` when it has one free under `maxconn` (0 = no
   * limit); the check and the add are one atomic step, so threads never overshoot maxconn together. True when taken:
   * the caller then owes one serverClosed. Forwarder threads.
   */
  takeServerSlot(thread: number, be: number, server: number, maxconn: number): boolean {
    const s = this.state;
    const srv = s.server(server);
    const srvConns = srv.takeSlot(maxconn);
    if (srvConns === 0) return false;
    srv.add('placedSinceReading', 1);
    const b = s.backend(be);
    const beConns = b.add('curConns', 1) + 1;
    Atomics.add(s.i32, s.threadServerIndex(thread, server), 1);
    // The stats (HAProxy's per session counters: total, sessions per second and their max, highest live count,
    // last session), batched per loop turn (stat-batch.ts): nothing decides on them.
    const sl = srv.later;
    sl.add('totalConns', 1);
    sl.rate('ratetick', 'rateMax');
    sl.max('maxConnsSeen', srvConns);
    sl.latest('lastSessMs');
    const bl = b.later;
    bl.add('totalConns', 1);
    bl.rate('ratetick', 'rateMax');
    bl.max('maxConns', beConns);
    bl.latest('lastSessMs');
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
   * client connections, queue places, stick-table tracks and pins) and zeroes its shadows and its published queue
   * heads, so that no slot stays taken and no other thread keeps deferring to one of its dead waiters. Its sockets
   * were closed with the thread.
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
    let freed = 0;
    for (let fe = 0; fe < topology.counts.frontends; fe++) {
      const held = Atomics.exchange(s.i32, s.threadFrontendIndex(thread, fe), 0);
      if (held === 0) continue;
      s.frontend(fe).add('curConns', -held);
      s.addGlobal('curConns', -held);
      freed += held;
    }
    // Its sessions' stick-table tracks die with it: conn_cur drops, the entries may expire again.
    for (const table of stickStores(s, topology.stick, -1)) table.reclaimThread(thread);
    // Every backend: a freed slot or a vanished queue head may let another thread's waiter go.
    for (let be = 0; be < topology.counts.backends; be++) this.notifyReleased(be);
    const t = s.thread(thread);
    t.store('liveConns', 0);
    t.store('sslConns', 0);
    // What it counted and never applied died with it: no stats reader waits for its flush.
    t.store('statsPending', 0);
    t.store('alive', 0);
    if (freed > 0) this.notifyCapacity();
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
  // BACKEND_FIELDS.length, not Object.keys(BACKEND).length: this runs at every server slot's release (the
  // connection-rate path), and Object.keys built an array each time (~0.7 KiB per connection, issue 10).
  return state.offsets.backends + be * BACKEND_FIELDS.length + BACKEND.released;
}
