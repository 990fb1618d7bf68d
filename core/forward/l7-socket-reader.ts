// Pull-style reading of one socket for the HTTP engine: queued chunks with a bounded high-water mark (the socket is
// paused above it, so a fast sender cannot grow memory), awaitable waits with a timeout, unread bytes pushed back,
// and awaited writes that honour the peer's backpressure. Forwarder threads; one reader per socket per session.

import type net from 'node:net';

export type WaitResult = 'data' | 'end' | 'timeout' | 'error';

/** Queued bytes above which the socket is paused until the session consumes them. */
const HIGH_WATER = 64 * 1024;

/**
 * Wraps a socket's 'data' events into a queue the session reads at its own pace. The socket stays paused while
 * the queue holds HIGH_WATER bytes or more. detach() hands the socket back (for a tunnel) with what was unread.
 */
export class SocketReader {
  private readonly socket: net.Socket;
  private chunks: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private failed = false;
  private wake: (() => void) | undefined;

  private readonly onData = (chunk: Buffer): void => {
    this.chunks.push(chunk);
    this.queued += chunk.length;
    if (this.queued >= HIGH_WATER) this.socket.pause();
    this.wake?.();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.wake?.();
  };

  private readonly onError = (): void => {
    this.failed = true;
    this.ended = true;
    this.wake?.();
  };

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
    socket.resume();
  }

  /** Bytes queued and not consumed yet. */
  get size(): number {
    return this.queued;
  }

  /** The peer sent its FIN (or the socket closed) and everything queued was consumed or is still here. */
  get atEnd(): boolean {
    return this.ended;
  }

  get errored(): boolean {
    return this.failed;
  }

  /** All queued bytes as one Buffer, without consuming them. */
  peek(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** Drops the first n queued bytes; resumes the socket once under the high-water mark. */
  consume(n: number): void {
    const all = this.peek().subarray(n);
    this.chunks = all.length > 0 ? [all] : [];
    this.queued = all.length;
    if (this.queued < HIGH_WATER && !this.ended) this.socket.resume();
  }

  /** Takes every queued byte (up to `max`). */
  take(max = Infinity): Buffer {
    const all = this.peek();
    const out = all.length <= max ? all : all.subarray(0, max);
    this.consume(out.length);
    return out;
  }

  /** Puts bytes back in front of the queue (the start of a pipelined request read past a body's end). */
  unshift(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.chunks.unshift(bytes);
    this.queued += bytes.length;
  }

  /**
   * Waits until bytes are queued, the peer ended, the socket failed, or `timeoutMs` passed (undefined = no limit).
   * Returns at once when something is already queued, unless `more` asks for bytes beyond those (an incomplete
   * head). Never rejects.
   */
  wait(timeoutMs: number | undefined, more = false): Promise<WaitResult> {
    if (this.queued > 0 && !more) return Promise.resolve('data');
    if (this.failed) return Promise.resolve('error');
    if (this.ended) return Promise.resolve('end');
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.wake = () => {
        if (timer !== undefined) clearTimeout(timer);
        this.wake = undefined;
        resolve(this.queued > 0 ? 'data' : this.failed ? 'error' : 'end');
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () => {
            this.wake = undefined;
            resolve('timeout');
          },
          Math.max(1, timeoutMs),
        );
      }
    });
  }

  /** Stops reading into the queue and returns the unread bytes; the socket is left paused for its next owner. */
  detach(): Buffer {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    this.socket.pause();
    const rest = this.peek();
    this.chunks = [];
    this.queued = 0;
    return rest;
  }
}

/**
 * Writes `data` (several buffers go out corked, as one writev, no copy) and, when the socket's buffer is over its
 * high-water mark, waits for 'drain' (or close, or `timeoutMs`: the peer stopped reading). Resolves true when the
 * bytes were accepted and drained as far as needed, false when the socket closed or the timeout passed. Never rejects.
 */
export function writeAll(socket: net.Socket, data: Buffer | readonly Buffer[], timeoutMs: number | undefined): Promise<boolean> {
  if (socket.destroyed || !socket.writable) return Promise.resolve(false);
  if (writeParts(socket, data)) return Promise.resolve(true);
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (ok: boolean): void => {
      if (timer !== undefined) clearTimeout(timer);
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    socket.on('drain', onDrain);
    socket.on('close', onClose);
    if (timeoutMs !== undefined) timer = setTimeout(() => done(false), Math.max(1, timeoutMs));
  });
}

/** socket.write of one buffer, or of several under cork; returns the last write's answer (false: over high water). */
function writeParts(socket: net.Socket, data: Buffer | readonly Buffer[]): boolean {
  if (Buffer.isBuffer(data)) return socket.write(data);
  if (data.length === 1) return socket.write(data[0] ?? Buffer.alloc(0));
  socket.cork();
  let ok = true;
  for (const part of data) ok = socket.write(part);
  socket.uncork();
  return ok;
}
