// Bench backend for the L4 scenarios: a TCP server that answers each request line `<bytes>\n` with that many bytes
// (from one preallocated buffer, honouring backpressure) and otherwise holds the connection idle. Backend process.

import { createServer, type Server, type Socket } from 'node:net';

/** Largest single write: big enough to keep the kernel busy, small enough not to pin the event loop. */
const CHUNK = 256 * 1024;
const PAYLOAD = Buffer.alloc(CHUNK, 0x61);
/** Requests above this are refused (the connection is closed): a typo cannot make a backend send for ever. */
const MAX_REQUEST = 1 << 30;

/** Serves `size` bytes on sock, resolving once the last chunk is queued with the socket writable again. */
async function sendBytes(sock: Socket, size: number): Promise<void> {
  let left = size;
  while (left > 0 && !sock.destroyed) {
    const n = Math.min(left, CHUNK);
    left -= n;
    if (!sock.write(n === CHUNK ? PAYLOAD : PAYLOAD.subarray(0, n))) {
      await new Promise<void>((resolve) => {
        sock.once('drain', resolve);
        sock.once('close', resolve);
      });
    }
  }
}

function serve(sock: Socket): void {
  sock.setNoDelay(true);
  sock.on('error', () => undefined);
  let pending = '';
  let queue = Promise.resolve();
  sock.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const size = Number(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
      if (!Number.isInteger(size) || size < 0 || size > MAX_REQUEST) {
        sock.destroy();
        return;
      }
      // Pipelined requests are answered in order.
      queue = queue.then(() => sendBytes(sock, size));
    }
  });
}

/**
 * Starts the bulk server on 127.0.0.1 (port 0 = any); resolves with the server once it listens. `live` counts open
 * connections (the idle scenario waits for its 10,000 to arrive). Backend process only.
 */
export async function startBulkServer(live: { count: number }): Promise<Server> {
  const server = createServer((sock) => {
    live.count++;
    sock.once('close', () => live.count--);
    serve(sock);
  });
  server.maxConnections = 1_000_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve);
  });
  return server;
}
