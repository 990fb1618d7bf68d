// Bench backend for the L7 scenarios: a minimal HTTP/1.x responder on raw TCP (a fixed 13-byte body, or 1 MiB for
// `GET /bulk`; keep-alive or close as the request asks), so that the backend costs as little CPU as possible next to
// wrk: every response is one prebuilt buffer. Backend process.

import { createServer, type Server, type Socket } from 'node:net';
import { BULK_PATH, BULK_SIZE } from './backend-launcher.js';

const BODY = 'hello, bench\n';
const KEEP = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`, 'latin1');
const CLOSE = Buffer.from(
  `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n${BODY}`,
  'latin1',
);
const bulkResponse = (close: boolean): Buffer =>
  Buffer.concat([
    Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${BULK_SIZE}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`, 'latin1'),
    Buffer.alloc(BULK_SIZE, 0x61),
  ]);
const BULK_KEEP = bulkResponse(false);
const BULK_CLOSE = bulkResponse(true);
/** A request head larger than this is not a bench request: drop the connection. */
const MAX_HEAD = 64 * 1024;

/** True when this request head ends its connection: `Connection: close`, or HTTP/1.0 without keep-alive. */
function closesAfter(head: string): boolean {
  const lower = head.toLowerCase();
  if (/\r\nconnection:[^\r]*close/.test(lower)) return true;
  const http10 = /^[^\r]* http\/1\.0\r\n/.test(lower);
  return http10 && !/\r\nconnection:[^\r]*keep-alive/.test(lower);
}

function serve(sock: Socket): void {
  sock.setNoDelay(true);
  sock.on('error', () => undefined);
  let pending = '';
  sock.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    let end = pending.indexOf('\r\n\r\n');
    // wrk and the proxies send GETs without bodies: every head is one request (pipelining included).
    while (end >= 0) {
      const head = pending.slice(0, end + 2);
      pending = pending.slice(end + 4);
      const bulk = head.startsWith(`GET ${BULK_PATH} `);
      if (closesAfter(head)) {
        sock.end(bulk ? BULK_CLOSE : CLOSE);
        return;
      }
      sock.write(bulk ? BULK_KEEP : KEEP);
      end = pending.indexOf('\r\n\r\n');
    }
    if (pending.length > MAX_HEAD) sock.destroy();
  });
}

/** Starts the responder on 127.0.0.1, any port; resolves once it listens. Backend process only. */
export async function startHttpServer(live: { count: number }): Promise<Server> {
  const server = createServer((sock) => {
    live.count++;
    sock.once('close', () => live.count--);
    serve(sock);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve);
  });
  return server;
}
