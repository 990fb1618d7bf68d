// Test support: a real client → proxy → backend chain on 127.0.0.1 whose proxy hop is core/forward/l4-pipe.ts.
// The test holds both outer ends (client, backend) and the two sockets handed to pipeL4; everything allows half-open.

import net from 'node:net';
import { once } from 'node:events';
import { pipeL4, type PipeHooks, type PipeResult, type PipeTimeouts } from '../../core/forward/l4-pipe.js';

export interface PipePair {
  /** The test's client, connected to the proxy. */
  readonly client: net.Socket;
  /** The backend's accepted socket (the proxy's server connection, seen from the backend). */
  readonly backend: net.Socket;
  /** The sockets given to pipeL4: its client side and its server side. */
  readonly proxyClient: net.Socket;
  readonly proxyServer: net.Socket;
  /** pipeL4's promise. */
  readonly result: Promise<PipeResult>;
  /** Destroys every socket and closes both listeners. */
  close(): Promise<void>;
}

/** Builds the chain and resolves once pipeL4 runs and the backend has accepted. `hooks` sees the proxy's sockets. */
export async function startPipePair(
  timeouts: PipeTimeouts,
  hooks?: (proxyClient: net.Socket, proxyServer: net.Socket) => PipeHooks,
): Promise<PipePair> {
  const backendSrv = net.createServer({ allowHalfOpen: true });
  const proxySrv = net.createServer({ allowHalfOpen: true });
  await Promise.all([listen(backendSrv), listen(proxySrv)]);
  const backendPort = portOf(backendSrv);
  const accepted = once(backendSrv, 'connection') as Promise<[net.Socket]>;
  const started = new Promise<{ pc: net.Socket; ps: net.Socket; result: Promise<PipeResult> }>((resolve) => {
    proxySrv.once('connection', (pc: net.Socket) => {
      const ps = net.connect({ port: backendPort, host: '127.0.0.1', allowHalfOpen: true });
      // Until pipeL4 owns them, an error here must not crash the test runner.
      pc.on('error', () => {});
      ps.on('error', () => {});
      ps.once('connect', () => resolve({ pc, ps, result: pipeL4(pc, ps, timeouts, hooks?.(pc, ps)) }));
    });
  });
  const client = net.connect({ port: portOf(proxySrv), host: '127.0.0.1', allowHalfOpen: true });
  client.on('error', () => {});
  const [[backend], { pc, ps, result }] = await Promise.all([accepted, started]);
  backend.on('error', () => {});
  const close = async (): Promise<void> => {
    for (const s of [client, backend, pc, ps]) s.destroy();
    await Promise.all([closeServer(backendSrv), closeServer(proxySrv)]);
  };
  return { client, backend, proxyClient: pc, proxyServer: ps, result, close };
}

function listen(srv: net.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
}

function closeServer(srv: net.Server): Promise<void> {
  return new Promise((resolve) => srv.close(() => resolve()));
}

function portOf(srv: net.Server): number {
  const a = srv.address();
  if (a === null || typeof a === 'string') throw new Error('server has no TCP address');
  return a.port;
}

/** Reads everything until 'end' (or rejects on timeout / close without end). */
export function readAll(socket: net.Socket, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`no end within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.once('close', () => {
      clearTimeout(timer);
      reject(new Error('closed before end'));
    });
  });
}

/** Resolves when the peer ended or the socket closed: reads (and drops) whatever is still unread. */
export function gone(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.closed || socket.readableEnded) return resolve();
    socket.once('end', () => resolve());
    socket.once('close', () => resolve());
    socket.resume();
  });
}

