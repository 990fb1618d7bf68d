// The hostile pass over the HTTP engine (issue 10 rebuilt it as a state machine; a guard, it passes on the old engine
// too): servers that misbehave at every step of a transaction
// (reset or FIN before, inside and after the head, junk, a cut body, a bad chunk mid-body, two answers to one
// request, floods of interim answers, an unasked 101, silence, dribbling, a body larger than any buffer) meet clients
// that misbehave too (reset while waiting, reset after the first byte, half-close, pipelining, never reading), under
// `maxconn 2` so that queued requests and slots are in play. Seeded and reproducible. Afterwards no connection is
// left open past every timeout, no server slot or queue place is left taken (a leak would wedge the backend), no
// exception reached a session's catch, and a plain request is served. Sessions run in the test process.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { rawRequest } from '../support/http-client.js';
import { startL7Harness } from '../support/l7-harness.js';
import { prng } from '../support/prng.js';
import { pollUntil } from '../support/wait.js';

const BEHAVIOURS = [
  'ok',
  'chunked',
  'reset-before',
  'reset-mid-head',
  'fin-mid-head',
  'junk',
  'reset-mid-body',
  'fin-mid-body',
  'until-close',
  'double',
  'interim-flood',
  'unasked-101',
  'bad-chunk-mid-body',
  'silent',
  'dribble',
  'big',
] as const;
type Behaviour = (typeof BEHAVIOURS)[number];

const CLIENTS = ['read', 'reset-waiting', 'reset-first-byte', 'half-close', 'pipeline', 'no-read'] as const;
type ClientKind = (typeof CLIENTS)[number];

/** What the hostile server does for a request whose target is /b/BEHAVIOUR. */
function misbehave(s: net.Socket, behaviour: Behaviour): void {
  const w = (text: string | Buffer): void => {
    if (!s.destroyed) s.write(text);
  };
  switch (behaviour) {
    case 'ok':
      return w('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    case 'chunked':
      w('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n');
      setTimeout(() => w('0\r\n\r\n'), 5);
      return;
    case 'reset-before':
      return void s.resetAndDestroy();
    case 'reset-mid-head':
      w('HTTP/1.1 200 OK\r\ncontent-le');
      setTimeout(() => s.resetAndDestroy(), 5);
      return;
    case 'fin-mid-head':
      w('HTTP/1.1 200 OK\r\ncontent-le');
      return void s.end();
    case 'junk':
      return w('SSH-2.0-OpenSSH\r\n\r\n');
    case 'reset-mid-body':
      w('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n' + 'x'.repeat(100));
      setTimeout(() => s.resetAndDestroy(), 5);
      return;
    case 'fin-mid-body':
      w('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n' + 'x'.repeat(100));
      return void s.end();
    case 'until-close':
      w('HTTP/1.1 200 OK\r\n\r\n' + 'u'.repeat(10_000));
      return void s.end();
    case 'double':
      return w('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nno');
    case 'interim-flood':
      return w('HTTP/1.1 100 Continue\r\n\r\n'.repeat(50) + 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    case 'unasked-101':
      return w('HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: x\r\n\r\nraw bytes');
    case 'bad-chunk-mid-body':
      w('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n');
      setTimeout(() => w('zz\r\n'), 5);
      return;
    case 'silent':
      return;
    case 'dribble': {
      const head = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      let at = 0;
      const next = (): void => {
        if (s.destroyed || at >= head.length) return;
        w(head.subarray(at, at + 3));
        at += 3;
        setTimeout(next, 2);
      };
      return next();
    }
    case 'big':
      return w(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2097152\r\n\r\n'), Buffer.alloc(2 * 1024 * 1024, 0x62)]));
  }
}

async function hostileServer(): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => undefined);
    let pending = '';
    s.on('data', (d: Buffer) => {
      pending += d.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        const target = /^\S+ \/b\/([a-z0-9-]+)/.exec(head)?.[1] ?? 'ok';
        misbehave(s, (BEHAVIOURS as readonly string[]).includes(target) ? (target as Behaviour) : 'ok');
      }
    });
    s.on('end', () => s.end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** One hostile client against the proxy; resolves once its connection is closed (or counts it as stuck). */
function hostileClient(port: number, behaviour: Behaviour, kind: ClientKind, onStuck: () => void): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    s.on('error', () => undefined);
    const timer = setTimeout(() => {
      onStuck();
      s.destroy();
    }, 5000);
    s.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    const request = `GET /b/${behaviour} HTTP/1.1\r\nhost: x\r\n\r\n`;
    s.on('data', () => (kind === 'reset-first-byte' ? s.resetAndDestroy() : undefined));
    // A client answers the proxy's FIN with its own (it allows half-open only to half-close first itself).
    s.on('end', () => s.end());
    if (kind === 'no-read') {
      // Reads nothing for a while (the proxy meets a full socket, then its timeouts), then drains what is left so
      // that it can see the proxy's close.
      s.pause();
      setTimeout(() => s.resume(), 1500);
    }
    s.once('connect', () => {
      if (kind === 'pipeline') s.write(request + 'GET /b/ok HTTP/1.1\r\nhost: x\r\n\r\n' + request);
      else s.write(request);
      if (kind === 'half-close') s.end();
      if (kind === 'reset-waiting') setTimeout(() => s.resetAndDestroy(), 3);
      // A client that reads nothing and never closes is the proxy's to time out (`timeout client`).
      if (kind === 'read' || kind === 'pipeline') setTimeout(() => s.end(), 300);
    });
  });
}

test('600 transactions of hostile servers and clients: every connection ends, no slot or queue place leaks', async (t) => {
  const servers = [await hostileServer(), await hostileServer()];
  t.after(() => servers.forEach((s) => s.close()));
  const h = await startL7Harness({
    serverPorts: servers.map((s) => (s.address() as net.AddressInfo).port),
    server: { maxconn: 2 },
    timeouts: { connect: 300, client: 600, server: 400, httpRequest: 300, queue: 2000 },
    retryOn: ['all-retryable-errors'],
    retries: 1,
  });
  t.after(() => h.close());
  const rand = prng(0x10_0010);
  const stuck: string[] = [];
  for (let batch = 0; batch < 12; batch++) {
    await Promise.all(
      Array.from({ length: 50 }, () => {
        const behaviour = BEHAVIOURS[Math.floor(rand() * BEHAVIOURS.length)] ?? 'ok';
        const kind = CLIENTS[Math.floor(rand() * CLIENTS.length)] ?? 'read';
        return hostileClient(h.port, behaviour, kind, () => stuck.push(`${behaviour}/${kind}`));
      }),
    );
  }
  assert.deepEqual(stuck, [], 'client connections the proxy left open past every timeout');
  // Slots come back when sessions finish their cleanup (a server connection closing is an event away).
  const slots = (): number[] => [0, 1].map((i) => h.state.server(i).load('curConns'));
  await pollUntil(() => slots().every((n) => n === 0), 5000, 'every server slot released');
  assert.equal(h.state.backend(0).load('queued'), 0);
  assert.equal(h.state.backend(0).load('curConns'), 0);
  assert.deepEqual(h.logger.lines.filter((l) => l.level === 'err'), []);
  const r = await rawRequest(h.port, 'GET /b/ok HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  assert.equal(r.status, 200);
});
