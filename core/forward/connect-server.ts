// Opens one TCP connection to a server within `timeout connect`, classifying failures as HAProxy's termination
// states do (refused → SC, timeout → sC). Forwarder threads. Never leaves a half-open socket behind on failure.

import net from 'node:net';
import { OrcaError } from '../errors.js';

/**
 * Resolves with the connected socket, or rejects with OrcaError ORCA_SERVER_CONNECT_REFUSED / _TIMEOUT / _ERROR.
 * `timeoutMs` undefined = no limit (HAProxy warns about a missing `timeout connect`, and waits forever).
 */
export function connectServer(address: string, port: number, timeoutMs: number | undefined): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port, noDelay: true });
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
