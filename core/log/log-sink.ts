// Where a log target's bytes go (manual §3.1 "log" <address>): a UDP address (`127.0.0.1:514`, `udp@`, `ipv4@`,
// `ipv6@`, port 514 by default), a UNIX datagram path (`/dev/log`, `unix@`), or a file descriptor (`stdout`, `stderr`,
// `fd@N`). One datagram or one write per line; never blocks and never throws: a line the sink cannot take now is
// reported as not sent, and the caller counts it. Datagrams use the native addon's non-blocking sendto
// (native/log-send.c); without it UDP falls back to Node's dgram and UNIX paths cannot be reached (said once).
// Runs in the log writer (main thread) and in each thread's process logger.

import { createSocket, type Socket } from 'node:dgram';
import { closeSync, writeSync } from 'node:fs';
import { isIP } from 'node:net';
import { loadNativeAddon, type NativeAddon } from '../native-addon.js';

/** What one send did: sent, or dropped (`why` is the errno name for the first report of a kind). */
export type SinkResult = 'sent' | 'dropped';

export interface LogSink {
  /** A short name for alerts (`127.0.0.1:514`, `/dev/log`, `fd@1`). */
  readonly name: string;
  /** Sends buffer[offset, offset+length) as one line. Never throws. */
  send(buffer: Buffer, offset: number, length: number): SinkResult;
  /** The errno name of the last failure (for the one alert per sink), or undefined. */
  lastError(): string | undefined;
  close(): void;
}

/** HAProxy's default syslog port. */
const SYSLOG_PORT = 514;

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

const ERRNO_NAMES: Readonly<Record<number, string>> = { 11: 'EAGAIN', 2: 'ENOENT', 111: 'ECONNREFUSED', 22: 'EINVAL', 13: 'EACCES', 90: 'EMSGSIZE', 101: 'ENETUNREACH', 91: 'EPROTOTYPE' };

/** A datagram sink over the addon's socket: one sendto per line. */
function nativeDgram(addon: NativeAddon, family: 1 | 4 | 6, name: string, address: string, port: number): LogSink | undefined {
  const open = addon.dgramOpen;
  const sendTo = addon.dgramSendTo;
  if (open === undefined || sendTo === undefined) return undefined;
  let fd: number;
  try {
    fd = open(family);
  } catch {
    return undefined;
  }
  let error: string | undefined;
  return {
    name,
    send(buffer, offset, length) {
      const n = sendTo(fd, buffer, offset, length, address, port);
      if (n >= 0) return 'sent';
      error = ERRNO_NAMES[-n] ?? `errno ${-n}`;
      return 'dropped';
    },
    lastError: () => error,
    close() {
      if (fd < 0) return;
      try {
        closeSync(fd);
      } catch {
        // already gone
      }
      fd = -1;
    },
  };
}

/** Node's dgram for a UDP target when the addon is absent or the host is a name: it copies and queues each line. */
function nodeUdp(host: string, port: number, name: string): LogSink {
  const sock: Socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  let error: string | undefined;
  sock.on('error', (e: NodeJS.ErrnoException) => {
    error = e.code ?? 'error';
  });
  sock.unref();
  return {
    name,
    send(buffer, offset, length) {
      // dgram keeps the buffer until the datagram left: it gets its own copy.
      sock.send(Buffer.from(buffer.subarray(offset, offset + length)), port, host, (e) => {
        if (e !== null) error = (e as NodeJS.ErrnoException).code ?? 'error';
      });
      return 'sent';
    },
    lastError: () => error,
    close: () => {
      try {
        sock.close();
      } catch {
        // already closed
      }
    },
  };
}

/** A file descriptor sink (`stdout`, `stderr`, `fd@N`): one write per line; EAGAIN on a non-blocking pipe drops. */
function fdSink(fd: number, name: string): LogSink {
  let error: string | undefined;
  return {
    name,
    send(buffer, offset, length) {
      try {
        writeSync(fd, buffer, offset, length);
        return 'sent';
      } catch (e) {
        error = (e as NodeJS.ErrnoException).code ?? 'error';
        return 'dropped';
      }
    },
    lastError: () => error,
    close: () => undefined,
  };
}

/** A sink that can never send (what `reason` says): every line is dropped and counted. */
function deadSink(name: string, reason: string): LogSink {
  return { name, send: () => 'dropped', lastError: () => reason, close: () => undefined };
}

/**
 * Opens the sink for a target's address. `addon` undefined: the addon is loaded here (once per thread). Never throws:
 * a target that cannot be reached at all becomes a sink that drops (its lastError says why).
 */
export function openLogSink(address: string, addon: NativeAddon | undefined = loadNativeAddon()): LogSink {
  const a = sinkAddress(address);
  switch (a.kind) {
    case 'fd':
      return fdSink(a.fd, address);
    case 'unsupported':
      return deadSink(address, a.why);
    case 'unix': {
      const sink = addon === undefined ? undefined : nativeDgram(addon, 1, address, a.path, -1);
      return sink ?? deadSink(address, 'UNIX datagram log targets need the native addon (build/Release/fd_dup.node)');
    }
    case 'udp': {
      const family = isIP(a.host);
      const name = `${a.host}:${a.port}`;
      const sink = addon === undefined || family === 0 ? undefined : nativeDgram(addon, family === 6 ? 6 : 4, name, a.host, a.port);
      return sink ?? nodeUdp(a.host, a.port, name);
    }
  }
}
