// Issue 8: a request queued for a server slot whose client leaves must leave the queue at once, not wait for the stop
// signal. HTTP: a client that resets leaves at once (orcalb is stricter than HAProxy 2.6.12 here, which connects such
// a request and aborts it then); a FIN alone is a half-close and the request is still served, as HAProxy serves it.
// TCP (side by side with HAProxy, whose back_may_abort_req rule this is): a client that closes without having sent
// a byte, or resets, is dropped before it reaches a server; one that sent data and then its FIN is still served.

import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { startBackendFarm } from '../support/backend-farm.js';
import { delay, pollUntil } from '../support/wait.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { RawHttpConnection } from '../support/http-client.js';
import { startL7Harness } from '../support/l7-harness.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbSubject } from '../support/lb-subject.js';
import { startPacedHttpBackends } from '../support/paced-http-backends.js';

test('HTTP: a queued client that resets leaves the queue at once; its request never reaches the server', async (t) => {
  const farm = await startPacedHttpBackends(['s1']);
  t.after(() => farm.close());
  const h = await startL7Harness({
    serverPorts: farm.ports(),
    server: { maxconn: 1 },
    timeouts: { connect: 1000, client: 10_000, server: 10_000, queue: 10_000 },
  });
  t.after(() => h.close());
  const queued = (): number => h.state.backend(0).load('queued');

  const holder = await RawHttpConnection.open(h.port);
  t.after(() => holder.destroy());
  holder.write('GET /holder?delay=1500 HTTP/1.1\r\nhost: t\r\n\r\n');
  await farm.waitFor(() => farm.requests.length === 1, 5000, 'the holder is being served');

  const leaver = await RawHttpConnection.open(h.port);
  leaver.write('GET /leaver HTTP/1.1\r\nhost: t\r\n\r\n');
  await pollUntil(() => queued() === 1, 5000, 'the leaver queued');
  leaver.socket.resetAndDestroy();
  // The holder is still being served: the place is freed by the reset itself, not by a released slot.
  await pollUntil(() => queued() === 0, 1000, 'the leaver out of the queue');
  assert.equal(farm.inFlight('s1'), 1, 'the holder is still being served');

  const next = await RawHttpConnection.open(h.port);
  t.after(() => next.destroy());
  next.write('GET /next HTTP/1.1\r\nhost: t\r\n\r\n');
  assert.equal((await holder.response(5000)).status, 200);
  assert.equal((await next.response(5000)).status, 200);
  const paths = farm.requests.map((r) => r.head.split(' ')[1]);
  assert.deepEqual(paths, ['/holder?delay=1500', '/next']);
});

test('HTTP: a queued client that only half-closes is still served (HTTP-compliant, as HAProxy without abortonclose)', async (t) => {
  const farm = await startPacedHttpBackends(['s1']);
  t.after(() => farm.close());
  const h = await startL7Harness({
    serverPorts: farm.ports(),
    server: { maxconn: 1 },
    timeouts: { connect: 1000, client: 10_000, server: 10_000, queue: 10_000 },
  });
  t.after(() => h.close());
  const holder = await RawHttpConnection.open(h.port);
  t.after(() => holder.destroy());
  holder.write('GET /holder?delay=300 HTTP/1.1\r\nhost: t\r\n\r\n');
  await farm.waitFor(() => farm.requests.length === 1, 5000, 'the holder is being served');
  const halfClosed = await RawHttpConnection.open(h.port);
  t.after(() => halfClosed.destroy());
  halfClosed.write('GET /half HTTP/1.1\r\nhost: t\r\n\r\n');
  await pollUntil(() => h.state.backend(0).load('queued') === 1, 5000, 'the half-closed client queued');
  halfClosed.socket.end();
  assert.equal((await halfClosed.response(5000)).status, 200);
  assert.equal(h.state.backend(0).load('queued'), 0);
});

/** Backend `s1` with `maxconn 1`, mode tcp, a long `timeout queue`. */
function tcpConfig(front: number, serverPort: number): string {
  return [
    'defaults',
    '    mode tcp',
    '    timeout connect 1s',
    '    timeout queue 10s',
    '    timeout client 10s',
    '    timeout server 10s',
    'frontend fe',
    `    bind 127.0.0.1:${front}`,
    '    default_backend be',
    'backend be',
    `    server s1 127.0.0.1:${serverPort} maxconn 1`,
    '',
  ].join('\n');
}

/** Connects; resolves once the server's tag line arrived (the session got the slot). */
function connectServed(port: number, first: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    s.on('error', reject);
    s.once('data', () => resolve(s));
    s.on('connect', () => s.write(first));
  });
}

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];

for (const subject of SUBJECTS) {
  describe(`TCP: queued clients that leave, through ${subject.name}`, () => {
    for (const leave of ['FIN without data', 'reset', 'data then FIN'] as const) {
      test(`a queued client that leaves with ${leave} ${leave === 'data then FIN' ? 'is still served' : 'never reaches the server'}`, async (t) => {
        const farm = await startBackendFarm(['s1']);
        const front = await freeTcpPort();
        const lb = await subject.start(tcpConfig(front, farm.port('s1')), front);
        // Clients first: orcalb's graceful stop waits for live sessions.
        const clients: net.Socket[] = [];
        t.after(async () => {
          clients.forEach((c) => c.destroy());
          await lb.stop();
          await farm.close();
        });
        const holder = await connectServed(front, 'holder\n');
        clients.push(holder);
        await farm.waitFor(() => farm.dataConnections('s1').length === 1, 5000, 'the holder connected');
        const before = farm.seq();

        const leaver = net.connect({ port: front, host: '127.0.0.1', allowHalfOpen: true });
        clients.push(leaver);
        leaver.on('error', () => undefined);
        await new Promise<void>((r) => leaver.once('connect', () => r()));
        if (leave === 'data then FIN') leaver.write('leaver\n');
        // Nothing observable says "queued" from outside: give the balancer time to take the connection in.
        await delay(200);
        if (leave === 'reset') leaver.resetAndDestroy();
        else leaver.end();
        await delay(200);

        // The slot frees before the third client arrives: a leaver still queued would take it first.
        holder.destroy();
        await farm.waitFor(() => farm.dataConnections('s1')[0]?.closed === true, 5000, 'the holder gone');
        const third = net.connect({ port: front, host: '127.0.0.1' });
        third.on('error', () => undefined);
        clients.push(third);
        await new Promise<void>((r) => third.once('connect', () => r()));
        third.write('third\n');
        await farm.waitFor(
          () => farm.dataConnections('s1', before).some((c) => c.received.includes('third')),
          5000,
          'the third client served',
        );
        const reached = farm.dataConnections('s1', before).map((c) => c.received.trim());
        const connections = farm.dataConnections('s1', before).length + farm.checkConnections('s1', before).length;
        if (leave === 'data then FIN') {
          assert.deepEqual(reached, ['leaver', 'third']);
        } else {
          assert.deepEqual(reached, ['third']);
          assert.equal(connections, 1, 'the leaver never got a server connection');
        }
      });
    }
  });
}
