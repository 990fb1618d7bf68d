// Idle server connections of one forwarder thread, kept for reuse by later requests (HAProxy 2.6 `http-reuse safe`,
// the default: a session's first request never takes one, its later requests may; idle connections are purged after
// `pool-purge-delay`, 5 s). An idle connection holds no server slot (maxconn counts requests being served).
// Forwarder threads; one pool per thread, created with the thread's SessionEnv (its `idlePool`), never shared.
// Parking and taking change fields only (a round-robin keep-alive client parks and takes once per request): a parked
// connection notes when it was parked, and one entry of the pool in the thread's DeadlineSweep purges those idle past
// the delay, as HAProxy's periodic purge task does (no timer per park); a parked connection's reads and close reach it
// through its own sink (l7-server-conn.ts).

import { Deadline, type DeadlineOwner, type DeadlineSweep } from '../io/deadline-sweep.js';
import type { ConnPark, ServerConn } from './l7-server-conn.js';

export type { ServerConn } from './l7-server-conn.js';

/** HAProxy's `pool-purge-delay` default: idle connections unused this long are closed. */
const PURGE_DELAY_MS = 5000;
/** Idle connections kept per server and thread; more are closed at once. */
const MAX_IDLE_PER_SERVER = 64;

/** One number per (backend, server): no string built per park or take. */
function keyOf(backend: number, index: number): number {
  return backend * 0x10000 + index;
}

/** Per-thread idle connections, most recently parked first out (the warmest connection is reused). */
export class IdleServerPool implements ConnPark, DeadlineOwner {
  private readonly idle = new Map<number, ServerConn[]>();
  /** The purge pass; filed on the sweep of the thread's connections while any is parked. */
  private readonly purge = new Deadline(this);
  private sweep: DeadlineSweep | undefined = undefined;

  /** Idle connections held now (all servers). */
  get size(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /**
   * Parks a connection that just finished a response and may carry another: it has no user from now on. A connection
   * the server closes or speaks on while parked, or left unused for the purge delay, is closed. False (and nothing
   * kept) when it is not reusable; the caller then closes it.
   */
  park(conn: ServerConn): boolean {
    if (conn.ended || conn.socket.destroyed) return false;
    const key = keyOf(conn.backend, conn.index);
    let list = this.idle.get(key);
    if (list === undefined) {
      list = [];
      this.idle.set(key, list);
    }
    if (list.length >= MAX_IDLE_PER_SERVER) return false;
    conn.user = undefined;
    conn.park = this;
    const now = conn.sweep.now();
    conn.parkedAt = now;
    list.push(conn);
    if (this.purge.slot < 0) {
      this.sweep = conn.sweep;
      this.purge.due = now + PURGE_DELAY_MS;
      conn.sweep.arm(this.purge);
    }
    return true;
  }

  /** The most recently parked live connection to that server, out of the pool (no user yet); undefined when none. */
  take(backend: number, index: number): ServerConn | undefined {
    const list = this.idle.get(keyOf(backend, index));
    while (list !== undefined && list.length > 0) {
      const conn = list.pop() as ServerConn;
      conn.park = undefined;
      if (!conn.ended && !conn.socket.destroyed) return conn;
      conn.close();
    }
    return undefined;
  }

  /** Closes the idle connections to one server (`del server`: a new server may take its index next). */
  closeServer(backend: number, index: number): void {
    const key = keyOf(backend, index);
    const list = this.idle.get(key);
    this.idle.delete(key);
    for (const conn of list ?? []) conn.close();
  }

  /** Closes every idle connection (graceful stop: nothing will reuse them). */
  closeAll(): void {
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    this.sweep?.disarm(this.purge);
    for (const conn of all) conn.close();
  }

  /** The purge pass: closes what idled past the delay; comes back for the oldest that remains. */
  onDeadline(now: number): void {
    let oldest = Infinity;
    for (const list of [...this.idle.values()]) {
      // Oldest first: the list is in parking order.
      while (list.length > 0 && (list[0] as ServerConn).parkedAt + PURGE_DELAY_MS <= now) (list.shift() as ServerConn).close();
      if (list.length > 0) oldest = Math.min(oldest, (list[0] as ServerConn).parkedAt);
    }
    for (const [key, list] of [...this.idle]) if (list.length === 0) this.idle.delete(key);
    if (oldest === Infinity || this.sweep === undefined) return;
    this.purge.due = oldest + PURGE_DELAY_MS;
    this.sweep.arm(this.purge);
  }

  /** A parked connection leaves (closed by its server, purged, or closed by closeAll). */
  drop(conn: ServerConn): void {
    const key = keyOf(conn.backend, conn.index);
    const list = this.idle.get(key);
    if (list === undefined) return;
    const at = list.indexOf(conn);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.idle.delete(key);
  }
}
