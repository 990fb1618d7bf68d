// An HTTP connection that switched protocols (101, or a CONNECT the server accepted) becomes a byte tunnel between the
// client and the server, under `timeout tunnel` and the TCP termination rules (HAProxy 2.6 §4 tunnel mode; l4-pipe.ts).
// Forwarder threads. The interface the HTTP engine relies on: both sockets and the bytes each side sent past the
// switch; the sockets' reads are taken over from the engine (SocketIo.setSink) by the pipe.
//
// Adapter: l4-pipe.ts still reads 'data' events, which sockets reading through SocketIo's shared buffer do not
// emit, so each read is copied and re-emitted as one. Tunnels are rare and long-lived; the L4 rewrite onto SocketIo
// sinks (issue 10) replaces this bridge with a direct hand-over.

import type net from 'node:net';
import type { ReadSink, SocketIo } from '../io/socket-io.js';
import { pipeL4, type PipeResult, type PipeTimeouts } from './l4-pipe.js';

/** Re-emits every read as a 'data' event of its own Buffer (see the file header). */
const DATA_EVENTS: ReadSink = {
  onRead(socket: net.Socket, buf: Buffer, n: number): boolean {
    socket.emit('data', Buffer.from(buf.subarray(0, n)));
    // pipeL4 pauses the socket itself on backpressure (Socket.pause stops an onread handle too).
    return true;
  },
};

/**
 * Runs the tunnel until both sides are closed. `fromClient` (client bytes read past the request) goes to the server
 * first; what the server sent past its answer was already written to the client by the caller, with the answer.
 * `onBytes` counts each chunk (fromClient = client → server). Resolves with the pipe's result; never rejects.
 */
export function runTunnel(
  io: SocketIo,
  client: net.Socket,
  server: net.Socket,
  fromClient: Buffer | undefined,
  timeouts: PipeTimeouts,
  onBytes: (fromClient: boolean, n: number) => void,
): Promise<PipeResult> {
  io.setSink(client, DATA_EVENTS);
  io.setSink(server, DATA_EVENTS);
  return pipeL4(client, server, timeouts, {
    onBytes,
    ...(fromClient !== undefined && fromClient.length > 0 ? { initial: fromClient } : {}),
  });
}
