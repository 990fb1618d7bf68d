// Closing a client connection the way HAProxy does when it is done with it: our FIN, then whatever the client still
// sends is read and dropped until it closes too, so that the kernel never answers unread bytes with a reset (which
// would also destroy any answer still in flight). Used by both engines: HTTP after its last response, TCP when no
// server can be had (measured on 2.6.12: FIN, never RST). Forwarder threads.

import type net from 'node:net';

/** How long a closing client may take to send its FIN before the socket is dropped. */
const LINGER_MS = 1000;

/**
 * Sends our FIN after any queued bytes, discards the client's input, and resolves once the client has closed its
 * side (or the socket closed, or LINGER_MS passed); the caller destroys the socket afterwards. The socket must have
 * no other 'data' consumer left. Never rejects.
 */
export function lingeringClose(client: net.Socket): Promise<void> {
  if (client.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, LINGER_MS);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    client.on('data', () => undefined);
    client.once('end', done);
    client.once('close', done);
    // A client that had already sent its FIN: 'close' follows once our FIN is out (never destroy before, that
    // would drop bytes still queued for it).
    client.resume();
    client.end();
  });
}
