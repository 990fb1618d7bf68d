// UDP log targets send on a connect()ed socket (core/log/log-sink.ts, native/log-send.c): with a listening sink
// every line arrives and the sink stays connected; to a port nobody listens on the first ECONNREFUSED turns the sink
// to unconnected sends (no line lost to the refusal, none counted as dropped), the lines arrive once a sink listens
// there, and the sink connects again after its reconnect delay. Real sockets on 127.0.0.1. Issue 13, log cost.

import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import test, { type TestContext } from 'node:test';
import { openLogSink, type LogSink } from '../../core/log/log-sink.js';
import { loadNativeAddon } from '../../core/native-addon.js';
import { pollFor, waitOn } from '../support/wait.js';

interface Receiver {
  readonly sock: Socket;
  readonly got: string[];
  readonly events: EventEmitter;
}

/** A UDP receiver on 127.0.0.1:`port` (0: any), closed in t.after. */
async function receiver(t: TestContext, port = 0): Promise<Receiver> {
  const sock = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  const got: string[] = [];
  const events = new EventEmitter();
  sock.on('message', (m) => {
    got.push(m.toString('utf8'));
    events.emit('m');
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, '127.0.0.1', () => resolve());
  });
  t.after(() => sock.close());
  return { sock, got, events };
}

/** A UDP port on 127.0.0.1 nobody listens on now (bound for a moment, then released). */
async function silentPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  const { port } = sock.address();
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return port;
}

/** Queues `n` lines `${prefix} i` and flushes them; returns what flush() said was dropped. */
function sendLines(sink: LogSink, prefix: string, n: number): number {
  for (let i = 0; i < n; i++) {
    const b = Buffer.from(`${prefix} ${i}\n`);
    sink.add(b, 0, b.length);
  }
  return sink.flush();
}

const addon = loadNativeAddon();

test('the native addon offers connected datagram sends', () => {
  assert.equal(typeof addon?.dgramConnect, 'function', 'npm run install builds native/log-send.c');
  assert.equal(typeof addon?.dgramSendMany, 'function');
});

test('a listening UDP sink: the target sends connected and every line arrives in order', async (t) => {
  const r = await receiver(t);
  const sink = openLogSink(`127.0.0.1:${r.sock.address().port}`, addon);
  t.after(() => sink.close());
  for (let round = 0; round < 3; round++) assert.equal(sendLines(sink, `r${round}`, 100), 0);
  await waitOn(r.events, 'm', () => r.got.length === 300, 5000, '300 datagrams');
  assert.equal(sink.connected(), true, 'a peer that reads never refuses: the socket stays connected');
  assert.deepEqual(r.got, [0, 1, 2].flatMap((round) => Array.from({ length: 100 }, (_, i) => `r${round} ${i}\n`)));
});

test('a port nobody listens on: the first refusal turns to unconnected sends, lines arrive once a sink listens, and it connects again', async (t) => {
  const port = await silentPort();
  const sink = openLogSink(`127.0.0.1:${port}`, addon, { reconnectMs: 300 });
  t.after(() => sink.close());
  // The kernel answers the first datagram with ICMP port-unreachable; a later send (this batch's or the next one's)
  // hears it as ECONNREFUSED. Bounded: a few batches, each given a turn of the loop for the ICMP to come back.
  const fellBack = await pollFor(() => {
    assert.equal(sendLines(sink, 'lost', 8), 0, 'a refusal drops nothing: the lines go unconnected, as haproxy sends them');
    return !sink.connected();
  }, 5000, 10);
  assert.ok(fellBack, 'the sink fell back to unconnected sends after ECONNREFUSED');
  assert.equal(sink.lastError(), undefined, 'a refusal is not a send failure');

  // The sink comes back: unconnected sends reach it at once, whatever the refusals before.
  const r = await receiver(t, port);
  assert.equal(sendLines(sink, 'back', 20), 0);
  await waitOn(r.events, 'm', () => r.got.length >= 20, 5000, '20 datagrams after the sink came back');
  assert.equal(sink.connected(), false, 'still unconnected before the reconnect delay passed');
  assert.deepEqual(r.got.slice(0, 20), Array.from({ length: 20 }, (_, i) => `back ${i}\n`));

  // After reconnectMs the next flush connects again, and with a reader there it stays connected.
  const reconnected = await pollFor(() => {
    sendLines(sink, 'again', 1);
    return sink.connected();
  }, 5000, 50);
  assert.ok(reconnected, 'the sink connected again after its reconnect delay');
  assert.equal(sendLines(sink, 'connected', 50), 0);
  // The poll's own `again` lines may still be on their way: only this batch's lines are counted.
  const batch = (): string[] => r.got.filter((l) => l.startsWith('connected '));
  await waitOn(r.events, 'm', () => batch().length >= 50, 5000, '50 datagrams on the connected socket');
  assert.deepEqual(batch(), Array.from({ length: 50 }, (_, i) => `connected ${i}\n`));
  assert.equal(sink.connected(), true);
});

test('a sink opened with reconnectMs 0 never connects (the unconnected path alone) and still delivers', async (t) => {
  const r = await receiver(t);
  const sink = openLogSink(`127.0.0.1:${r.sock.address().port}`, addon, { reconnectMs: 0 });
  t.after(() => sink.close());
  assert.equal(sendLines(sink, 'plain', 70), 0);
  await waitOn(r.events, 'm', () => r.got.length === 70, 5000, '70 datagrams');
  assert.equal(sink.connected(), false);
  assert.deepEqual(r.got, Array.from({ length: 70 }, (_, i) => `plain ${i}\n`));
});
