// Idle server connections of one forwarder thread, kept for reuse by later requests (HAProxy 2.6 `http-reuse safe`,
// the default: a session's first request never takes one, its later requests may; idle connections are purged after
// `pool-purge-delay`, 5 s). An idle connection holds no server slot (maxconn counts requests being served).
// Forwarder threads; one pool per thread, created with the thread's SessionEnv (its `idlePool`), never shared.

import type net from 'node:net';
import type { SocketReader } from './l7-socket-reader.js';

/** A connection to one server of one backend, with the reader that owns its 'data' events. */
export interface ServerConn {
  readonly backend: number;
  readonly index: number;
  readonly socket: net.Socket;
  readonly reader: SocketReader;
}

/** HAProxy's `pool-purge-delay` default: idle connections unused this long are closed. */
const PURGE_DELAY_MS = 5000;
/** Idle connections kept per server and thread; more are closed at once. */
const MAX_IDLE_PER_SERVER = 64;

interface Parked {
  readonly conn: ServerConn;
  readonly timer: NodeJS.Timeout;
  readonly onClose: () => void;
}

/** Per-thread idle connections, most recently parked first out (the warmest connection is reused). */
export class IdleServerPool {
  private readonly idle = new Map<string, Parked[]>();

  /** Idle connections held now (all servers). */
  get size(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /**
   * Parks a connection that just finished a response and may carry another. A connection the server closes while
   * parked, or left unused for the purge delay, is destroyed. False (and nothing kept) when it is not reusable.
   */
  park(conn: ServerConn): boolean {
    if (conn.socket.destroyed || conn.reader.atEnd || conn.reader.size > 0) return false;
    const key = `${conn.backend}/${conn.index}`;
    const list = this.idle.get(key) ?? [];
    if (list.length >= MAX_IDLE_PER_SERVER) return false;
    const onClose = (): void => this.drop(key, conn);
    const timer = setTimeout(() => {
      this.drop(key, conn);
      conn.socket.destroy();
    }, PURGE_DELAY_MS);
    timer.unref();
    conn.socket.once('close', onClose);
    list.push({ conn, timer, onClose });
    this.idle.set(key, list);
    return true;
  }

  /** The most recently parked live connection to that server, removed from the pool; undefined when none. */
  take(backend: number, index: number): ServerConn | undefined {
    const key = `${backend}/${index}`;
    const list = this.idle.get(key);
    while (list !== undefined && list.length > 0) {
      const p = list.pop();
      if (p === undefined) break;
      clearTimeout(p.timer);
      p.conn.socket.off('close', p.onClose);
      if (!p.conn.socket.destroyed && !p.conn.reader.atEnd && p.conn.reader.size === 0) return p.conn;
      p.conn.socket.destroy();
    }
    return undefined;
  }

  /** Closes every idle connection (graceful stop: nothing will reuse them). */
  closeAll(): void {
    for (const list of this.idle.values()) {
      for (const p of list) {
        clearTimeout(p.timer);
        p.conn.socket.off('close', p.onClose);
        p.conn.socket.destroy();
      }
    }
    this.idle.clear();
  }

  private drop(key: string, conn: ServerConn): void {
    const list = this.idle.get(key);
    if (list === undefined) return;
    const at = list.findIndex((p) => p.conn === conn);
    if (at < 0) return;
    const [p] = list.splice(at, 1);
    if (p !== undefined) clearTimeout(p.timer);
    if (list.length === 0) this.idle.delete(key);
  }
}
