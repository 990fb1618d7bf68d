// Issue 10, found while building the L7 engine on SocketIo: when the try-write could not take a span but Node's own
// write then put the remainder into the kernel at once (the peer read in between), SocketIo.write answered false
// ("wait for 'drain'") although nothing was queued, and Node never emits 'drain' for a write that completed
// synchronously: the source stayed paused for good (a 20 MB upload through orcalb stalled one run in four).
// Real loopback sockets; the race is made certain with a try-write that always finds the kernel "full".

import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { SocketIo } from '../../core/io/socket-io.js';
import { loadNativeAddon, type NativeAddon } from '../../core/native-addon.js';

test('a remainder Node writes at once counts as in the kernel: write() answers true, or a drain comes', async (t) => {
  const addon = loadNativeAddon();
  assert.ok(addon, 'the native addon is built');
  // The try-write loses the race every time: 0 bytes taken, as when the kernel buffer was full for that instant.
  const racing: NativeAddon = { ...addon, tryWrite: () => 0 };
  const io = new SocketIo(racing);
  const server = net.createServer((s) => s.resume());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const sock = io.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }, { onRead: () => true });
  t.after(() => sock.destroy());
  await once(sock, 'connect');
  for (let i = 0; i < 20; i++) {
    const span = Buffer.alloc(1000, i);
    if (io.write(sock, span, 0, span.length)) continue;
    // Waiting for 'drain' is only right when something is queued; it must then come.
    const drained = await Promise.race([
      once(sock, 'drain').then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref()),
    ]);
    assert.ok(drained, `write ${i} answered "wait for drain" (queued ${sock.writableLength} bytes) and no drain came`);
  }
});
