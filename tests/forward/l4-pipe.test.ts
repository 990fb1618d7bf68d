// pipeL4 data phase with real sockets (SocketIo's, as a forwarder has them): bulk both ways under backpressure,
// half-close each way, bytes to send first, resets, a throwing counter.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { gone, pipeEnv, readAll, startPipePair } from '../support/pipe-pair.js';
import { within } from '../support/wait.js';

const MB = 1024 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Reads a socket slowly (a pause of 1 ms after every chunk) until 'end'; returns everything read. */
function readSlowly(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      socket.pause();
      setTimeout(() => socket.resume(), 1);
    });
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}

test('moves 8 MB each way at once to slow readers, with bounded buffering and exact byte counts', async (t) => {
  const up = randomBytes(8 * MB);
  const down = randomBytes(8 * MB);
  let maxBuffered = 0;
  const counted = { in: 0, out: 0 };
  const pair = await startPipePair({ client: 10_000, server: 10_000 }, (pc, ps) => ({
    counters: {
      addWide: (field, n) => {
        if (field === 'bytesIn') counted.in += n;
        else counted.out += n;
        // Whatever the proxy has accepted but not yet handed to the kernel sits in these write buffers.
        maxBuffered = Math.max(maxBuffered, ps.writableLength, pc.writableLength);
      },
    },
  }));
  t.after(() => pair.close());
  const atBackend = readSlowly(pair.backend);
  const atClient = readSlowly(pair.client);
  pair.client.end(up);
  pair.backend.end(down);
  const [gotUp, gotDown, result] = await within(Promise.all([atBackend, atClient, pair.result]), 20_000, 'transfer');
  assert.equal(sha(gotUp), sha(up));
  assert.equal(sha(gotDown), sha(down));
  assert.deepEqual(result, { bytesIn: 8 * MB, bytesOut: 8 * MB, termination: '--' });
  assert.deepEqual(counted, { in: 8 * MB, out: 8 * MB });
  assert.ok(maxBuffered < 1 * MB, `the proxy buffered up to ${maxBuffered} bytes in one socket`);
});

test('forwards a client FIN to the server, which can still answer before it closes', async (t) => {
  const pair = await startPipePair({ client: 5000, server: 5000 });
  t.after(() => pair.close());
  const atBackend = readAll(pair.backend);
  pair.client.end('ping');
  assert.equal((await within(atBackend, 3000, 'server sees end')).toString(), 'ping');
  const atClient = readAll(pair.client);
  pair.backend.end('pong');
  assert.equal((await within(atClient, 3000, 'client sees end')).toString(), 'pong');
  const result = await within(pair.result, 3000, 'pipe result');
  assert.deepEqual(result, { bytesIn: 4, bytesOut: 4, termination: '--' });
  assert.ok(pair.proxyClient.destroyed && pair.proxyServer.destroyed);
});

test('forwards a server FIN to the client, which can still send before it closes', async (t) => {
  const pair = await startPipePair({ client: 5000, server: 5000 });
  t.after(() => pair.close());
  const atClient = readAll(pair.client);
  pair.backend.end('banner');
  assert.equal((await within(atClient, 3000, 'client sees end')).toString(), 'banner');
  const atBackend = readAll(pair.backend);
  pair.client.end('late request');
  assert.equal((await within(atBackend, 3000, 'server sees end')).toString(), 'late request');
  const result = await within(pair.result, 3000, 'pipe result');
  assert.deepEqual(result, { bytesIn: 12, bytesOut: 6, termination: '--' });
});

test('once both FINs have come with nothing queued, both sockets close at once: every byte and both FINs arrive, ends as --', async (t) => {
  // Issue 10 (new connections): close(2) sends the FIN, without the shutdown(2) that end() would make first on the
  // socket whose FIN is relayed last (HAProxy closes so too); that socket's writable side never "finishes".
  const pair = await startPipePair({ client: 5000, server: 5000 });
  t.after(() => pair.close());
  const atBackend = readAll(pair.backend);
  const atClient = readAll(pair.client);
  pair.client.end('request');
  pair.backend.end('response');
  const [up, down] = await within(Promise.all([atBackend, atClient]), 3000, 'both peers see every byte and a FIN');
  assert.equal(up.toString(), 'request');
  assert.equal(down.toString(), 'response');
  assert.deepEqual(await within(pair.result, 3000, 'pipe result'), { bytesIn: 7, bytesOut: 8, termination: '--' });
  assert.ok(pair.proxyClient.destroyed && pair.proxyServer.destroyed);
  assert.ok(!pair.proxyClient.writableFinished || !pair.proxyServer.writableFinished, 'one side closed without a shutdown first');
});

test('sends the initial bytes to the server before the client own bytes, and counts them in', async (t) => {
  let counted = 0;
  const pair = await startPipePair({}, () => ({
    toServer: Buffer.from('API 0 8 / 32_1_4_2\n'),
    counters: {
      addWide: (field, n) => {
        if (field === 'bytesIn') counted += n;
      },
    },
  }));
  t.after(() => pair.close());
  const atBackend = readAll(pair.backend);
  pair.client.end('connect\n');
  assert.equal((await within(atBackend, 3000, 'server sees end')).toString(), 'API 0 8 / 32_1_4_2\nconnect\n');
  pair.backend.end();
  const result = await within(pair.result, 3000, 'pipe result');
  assert.equal(result.bytesIn, 27);
  assert.equal(counted, 27);
});

test('a server reset mid-transfer destroys the client and ends as SD', async (t) => {
  const pair = await startPipePair({ client: 5000, server: 5000 });
  t.after(() => pair.close());
  pair.backend.once('data', () => pair.backend.resetAndDestroy());
  pair.client.write(randomBytes(1 * MB));
  const result = await within(pair.result, 3000, 'pipe result');
  assert.equal(result.termination, 'SD');
  assert.equal(result.error?.code, 'ORCA_SERVER_CLOSED');
  assert.ok(result.bytesIn > 0);
  assert.equal(pair.proxyClient.destroyed, true);
  await within(gone(pair.client), 3000, 'client sees the connection end');
});

test('a client reset destroys the server connection and ends as CD', async (t) => {
  const pair = await startPipePair({ client: 5000, server: 5000 });
  t.after(() => pair.close());
  pair.backend.write('hello');
  await within(once(pair.client, 'data'), 3000, 'client got data');
  pair.client.resetAndDestroy();
  const result = await within(pair.result, 3000, 'pipe result');
  assert.equal(result.termination, 'CD');
  assert.equal(result.error?.code, 'ORCA_CLIENT_CLOSED');
  assert.equal(result.bytesOut, 5);
  assert.equal(pair.proxyServer.destroyed, true);
  await within(gone(pair.backend), 3000, 'server sees the connection end');
});

test('an exception thrown by a counter ends the session as ID instead of reaching the event loop', async (t) => {
  const pair = await startPipePair({ client: 5000, server: 5000 }, () => ({
    counters: {
      addWide: () => {
        throw new Error('counter exploded');
      },
    },
  }));
  t.after(() => pair.close());
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown): void => {
    uncaught.push(err);
  };
  process.on('uncaughtException', onUncaught);
  t.after(() => process.off('uncaughtException', onUncaught));
  pair.client.write('boom');
  const result = await within(pair.result, 3000, 'pipe result');
  assert.equal(result.termination, 'ID');
  assert.equal(result.error?.code, 'ORCA_INTERNAL');
  assert.match(result.error?.message ?? '', /counter exploded/);
  assert.deepEqual(uncaught, []);
});

test('a client that is already closed when the pipe starts still resolves', async (t) => {
  const backendSrv = net.createServer();
  await new Promise<void>((resolve) => backendSrv.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => backendSrv.close());
  backendSrv.on('connection', (s: net.Socket) => s.on('error', () => {}));
  const server = net.connect({ port: (backendSrv.address() as net.AddressInfo).port, host: '127.0.0.1' });
  await once(server, 'connect');
  const client = new net.Socket();
  client.destroy();
  await once(client, 'close');
  const { pipeL4 } = await import('../../core/forward/l4-pipe.js');
  const result = await within(pipeL4(pipeEnv(), { client, server, timeouts: {} }), 3000, 'pipe result');
  assert.equal(result.termination, 'CD');
  assert.equal(server.destroyed, true);
});

test('a client socket that closes before the server sent its FIN ends as CD and closes the server', async (t) => {
  const pair = await startPipePair({});
  t.after(() => pair.close());
  // As a Node socket without half-open does: it answers the client's FIN with its own and closes, "cleanly", while
  // the server still has bytes for it. Nothing could carry them: the session must end, not wait on the server.
  pair.proxyClient.allowHalfOpen = false;
  pair.client.end('bye');
  pair.backend.resume();
  await within(once(pair.backend, 'end'), 3000, 'the FIN relayed to the server');
  pair.backend.write('late answer');
  const result = await within(pair.result, 3000, 'pipe result');
  assert.equal(result.termination, 'CD');
  assert.equal(pair.proxyServer.destroyed, true);
});
