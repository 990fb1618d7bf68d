// Opens one TCP connection to a server within `timeout connect`, classifying failures as HAProxy's termination
// states do (refused → SC, timeout → sC). Forwarder threads. Never leaves a half-open socket behind on failure.
// Both engines connect through here (dispatch.ts); a session that reads through the thread's SocketIo passes it with
// its read sink, so the server socket reads into the shared buffer from its first byte.

import net from 'node:net';
import { OrcaError } from '../errors.js';
import type { ReadSink, SocketIo } from '../io/socket-io.js';

/** Where a new server socket's reads go: the thread's SocketIo and the session's sink. */
export interface ServerReads {
  readonly io: SocketIo;
  readonly sink: ReadSink;
}

/**
 * Resolves with the connected socket, or rejects with OrcaError ORCA_SERVER_CONNECT_REFUSED / _TIMEOUT / _ERROR.
 * `timeoutMs` undefined = no limit (HAProxy warns about a missing `timeout connect`, and waits forever). With `reads`
 * the socket is built by `reads.io` (SocketIo.connect: Nagle off, half-open allowed, reads to `reads.sink`);
 * without, a plain net.Socket with Nagle off. The caller installs its 'error' listener at once on resolution.
 */
export function connectServer(
  address: string,
  port: number,
  timeoutMs: number | undefined,
  reads?: ServerReads,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      reads === undefined
        ? net.connect({ host: address, port, noDelay: true })
        : reads.io.connect({ host: address, port }, reads.sink);
    let timer: NodeJS.Timeout | undefined;
    const fail = (err: OrcaError): void => {
      if (timer !== undefined) clearTimeout(timer);
      socket.removeAllListeners('connect');
      socket.destroy();
      reject(err);
    };
    socket.once('error', (e: NodeJS.ErrnoException) => {
      const code = e.code === 'ECONNREFUSED' ? 'ORCA_SERVER_CONNECT_REFUSED' : 'ORCA_SERVER_CONNECT_ERROR';
      fail(new OrcaError(code, `${address}:${port}: ${e.message}`, { cause: e, detail: e.code ?? '' }));
    });
    socket.once('connect', () => {
      if (timer !== undefined) clearTimeout(timer);
      // The session installs its own handlers; drop ours so a later error is not read as a connect failure.
      socket.removeAllListeners('error');
      resolve(socket);
    });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        fail(new OrcaError('ORCA_SERVER_CONNECT_TIMEOUT', `${address}:${port}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
    }
  });
}
