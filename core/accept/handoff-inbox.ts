// The forwarder's side of the handoff: the handoff ports it listens on (one per acceptor since it started; an old one
// closes with its acceptor) and the ticket ids that arrive there, one or an array per accept burst. A ticket this
// thread wins (core/shared/handoff-tickets.ts) is adopted through `serve`; one cancelled meanwhile is not ours to
// touch. Forwarder threads. Hot path (once per connection): no allocation besides Node's message.

import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { ConnAccounting } from '../shared/conn-accounting.js';
import { HandoffTickets, type TicketHandler } from '../shared/handoff-tickets.js';
import type { SharedState } from '../shared/state-buffer.js';

export class HandoffInbox {
  private readonly state: SharedState;
  private readonly accounting: ConnAccounting;
  private readonly tickets: HandoffTickets;
  private readonly serve: TicketHandler;
  private readonly ports = new Set<MessagePort>();
  private readonly onMessage = (msg: unknown): void => this.receive(msg);

  /** `serve` gets each won connection: its fd (now this thread's), frontend and bind. It must not throw. */
  constructor(state: SharedState, accounting: ConnAccounting, serve: TicketHandler) {
    this.state = state;
    this.accounting = accounting;
    this.tickets = new HandoffTickets(state);
    this.serve = serve;
  }

  /** Listens on a (new) acceptor's handoff port. */
  add(port: MessagePort): void {
    this.ports.add(port);
    port.on('message', this.onMessage);
    port.once('close', () => this.ports.delete(port));
  }

  /**
   * Soft stop: takes at once what is already queued on the ports (main stops the acceptor before the forwarders, so
   * every handoff it made is queued by now, and the 'stop' message may have overtaken them: ports are not ordered with
   * each other), so no admitted connection is left unserved when the thread says it is drained.
   */
  drain(): void {
    for (const p of this.ports) {
      for (let got = receiveMessageOnPort(p); got !== undefined; got = receiveMessageOnPort(p)) this.receive(got.message);
    }
  }

  /**
   * One handoff message (workers/messages.ts HandoffMessage): a ticket id, or several taken in one wake. Read without
   * a parser object; anything else is ignored (a bogus id claims nothing).
   */
  private receive(msg: unknown): void {
    if (typeof msg === 'number') return this.take(msg);
    if (!Array.isArray(msg)) return;
    for (const id of msg as unknown[]) if (typeof id === 'number') this.take(id);
  }

  private take(id: number): void {
    if (!this.tickets.take(id, this.serve)) return;
    // A freed ticket may be what a paused acceptor waits for.
    if (this.state.loadGlobal('admissionWaiters') > 0) this.accounting.notifyCapacity();
  }
}
