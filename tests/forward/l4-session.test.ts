// runL4Session in the test process (tests/support/l7-harness.ts serveConfig), as one forwarder thread runs it: the
// set-up phase reads both sockets through one sink (ClientHold) before the pipe takes them over. A server that
// speaks first, a client that sends more than one buffer while it waits in the queue, a PROXY header dribbled a few
// bytes at a time, a slow reader of a big download. (Sockets Node built itself: tests/regressions/issue-0010-*.)

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import { encodeProxyV2 } from '../../core/proxy-protocol/v2.js';
import { load, validConfig } from '../support/config-load.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { serveConfig } from '../support/l7-harness.js';
import { readAll } from '../support/pipe-pair.js';
import { tcpConfig, type TcpConfigOptions } from '../support/tcp-config.js';
import { within } from '../support/wait.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A backend on 127.0.0.1:0 that runs `onConnection` for each accepted socket (half-open allowed). */
async function backend(t: TestContext, onConnection: (s: net.Socket) => void): Promise<number> {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    onConnection(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

/** One L4 frontend in front of `serverPorts`, served in this process; returns its port. */
async function serve(t: TestContext, serverPorts: readonly number[], o: TcpConfigOptions = {}): Promise<number> {
  const front = await freeTcpPort();
  const served = await serveConfig(validConfig(await load(tcpConfig(front, serverPorts, o))));
  t.after(() => served.close());
  return served.ports[0] ?? 0;
}

function connect(t: TestContext, port: number): net.Socket {
  const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  c.on('error', () => {});
  t.after(() => c.destroy());
  return c;
}

test('a server that speaks first reaches the client, which then answers it', async (t) => {
  const gotAnswer = Promise.withResolvers<string>();
  const port = await backend(t, (s) => {
    s.write('220 banner\r\n');
    s.once('data', (d: Buffer) => {
      gotAnswer.resolve(d.toString());
      s.end('bye\r\n');
    });
  });
  const front = await serve(t, [port]);
  const c = connect(t, front);
  const [banner] = (await within(once(c, 'data'), 3000, 'the banner')) as [Buffer];
  assert.equal(banner.toString(), '220 banner\r\n');
  c.write('HELO\r\n');
  assert.equal(await within(gotAnswer.promise, 3000, 'the answer at the server'), 'HELO\r\n');
});

test('a client that sends more than one buffer while queued gets every byte to the server, in order', async (t) => {
  const received = new Map<number, Buffer[]>();
  let accepted = 0;
  const port = await backend(t, (s) => {
    const n = accepted++;
    received.set(n, []);
    s.on('data', (d: Buffer) => received.get(n)?.push(d));
    s.on('end', () => s.end());
  });
  // maxconn 1: the second client waits in the queue (its bytes kept, reading stopped after 16 KiB) until the first
  // one leaves.
  const front = await serve(t, [port], { serverOptions: 'maxconn 1' });
  const first = connect(t, front);
  first.write('first');
  await within(once(first, 'connect'), 3000, 'first client');
  const payload = randomBytes(200 * 1024);
  const second = connect(t, front);
  second.end(payload);
  const atSecond = readAll(second, 10_000);
  // Long enough for the queued client to have sent all it could.
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(accepted, 1, 'the queued client has no server connection yet');
  first.end();
  await within(atSecond, 10_000, 'the second session to end');
  assert.equal(accepted, 2);
  assert.equal(sha(Buffer.concat(received.get(1) ?? [])), sha(payload));
});

test('accept-proxy: a PROXY v2 header with a large TLV, sent a few bytes at a time, is read and the rest relayed', async (t) => {
  const got = Promise.withResolvers<Buffer>();
  const port = await backend(t, (s) => {
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('end', () => {
      got.resolve(Buffer.concat(chunks));
      s.end();
    });
  });
  const front = await freeTcpPort();
  const text = tcpConfig(front, [port], { serverOptions: 'send-proxy' }).replace(
    `bind 127.0.0.1:${front}`,
    `bind 127.0.0.1:${front} accept-proxy`,
  );
  const served = await serveConfig(validConfig(await load(text)));
  t.after(() => served.close());
  const header = encodeProxyV2({ family: 'TCP4', srcAddress: '192.0.2.7', srcPort: 4242, dstAddress: '198.51.100.1', dstPort: 80 });
  // Grow the header by a 16,000-byte NOOP TLV (type 0x04), within the 16,384 bytes HAProxy's buffer takes.
  const tlv = Buffer.alloc(3 + 16_000);
  tlv[0] = 0x04;
  tlv.writeUInt16BE(16_000, 1);
  const big = Buffer.concat([header, tlv]);
  big.writeUInt16BE(big.length - 16, 14);
  const c = connect(t, served.ports[0] ?? 0);
  await once(c, 'connect');
  for (let at = 0; at < big.length; at += 700) {
    c.write(big.subarray(at, at + 700));
    if (at % 7000 === 0) await new Promise((r) => setImmediate(r));
  }
  c.end('payload');
  const atServer = await within(got.promise, 5000, 'the bytes at the server');
  // The server sees our PROXY line with the announced addresses, then the client's bytes past the header.
  assert.match(atServer.toString('latin1'), /^PROXY TCP4 192\.0\.2\.7 198\.51\.100\.1 4242 80\r\npayload$/);
});

test('a slow reader downloads 16 MiB intact and half-closes both ways', async (t) => {
  const down = randomBytes(16 * 1024 * 1024);
  const gotUp = Promise.withResolvers<string>();
  const port = await backend(t, (s) => {
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('end', async () => {
      gotUp.resolve(Buffer.concat(chunks).toString());
      // The client's FIN reached us; our answer still reaches it, in small writes paced by our own 'drain', so
      // that the proxy reads small chunks and queues small remainders toward its slow client.
      for (let at = 0; at < down.length && !s.destroyed; at += 2048) {
        if (!s.write(down.subarray(at, at + 2048))) await once(s, 'drain');
        else if (at % (64 * 1024) === 0) await new Promise((r) => setImmediate(r));
      }
      s.end();
    });
  });
  const front = await serve(t, [port]);
  const c = connect(t, front);
  c.end('send it');
  assert.equal(await within(gotUp.promise, 3000, 'the request and FIN at the server'), 'send it');
  // A reader that first reads nothing, then slowly: the proxy meets a full kernel buffer toward the client with
  // small reads in hand, and queues small remainders (each must be followed by 'drain', or the download stalls).
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
  await within(done.promise, 15_000, 'the download');
  assert.equal(sha(Buffer.concat(chunks)), sha(down));
});
