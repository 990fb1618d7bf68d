// One scratch buffer per forwarder thread where the HTTP engine assembles what leaves in ONE write: a message head it
// rewrote, followed by the body bytes that arrived with it (from the shared read buffer), or a re-chunked body.
// Forwarder threads; hot path (every response head, every request head with a body).
//
// Why (../shared/perf/README.md §1, §5): writing the head and its body separately costs a system call, a TCP segment
// and a wake-up of the peer per message (3 writes per request where HAProxy makes 2; coalescing alone gave +17 %).
// Assembling in a reused buffer instead of Buffer.concat allocates nothing: SocketIo.write copies only what the
// kernel did not take, so the buffer is free again as soon as the write returns (its contents are never retained).

import type net from 'node:net';
import type { SocketIo } from '../io/socket-io.js';

/** A head (≤ 16 KiB, rewrites included) plus one read (64 KiB) fits without growing. */
const INITIAL_BYTES = 128 * 1024;

/** Bytes being assembled for one write. Use: reset(), text()/bytes() in order, then flush(). Synchronous only. */
export class OutBuffer {
  private buf: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private len = 0;

  reset(): void {
    this.len = 0;
  }

  get length(): number {
    return this.len;
  }

  /** Appends a Latin-1 string (a head: one byte per char). */
  text(s: string): void {
    this.ensure(s.length);
    this.len += this.buf.write(s, this.len, 'latin1');
  }

  /** Appends src[start, end). */
  bytes(src: Buffer, start: number, end: number): void {
    if (end <= start) return;
    this.ensure(end - start);
    this.len += src.copy(this.buf, this.len, start, end);
  }

  /** Writes what was assembled to `dst` (SocketIo.write: true when all is in the kernel) and empties the buffer. */
  flush(io: SocketIo, dst: net.Socket): boolean {
    const n = this.len;
    this.len = 0;
    return io.write(dst, this.buf, 0, n);
  }

  private ensure(more: number): void {
    if (this.len + more <= this.buf.length) return;
    // Rare (a huge errorfile, a body span larger than a read): grow, keeping what is assembled.
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + more));
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }
}

const perThread = new WeakMap<SocketIo, OutBuffer>();

/**
 * The out buffer of the thread that owns `io` (one SocketIo per forwarder thread, so one buffer per thread; a test
 * harness's own SocketIo gets its own). Looked up once per session.
 */
export function outBufferOf(io: SocketIo): OutBuffer {
  let out = perThread.get(io);
  if (out === undefined) {
    out = new OutBuffer();
    perThread.set(io, out);
  }
  return out;
}
