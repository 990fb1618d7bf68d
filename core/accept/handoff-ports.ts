// The acceptor's side of the handoff: one MessagePort per forwarder (made by the main thread), the least-loaded pick,
// and the tickets (core/shared/handoff-tickets.ts) whose ids it posts, one message per forwarder per accept burst.
// When a forwarder's port closes (its thread ended) every ticket still in flight to it is cancelled here: the fd
// closed, the admission given back (main does the same on the thread's exit; each ticket goes to one of them).
// Acceptor thread. Hot path (once per connection): the pick, a ticket, an array push; no allocation per connection.

import type { MessagePort } from 'node:worker_threads';
import type { ConnAccounting } from '../shared/conn-accounting.js';
import { HandoffTickets } from '../shared/handoff-tickets.js';
import type { SharedState } from '../shared/state-buffer.js';
import { discardFd } from './fd-handoff.js';
import type { ListenTarget } from './listeners.js';

/** The acceptor's end of one forwarder's handoff port: the forwarder's slot and worker threadId (tickets' target). */
export interface ForwarderPort {
  readonly slot: number;
  readonly threadId: number;
  readonly port: MessagePort;
}

/** One forwarder this thread hands connections to, with what it posted there (the load it cannot see yet). */
interface Forwarder extends ForwarderPort {
  /** Handoffs posted on this port, and the forwarder's adoption count when the port came: in flight = the difference. */
  posted: number;
  readonly adoptedBefore: number;
  /** Ticket ids of this burst not posted yet (flushed once the burst is over). */
  readonly pending: number[];
}

export class HandoffPorts {
  private readonly state: SharedState;
  private readonly accounting: ConnAccounting;
  private readonly tickets: HandoffTickets;
  private forwarders: Forwarder[] = [];
  /** Forwarders with pending ids, and whether the flush is queued. */
  private readonly dirty: Forwarder[] = [];
  private flushQueued = false;
  private readonly flushBound = (): void => this.flush();
  private readonly cancelBound = (fd: number, frontend: number): void => {
    discardFd(fd);
    this.accounting.unadmitClient(frontend);
  };

  constructor(state: SharedState, accounting: ConnAccounting) {
    this.state = state;
    this.accounting = accounting;
    this.tickets = new HandoffTickets(state);
  }

  /** A forwarder to hand connections to (a new one, or the replacement in its slot). Wakes a listener waiting for one. */
  add(link: ForwarderPort): void {
    const f: Forwarder = {
      slot: link.slot, threadId: link.threadId, port: link.port, posted: 0,
      adoptedBefore: this.state.thread(link.slot).load('totalConns'), pending: [],
    };
    this.forwarders = [...this.forwarders.filter((o) => o.slot !== link.slot), f];
    // The forwarder's thread has ended: nothing posted there will be taken. Never posted to again after this.
    link.port.once('close', () => {
      this.forwarders = this.forwarders.filter((o) => o !== f);
      this.tickets.cancelTarget(f.threadId, this.cancelBound);
    });
    // A listener paused for want of a forwarder may go on.
    this.accounting.notifyCapacity();
  }

  /** True when handOver would succeed now: a forwarder is linked and a ticket is free. */
  canTake(): boolean {
    return this.forwarders.length > 0 && this.tickets.available();
  }

  /**
   * Hands one admitted, accepted fd over: a ticket now, its id posted with the rest of this accept burst. False
   * (nothing done, the fd still the caller's) when no forwarder or no ticket can take it.
   */
  handOver(fd: number, t: ListenTarget): boolean {
    const f = this.leastLoaded();
    if (f === undefined) return false;
    const id = this.tickets.issue(fd, t.frontend, t.bind, f.threadId);
    if (id < 0) return false;
    f.posted++;
    if (f.pending.push(id) === 1) this.dirty.push(f);
    if (!this.flushQueued) {
      this.flushQueued = true;
      // A burst is one native callback (accept-watch.c): its microtasks run as it returns, after the last accept.
      queueMicrotask(this.flushBound);
    }
    return true;
  }

  /**
   * The forwarder with the fewest live connections, counting the handoffs it has not adopted yet (the shared counter
   * lags by those, and a burst would otherwise all go to one thread). Ties: the first. Allocates nothing.
   */
  private leastLoaded(): Forwarder | undefined {
    let best: Forwarder | undefined;
    let bestLoad = Infinity;
    for (const f of this.forwarders) {
      const t = this.state.thread(f.slot);
      const inFlight = f.posted - (t.load('totalConns') - f.adoptedBefore);
      const load = t.load('liveConns') + (inFlight > 0 ? inFlight : 0);
      if (load < bestLoad) {
        best = f;
        bestLoad = load;
      }
    }
    return best;
  }

  /**
   * Posts each forwarder's ids of the burst in one message (a connection storm then costs a forwarder one wake and one
   * message per burst, not per connection), then marks them posted (main cancels unposted tickets of a dead acceptor).
   */
  private flush(): void {
    this.flushQueued = false;
    for (const f of this.dirty) {
      const ids = f.pending;
      f.port.postMessage(ids.length === 1 ? ids[0] : ids);
      for (const id of ids) this.tickets.markPosted(id);
      ids.length = 0;
    }
    this.dirty.length = 0;
  }
}
