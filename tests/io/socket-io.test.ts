// SocketIo (core/io/socket-io.ts) on real sockets: reads land in the one shared buffer, write() copies only what the
// kernel did not take (so the next read cannot corrupt queued bytes), and a sink returning false stops reading
// until resumed — a 8 MiB echo through a slow reader arrives intact, with and without the native tryWrite; the
// forwarders' clock holds one reading for the whole of a read callback.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { SocketIo, type ReadSink } from '../../core/io/socket-io.js';
import { DeadlineSweep, enterReadCallback, leaveReadCallback } from '../../core/io/deadline-sweep.js';
import { performance } from 'node:perf_hooks';
import { loadNativeAddon } from '../../core/native-addon.js';

/**
 * An echo server whose connections read nothing for their first 300 ms, then slowly (paused 5 ms in every 10): the
 * kernel buffers fill, so the writer meets partial try-writes and queued remainders.
 */
async function slowEcho(t: { after: (fn: () => void) => void }): Promise<number> {
  const server = net.createServer((s) => {
    s.pause();
    let timer: NodeJS.Timeout | undefined;
    const start = setTimeout(() => {
      s.pipe(s);
      timer = setInterval(() => (s.isPaused() ? s.resume() : s.pause()), 5);
    }, 300);
    s.on('close', () => {
      clearTimeout(start);
      clearInterval(timer);
    });
    s.on('error', () => s.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

for (const native of [true, false]) {
  test(`8 MiB echoed through SocketIo arrives intact (${native ? 'native tryWrite' : 'fs.writeSync fallback'})`, async (t) => {
    const addon = loadNativeAddon();
    if (native) assert.ok(addon?.tryWrite, 'the addon is built with tryWrite');
    const io = new SocketIo(native ? addon : undefined, 16 * 1024);
    const port = await slowEcho(t);
    const payload = randomBytes(8 * 1024 * 1024);
    const received: Buffer[] = [];
    let receivedBytes = 0;
    let readBuffers = 0;
    let paused = 0;
    const done = Promise.withResolvers<void>();
    const sink: ReadSink = {
      onRead(_socket, buf, n) {
        if (buf === io.readBuffer) readBuffers++;
        received.push(Buffer.from(buf.subarray(0, n)));
        receivedBytes += n;
        if (receivedBytes === payload.length) done.resolve();
        // Every 7th read: pretend our consumer is full, and resume a little later.
        if (received.length % 7 === 0) {
          paused++;
          setTimeout(() => sock.resume(), 2);
          return false;
        }
        return true;
      },
    };
    const sock = io.connect({ host: '127.0.0.1', port }, sink);
    await once(sock, 'connect');
    // Feed the payload from a scratch buffer that is overwritten after every write, as the shared read buffer is.
    const scratch = Buffer.alloc(48 * 1024);
    let off = 0;
    let queued = 0;
    while (off < payload.length) {
      const n = Math.min(scratch.length, payload.length - off);
      payload.copy(scratch, 0, off, off + n);
      const inKernel = io.write(sock, scratch, 0, n);
      scratch.fill(0xee);
      off += n;
      if (!inKernel) {
        queued++;
        await once(sock, 'drain');
      }
    }
    await Promise.race([done.promise, once(sock, 'close').then(() => assert.fail('closed early'))]);
    sock.destroy();
    const hash = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    assert.equal(hash(Buffer.concat(received)), hash(payload));
    assert.equal(readBuffers, received.length, 'every read used the shared buffer');
    assert.ok(paused > 0);
    assert.ok(queued > 0, 'the slow echo made some writes queue (so the copy path ran)');
  });
}

test('adopt() reads an fd into its sink and setSink() moves later reads to another sink', async (t) => {
  const addon = loadNativeAddon();
  assert.ok(addon, 'the native addon is built');
  const io = new SocketIo(addon);
  const server = net.createServer({ pauseOnConnect: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  t.after(() => client.destroy());
  const [accepted] = (await once(server, 'connection')) as [net.Socket];
  // What a forwarder gets from the acceptor: a dup of the accepted fd. The original is closed at once.
  const handle: unknown = Reflect.get(accepted, '_handle');
  const fd = Reflect.get(handle as object, 'fd') as number;
  const copy = addon.dup(fd);
  accepted.destroy();
  const first: string[] = [];
  const second: string[] = [];
  const gotFirst = Promise.withResolvers<void>();
  const gotSecond = Promise.withResolvers<void>();
  const sock = io.adopt(copy, {
    onRead: (_s, buf, n) => {
      first.push(buf.toString('latin1', 0, n));
      gotFirst.resolve();
      return true;
    },
  });
  t.after(() => sock.destroy());
  client.write('one');
  await gotFirst.promise;
  io.setSink(sock, {
    onRead: (_s, buf, n) => {
      second.push(buf.toString('latin1', 0, n));
      gotSecond.resolve();
      return true;
    },
  });
  client.write('two');
  await gotSecond.promise;
  assert.deepEqual([first.join(''), second.join('')], ['one', 'two']);
  // And writes go back out through the adopted fd.
  const echoed = once(client, 'data');
  assert.equal(io.write(sock, Buffer.from('back'), 0, 4), true);
  assert.equal(String((await echoed)[0]), 'back');
});

test('inside a read callback the forwarders\' clock gives one reading, outside it reads the clock each time', async (t) => {
  const io = new SocketIo(loadNativeAddon());
  const sweep = new DeadlineSweep(undefined, false);
  const server = net.createServer((s) => s.end('x'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const spin = (ms: number): void => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };
  const seen = Promise.withResolvers<[number, number, number]>();
  const sock = io.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }, {
    onRead: () => {
      const first = sweep.now();
      spin(3);
      const again = sweep.now();
      // A read callback nested in this one (none happens in Node, but the bracket must not end early).
      enterReadCallback();
      leaveReadCallback();
      seen.resolve([first, again, sweep.now()]);
      return true;
    },
  });
  t.after(() => sock.destroy());
  const [first, again, afterNested] = await seen.promise;
  assert.equal(again, first, 'the reading is held for the whole callback');
  assert.equal(afterNested, first, 'a nested bracket does not drop the outer one');
  const outside = sweep.now();
  spin(3);
  assert.ok(sweep.now() - outside >= 3, 'outside a callback every call reads the clock');
  assert.ok(outside - first >= 3, 'the held reading went with the callback');
});
