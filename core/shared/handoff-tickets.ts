// Handoff tickets (layout.ts HANDOFF_TICKETS): who owns a dup'ed client fd while it travels acceptor → main →
// forwarder. Exactly one of the adopting forwarder and the main thread (cancelling a handoff that failed) wins the
// ticket; the loser never touches the fd, whose number may already belong to another connection. Acceptor issues;
// forwarders and main claim.

import { HANDOFF_TICKETS } from './layout.js';
import type { SharedState } from './state-buffer.js';

/** A ticket travels inside the Handoff message: its slot and the sequence number stored there. */
export interface Ticket {
  readonly slot: number;
  readonly seq: number;
}

export class HandoffTickets {
  private readonly state: SharedState;
  /** Where the next search for a free slot starts (acceptor only): slots free roughly in issue order. */
  private cursor = 0;

  constructor(state: SharedState) {
    this.state = state;
  }

  /**
   * Acceptor: takes a free slot for a new handoff. Undefined when all HANDOFF_TICKETS are in flight (the main thread
   * or the forwarders are that far behind): the caller treats it like a full maxconn and waits for capacity.
   * Allocates nothing; scans at most HANDOFF_TICKETS words.
   */
  issue(): Ticket | undefined {
    const { i32, offsets } = this.state;
    // Never 0 (0 marks a free slot); a 32-bit wrap is harmless, a ticket lives for milliseconds.
    let seq = (this.state.addGlobal('handoffSeq', 1) + 1) | 0;
    if (seq === 0) seq = (this.state.addGlobal('handoffSeq', 1) + 1) | 0;
    for (let i = 0; i < HANDOFF_TICKETS; i++) {
      const slot = (this.cursor + i) % HANDOFF_TICKETS;
      if (Atomics.compareExchange(i32, offsets.handoffs + slot, 0, seq) === 0) {
        this.cursor = (slot + 1) % HANDOFF_TICKETS;
        return { slot, seq };
      }
    }
    return undefined;
  }

  /**
   * Forwarder (about to adopt) or main (cancelling): true for the one caller that takes the ticket. Frees the slot.
   * A ticket that is not in flight any more (already claimed, or a bogus one) gives false. Any thread.
   */
  claim(ticket: Ticket): boolean {
    if (!Number.isInteger(ticket.slot) || ticket.slot < 0 || ticket.slot >= HANDOFF_TICKETS) return false;
    const { i32, offsets } = this.state;
    return Atomics.compareExchange(i32, offsets.handoffs + ticket.slot, ticket.seq, 0) === ticket.seq;
  }

  /** True when issue() would find a free slot now. Scans at most HANDOFF_TICKETS words. */
  available(): boolean {
    const { i32, offsets } = this.state;
    for (let i = 0; i < HANDOFF_TICKETS; i++) {
      if (Atomics.load(i32, offsets.handoffs + ((this.cursor + i) % HANDOFF_TICKETS)) === 0) return true;
    }
    return false;
  }

  /** Tickets in flight now (tests and the hostile pass: 0 once everything settled). Any thread. */
  inFlight(): number {
    const { i32, offsets } = this.state;
    let n = 0;
    for (let i = 0; i < HANDOFF_TICKETS; i++) if (Atomics.load(i32, offsets.handoffs + i) !== 0) n++;
    return n;
  }
}
