// One backend's queues as one forwarder thread waits in them (HAProxy 2.6 §5.2 `maxconn`/`maxqueue`, §4.2 `timeout
// queue`): the backend queue (waiters bound to no server) and the server queues (bound by persistence or a hash),
// this thread's waiters in arrival order, and one pump that wakes on the shared `released` word and gives free slots
// to the oldest waiters across all threads (core/shared/queue-board.ts). Forwarder threads; not on the hot path
// (only requests that found every slot taken get here).

import { OrcaError } from '../errors.js';
import type { ConnAccounting } from '../shared/conn-accounting.js';
import { releasedIndex } from '../shared/conn-accounting.js';
import { QueueBoard, olderTicket } from '../shared/queue-board.js';
import type { ServerView } from '../shared/server-slot.js';
import type { SharedState } from '../shared/state-buffer.js';

/** What a waiter brings to the queue; the callbacks belong to its dispatch (balancer, persistence, retries). */
export interface QueueWait {
  /** Index (in the backend) of the server this waiter is bound to, i.e. that server's queue; undefined: any server. */
  readonly bound: number | undefined;
  /** Unbound waiter: the server the balancer gives it now among those with a free slot, or undefined. */
  readonly pick: () => ServerView | undefined;
  /** Bound waiter: whether its server may still take it (up, or persistence forced). */
  readonly usable: (index: number) => boolean;
  /** Bound waiter whose server is no longer usable: its new binding (undefined = backend queue), or null to stay. */
  readonly rebind: () => number | undefined | null;
  /** Date.now() by which a slot must be had (`timeout queue`); Infinity = no limit. */
  readonly deadline: number;
  /** Aborted when the client left or orcalb hard-stops: the waiter leaves at once. */
  readonly signal: AbortSignal | undefined;
}

/** The backend as the queue needs it (a slice of BackendRuntime). */
export interface QueueBackend {
  readonly index: number;
  readonly name: string;
  readonly servers: readonly ServerView[];
  readonly serverSlotIndexes: readonly number[];
}

interface Waiter {
  readonly ticket: number;
  bound: number | undefined;
  readonly wait: QueueWait;
  readonly resolve: (server: ServerView) => void;
  readonly reject: (e: OrcaError) => void;
  timer: NodeJS.Timeout | undefined;
  onAbort: (() => void) | undefined;
}

/** Longest sleep of the pump without a release: bounds the wait after a server comes up (health sends no release). */
const PUMP_SLICE_MS = 250;
/** Key of the backend queue in `lists`; server queues use the server's index. */
const BACKEND_QUEUE = -1;

/** This thread's waiters of one backend. One instance per backend per forwarder thread (BackendRuntime.queue). */
export class BackendQueue {
  private readonly backend: QueueBackend;
  private readonly state: SharedState;
  private readonly accounting: ConnAccounting;
  private readonly thread: number;
  private readonly board: QueueBoard;
  private readonly word: number;
  /** Waiters per queue, oldest first. */
  private readonly lists = new Map<number, Waiter[]>();
  /** Waiters of this thread in this backend's queues. */
  private waiting = 0;
  private pumping = false;

  constructor(backend: QueueBackend, state: SharedState, accounting: ConnAccounting, thread: number) {
    this.backend = backend;
    this.state = state;
    this.accounting = accounting;
    this.thread = thread;
    this.board = new QueueBoard(state);
    this.word = releasedIndex(state, backend.index);
  }

  /**
   * Queues a request and resolves with a server whose slot is already taken for this thread (the caller owes
   * accounting.serverClosed), in arrival order across threads. Rejects with ORCA_QUEUE_TIMEOUT at the deadline, or
   * ORCA_CLIENT_CLOSED once the signal aborts; either way the place is freed at once. Never throws synchronously.
   */
  wait(wait: QueueWait): Promise<ServerView> {
    return new Promise<ServerView>((resolve, reject) => {
      if (wait.signal?.aborted === true) {
        reject(new OrcaError('ORCA_CLIENT_CLOSED', 'client left before being queued'));
        return;
      }
      const w: Waiter = {
        ticket: this.board.ticket(this.backend.index),
        bound: wait.bound,
        wait,
        resolve,
        reject,
        timer: undefined,
        onAbort: undefined,
      };
      this.insert(w);
      if (wait.deadline !== Infinity) {
        const ms = Math.max(0, wait.deadline - Date.now());
        w.timer = setTimeout(() => this.leave(w, new OrcaError('ORCA_QUEUE_TIMEOUT', `waited ${ms} ms in the queue`)), ms);
      }
      if (wait.signal !== undefined) {
        w.onAbort = () => this.leave(w, new OrcaError('ORCA_CLIENT_CLOSED', 'client left while queued'));
        wait.signal.addEventListener('abort', w.onAbort, { once: true });
      }
      // A slot freed between the caller's own try and now sent its wake-up before anyone waited: look once more.
      this.passGuarded();
      if (this.waiting > 0 && !this.pumping) void this.pump();
    });
  }

  /** Waits on the `released` word while this thread has waiters; each wake-up runs one pass. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.waiting > 0) {
        const seen = Atomics.load(this.state.i32, this.word);
        this.passGuarded();
        if (this.waiting === 0) break;
        const r = Atomics.waitAsync(this.state.i32, this.word, seen, PUMP_SLICE_MS);
        if (r.async) await r.value;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** One pass; a throw from a balancer or a callback fails every waiter rather than leaving them queued forever. */
  private passGuarded(): void {
    try {
      this.pass();
    } catch (e) {
      for (const list of [...this.lists.values()]) {
        for (const w of [...list]) this.leave(w, new OrcaError('ORCA_INTERNAL', `queue of backend '${this.backend.name}': ${String(e)}`));
      }
    }
  }

  /**
   * Gives free slots to this thread's waiters that are the oldest of their queue across all threads. A waiter that
   * cannot be served stops its queue: every younger waiter of that queue would get the same answer. Only queue heads
   * are looked at in the common case, so a long queue costs nothing per release.
   */
  private pass(again = true): void {
    const be = this.backend.index;
    const unbound = this.lists.get(BACKEND_QUEUE);
    for (let w = unbound?.[0]; w !== undefined; w = unbound?.[0]) {
      if (this.board.olderInBackend(w.ticket, be)) break;
      const target = w.wait.pick();
      if (target === undefined) break;
      const slot = this.slotOf(target.index);
      // An older waiter bound to that very server comes first (HAProxy hands a freed slot to the older of the two).
      if (this.board.olderInServer(w.ticket, slot)) break;
      if (!this.accounting.takeServerSlot(this.thread, be, slot, target.maxconn)) break;
      this.serve(w, target);
    }
    let moved = false;
    for (const [index, list] of [...this.lists]) {
      if (index === BACKEND_QUEUE) continue;
      const view = this.backend.servers[index];
      if (view === undefined) continue;
      const slot = this.slotOf(index);
      // Served and moved waiters leave `list`; `at` only advances past one that stays.
      for (let at = 0; at < list.length; ) {
        const w = list[at] as Waiter;
        if (!w.wait.usable(index)) {
          const next = w.wait.rebind();
          if (next === null || next === index) {
            at++;
            continue;
          }
          this.move(w, next);
          moved = true;
          continue;
        }
        if (this.board.olderInServer(w.ticket, slot)) break;
        if (!this.accounting.takeServerSlot(this.thread, be, slot, view.maxconn)) break;
        this.serve(w, view);
      }
    }
    // Waiters moved to another queue get their chance now, not at the next release (once: a move is bounded).
    if (moved && again) this.pass(false);
  }

  private serve(w: Waiter, server: ServerView): void {
    this.remove(w);
    w.resolve(server);
  }

  private leave(w: Waiter, e: OrcaError): void {
    if (!this.remove(w)) return;
    w.reject(e);
  }

  /** Appends in ticket order (new tickets are the newest; a moved waiter may go before younger ones). */
  private insert(w: Waiter): void {
    const key = w.bound ?? BACKEND_QUEUE;
    let list = this.lists.get(key);
    if (list === undefined) {
      list = [];
      this.lists.set(key, list);
    }
    let at = list.length;
    while (at > 0 && olderTicket(w.ticket, (list[at - 1] as Waiter).ticket)) at--;
    list.splice(at, 0, w);
    this.waiting++;
    this.board.count(this.thread, this.backend.index, this.slotOrUndefined(w.bound), 1);
    if (at === 0) this.board.publishHead(this.thread, this.backend.index, this.slotOrUndefined(w.bound), w.ticket);
  }

  /** Takes `w` out of its queue; false when it was not there (already served or gone). */
  private remove(w: Waiter): boolean {
    const key = w.bound ?? BACKEND_QUEUE;
    const list = this.lists.get(key);
    const at = list === undefined ? -1 : list.indexOf(w);
    if (list === undefined || at < 0) return false;
    list.splice(at, 1);
    if (list.length === 0) this.lists.delete(key);
    this.waiting--;
    if (w.timer !== undefined) clearTimeout(w.timer);
    if (w.onAbort !== undefined) w.wait.signal?.removeEventListener('abort', w.onAbort);
    const slot = this.slotOrUndefined(w.bound);
    this.board.count(this.thread, this.backend.index, slot, -1);
    if (at === 0) {
      this.board.publishHead(this.thread, this.backend.index, slot, list[0]?.ticket ?? 0);
      // Other threads' waiters may have been deferring to this one.
      this.accounting.notifyReleased(this.backend.index);
    }
    return true;
  }

  /** Moves a waiter to another queue keeping its ticket (its place in arrival order). */
  private move(w: Waiter, bound: number | undefined): void {
    const { timer, onAbort } = w;
    // remove() clears the timer and the abort listener; the waiter keeps them across the move.
    w.timer = undefined;
    w.onAbort = undefined;
    this.remove(w);
    w.bound = bound;
    w.timer = timer;
    w.onAbort = onAbort;
    this.insert(w);
  }

  private slotOf(index: number): number {
    return this.backend.serverSlotIndexes[index] ?? 0;
  }

  private slotOrUndefined(index: number | undefined): number | undefined {
    return index === undefined ? undefined : this.slotOf(index);
  }
}
