// Where a log target's bytes go (manual §3.1 "log" <address>): a UDP address (`127.0.0.1:514`, `udp@`, `ipv4@`,
// `ipv6@`, port 514 by default), a UNIX datagram path (`/dev/log`, `unix@`), or a file descriptor (`stdout`, `stderr`,
// `fd@N`). Lines are queued and flushed in batches: one sendmmsg() per 64 datagrams (native/log-send.c), one write()
// per batch on a fd. A UDP target's socket is connect()ed (the kernel's send skips the route and address lookup of
// each datagram, ~8 %); a connected socket hears an earlier datagram's ICMP port-unreachable as ECONNREFUSED on its
// next send and would stop there on each batch, so at the first such refusal the sink sends unconnected (as haproxy
// always does) and tries connected again RECONNECT_MS later. Never blocks and never throws: lines a sink cannot take now are counted as dropped by flush().
// Without the native addon UDP falls back to Node's dgram and UNIX paths cannot be reached (said by lastError).
// Runs in the log writer (main thread) and in each thread's process logger.

import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns';
import { closeSync, writeSync } from 'node:fs';
import { isIP } from 'node:net';
import type { NativeAddon } from '../native-addon.js';

export interface LogSink {
  /** A short name for alerts (`127.0.0.1:514`, `/dev/log`, `fd@1`). */
  readonly name: string;
  /** Queues buffer[offset, offset+length) as one line (copied; flushed first if the batch is full). */
  add(buffer: Buffer, offset: number, length: number): void;
  /**
   * Queues one line made of head[0, headLength), body[offset, offset+bodyLength) and a LF, copied straight into the
   * batch (the log writer's header and the ring's message: no assembly buffer in between).
   */
  addLine(head: Buffer, headLength: number, body: Buffer, offset: number, bodyLength: number): void;
  /** Sends every queued line; returns how many were dropped (the sink refused them). Never throws. */
  flush(): number;
  /** The errno name of the last failure (for the one alert per sink), or undefined. */
  lastError(): string | undefined;
  /** True while the sink sends on a connect()ed socket (a UDP target whose peer has not refused lately). */
  connected(): boolean;
  close(): void;
}

/** HAProxy's default syslog port. */
const SYSLOG_PORT = 514;
/** A batch: up to this many lines or BATCH_BYTES bytes before a flush. */
const BATCH_LINES = 256;
const BATCH_BYTES = 256 * 1024;

/** The parsed address of a log target: a fd, a UNIX path, or a host and port. */
export type SinkAddress =
  | { readonly kind: 'fd'; readonly fd: number }
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'udp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unsupported'; readonly why: string };

/** Reads a `log` line's address word (already checked by config/keywords/log.ts). Pure. */
export function sinkAddress(address: string): SinkAddress {
  if (address === 'stdout') return { kind: 'fd', fd: 1 };
  if (address === 'stderr') return { kind: 'fd', fd: 2 };
  const fd = /^fd@(\d+)$/.exec(address);
  if (fd !== null) return { kind: 'fd', fd: Number(fd[1]) };
  if (address.startsWith('/')) return { kind: 'unix', path: address };
  if (address.startsWith('unix@')) return { kind: 'unix', path: address.slice(5) };
  if (address.startsWith('ring@')) return { kind: 'unsupported', why: 'ring buffers are not implemented' };
  const bare = address.replace(/^(udp@|udp4@|udp6@|ipv4@|ipv6@)/, '');
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(bare) ?? /^([^:]*)(?::(\d+))?$/.exec(bare);
  // A bare IPv6 address (several colons, no brackets) has no port.
  if (m === null) return { kind: 'udp', host: bare, port: SYSLOG_PORT };
  return { kind: 'udp', host: m[1] ?? '', port: m[2] === undefined ? SYSLOG_PORT : Number(m[2]) };
}

const ERRNO_NAMES: Readonly<Record<number, string>> = {
  2: 'ENOENT', 11: 'EAGAIN', 13: 'EACCES', 22: 'EINVAL', 90: 'EMSGSIZE', 91: 'EPROTOTYPE', 101: 'ENETUNREACH', 111: 'ECONNREFUSED',
  112: 'EHOSTDOWN', 113: 'EHOSTUNREACH',
};

/**
 * The errors a connected UDP socket reports for an ICMP answer to an earlier datagram (port or host unreachable):
 * an unconnected socket never hears them, its datagrams simply go, so the sink falls back to unconnected sends.
 */
const PEER_REFUSALS: ReadonlySet<number> = new Set([101, 111, 112, 113]);
/** A connected send that stops short returns -(errno + ERRNO_SPAN × sent) (native/log-send.c). */
const ERRNO_SPAN = 4096;
/** How long a sink that fell back to unconnected sends keeps them before trying connected again. */
export const RECONNECT_MS = 10_000;

/** What openLogSink may be told besides the address (tests shorten the reconnect delay). */
export interface LogSinkOptions {
  /** RECONNECT_MS unless said; 0: never connect (sends stay unconnected, as before connected sends existed). */
  readonly reconnectMs?: number;
}

/** The queued lines of one sink: their bytes back to back and their [offset, length] spans. */
class LineBatch {
  readonly bytes = Buffer.allocUnsafe(BATCH_BYTES);
  readonly spans = new Int32Array(2 * BATCH_LINES);
  count = 0;
  used = 0;

  /** Copies one line in; false when it does not fit (the caller flushes first). */
  push(buffer: Buffer, offset: number, length: number): boolean {
    if (this.count === BATCH_LINES || this.used + length > BATCH_BYTES) return false;
    buffer.copy(this.bytes, this.used, offset, offset + length);
    this.spans[2 * this.count] = this.used;
    this.spans[2 * this.count + 1] = length;
    this.count++;
    this.used += length;
    return true;
  }

  /** The same for head + body + LF (addLine). */
  pushLine(head: Buffer, headLength: number, body: Buffer, offset: number, bodyLength: number): boolean {
    const length = headLength + bodyLength + 1;
    if (this.count === BATCH_LINES || this.used + length > BATCH_BYTES) return false;
    const at = this.used;
    if (headLength > 0) head.copy(this.bytes, at, 0, headLength);
    if (bodyLength > 0) body.copy(this.bytes, at + headLength, offset, offset + bodyLength);
    this.bytes[at + length - 1] = 0x0a;
    this.spans[2 * this.count] = at;
    this.spans[2 * this.count + 1] = length;
    this.count++;
    this.used += length;
    return true;
  }

  clear(): void {
    this.count = 0;
    this.used = 0;
  }
}

/** The shape every sink shares: a batch, and a flush that sends it (returns the lines dropped). */
function batchedSink(
  name: string,
  send: (batch: LineBatch) => number,
  lastError: () => string | undefined,
  close: () => void,
  connected: () => boolean = () => false,
): LogSink {
  const batch = new LineBatch();
  const sink: LogSink = {
    name,
    add(buffer, offset, length) {
      if (batch.push(buffer, offset, length)) return;
      // flush() hands back and zeroes `dropped`: read it after the call, never in the same `+=`.
      const lost = sink.flush();
      dropped += lost;
      // A line longer than a whole batch cannot exist (len ≤ 65535 < BATCH_BYTES): this push succeeds.
      batch.push(buffer, offset, length);
    },
    addLine(head, headLength, body, offset, bodyLength) {
      if (batch.pushLine(head, headLength, body, offset, bodyLength)) return;
      const lost = sink.flush();
      dropped += lost;
      // A line is at most MAX_LOG_LEN (65535) bytes < BATCH_BYTES: this push succeeds.
      batch.pushLine(head, headLength, body, offset, bodyLength);
    },
    flush() {
      const lost = batch.count === 0 ? 0 : send(batch);
      batch.clear();
      const total = lost + dropped;
      dropped = 0;
      return total;
    },
    lastError,
    connected,
    close,
  };
  let dropped = 0;
  return sink;
}

/**
 * A datagram sink over the addon's socket: sendmmsg per batch (sendto when the build has no sendmmsg). A UDP one
 * (family 4/6) sends connected while its peer does not refuse (see the file's opening comment).
 */
function nativeDgram(addon: NativeAddon, family: 1 | 4 | 6, name: string, address: string, port: number, options: LogSinkOptions): LogSink | undefined {
  const { dgramOpen: open, dgramSendTo: sendTo, dgramSendMany: sendMany, dgramConnect: connect } = addon;
  if (open === undefined || sendTo === undefined) return undefined;
  let fd: number;
  try {
    fd = open(family);
  } catch {
    return undefined;
  }
  let error: string | undefined;
  const reconnectMs = options.reconnectMs ?? RECONNECT_MS;
  const mayConnect = family !== 1 && sendMany !== undefined && connect !== undefined && reconnectMs > 0;
  let connected = false;
  // When to try connected sends (again): now at start, RECONNECT_MS after a refusal; Infinity when never.
  let connectAt = mayConnect ? 0 : Number.POSITIVE_INFINITY;
  const unconnected = (b: LineBatch, from: number): number => {
    const spans = from === 0 ? b.spans : b.spans.subarray(2 * from);
    if (sendMany !== undefined) return sendMany(fd, b.bytes, spans, b.count - from, address, port);
    let sent = 0;
    for (; sent < b.count - from; sent++) {
      const n = sendTo(fd, b.bytes, spans[2 * sent] ?? 0, spans[2 * sent + 1] ?? 0, address, port);
      if (n < 0) return sent === 0 ? n : sent;
    }
    return sent;
  };
  /** A connected send; -errno or the datagrams sent, as unconnected() says it. */
  const viaConnection = (b: LineBatch): number => {
    const r = (sendMany as NonNullable<typeof sendMany>)(fd, b.bytes, b.spans, b.count, address, port, 1);
    if (r >= 0) return r;
    const errno = -r % ERRNO_SPAN;
    const done = Math.floor(-r / ERRNO_SPAN);
    if (!PEER_REFUSALS.has(errno)) return done === 0 ? -errno : done;
    // The peer refused an earlier datagram: the rest of this batch, and the next batches, go unconnected (the
    // refusal said nothing about these lines: unconnected, they are sent as haproxy sends them).
    (connect as NonNullable<typeof connect>)(fd, '', 0);
    connected = false;
    connectAt = Date.now() + reconnectMs;
    const rest = unconnected(b, done);
    return rest < 0 ? (done === 0 ? rest : done) : done + rest;
  };
  const send = (b: LineBatch): number => {
    if (!connected && connectAt <= Date.now()) {
      connected = (connect as NonNullable<typeof connect>)(fd, address, port) === 0;
      if (!connected) connectAt = Date.now() + reconnectMs;
    }
    const sent = connected ? viaConnection(b) : unconnected(b, 0);
    if (sent < 0) {
      error = ERRNO_NAMES[-sent] ?? `errno ${-sent}`;
      return b.count;
    }
    // Fewer sent than queued: the sink's buffer filled (the next send would have said EAGAIN).
    if (sent < b.count) error = 'EAGAIN';
    return b.count - sent;
  };
  const close = (): void => {
    if (fd < 0) return;
    try {
      closeSync(fd);
    } catch {
      // already gone
    }
    fd = -1;
  };
  return batchedSink(name, send, () => error, close, () => connected);
}

/**
 * Node's dgram for a UDP target when the addon is absent or the host is a name. A name is looked up once (as haproxy
 * resolves it once at start), lines waiting for the answer are kept in order; each line is copied (dgram keeps its
 * buffer until the datagram left).
 */
function nodeUdp(host: string, port: number, name: string): LogSink {
  const sock: Socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  let error: string | undefined;
  sock.on('error', (e: NodeJS.ErrnoException) => {
    error = e.code ?? 'error';
  });
  sock.unref();
  let address: string | undefined = isIP(host) === 0 ? undefined : host;
  let waiting: Buffer[] | undefined;
  const out = (line: Buffer, to: string): void => {
    sock.send(line, port, to, (e) => {
      if (e !== null) error = (e as NodeJS.ErrnoException).code ?? 'error';
    });
  };
  const send = (b: LineBatch): number => {
    for (let i = 0; i < b.count; i++) {
      const off = b.spans[2 * i] ?? 0;
      const line = Buffer.from(b.bytes.subarray(off, off + (b.spans[2 * i + 1] ?? 0)));
      if (address !== undefined) out(line, address);
      else if (waiting !== undefined) waiting.push(line);
      else {
        waiting = [line];
        lookup(host, { family: isIP(host) === 6 ? 6 : 4 }, (e, resolved) => {
          const lines = waiting ?? [];
          waiting = undefined;
          if (e !== null) {
            error = e.code ?? 'ENOTFOUND';
            return;
          }
          address = resolved;
          for (const l of lines) out(l, resolved);
        });
      }
    }
    return 0;
  };
  const close = (): void => {
    try {
      sock.close();
    } catch {
      // already closed
    }
  };
  return batchedSink(name, send, () => error, close);
}

/** A file descriptor sink (`stdout`, `stderr`, `fd@N`): one write per batch (lines end with LF, back to back). */
function fdSink(fd: number, name: string): LogSink {
  let error: string | undefined;
  const send = (b: LineBatch): number => {
    let written = 0;
    try {
      written = writeSync(fd, b.bytes, 0, b.used);
    } catch (e) {
      error = (e as NodeJS.ErrnoException).code ?? 'error';
    }
    if (written === b.used) return 0;
    // A non-blocking pipe took part of the batch: the lines not wholly written are lost.
    let whole = 0;
    while (whole < b.count && (b.spans[2 * whole] ?? 0) + (b.spans[2 * whole + 1] ?? 0) <= written) whole++;
    return b.count - whole;
  };
  return batchedSink(name, send, () => error, () => undefined);
}

/** A sink that can never send (what `reason` says): every line is dropped and counted. */
function deadSink(name: string, reason: string): LogSink {
  return batchedSink(name, (b) => b.count, () => reason, () => undefined);
}

/**
 * Opens the sink for a target's address with `addon` (undefined: not built), `options` for tests. Never throws: a target that cannot be
 * reached at all becomes a sink that drops (its lastError says why).
 */
export function openLogSink(address: string, addon: NativeAddon | undefined, options: LogSinkOptions = {}): LogSink {
  const a = sinkAddress(address);
  switch (a.kind) {
    case 'fd':
      return fdSink(a.fd, address);
    case 'unsupported':
      return deadSink(address, a.why);
    case 'unix': {
      const sink = addon === undefined ? undefined : nativeDgram(addon, 1, address, a.path, -1, options);
      return sink ?? deadSink(address, 'UNIX datagram log targets need the native addon (build/Release/fd_dup.node)');
    }
    case 'udp': {
      const family = isIP(a.host);
      const name = `${a.host}:${a.port}`;
      const sink = addon === undefined || family === 0 ? undefined : nativeDgram(addon, family === 6 ? 6 : 4, name, a.host, a.port, options);
      return sink ?? nodeUdp(a.host, a.port, name);
    }
  }
}
