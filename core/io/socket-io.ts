// The forwarders' socket I/O substrate: sockets that read into one shared per-thread buffer (Node's `onread`
// option) and a try-write that hands a span of that buffer to the kernel before the next read overwrites it.
// Used by the L4 pipe and the L7 engine, on forwarder threads; one SocketIo per thread (a field of SessionEnv).
//
// Why (../shared/perf/README.md §1, §2): a plain net.Socket allocates a fresh 64 KiB ArrayBuffer per read; in bulk
// transfers that external memory drives V8 into mark-compact GCs (21–23 % of orcalb's CPU), and the Readable path
// adds a nextTick and a queue step per read. With `onread` every socket of the thread reads into the same buffer and
// Node calls our function with the byte count: no allocation, no stream machinery. The price is a rule the callers
// must keep: **bytes in the read buffer are valid only until the read callback returns**. A consumer that keeps
// bytes (a partial HTTP head, a remainder the kernel did not take) copies them; write() below does that copy itself.
//
// Backpressure, HAProxy-style: the kernel's socket buffers do the buffering. A destination that cannot take a whole
// chunk gets the remainder queued (one chunk in flight per direction) and the source stops reading (its sink returns
// false) until the destination's 'drain'.

import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { NativeAddon } from '../native-addon.js';
import { enterReadCallback, leaveReadCallback } from './deadline-sweep.js';

/** Bytes of the shared read buffer: one libuv read at most (64 KiB is what Node's own reads use). */
export const READ_BUFFER_BYTES = 64 * 1024;

/** Who consumes a socket's reads. One sink may serve both sockets of a session (it is told which socket read). */
export interface ReadSink {
  /**
   * `n` fresh bytes at buf[0, n) from `socket`. `buf` is the thread's shared read buffer: valid only until this
   * returns. Return false to stop reading this socket (Node stops its handle at once) until resumeReading().
   * Must not throw (a throw would reach Node's stream code): sinks guard their own bodies.
   */
  onRead(socket: net.Socket, buf: Buffer, n: number): boolean;
}

/**
 * Any queued byte means "full": write() of a remainder then returns false and Node emits 'drain' once it is flushed,
 * which is the signal to read the source again. With Node's default (16 KiB) a small remainder would be queued
 * silently and no 'drain' would ever come.
 */
const QUEUE_HIGH_WATER_MARK = 1;

/** Node's Socket passes stream options through to its Duplex; @types/node does not list this one. */
interface SocketOptions extends net.SocketConstructorOpts {
  writableHighWaterMark: number;
}
interface ConnectOptions extends net.TcpNetConnectOpts {
  writableHighWaterMark: number;
}
/** tls.connect passes these to the TCP socket under it (@types/node lists them for net only). */
interface TlsConnectOptions extends tls.ConnectionOptions {
  allowHalfOpen: boolean;
  onread: net.OnReadOpts;
}

const kSink = Symbol('orcalb.readSink');
const kFd = Symbol('orcalb.fd');
/**
 * kFd of a TLS socket: its fd carries ciphertext, so writes must go through Node's TLS layer, never the try-write
 * (core/tls/tls-front.ts hands client-side ones to the sessions, connectTls() opens server-side ones).
 */
const NO_TRY_WRITE = -2;

/** A socket built by SocketIo: its sink and (once known) its fd ride on it, so one shared callback serves all. */
interface IoSocket extends net.Socket {
  [kSink]: ReadSink;
  [kFd]: number;
}

/**
 * The sink a socket's reads go to now: what SocketIo built or attached it with, or the last setSink(). undefined for a
 * socket SocketIo never handled. Lets an engine's shared event listeners find their session from the socket alone,
 * without a property of their own on it (each added property is another hidden class for Node's read path to meet).
 */
export function sinkOf(socket: net.Socket): ReadSink | undefined {
  return (socket as Partial<IoSocket>)[kSink];
}

/**
 * The one read callback of every SocketIo socket. Node calls it as a method of the socket (`this`), so no closure per
 * socket is needed; a socket whose sink was replaced (L7 → tunnel) simply reaches the new one.
 */
function dispatchRead(this: IoSocket, n: number, buf: Uint8Array): boolean {
  // One clock reading for everything this read leads to (deadline-sweep.ts enterReadCallback).
  enterReadCallback();
  try {
    // Node passes the very Buffer given as `onread.buffer`, typed as Uint8Array: SocketIo only ever gives it a Buffer.
    return this[kSink].onRead(this, buf as Buffer, n);
  } finally {
    leaveReadCallback();
  }
}

/**
 * The bridge for a socket built without `onread` (a connection Node's own net.Server accepted: `--accept reuseport`
 * without the native addon). Node allocates each chunk, so it is already the caller's; the sink contract is the same.
 */
function dispatchData(this: IoSocket, chunk: Buffer): void {
  enterReadCallback();
  try {
    if (!this[kSink].onRead(this, chunk, chunk.length)) this.pause();
  } finally {
    leaveReadCallback();
  }
}

/** send() of a span: bytes taken (0 = kernel buffer full), or < 0 on an error (the socket's own write reports it). */
type SendSpan = (fd: number, buf: Buffer, offset: number, length: number) => number;

/** fs.writeSync as a try-write, for a build of the addon without tryWrite: EAGAIN becomes 0, any error -1. */
function sendWithFs(fd: number, buf: Buffer, offset: number, length: number): number {
  try {
    return fs.writeSync(fd, buf, offset, length);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EAGAIN' ? 0 : -1;
  }
}

export interface ConnectTarget {
  readonly host: string;
  readonly port: number;
}

/**
 * One forwarder thread's socket factory and writer. Every socket it builds reads into `readBuffer`, has Nagle off
 * (one write per message, as HAProxy) and allowHalfOpen on (a FIN is relayed, not answered).
 */
export class SocketIo {
  readonly readBuffer: Buffer;
  private readonly send: SendSpan;
  private readonly onread: { buffer: Buffer; callback: (n: number, buf: Uint8Array) => boolean };

  constructor(addon: NativeAddon | undefined, bufferBytes: number = READ_BUFFER_BYTES) {
    this.readBuffer = Buffer.allocUnsafe(bufferBytes);
    this.send = addon?.tryWrite ?? sendWithFs;
    // Node calls the callback as a method of the socket; typed here as a plain function of (n, buf).
    this.onread = { buffer: this.readBuffer, callback: dispatchRead as (n: number, buf: Uint8Array) => boolean };
  }

  /** A socket on an fd this thread now owns (a handed-off client connection); reading starts at once into `sink`. */
  adopt(fd: number, sink: ReadSink): net.Socket {
    const options: SocketOptions = {
      fd,
      readable: true,
      writable: true,
      allowHalfOpen: true,
      writableHighWaterMark: QUEUE_HIGH_WATER_MARK,
      onread: this.onread,
    };
    const socket = new net.Socket(options);
    const io = socket as IoSocket;
    io[kSink] = sink;
    io[kFd] = fd;
    socket.setNoDelay(true);
    return socket;
  }

  /**
   * Takes over a socket Node built without `onread` (see dispatchData), or a TLS socket (plaintext 'data' events, and
   * writes always through Node's TLS layer): its reads go to `sink` through 'data' events.
   * Slower (a fresh Buffer per read) but the same contract, so the engines have one path: half-open allowed and the
   * write mark lowered to SocketIo's (throws if Node no longer lets it be lowered). Resume with resume().
   */
  attach(socket: net.Socket, sink: ReadSink): net.Socket {
    const io = socket as IoSocket;
    io[kSink] = sink;
    io[kFd] = (socket as net.Socket & { encrypted?: boolean }).encrypted === true ? NO_TRY_WRITE : -1;
    // As SocketIo's own sockets: a FIN is relayed by the engine, not answered by Node, and 'drain' follows any queue.
    socket.allowHalfOpen = true;
    lowerWriteMark(socket);
    socket.setNoDelay(true);
    socket.on('data', dispatchData);
    socket.resume();
    return socket;
  }

  /** A connection being opened to a server; its reads go to `sink` once connected ('connect' / 'error' as usual). */
  connect(target: ConnectTarget, sink: ReadSink): net.Socket {
    const options: ConnectOptions = {
      host: target.host,
      port: target.port,
      noDelay: true,
      allowHalfOpen: true,
      writableHighWaterMark: QUEUE_HIGH_WATER_MARK,
      onread: this.onread,
    };
    const socket = net.connect(options);
    const io = socket as IoSocket;
    io[kSink] = sink;
    io[kFd] = -1;
    return socket;
  }

  /**
   * A TLS connection being opened to a server (core/tls/server-tls.ts gives the TLS options): the same contract as
   * connect(), its reads are the decrypted bytes, once the handshake is done ('secureConnect'). Never written to with
   * the try-write (the fd under it carries TLS records).
   */
  connectTls(target: ConnectTarget, sink: ReadSink, options: tls.ConnectionOptions, preface?: Buffer): tls.TLSSocket {
    if (preface !== undefined) return this.connectTlsAfter(target, sink, options, preface);
    const tlsOptions: TlsConnectOptions = {
      ...options,
      host: target.host,
      port: target.port,
      allowHalfOpen: true,
      onread: this.onread,
    };
    return ownTls(tls.connect(tlsOptions), sink);
  }

  /**
   * connectTls() with bytes in clear before the handshake (`send-proxy` on an `ssl` server: the PROXY header, as
   * haproxy writes it). The TCP socket takes the preface first and TLS is layered on it, so libuv's write queue keeps
   * the order. node:tls ignores `onread` over an existing socket: reads come as 'data' events (dispatchData), one
   * Buffer per read, the price of the rarer combination.
   */
  private connectTlsAfter(target: ConnectTarget, sink: ReadSink, options: tls.ConnectionOptions, preface: Buffer): tls.TLSSocket {
    const raw = net.connect({ host: target.host, port: target.port, noDelay: true, allowHalfOpen: true });
    raw.write(preface);
    // allowHalfOpen: the TLS socket's own (the raw one has it already); not in tls.ConnectionOptions' type.
    const over: tls.ConnectionOptions & { allowHalfOpen: boolean } = { ...options, socket: raw, allowHalfOpen: true };
    const socket = ownTls(tls.connect(over), sink);
    socket.on('data', dispatchData);
    return socket;
  }

  /** Hands a SocketIo socket's reads to another sink (e.g. an L7 session that becomes a tunnel). */
  setSink(socket: net.Socket, sink: ReadSink): void {
    (socket as IoSocket)[kSink] = sink;
  }

  /**
   * Writes buf[start, end) to `dst`: first straight into the kernel when nothing is queued before it, then copies and
   * queues whatever the kernel did not take (so `buf` may be the shared read buffer). Returns true when every byte is
   * in the kernel, false when some wait in `dst`'s queue: the caller stops reading the source until `dst`'s 'drain'
   * (which then always comes: true is returned whenever Node's own write took the remainder at once).
   * A write error is left to `dst`'s own write path, which reports it as an 'error' event as usual.
   */
  write(dst: net.Socket, buf: Buffer, start: number, end: number): boolean {
    return this.writeSpan(dst, buf, start, end, true);
  }

  /** write() for a buffer the caller gives away (a head it built): the remainder is queued without a copy. */
  writeOwned(dst: net.Socket, buf: Buffer): boolean {
    return this.writeSpan(dst, buf, 0, buf.length, false);
  }

  private writeSpan(dst: net.Socket, buf: Buffer, start: number, end: number, copy: boolean): boolean {
    let off = start;
    const fd = fdOf(dst as IoSocket);
    if (off >= end) return fd === NO_TRY_WRITE ? tlsTaken(dst) : dst.writableLength === 0;
    if (fd === NO_TRY_WRITE) {
      // Node's TLS layer encrypts and hands the records to the kernel inside write(); only its report comes later.
      const accepted = dst.write(copy ? Buffer.from(buf.subarray(off, end)) : buf.subarray(off, end));
      return accepted || tlsTaken(dst);
    }
    if (dst.writableLength === 0 && !dst.connecting && !dst.destroyed) {
      if (fd >= 0) {
        const sent = this.send(fd, buf, off, end - off);
        if (sent > 0) {
          off += sent;
          if (off === end) return true;
        }
      }
    }
    // Node may still put the remainder into the kernel at once (its own write tries first, and the peer may have read
    // since our try-write): write() then answers true and no 'drain' will ever come, so its answer is ours.
    return dst.write(copy ? Buffer.from(buf.subarray(off, end)) : buf.subarray(off, end));
  }
}

/**
 * Bytes a TLS socket may hold in Node's write queue and still count as taken. Node's TLSWrap reports every write done
 * one loop turn later (a SetImmediate), even when OpenSSL and the kernel took it all at once, so writableLength is
 * never 0 right after write(). Answering "full" there made every response over TLS pause the server socket and
 * resume it on the 'drain' (two epoll_ctl and a deadline rearm per request, measured with strace). Up to one TLS
 * record's worth waiting counts as taken: small responses flow on, while a bulk read (up to 64 KiB) still waits for
 * the 'drain' as before (letting a second one queue behind it in Node's Writable cost 18 % more CPU per MiB over TLS,
 * measured), and a client that does not read stops the source at once. The 'drain' follows either way (every write
 * leaves Node's needDrain set).
 */
const TLS_QUEUE_ALLOWANCE = 16 * 1024;

function tlsTaken(dst: net.Socket): boolean {
  return dst.writableLength <= TLS_QUEUE_ALLOWANCE;
}

/** A server-side TLS socket SocketIo now owns: reads to `sink`, written through Node's TLS layer only, Nagle off. */
function ownTls(socket: tls.TLSSocket, sink: ReadSink): tls.TLSSocket {
  const io = socket as unknown as IoSocket;
  io[kSink] = sink;
  io[kFd] = NO_TRY_WRITE;
  socket.setNoDelay(true);
  lowerWriteMark(socket);
  return socket;
}

/**
 * Gives a socket Node built (default 16 KiB write mark) the mark of SocketIo's own: write() of a queued remainder
 * must return false and be followed by 'drain', or a source paused on it would never be read again. Node has no
 * public setter for a built socket; its Writable reads this state field on every write.
 */
function lowerWriteMark(socket: net.Socket): void {
  if (socket.writableHighWaterMark <= QUEUE_HIGH_WATER_MARK) return;
  const state: unknown = Reflect.get(socket, '_writableState');
  if (typeof state === 'object' && state !== null) Reflect.set(state, 'highWaterMark', QUEUE_HIGH_WATER_MARK);
  if (socket.writableHighWaterMark > QUEUE_HIGH_WATER_MARK) throw new Error('cannot lower the socket write mark');
}

/**
 * The fd under a socket, cached on it: known at adoption, read once from the connected handle otherwise. Node keeps
 * it on the libuv handle (`_handle.fd`, stable on Unix but not typed), hence the Reflect reads. -1 when not known yet
 * (still connecting, or closed): the caller then lets Node write. NO_TRY_WRITE for a TLS socket.
 */
function fdOf(socket: IoSocket): number {
  const known = socket[kFd];
  if (known !== undefined && known >= 0) return known;
  if (known === NO_TRY_WRITE) return NO_TRY_WRITE;
  // A TLS socket (Node's TLSWrap shows the TCP fd under it) is written through Node, which encrypts.
  if (Reflect.get(socket, 'encrypted') === true) {
    socket[kFd] = NO_TRY_WRITE;
    return NO_TRY_WRITE;
  }
  const handle: unknown = Reflect.get(socket, '_handle');
  if (typeof handle !== 'object' || handle === null) return -1;
  const fd: unknown = Reflect.get(handle, 'fd');
  if (typeof fd !== 'number' || fd < 0) return -1;
  socket[kFd] = fd;
  return fd;
}
