// Closing a client connection the way HAProxy does when it is done with it: our FIN, then whatever the client still
// sends is read and dropped until it closes too, so that the kernel never answers unread bytes with a reset (which
// would also destroy any answer still in flight). Used by both engines: HTTP after its last response, TCP when no
// server can be had (measured on 2.6.12: FIN, never RST). Forwarder threads; once per closing session, not hot.

import type net from 'node:net';
import type { ReadSink, SocketIo } from '../io/socket-io.js';

/** How long a closing client may take to send its FIN before the socket is dropped. */
const LINGER_MS = 1000;

/** The read sink of a lingering client: every byte is dropped, reading goes on. */
const DISCARD: ReadSink = { onRead: () => true };

const ignore = (): void => undefined;

/**
 * Sends our FIN after any queued bytes, discards the client's input, and resolves once the client has closed its
 * side (or the socket closed, or LINGER_MS passed); the caller destroys the socket afterwards. A socket read through
 * the thread's SocketIo is given with `io` (its reads then go to a discarding sink); otherwise it must have no other
 * 'data' consumer left. Never rejects.
 */
export function lingeringClose(client: net.Socket, io?: SocketIo): Promise<void> {
  if (client.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, LINGER_MS);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    if (io === undefined) client.on('data', ignore);
    else io.setSink(client, DISCARD);
    client.once('end', done);
    client.once('close', done);
    // A client that had already sent its FIN: 'close' follows once our FIN is out (never destroy before, that
    // would drop bytes still queued for it). A sink that stopped reading it (a full hold) is overridden here.
    client.resume();
    client.end();
  });
}
