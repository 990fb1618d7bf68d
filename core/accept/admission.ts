// Global and frontend `maxconn` at the door (§3.2, §4.2 maxconn), for one accepting thread (the acceptor, or each
// forwarder with `--accept reuseport`). core/accept/ is where a connection enters orcalb: listeners.ts says what is
// listened on, master-sockets.ts (main) keeps the sockets, listener-set.ts accepts and pauses, this file admits, and
// fd-handoff.ts / core/shared/handoff-tickets.ts carry the admitted connection to a forwarder.
// Ownership of the connection count: Admission takes the global + frontend slot (ConnAccounting, atomic across
// threads) before any handoff, so a burst cannot overshoot. With the addon the slot is reserved BEFORE accept() (the
// AcceptGate below, as HAProxy's listener_accept does): a connection is only ever accepted when it fits, and the
// reservation goes back when nothing was waiting. With Node's own listeners (no addon) the connection is accepted
// first and admitted after. From then on the count belongs to the connection: the session serving it gives it back
// when the client closes (clientClosed); one that is never served gives it back exactly once (unadmitClient): here
// when it cannot be handed over, and otherwise by whoever wins its handoff ticket and cannot serve it (a forwarder
// whose adopt fails, a thread cancelling a handoff to a dead forwarder); main reclaims what a dead forwarder held.
// Nothing else adds to or takes from the count.
// When a limit is reached the listeners it covers pause (listener-set.ts), so the excess waits in the kernel's accept
// queue as it does with HAProxy, costing orcalb nothing; they resume as soon as capacity frees anywhere
// (Atomics.waitAsync on the admission epoch). Without the addon, a connection accepted just as a limit filled
// (another thread took the last slot) is held, unread, until it fits: at most one per listener and thread, since that
// listener pauses at once.

import type net from 'node:net';
import type { ConnAccounting } from '../shared/conn-accounting.js';
import type { SharedState } from '../shared/state-buffer.js';
import type { AcceptGate } from './accept-burst.js';
import { discardFd } from './fd-handoff.js';
import type { ListenerSet } from './listener-set.js';
import type { ListenTarget } from './listeners.js';

/** An accepted connection: its fd (native listeners), or the socket Node's net.Server built (no addon). */
export type AcceptedConn = number | net.Socket;

/**
 * Takes an admitted connection (handoff, or serve in place). Returns false when it cannot take it now (no handoff
 * possible): the admission is then given back, and the connection waits like one over maxconn (a socket) or is
 * closed (an fd: never happens when `canTake` was true just before the accept, as the gate checks).
 */
export type Admit = (conn: AcceptedConn, target: ListenTarget) => boolean;

/** What the thread hands admitted connections to: `admit`, and whether it could take one now (a handoff is possible). */
export interface AdmitTo {
  readonly admit: Admit;
  readonly canTake: () => boolean;
}

interface Held {
  readonly socket: net.Socket;
  readonly target: ListenTarget;
}

export class Admission implements AcceptGate {
  private readonly state: SharedState;
  private readonly accounting: ConnAccounting;
  private readonly listeners: ListenerSet;
  private readonly to: AdmitTo;
  private readonly held: Held[] = [];
  private readonly stop = new AbortController();
  private waiting = false;

  constructor(state: SharedState, accounting: ConnAccounting, listeners: ListenerSet, to: AdmitTo) {
    this.state = state;
    this.accounting = accounting;
    this.listeners = listeners;
    this.to = to;
  }

  /**
   * AcceptGate (native listeners), before accept(): reserves a global + frontend slot when both limits and the
   * handoff allow one more connection; otherwise pauses the listeners that must wait and returns false. Never throws.
   */
  reserve(target: ListenTarget): boolean {
    if (this.stop.signal.aborted) return false;
    if (!this.to.canTake()) {
      this.listeners.pause('handoff');
      this.scheduleWait();
      return false;
    }
    const fe = target.frontend;
    const r = this.accounting.reserveClient(fe, this.globalMax(), this.feMax(fe));
    if (r === 'ok') return true;
    this.listeners.pause(r, r === 'global' ? undefined : fe);
    this.scheduleWait();
    return false;
  }

  /** AcceptGate: nothing was accepted on the reservation; its slots go back. */
  release(target: ListenTarget): void {
    this.accounting.unadmitClient(target.frontend);
  }

  /** AcceptGate: `fd` was accepted on a reservation; hands it over, then pauses what is now full. Never throws. */
  accepted(fd: number, target: ListenTarget): void {
    const fe = target.frontend;
    this.accounting.clientAccepted(fe);
    if (!this.to.admit(fd, target)) {
      // canTake() held a moment ago, so this is a bug elsewhere: fail closed, the client sees a close.
      discardFd(fd);
      this.accounting.unadmitClient(fe);
    }
    this.pauseWhereFull(fe);
  }

  /** Node's listeners (no addon): the ListenerSet's connection callback. Never throws. */
  onConnection(socket: net.Socket, target: ListenTarget): void {
    if (this.stop.signal.aborted) return void socket.destroy();
    // Earlier arrivals of a frontend go first: a newcomer may not overtake a held connection of its frontend (other
    // frontends are not held up by one that is full).
    const queued = this.held.some((h) => h.target.frontend === target.frontend);
    if (queued || !this.tryAdmit(socket, target)) this.hold(socket, target);
    this.pauseWhereFull(target.frontend);
  }

  /** Stopping: drops held connections (never admitted, nothing to give back) and ends the wait. */
  close(): void {
    this.stop.abort();
    for (const h of this.held.splice(0)) h.socket.destroy();
  }

  /** Held connections now (tests). */
  heldCount(): number {
    return this.held.length;
  }

  private tryAdmit(socket: net.Socket, target: ListenTarget): boolean {
    const fe = target.frontend;
    const r = this.accounting.admitClient(fe, this.globalMax(), this.feMax(fe));
    if (r !== 'ok') {
      this.listeners.pause(r, r === 'global' ? undefined : fe);
      return false;
    }
    if (this.to.admit(socket, target)) return true;
    // No handoff possible: give the slots back and stop accepting until one is.
    this.accounting.unadmitClient(fe);
    this.listeners.pause('handoff');
    return false;
  }

  private hold(socket: net.Socket, target: ListenTarget): void {
    // A held client that resets must not become an uncaught 'error'; it is dropped when its turn comes.
    socket.on('error', () => undefined);
    this.held.push({ socket, target });
    this.scheduleWait();
  }

  /**
   * After an admission: pause every listener whose limit is now reached, before the next accept. Hot path (once per
   * connection): two loads when nothing is full.
   */
  private pauseWhereFull(fe: number): void {
    let paused = false;
    const globalMax = this.globalMax();
    if (globalMax > 0 && this.state.loadGlobal('curConns') >= globalMax) {
      this.listeners.pause('global');
      paused = true;
    }
    const feMax = this.feMax(fe);
    if (feMax > 0 && this.state.frontend(fe).load('curConns') >= feMax) {
      this.listeners.pause('frontend', fe);
      paused = true;
    }
    if (paused) this.scheduleWait();
  }

  /** The frontend's maxconn now: the config's until `set maxconn frontend` (main writes the word). */
  private feMax(fe: number): number {
    return fe < this.state.counts.frontends ? this.state.frontend(fe).load('maxconn') : 0;
  }

  /** The process maxconn now: the config's until `set maxconn global`. */
  private globalMax(): number {
    return this.state.loadGlobal('maxconn');
  }

  private globalRoom(): boolean {
    const max = this.globalMax();
    return max === 0 || this.state.loadGlobal('curConns') < max;
  }

  private frontendRoom(fe: number): boolean {
    const max = this.feMax(fe);
    return max === 0 || this.state.frontend(fe).load('curConns') < max;
  }

  /** True when something this thread waits for could move now. */
  private canProgress(): boolean {
    for (const h of this.held) {
      if (h.socket.destroyed) return true;
      if (this.globalRoom() && this.frontendRoom(h.target.frontend) && this.to.canTake()) return true;
    }
    if (this.listeners.pausedFor('handoff') && this.to.canTake()) return true;
    if (this.listeners.pausedFor('global') && this.globalRoom()) return true;
    return this.listeners.frontendsPausedFor('frontend').some((fe) => this.globalRoom() && this.frontendRoom(fe));
  }

  /** One waiter per thread: drains held connections and resumes listeners each time capacity frees. */
  private scheduleWait(): void {
    if (this.waiting || this.stop.signal.aborted) return;
    this.waiting = true;
    void this.waitLoop().finally(() => {
      this.waiting = false;
    });
  }

  private async waitLoop(): Promise<void> {
    while (!this.stop.signal.aborted && this.hasWork()) {
      await this.accounting.waitForCapacity(() => this.canProgress(), this.stop.signal);
      if (this.stop.signal.aborted) return;
      this.drainHeld();
      // A listener reopens only when this thread holds nothing that it would serve first.
      if (this.to.canTake() && this.held.length === 0) void this.listeners.resume('handoff');
      if (this.globalRoom() && this.held.length === 0) void this.listeners.resume('global');
      for (const fe of this.listeners.frontendsPausedFor('frontend')) {
        if (this.frontendRoom(fe) && !this.held.some((h) => h.target.frontend === fe)) {
          void this.listeners.resume('frontend', fe);
        }
      }
    }
  }

  private hasWork(): boolean {
    return (
      this.held.length > 0 ||
      this.listeners.pausedFor('global') ||
      this.listeners.pausedFor('frontend') ||
      this.listeners.pausedFor('handoff')
    );
  }

  /** Admits held connections in arrival order within each frontend; a full frontend does not block the others. */
  private drainHeld(): void {
    const blocked = new Set<number>();
    for (let i = 0; i < this.held.length; ) {
      const h = this.held[i] as Held;
      const fe = h.target.frontend;
      if (h.socket.destroyed) {
        this.held.splice(i, 1);
        continue;
      }
      if (!this.globalRoom()) return;
      if (blocked.has(fe) || !this.tryAdmit(h.socket, h.target)) {
        blocked.add(fe);
        i++;
        continue;
      }
      this.held.splice(i, 1);
    }
  }
}
