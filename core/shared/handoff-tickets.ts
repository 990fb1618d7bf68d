// Handoff tickets (layout.ts HANDOFF_TICKETS): who owns an accepted client fd while it travels from the acceptor to a
// forwarder over that forwarder's MessagePort. The record holds the fd, its frontend and bind and the forwarder it was
// posted to; the message carries only the ticket's id (one number: the cheapest thing postMessage can clone). Exactly
// one of the forwarder adopting the fd and a thread cancelling a handoff to a dead forwarder wins the ticket; the
// loser never touches the fd, whose number may already belong to another connection. A ticket the acceptor issued but
// had not posted yet when it died is cancelled by main (it is marked posted only after postMessage). Acceptor issues
// and marks; forwarders take; main and the acceptor cancel. Hot path (one issue, one mark and one take per
// connection): no allocation.

import { HANDOFF_TICKET, HANDOFF_TICKET_FIELDS, HANDOFF_TICKETS } from './layout.js';
import type { SharedState } from './state-buffer.js';

const WORDS = HANDOFF_TICKET_FIELDS.length;
/** seq word of a record being written: neither free (0) nor claimable (> 0). */
const WRITING = -1;

/** What a taken or cancelled ticket hands over: the fd is the callee's from now on. */
export type TicketHandler = (fd: number, frontend: number, bind: number) => void;

/** A ticket id: seq × HANDOFF_TICKETS + slot (seq < 2^31, so the id stays an exact integer). */
export function ticketId(slot: number, seq: number): number {
  return seq * HANDOFF_TICKETS + slot;
}


export class HandoffTickets {
  private readonly i32: Int32Array;
  private readonly base: number;
  private readonly state: SharedState;
  /** Where the next search for a free record starts (acceptor only): records free roughly in issue order. */
  private cursor = 0;

  constructor(state: SharedState) {
    this.state = state;
    this.i32 = state.i32;
    this.base = state.offsets.handoffs;
  }

  /**
   * Acceptor: records a new handoff of `fd` to the forwarder whose threadId is `target` and returns its ticket id, or
   * -1 when all HANDOFF_TICKETS are in flight (the caller checks available() before accepting, so it never has an
   * fd and no ticket). Allocates nothing; scans at most HANDOFF_TICKETS records.
   */
  issue(fd: number, frontend: number, bind: number, target: number): number {
    const i32 = this.i32;
    for (let i = 0; i < HANDOFF_TICKETS; i++) {
      const slot = (this.cursor + i) % HANDOFF_TICKETS;
      const at = this.base + slot * WORDS;
      if (Atomics.compareExchange(i32, at + HANDOFF_TICKET.seq, 0, WRITING) !== 0) continue;
      Atomics.store(i32, at + HANDOFF_TICKET.fd, fd);
      Atomics.store(i32, at + HANDOFF_TICKET.frontend, frontend);
      Atomics.store(i32, at + HANDOFF_TICKET.bind, bind);
      Atomics.store(i32, at + HANDOFF_TICKET.target, target);
      // Positive and never 0 (free) or -1 (writing); a wrap after 2^31 tickets is harmless, a ticket lives for ms.
      const seq = ((this.state.addGlobal('handoffSeq', 1) + 1) & 0x7fff_ffff) || 1;
      // Published last: a claimer that sees seq sees the fields above (Atomics are sequentially consistent).
      Atomics.store(i32, at + HANDOFF_TICKET.seq, seq);
      this.cursor = (slot + 1) % HANDOFF_TICKETS;
      return ticketId(slot, seq);
    }
    return -1;
  }

  /**
   * Forwarder: claims ticket `id` (from the acceptor's message) and, when this thread won it, calls `adopt` with its
   * fd, frontend and bind. False (nothing called) when the ticket was cancelled meanwhile or the id is bogus. The
   * fields are read before the claim: they cannot change while the ticket's seq is in place, and a failed claim
   * discards them. Any thread; allocates nothing.
   */
  take(id: number, adopt: TicketHandler): boolean {
    if (!Number.isSafeInteger(id) || id < 0) return false;
    const slot = id % HANDOFF_TICKETS;
    const seq = (id - slot) / HANDOFF_TICKETS;
    if (seq <= 0 || seq > 0x7fff_ffff) return false;
    const i32 = this.i32;
    const at = this.base + slot * WORDS;
    const fd = Atomics.load(i32, at + HANDOFF_TICKET.fd);
    const frontend = Atomics.load(i32, at + HANDOFF_TICKET.frontend);
    const bind = Atomics.load(i32, at + HANDOFF_TICKET.bind);
    if (Atomics.compareExchange(i32, at + HANDOFF_TICKET.seq, seq, 0) !== seq) return false;
    adopt(fd, frontend, bind);
    return true;
  }

  /**
   * Acceptor, right after postMessage of ticket `id`: from now on only its forwarder (or a canceller once that
   * forwarder died) may claim it. Marked after the post, never before: an acceptor dying in between leaves a ticket
   * main cancels although its id was sent, which the forwarder then finds claimed (a closed client, no leak).
   */
  markPosted(id: number): void {
    const slot = id % HANDOFF_TICKETS;
    Atomics.store(this.i32, this.base + slot * WORDS + HANDOFF_TICKET.posted, (id - slot) / HANDOFF_TICKETS);
  }

  /**
   * Main, once the acceptor thread has ended: cancels every ticket it issued but never marked posted (its id never
   * reached a forwarder, so no one else will claim it) and frees records it left half-written (their fd, if any, is
   * unknown: at most one per dead acceptor). Returns how many tickets were cancelled. Scans every record.
   */
  cancelUnposted(cancel: TicketHandler): number {
    const i32 = this.i32;
    let n = 0;
    for (let slot = 0; slot < HANDOFF_TICKETS; slot++) {
      const at = this.base + slot * WORDS;
      const seq = Atomics.load(i32, at + HANDOFF_TICKET.seq);
      if (seq === WRITING) {
        Atomics.compareExchange(i32, at + HANDOFF_TICKET.seq, WRITING, 0);
        continue;
      }
      if (seq <= 0 || Atomics.load(i32, at + HANDOFF_TICKET.posted) === seq) continue;
      const fd = Atomics.load(i32, at + HANDOFF_TICKET.fd);
      const frontend = Atomics.load(i32, at + HANDOFF_TICKET.frontend);
      const bind = Atomics.load(i32, at + HANDOFF_TICKET.bind);
      if (Atomics.compareExchange(i32, at + HANDOFF_TICKET.seq, seq, 0) !== seq) continue;
      cancel(fd, frontend, bind);
      n++;
    }
    return n;
  }

  /**
   * Main or acceptor, once forwarder `target` (a threadId) is dead and can no longer take anything: claims every
   * ticket still in flight to it and calls `cancel` for each (close the fd, give back the admission). Returns how
   * many. Racing cancellers are fine: each ticket goes to one of them. Scans all HANDOFF_TICKETS records.
   */
  cancelTarget(target: number, cancel: TicketHandler): number {
    const i32 = this.i32;
    let n = 0;
    for (let slot = 0; slot < HANDOFF_TICKETS; slot++) {
      const at = this.base + slot * WORDS;
      const seq = Atomics.load(i32, at + HANDOFF_TICKET.seq);
      if (seq <= 0 || Atomics.load(i32, at + HANDOFF_TICKET.target) !== target) continue;
      const fd = Atomics.load(i32, at + HANDOFF_TICKET.fd);
      const frontend = Atomics.load(i32, at + HANDOFF_TICKET.frontend);
      const bind = Atomics.load(i32, at + HANDOFF_TICKET.bind);
      if (Atomics.compareExchange(i32, at + HANDOFF_TICKET.seq, seq, 0) !== seq) continue;
      cancel(fd, frontend, bind);
      n++;
    }
    return n;
  }

  /** True when issue() would find a free record now. Usually one load (the record at the cursor). */
  available(): boolean {
    const i32 = this.i32;
    for (let i = 0; i < HANDOFF_TICKETS; i++) {
      const slot = (this.cursor + i) % HANDOFF_TICKETS;
      if (Atomics.load(i32, this.base + slot * WORDS + HANDOFF_TICKET.seq) === 0) return true;
    }
    return false;
  }

  /** Tickets in flight now, to `target` only when given (a stopping forwarder, tests). Scans every record. */
  inFlight(target?: number): number {
    const i32 = this.i32;
    let n = 0;
    for (let slot = 0; slot < HANDOFF_TICKETS; slot++) {
      const at = this.base + slot * WORDS;
      const seq = Atomics.load(i32, at + HANDOFF_TICKET.seq);
      if (target === undefined ? seq !== 0 : seq > 0 && Atomics.load(i32, at + HANDOFF_TICKET.target) === target) n++;
    }
    return n;
  }
}
