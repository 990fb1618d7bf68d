// Issue 14's TLS figures: SocketIo.write to a TLS socket. Node's TLSWrap reports every write done one loop turn
// later even when OpenSSL and the kernel took it at once, so a write answered "full" (wait for 'drain') every time:
// each response over TLS paused the server socket and resumed it on the 'drain' (two epoll_ctl per request, seen with
// strace). A small write must now count as taken, and a client that stops reading must still stop the source, with
// the 'drain' coming once it reads again. Real TLS sockets on 127.0.0.1.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import type net from 'node:net';
import { test, type TestContext } from 'node:test';
import tls from 'node:tls';
import { READ_BUFFER_BYTES, SocketIo } from '../../core/io/socket-io.js';
import { TlsCerts } from '../support/tls-certs.js';
import { pollUntil, within } from '../support/wait.js';

/** A TLS server whose accepted socket SocketIo attaches (as the forwarder does), and a client connected to it. */
async function tlsPair(t: TestContext): Promise<{ io: SocketIo; served: tls.TLSSocket; client: tls.TLSSocket }> {
  const certs = new TlsCerts();
  t.after(() => certs.cleanup());
  const leaf = certs.issue(certs.ca('ca', 'ec'), 'leaf', { alg: 'ec' });
  const io = new SocketIo(undefined);
  const server = tls.createServer({ cert: leaf.certText, key: leaf.keyText });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const accepted = once(server, 'secureConnection') as Promise<[tls.TLSSocket]>;
  const client = tls.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, rejectUnauthorized: false });
  t.after(() => client.destroy());
  const [served] = await within(accepted, 5000, 'the TLS handshake');
  t.after(() => served.destroy());
  io.attach(served, { onRead: () => true });
  return { io, served, client };
}

test('a response written to a TLS client counts as taken: no wait for a drain per response', async (t) => {
  const { io, client, served } = await tlsPair(t);
  const response = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 13\r\n\r\nhello, bench\n');
  for (let i = 0; i < 5; i++) {
    const got = once(client, 'data') as Promise<[Buffer]>;
    assert.equal(io.write(served, response, 0, response.length), true, `response ${i}: answered "wait for drain"`);
    const [chunk] = await within(got, 5000, `response ${i}`);
    assert.equal(chunk.toString('latin1'), response.toString('latin1'));
  }
});

test('a TLS client that stops reading stops the source, and the drain comes once it reads', async (t) => {
  const { io, client, served } = await tlsPair(t);
  client.pause();
  // Smaller than what counts as taken, so the spans flow on until the kernel stops taking them.
  const span = Buffer.alloc(8 * 1024, 0x61);
  let written = 0;
  let taken = true;
  // Bounded: loopback buffers hold a few MiB at most; 2,000 spans of 8 KiB is far past them.
  for (let i = 0; i < 2000 && taken; i++) {
    taken = io.write(served, span, 0, span.length);
    written += span.length;
  }
  assert.equal(taken, false, 'the source was never told to stop');
  assert.ok(served.writableLength <= 32 * 1024, `queued ${served.writableLength} bytes in Node`);
  const drained = once(served, 'drain');
  let read = 0;
  client.on('data', (c: Buffer) => (read += c.length));
  client.resume();
  await within(drained, 10_000, "the TLS socket's drain");
  await pollUntil(() => read >= written, 10_000, 'every byte at the client');
  assert.equal(read, written);
});

test('a bulk read written to a TLS client still waits for its drain (no second read queued behind it)', async (t) => {
  const { io, served } = await tlsPair(t);
  const span = Buffer.alloc(READ_BUFFER_BYTES, 0x62);
  assert.equal(io.write(served, span, 0, span.length), false);
  await within(once(served, 'drain'), 5000, "the TLS socket's drain");
});
