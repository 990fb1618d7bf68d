// Test support: a real client → proxy → backend chain on 127.0.0.1 whose proxy hop is core/forward/l4-pipe.ts, run as
// a forwarder runs it: the proxy's client socket is adopted from a dup'ed fd and its server socket connected through a
// SocketIo (shared read buffer, try-write), deadlines on a DeadlineSweep the test may drive by hand. The test holds
// both outer ends (client, backend) and the two sockets handed to the pipe; everything allows half-open.

import net from 'node:net';
import { once } from 'node:events';
import { detachSocket } from '../../core/accept/fd-handoff.js';
import { pipeL4, type PipeEnv, type PipeResult, type PipeSpec, type PipeTimeouts } from '../../core/forward/l4-pipe.js';
import { DeadlineSweep } from '../../core/io/deadline-sweep.js';
import { SocketIo, type ReadSink } from '../../core/io/socket-io.js';
import { loadNativeAddon } from '../../core/native-addon.js';

export interface PipePair {
  /** The test's client, connected to the proxy. */
  readonly client: net.Socket;
  /** The backend's accepted socket (the proxy's server connection, seen from the backend). */
  readonly backend: net.Socket;
  /** The sockets given to the pipe: its client side and its server side. */
  readonly proxyClient: net.Socket;
  readonly proxyServer: net.Socket;
  /** The pipe's result. */
  readonly result: Promise<PipeResult>;
  /** Destroys every socket and closes both listeners. */
  close(): Promise<void>;
}

/** What a test adds to the pipe's spec (counters, bytes to send first), seeing the proxy's sockets. */
export type PipeExtras = (proxyClient: net.Socket, proxyServer: net.Socket) => Partial<PipeSpec>;

/**
 * A forwarder thread's pipe environment for tests: a SocketIo on the native addon and `sweep` (default: a real
 * DeadlineSweep; a test that drives time passes one on its own clock). Throws when the addon is not built.
 */
export function pipeEnv(sweep: DeadlineSweep = new DeadlineSweep()): PipeEnv {
  const addon = loadNativeAddon();
  if (addon === undefined) throw new Error('the native addon is not built (npm install): the pipe reads adopted fds');
  return { io: new SocketIo(addon), sweep };
}

/**
 * A sink that keeps what a socket sends before the pipe takes it over (and stops reading it), as the L4 session's
 * ClientHold does: the held bytes become the pipe's toServer / toClient.
 */
export class HoldSink implements ReadSink {
  readonly held = new Map<net.Socket, Buffer>();
  onRead(socket: net.Socket, buf: Buffer, n: number): boolean {
    const before = this.held.get(socket);
    const bytes = Buffer.from(buf.subarray(0, n));
    this.held.set(socket, before === undefined ? bytes : Buffer.concat([before, bytes]));
    return false;
  }
}

/**
 * Builds the chain and resolves once the pipe runs and the backend has accepted. `extras` sees the proxy's sockets;
 * `env` defaults to pipeEnv().
 */
export async function startPipePair(timeouts: PipeTimeouts, extras?: PipeExtras, env: PipeEnv = pipeEnv()): Promise<PipePair> {
  const addon = loadNativeAddon();
  if (addon === undefined) throw new Error('the native addon is not built (npm install)');
  const backendSrv = net.createServer({ allowHalfOpen: true });
  const proxySrv = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  await Promise.all([listen(backendSrv), listen(proxySrv)]);
  const backendPort = portOf(backendSrv);
  const accepted = once(backendSrv, 'connection') as Promise<[net.Socket]>;
  const started = new Promise<{ pc: net.Socket; ps: net.Socket; result: Promise<PipeResult> }>((resolve) => {
    proxySrv.once('connection', (socket: net.Socket) => {
      const hold = new HoldSink();
      // The fd, as a forwarder receives it from the acceptor.
      const pc = env.io.adopt(detachSocket(socket, addon.dup), hold);
      const ps = env.io.connect({ port: backendPort, host: '127.0.0.1' }, hold);
      // Until the pipe owns them, an error here must not crash the test runner.
      pc.on('error', () => {});
      ps.on('error', () => {});
      ps.once('connect', () => {
        const spec: PipeSpec = {
          client: pc,
          server: ps,
          timeouts,
          toServer: hold.held.get(pc),
          toClient: hold.held.get(ps),
          ...extras?.(pc, ps),
        };
        resolve({ pc, ps, result: pipeL4(env, spec) });
      });
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

