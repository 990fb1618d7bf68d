// A connection as a bare fd, between threads: Node cannot transfer a net.Socket between worker_threads, but an fd is
// the process's. orcalb's accepting threads get fds straight from accept4() (native/accept-watch.c); this file holds
// what is left around them: closing an fd nobody will adopt (discardFd: any thread), adopting one as a plain
// net.Socket (adoptSocket: sessions without a read sink), and turning a socket Node's own net.Server accepted into an
// fd (detachSocket: dup, then destroy Node's copy; the L7 test harness hands sessions fds this way). Who owns an fd
// while it travels is decided by its handoff ticket (core/shared/handoff-tickets.ts); the admission it carries is
// admission.ts's.

import { closeSync } from 'node:fs';
import net from 'node:net';
import { OrcaError } from '../errors.js';

/**
 * The addon's dup (core/native-addon.ts, the one loader): a new fd for the same open socket, with FD_CLOEXEC set.
 * Throws on errno (code ERR_FD_DUP).
 */
export type FdDup = (fd: number) => number;

/** The part of libuv's stream handle we read: `fd` is uv_fileno(), -1 on platforms or states without one. */
interface HandleWithFd {
  readonly fd: number;
}

function isHandleWithFd(handle: unknown): handle is HandleWithFd {
  return typeof handle === 'object' && handle !== null && 'fd' in handle && typeof handle.fd === 'number';
}

/**
 * The kernel fd behind a socket, or undefined when it has none (not yet connected, destroyed, or a platform
 * where libuv exposes no fd). Reads Node's internal `_handle`, guarded at run time. Any thread.
 */
export function socketFd(socket: net.Socket): number | undefined {
  // `_handle` is not in @types/node; Reflect.get keeps the read typed as unknown instead of any.
  const handle: unknown = Reflect.get(socket, '_handle');
  if (!isHandleWithFd(handle) || handle.fd < 0) return undefined;
  return handle.fd;
}

/**
 * Acceptor side: duplicates the socket's fd, then destroys the socket (closing only the acceptor's copy: the
 * connection stays open through the duplicate, and no FIN is sent because close() of one of two fds does not
 * shut the socket down). Returns the new fd, which the caller must hand off or `discardFd`.
 * The socket should come from a `pauseOnConnect` server so no byte was read into this thread.
 * Throws OrcaError ORCA_INTERNAL if the socket has no fd or dup fails (the socket is destroyed either way).
 */
export function detachSocket(socket: net.Socket, dup: FdDup): number {
  const fd = socketFd(socket);
  if (fd === undefined) {
    socket.destroy();
    throw new OrcaError('ORCA_INTERNAL', 'cannot hand off a connection: the accepted socket has no file descriptor');
  }
  let copy: number;
  try {
    copy = dup(fd);
  } catch (cause) {
    socket.destroy();
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new OrcaError('ORCA_INTERNAL', `cannot hand off a connection: dup(${fd}) failed`, { detail, cause });
  }
  socket.destroy();
  return copy;
}

/** Options for the adopted socket; the rest are fixed (readable, writable). */
export interface AdoptOptions {
  /** Keep the write side open after the client's FIN (L4 forwarding relays half-closes). Default false. */
  readonly allowHalfOpen?: boolean;
}

/**
 * Forwarder side: wraps a duplicated fd as a connected net.Socket that now owns the fd (destroy() closes it).
 * The stream starts paused: bytes wait in the kernel/stream buffer until the caller attaches 'data' or pipes.
 * remoteAddress/remotePort/localAddress come from the kernel (getpeername/getsockname), as for an accepted
 * socket. Throws if the fd is not a socket this process has open (Node's own errors). Forwarder thread.
 */
export function adoptSocket(fd: number, options?: AdoptOptions): net.Socket {
  return new net.Socket({
    fd,
    readable: true,
    writable: true,
    allowHalfOpen: options?.allowHalfOpen ?? false,
  });
}

/**
 * Closes a duplicated fd that will never be adopted (the target thread died, or stop began between dup and
 * postMessage). Call it only for an fd that no thread adopted: once closed, the number may be reused by any
 * open() in the process. Never throws. Any thread.
 */
export function discardFd(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // EBADF or EIO: either way the fd is gone from this process, which is all the caller asked for.
  }
}
