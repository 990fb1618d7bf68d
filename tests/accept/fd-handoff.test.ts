// The acceptor → forwarder connection handoff (core/accept/fd-handoff.ts + native/fd-dup.c) over real
// sockets: a pauseOnConnect server on the main thread detaches each connection and two worker threads adopt them.
// Needs the addon built by `npm install`; the tests fail (not skip) without it.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, openSync, readdirSync, readFileSync, closeSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { OrcaError } from '../../core/errors.js';
import { adoptSocket, detachSocket, discardFd, socketFd, type FdDup } from '../../core/accept/fd-handoff.js';
import { loadNativeAddon } from '../../core/native-addon.js';
import { within } from '../support/wait.js';

const CONNECTIONS = 200;
const CONCURRENCY = 20;
const WORKER_URL = new URL('../support/adopt-worker.js', import.meta.url);

function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

function requireDup(): FdDup {
  const dup = loadNativeAddon()?.dup;
  assert.ok(dup, 'build/Release/fd_dup.node is missing: run `npm install` (it builds the addon)');
  return dup;
}

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  assert.ok(addr !== null && typeof addr === 'object');
  return addr.port;
}

interface Exchange {
  readonly localAddress: string;
  readonly localPort: number;
  readonly sent: Buffer;
  readonly reply: Buffer;
}

/** One client: sends `payload`, half-closes, reads the whole reply. */
async function exchange(port: number, payload: Buffer): Promise<Exchange> {
  const client = net.connect(port, '127.0.0.1');
  await once(client, 'connect');
  const localAddress = client.localAddress ?? '';
  const localPort = client.localPort ?? 0;
  const chunks: Buffer[] = [];
  client.on('data', (c: Buffer) => chunks.push(c));
  client.end(payload);
  await once(client, 'close');
  return { localAddress, localPort, sent: payload, reply: Buffer.concat(chunks) };
}

/** Payloads of varied sizes, some spanning several reads, with content that identifies the connection. */
function payloadFor(i: number): Buffer {
  const size = 1 + ((i * 7919) % 40_000);
  const buf = Buffer.alloc(size);
  for (let j = 0; j < size; j++) buf[j] = (i + j) & 0xff;
  return buf;
}

test('the addon loader finds the built addon and returns undefined for a path with no addon', () => {
  assert.equal(typeof requireDup(), 'function');
  assert.equal(loadNativeAddon('./no-such-addon.node'), undefined);
});

test('the addon returns a new close-on-exec fd and throws the errno text for a closed fd', (t) => {
  const dup = requireDup();
  const fd = openSync('/proc/self/stat', 'r');
  t.after(() => closeSync(fd));
  const copy = dup(fd);
  try {
    assert.notEqual(copy, fd);
    const flagsLine = readFileSync(`/proc/self/fdinfo/${copy}`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags:'));
    assert.ok(flagsLine);
    const flags = Number.parseInt(flagsLine.slice('flags:'.length).trim(), 8);
    assert.equal(flags & 0o2000000, 0o2000000, 'O_CLOEXEC is set on the duplicate');
  } finally {
    closeSync(copy);
  }
  assert.throws(() => dup(copy), (err: unknown) => {
    assert.ok(err instanceof Error);
    assert.equal('code' in err ? err.code : undefined, 'ERR_FD_DUP');
    assert.match(err.message, /Bad file descriptor/);
    return true;
  });
});

test('a socket with no fd has socketFd undefined and detachSocket throws ORCA_INTERNAL', () => {
  const dup = requireDup();
  const socket = new net.Socket();
  assert.equal(socketFd(socket), undefined);
  assert.throws(() => detachSocket(socket, dup), (err: unknown) => {
    assert.ok(err instanceof OrcaError);
    assert.equal(err.code, 'ORCA_INTERNAL');
    return true;
  });
  assert.equal(socket.destroyed, true);
});

test('a detached fd that nobody adopts is closed by discardFd and the client sees the close', async (t) => {
  const dup = requireDup();
  const { promise: detached, resolve } = Promise.withResolvers<number>();
  const server = net.createServer({ pauseOnConnect: true }, (socket) => resolve(detachSocket(socket, dup)));
  t.after(() => server.close());
  const port = await listen(server);
  const client = net.connect(port, '127.0.0.1');
  t.after(() => client.destroy());
  client.resume();
  const fd = await within(detached, 5000, 'accept');
  // The duplicate alone keeps the connection open after the acceptor's socket is destroyed.
  assert.equal(existsSync(`/proc/self/fd/${fd}`), true);
  discardFd(fd);
  assert.equal(existsSync(`/proc/self/fd/${fd}`), false);
  await within(once(client, 'end'), 5000, 'client end');
});

test('200 connections handed to two worker threads are echoed by the adopting thread, leaking no fd', async (t) => {
  const dup = requireDup();
  const workers = [new Worker(WORKER_URL), new Worker(WORKER_URL)];
  t.after(async () => {
    await Promise.all(workers.map((w) => w.terminate()));
  });
  await within(Promise.all(workers.map((w) => once(w, 'online'))), 5000, 'workers online');

  // Every adopted socket reports once it has closed; the leak check waits for all of them.
  let closed = 0;
  const workerErrors: string[] = [];
  const closeWaiters: Array<{ count: number; resolve: () => void }> = [];
  const untilClosed = (count: number): Promise<void> =>
    new Promise((resolve) => {
      if (closed >= count) resolve();
      else closeWaiters.push({ count, resolve });
    });
  for (const w of workers) {
    w.on('message', (msg: { closed: number; error?: string }) => {
      if (msg.error !== undefined) workerErrors.push(msg.error);
      closed++;
      for (const waiter of closeWaiters) if (closed >= waiter.count) waiter.resolve();
    });
    w.on('error', (err: Error) => workerErrors.push(err.message));
  }

  // Client port → threadId of the worker the acceptor chose, to check who answered.
  const routedTo = new Map<number, number>();
  let accepted = 0;
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    const worker = workers[accepted++ % workers.length];
    assert.ok(worker);
    routedTo.set(socket.remotePort ?? -1, worker.threadId);
    worker.postMessage({ fd: detachSocket(socket, dup) });
  });
  t.after(() => server.close());
  const port = await listen(server);

  // One warm-up connection per worker first: libuv opens one reserve fd per event loop on its first socket
  // (its EMFILE trick), which is a one-time cost, not a per-connection leak.
  const results: Exchange[] = [];
  for (let i = 0; i < workers.length; i++) results.push(await exchange(port, payloadFor(i)));
  await within(untilClosed(workers.length), 5000, 'warm-up sockets to close');
  const baseline = fdCount();

  let next = workers.length;
  const lane = async (): Promise<void> => {
    while (next < CONNECTIONS) {
      results.push(await exchange(port, payloadFor(next++)));
    }
  };
  await within(Promise.all(Array.from({ length: CONCURRENCY }, lane)), 15_000, 'all exchanges');
  await within(untilClosed(CONNECTIONS), 5000, 'every adopted socket to close');

  assert.deepEqual(workerErrors, []);
  assert.equal(results.length, CONNECTIONS);
  const answeredBy = new Set<number>();
  for (const r of results) {
    const nl = r.reply.indexOf(0x0a);
    assert.ok(nl > 0, 'reply has a header line');
    const [tid, addr, rport] = r.reply.subarray(0, nl).toString().split(' ');
    assert.equal(Number(tid), routedTo.get(r.localPort), 'the thread the fd was posted to answered');
    assert.equal(addr, r.localAddress, "adopted socket's remoteAddress is the client's local address");
    assert.equal(Number(rport), r.localPort, "adopted socket's remotePort is the client's local port");
    assert.ok(r.reply.subarray(nl + 1).equals(r.sent), 'the echoed bytes are the bytes sent');
    answeredBy.add(Number(tid));
  }
  assert.equal(answeredBy.size, 2, 'both worker threads adopted connections');
  assert.equal(fdCount(), baseline, 'no fd left open after 200 handoffs');
});

test('an adopted socket on the accepting thread reads, writes and closes its fd on destroy', async (t) => {
  const dup = requireDup();
  const { promise: adopted, resolve } = Promise.withResolvers<net.Socket>();
  const server = net.createServer({ pauseOnConnect: true }, (socket) => resolve(adoptSocket(detachSocket(socket, dup))));
  t.after(() => server.close());
  const port = await listen(server);
  const client = net.connect(port, '127.0.0.1');
  t.after(() => client.destroy());
  const socket = await within(adopted, 5000, 'accept');
  const fd = socketFd(socket);
  assert.ok(fd !== undefined);
  client.write('ping');
  const [data] = (await within(once(socket, 'data'), 5000, 'data')) as [Buffer];
  assert.equal(data.toString(), 'ping');
  socket.write('pong');
  const [reply] = (await within(once(client, 'data'), 5000, 'reply')) as [Buffer];
  assert.equal(reply.toString(), 'pong');
  socket.destroy();
  await within(once(socket, 'close'), 5000, 'adopted close');
  assert.equal(existsSync(`/proc/self/fd/${fd}`), false, 'destroy() closed the adopted fd');
  await within(once(client, 'end'), 5000, 'client end');
});
