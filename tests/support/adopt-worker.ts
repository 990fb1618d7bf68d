// Test worker for tests/accept/fd-handoff.test.ts: plays a forwarder thread that adopts handed-off fds.
// Each adopted connection is read to the client's FIN, then answered with one header line
// `<threadId> <remoteAddress> <remotePort>` followed by the bytes received, and closed.

import { parentPort, threadId } from 'node:worker_threads';
import { adoptSocket } from '../../core/accept/fd-handoff.js';

/** Messages this worker accepts: an fd to adopt. */
export interface AdoptRequest {
  readonly fd: number;
}

/** Messages this worker posts: one per adopted connection, once its socket has closed (fd released). */
export interface AdoptReport {
  readonly closed: number;
  readonly error?: string;
}

function isAdoptRequest(msg: unknown): msg is AdoptRequest {
  return typeof msg === 'object' && msg !== null && 'fd' in msg && typeof msg.fd === 'number';
}

const port = parentPort;
if (port === null) throw new Error('adopt-worker must run as a worker thread');

port.on('message', (msg: unknown) => {
  if (!isAdoptRequest(msg)) return;
  const fd = msg.fd;
  let error: string | undefined;
  try {
    // allowHalfOpen: the reply is written after the client's FIN, as an L4 forwarder relays half-closes.
    const socket = adoptSocket(fd, { allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      const head = `${threadId} ${socket.remoteAddress ?? '?'} ${socket.remotePort ?? 0}\n`;
      socket.end(Buffer.concat([Buffer.from(head), ...chunks]));
    });
    socket.on('error', (err: Error) => {
      error = err.message;
    });
    socket.on('close', () => {
      port.postMessage(error === undefined ? { closed: fd } : { closed: fd, error } satisfies AdoptReport);
    });
  } catch (err) {
    port.postMessage({ closed: fd, error: err instanceof Error ? err.message : String(err) } satisfies AdoptReport);
  }
});
