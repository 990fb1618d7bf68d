// The binary API side of an emulated node: a TCP connection that began with `API ` / `API2`. Requests are framed
// by RequestParser and answered strictly one at a time, in order (protocol notes §7, §9: no pipelining), with
// the socket paused while a request is being answered. Runs on the emulated node's thread.

import type { Socket } from 'node:net';
import { answerRequest, type Delivery } from './reply-policy.js';
import type { ConnectionRecord, NodeRuntime } from './node-runtime.js';
import { encodeErrorReply } from '../core/dolphindb/wire-reply.js';
import { RequestParser } from '../core/dolphindb/wire-request.js';

/** Applies a delivery to the socket. Writes after the peer has gone are dropped by the socket, not thrown. */
function deliver(socket: Socket, delivery: Delivery): void {
  switch (delivery.kind) {
    case 'send':
      socket.write(delivery.chunks.length === 1 ? (delivery.chunks[0] as Buffer) : Buffer.concat(delivery.chunks));
      if (delivery.thenClose) socket.end();
      return;
    case 'silent':
      return;
    case 'truncate':
      // Destroy only once the half reply has left, so the client sees bytes and then the close.
      socket.write(delivery.bytes, () => socket.destroy());
      return;
    case 'destroy':
      socket.destroy();
      return;
  }
}

/**
 * Serves the binary API on `socket`, starting with the bytes already read (`first`, PROXY header removed).
 * Takes over the socket's 'data' events. A framing error is answered with an error line and the connection is
 * closed, since the byte stream cannot be re-synchronised. Never throws.
 */
export function serveBinary(socket: Socket, first: Buffer, record: ConnectionRecord, runtime: NodeRuntime): void {
  record.protocol = 'binary';
  const parser = new RequestParser();
  const session = runtime.openSession(record);
  let busy = false;
  let done = false;

  const finish = (): void => {
    if (done) return;
    done = true;
    runtime.closeSession(session);
  };

  const pump = async (): Promise<void> => {
    if (busy || done) return;
    busy = true;
    socket.pause();
    try {
      for (;;) {
        const step = parser.next();
        if (step.kind === 'incomplete') break;
        if (step.kind === 'error') {
          socket.end(encodeErrorReply(session.sid, step.error.message));
          finish();
          return;
        }
        runtime.countRequest();
        const delivery = await answerRequest(session, step.request, {
          knobs: runtime.knobs, nodeName: runtime.name, overLimit: record.overLimit, signal: runtime.signal,
        });
        if (socket.destroyed) return;
        deliver(socket, delivery);
        const goOn = delivery.kind === 'silent' || (delivery.kind === 'send' && !delivery.thenClose);
        if (!goOn) return;
      }
    } catch (error) {
      // answerRequest never rejects by contract; if it ever does, drop this connection, not the node.
      socket.destroy(error instanceof Error ? error : undefined);
      return;
    } finally {
      busy = false;
    }
    if (!socket.destroyed) socket.resume();
  };

  socket.on('data', (chunk: Buffer) => {
    parser.push(chunk);
    void pump();
  });
  socket.on('close', finish);
  parser.push(first);
  // pump() resumes the socket (the sorter left it paused) once the bytes at hand are answered.
  void pump();
}
