// Regression (issue 10): with `--accept reuseport` and no native addon, a session gets the socket Node's net.Server
// built (SocketIo.attach), not an fd. Such a socket has Node's 64 KiB write mark and no half-open: the onread/try-write
// pipe queues a remainder and waits for 'drain', which Node only emits once write() has returned false — a remainder
// under 64 KiB stalled the download for good; and Node answered the client's FIN with its own, cutting the answer.
// attach() now gives the socket SocketIo's write mark (1 byte) and half-open, as the sockets SocketIo builds.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { load, validConfig } from '../support/config-load.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { serveConfig } from '../support/l7-harness.js';
import { tcpConfig } from '../support/tcp-config.js';
import { within } from '../support/wait.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test('a Node-built client socket: a slow reader gets a 16 MiB answer sent after its FIN, intact', async (t) => {
  const down = randomBytes(16 * 1024 * 1024);
  const gotUp = Promise.withResolvers<string>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('end', async () => {
      gotUp.resolve(Buffer.concat(chunks).toString());
      // Small writes: the proxy reads small chunks, so what it queues toward the slow client is small too.
      for (let at = 0; at < down.length && !s.destroyed; at += 2048) {
        if (!s.write(down.subarray(at, at + 2048))) await once(s, 'drain');
        else if (at % (64 * 1024) === 0) await new Promise((r) => setImmediate(r));
      }
      s.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const front = await freeTcpPort();
  const config = validConfig(await load(tcpConfig(front, [(server.address() as net.AddressInfo).port])));
  // 'socket': the session receives the net.Socket Node accepted, as without the addon.
  const served = await serveConfig(config, 'socket');
  t.after(() => served.close());
  const c = net.connect({ port: served.ports[0] ?? 0, host: '127.0.0.1', allowHalfOpen: true });
  c.on('error', () => {});
  t.after(() => c.destroy());
  c.end('send it');
  assert.equal(await within(gotUp.promise, 3000, 'the request and its FIN at the server'), 'send it');
  // Reads nothing for a while (the kernel buffers toward it fill), then slowly.
  const chunks: Buffer[] = [];
  const done = Promise.withResolvers<void>();
  c.pause();
  setTimeout(() => c.resume(), 300);
  c.on('data', (d: Buffer) => {
    chunks.push(d);
    c.pause();
    setTimeout(() => c.resume(), 1);
  });
  c.on('end', () => done.resolve());
  await within(done.promise, 15_000, 'the whole answer');
  assert.equal(sha(Buffer.concat(chunks)), sha(down));
});
