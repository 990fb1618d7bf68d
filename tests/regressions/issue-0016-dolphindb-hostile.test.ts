// Issue 16, hostile pass: a running orcalb (--threads 2, mode tcp) with dolphindb-inspect, -drain-idle and -rebalance
// in front of servers that answer what the test scripts (crafted DolphinDB replies, then an echo). Garbage, huge
// length claims, vectors that never end, objects nested past the limit, 10 000 print chunks and a 100 KiB error line
// must never cut a session nor lose a byte: a framing error only stops the tracking of that session, which is then
// never closed by a drain. A real session afterwards is still counted. Test-runner thread; orcalb is a child.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ddbScalar } from '../../core/dolphindb/objects.js';
import { encodeMessageChunk, encodeReply } from '../../core/dolphindb/wire-reply.js';
import { encodeRequest } from '../../core/dolphindb/wire-request.js';
import { cliCommand } from '../support/cli-client.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { within } from '../support/wait.js';

const MS = 10_000;

/** A server that answers the first chunk of each connection with `first()` and then echoes everything. */
async function scriptedServer(first: () => Buffer): Promise<net.Server> {
  const server = net.createServer((s) => {
    let answered = false;
    s.on('error', () => undefined);
    s.on('data', (chunk) => {
      if (!answered) {
        answered = true;
        s.write(first());
        return;
      }
      s.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Sends `out` and collects exactly `want` bytes back (a TCP client of the test), or rejects on close/timeout. */
async function exchange(sock: net.Socket, out: Buffer, want: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  return within(new Promise<Buffer>((resolve, reject) => {
    const onData = (c: Buffer): void => {
      parts.push(c);
      got += c.length;
      if (got >= want) { sock.off('data', onData); sock.off('close', onClose); resolve(Buffer.concat(parts)); }
    };
    const onClose = (): void => reject(new Error(`closed after ${got}/${want} bytes`));
    sock.on('data', onData);
    sock.once('close', onClose);
    sock.write(out);
  }), MS, `${want} bytes back`);
}

async function open(port: number): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
  return s;
}

const REQUEST = encodeRequest('0', { kind: 'script', script: '1+1' });
/** The reply header of an OK with one object, before the object's bytes. */
const OK_HEAD = Buffer.from('42 1 1\nOK\n');

/** Each case: what the server answers first, and a note of what it exercises. */
const CASES: readonly [string, () => Buffer][] = [
  ['garbage reply', () => randomBytes(4096)],
  ['a LONG vector claiming 2^31-1 rows, never finished', () => Buffer.concat([OK_HEAD, Buffer.from([5, 1, 0xff, 0xff, 0xff, 0x7f, 1, 0, 0, 0]), randomBytes(100)])],
  ['ANY vectors nested 100 deep', () => Buffer.concat([OK_HEAD, ...Array.from({ length: 100 }, () => Buffer.from([25, 1, 1, 0, 0, 0, 1, 0, 0, 0]))])],
  ['10 000 print chunks then a reply', () => Buffer.concat([...Array.from({ length: 10_000 }, (_, i) => encodeMessageChunk(`line ${i}`)), encodeReply('42', ddbScalar('INT', 2))])],
  ['a 100 KiB error line', () => Buffer.from(`42 0 1\n${'e'.repeat(100 * 1024)}\n`)],
];

describe('issue 16: hostile bytes through the DolphinDB session options', () => {
  const servers: net.Server[] = [];
  let lb: OrcalbProcess;
  let front: number;
  let cli: number;

  before(async () => {
    for (const [, first] of CASES) servers.push(await scriptedServer(first));
    front = await freeTcpPort();
    cli = await freeTcpPort();
    const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
    lb = await startOrcalb([
      'global', `  stats socket ipv4@127.0.0.1:${cli} level admin`,
      'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 30s', '  timeout server 30s',
      'frontend f', `  bind 127.0.0.1:${front}`, '  default_backend b',
      'backend b', '  balance first', '  option dolphindb-inspect', '  option dolphindb-drain-idle', '  option dolphindb-rebalance idle 10ms max-per-sec 1000',
      ...ports.map((p, i) => `  server s${i} 127.0.0.1:${p} maxconn 1`),
      '',
    ].join('\n'), { threads: 2 });
  });
  after(async () => {
    await lb?.stop();
    for (const s of servers) s.close();
  });

  test('every crafted answer passes whole, the session then carries 1 MiB both ways, and a drain does not cut it', async () => {
    // balance first + maxconn 1: session i lands on server i, whose script is CASES[i].
    const socks: net.Socket[] = [];
    for (const [name, first] of CASES) {
      const sock = await open(front);
      socks.push(sock);
      const want = first().length;
      const back = await exchange(sock, REQUEST, want);
      assert.equal(back.length, want, name);
    }
    // Drain every server: the sessions' tracking stopped (or, for the print chunks, the reply ended: idle), so only
    // that one may be closed; every other keeps flowing.
    for (let i = 0; i < CASES.length; i++) assert.match(await cliCommand({ port: cli }, `set server b/s${i} state drain`), /^\n?$/);
    for (const [i, sock] of socks.entries()) {
      const name = CASES[i]?.[0] ?? '';
      if (name.startsWith('10 000')) continue;
      const data = randomBytes(1024 * 1024);
      // A DolphinDB-looking header with an absurd body length first: skipped in bulk, never buffered.
      const claim = Buffer.from('API2 0 1099511627776 / 0_1_4_64\nscript\n');
      const back = await exchange(sock, Buffer.concat([claim, data]), claim.length + data.length);
      assert.ok(back.equals(Buffer.concat([claim, data])), `${name}: bytes changed`);
    }
    for (const s of socks) s.destroy();
    const show = await cliCommand({ port: cli }, 'show dolphindb b');
    // The print-chunk session's exchange was counted once (ok); nothing else completed an exchange.
    assert.match(show, /b\/s3 0\/0 1\/0 0\/0 0\/0 0\/0 /, show);
    for (const i of [0, 1, 2, 4]) assert.match(show, new RegExp(`b/s${i} 0/0 0/0 0/0 0/0 0/0 -`), show);
  });
});
