// Log target sinks (core/log/log-sink.ts) and channels (core/log/log-targets.ts) in process: every address form of
// manual §3.1 "log" is read as haproxy reads it; UDP over IPv4 and IPv6 (native sendmmsg) and a host name (Node's
// dgram) deliver each queued line as its own datagram; a fd target writes the batch; `len` cuts the line (header and
// LF included); a target that cannot exist drops and counts. Issue 13, log targets.

import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type TestContext } from 'node:test';
import { openLogSink, sinkAddress } from '../../core/log/log-sink.js';
import { LogChannel, MAX_LOG_LEN, SinkSet } from '../../core/log/log-targets.js';
import { loadNativeAddon } from '../../core/native-addon.js';
import { startUnixDgramSink } from '../support/unix-dgram-sink.js';
import { waitOn } from '../support/wait.js';
import { EventEmitter } from 'node:events';

test('every address form of a log line is read as haproxy reads it', () => {
  const cases: [string, ReturnType<typeof sinkAddress>][] = [
    ['stdout', { kind: 'fd', fd: 1 }],
    ['stderr', { kind: 'fd', fd: 2 }],
    ['fd@1', { kind: 'fd', fd: 1 }],
    ['fd@7', { kind: 'fd', fd: 7 }],
    ['/dev/log', { kind: 'unix', path: '/dev/log' }],
    ['unix@/run/log.sock', { kind: 'unix', path: '/run/log.sock' }],
    ['127.0.0.1', { kind: 'udp', host: '127.0.0.1', port: 514 }],
    ['127.0.0.1:1514', { kind: 'udp', host: '127.0.0.1', port: 1514 }],
    ['udp@127.0.0.1:1514', { kind: 'udp', host: '127.0.0.1', port: 1514 }],
    ['ipv4@10.0.0.1', { kind: 'udp', host: '10.0.0.1', port: 514 }],
    ['ipv6@[::1]:1514', { kind: 'udp', host: '::1', port: 1514 }],
    ['udp6@::1', { kind: 'udp', host: '::1', port: 514 }],
    ['[::1]:99', { kind: 'udp', host: '::1', port: 99 }],
    ['localhost:1514', { kind: 'udp', host: 'localhost', port: 1514 }],
    ['ring@buf', { kind: 'unsupported', why: 'ring buffers are not implemented' }],
  ];
  for (const [address, want] of cases) assert.deepEqual(sinkAddress(address), want, address);
});

/** A UDP receiver keeping every datagram; closed in t.after. */
async function receiver(t: TestContext, type: 'udp4' | 'udp6', host: string): Promise<{ sock: Socket; got: string[]; events: EventEmitter }> {
  // A receive buffer for a few batches at once: the kernel drops UDP datagrams silently when it overflows.
  const sock = createSocket({ type, recvBufferSize: 4 * 1024 * 1024 });
  const got: string[] = [];
  const events = new EventEmitter();
  sock.on('message', (m) => {
    got.push(m.toString('utf8'));
    events.emit('m');
  });
  await new Promise<void>((resolve) => sock.bind(0, host, () => resolve()));
  t.after(() => sock.close());
  return { sock, got, events };
}

for (const [type, host, address] of [
  ['udp4', '127.0.0.1', (p: number) => `127.0.0.1:${p}`],
  ['udp6', '::1', (p: number) => `ipv6@[::1]:${p}`],
  ['udp4', '127.0.0.1', (p: number) => `localhost:${p}`],
] as const) {
  test(`UDP target ${address(0)}: each queued line is its own datagram, in order`, async (t) => {
    const r = await receiver(t, type, host);
    const sink = openLogSink(address(r.sock.address().port), loadNativeAddon());
    t.after(() => sink.close());
    for (let i = 0; i < 100; i++) {
      const b = Buffer.from(`line ${i}\n`);
      sink.add(b, 0, b.length);
    }
    assert.equal(sink.flush(), 0);
    await waitOn(r.events, 'm', () => r.got.length === 100, 5000, '100 datagrams');
    assert.deepEqual(r.got, Array.from({ length: 100 }, (_, i) => `line ${i}\n`));
  });
}

test('a UDP channel: 700 lines across full batches and sendmmsg chunks arrive in order, each header + message cut to len + LF', async (t) => {
  const r = await receiver(t, 'udp4', '127.0.0.1');
  const sinks = new SinkSet(loadNativeAddon());
  t.after(() => sinks.close());
  const targets = [{ address: `127.0.0.1:${r.sock.address().port}`, facility: 'local0', format: 'short' as const, len: 48 }];
  const channel = new LogChannel(targets, {}, undefined, sinks, Buffer.allocUnsafe(MAX_LOG_LEN));
  const tally = { sent: 0 };
  const want: string[] = [];
  // 700 lines: two batches (256 lines each) flush themselves while lines are queued, the rest on flush(); each batch
  // goes as sendmmsg calls of 64. Lengths vary, some past len (cut, the LF kept), severities too.
  for (let i = 0; i < 700; i++) {
    const text = `line ${i} ${'x'.repeat(i % 61)}`;
    const body = Buffer.from(`..${text}..`);
    channel.send(i % 8, body, 2, body.length - 4, '', tally);
    want.push(`<${i % 8}>${text}`.slice(0, 47) + '\n');
  }
  assert.equal(sinks.flush(), 0);
  assert.equal(tally.sent, 700);
  await waitOn(r.events, 'm', () => r.got.length === 700, 5000, '700 datagrams');
  assert.deepEqual(r.got, want);
});

test('a fd target (fd@N) gets the batch in one write; len cuts header and message to N bytes with the LF', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-logfd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'out.log');
  const fd = openSync(file, 'w');
  t.after(() => closeSync(fd));
  const sinks = new SinkSet(loadNativeAddon());
  const targets = [{ address: `fd@${fd}`, facility: 'local0', format: 'raw' as const, len: 80 }];
  const channel = new LogChannel(targets, {}, undefined, sinks, Buffer.allocUnsafe(MAX_LOG_LEN));
  const long = Buffer.from('x'.repeat(200));
  const short = Buffer.from('short line');
  channel.send(6, long, 0, long.length, '', { sent: 0 });
  channel.send(6, short, 0, short.length, '', { sent: 0 });
  assert.equal(sinks.flush(), 0);
  assert.equal(readFileSync(file, 'utf8'), `${'x'.repeat(79)}\nshort line\n`);
});

test('a target that cannot exist (ring@, a missing UNIX path) drops every line and says why', (t) => {
  for (const address of ['ring@nowhere', '/nonexistent-orcalb-dir/log.sock']) {
    const sink = openLogSink(address, loadNativeAddon());
    t.after(() => sink.close());
    const b = Buffer.from('lost\n');
    for (let i = 0; i < 5; i++) sink.add(b, 0, b.length);
    assert.equal(sink.flush(), 5, address);
    assert.match(sink.lastError() ?? '', /ring buffers are not implemented|ENOENT/);
  }
});

test('without the native addon a UNIX datagram target drops with a clear reason', (t) => {
  const sink = openLogSink('/dev/log', undefined);
  t.after(() => sink.close());
  const b = Buffer.from('x\n');
  sink.add(b, 0, b.length);
  assert.equal(sink.flush(), 1);
  assert.match(sink.lastError() ?? '', /need the native addon/);
});

test('a UNIX sink that stops reading: lines past its queue are counted dropped exactly once, across full batches', async (t) => {
  const unix = await startUnixDgramSink();
  t.after(() => unix.close());
  unix.pause();
  const sink = openLogSink(unix.path, loadNativeAddon());
  t.after(() => sink.close());
  // More lines than one batch holds: add() flushes full batches itself and flush() reports their drops too.
  const lines = 1000;
  for (let i = 0; i < lines; i++) {
    const b = Buffer.from(`stalled ${i}\n`);
    sink.add(b, 0, b.length);
  }
  const dropped = sink.flush();
  assert.equal(sink.lastError(), 'EAGAIN');
  unix.resume();
  await unix.waitFor((s) => s.split('\n').length - 1 + dropped === lines, 5000, 'received + dropped = sent');
});
