// Issue 8, item 5: maxconn bounds what orcalb holds. A burst over frontend `maxconn` reaches the server exactly
// maxconn at a time in both accept modes (orcalb used to count in the forwarder, after the hop through main, so
// 23-30 of 30 got through), and clients over the limit wait in the kernel's accept queue instead of in orcalb's
// descriptors (3,000 waiting clients used to cost 3,047 fds). Side by side with haproxy 2.6.12. Test-runner thread.

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { connectTagged, probeConnect, requestTag, startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_REUSEPORT_SUBJECT, ORCALB_SUBJECT, type LbSubject } from '../support/lb-subject.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { openFds } from '../support/process-fds.js';
import { pollFor } from '../support/wait.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT, ORCALB_REUSEPORT_SUBJECT];
const BURST = 30;
const WAITING = 2000;

function config(front: number, server: number, feMaxconn: number, backlog: number): string {
  return `
global
    maxconn 5000
defaults
    mode tcp
    timeout connect 2s
    timeout client 1m
    timeout server 1m
frontend fe
    bind 127.0.0.1:${front} backlog ${backlog}
    maxconn ${feMaxconn}
    default_backend be
backend be
    server only 127.0.0.1:${server}
`;
}

/** A raw client: connected once the handshake is done (the kernel's, whether or not the balancer accepted yet). */
interface RawClient {
  readonly socket: Socket;
  readonly connected: Promise<void>;
  /** True once the server's tag came back through the balancer. */
  served: boolean;
}

function rawClient(port: number, onServed: () => void): RawClient {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const c: RawClient = {
    socket,
    connected: new Promise((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    }),
    served: false,
  };
  socket.once('data', () => {
    c.served = true;
    onServed();
  });
  return c;
}

for (const subject of SUBJECTS) {
  describe(subject.name, () => {
    test(`frontend maxconn 2 and ${BURST} clients at once: never more than 2 at the server, all ${BURST} served in turn`, async (t) => {
      const farm = await startBackendFarm(['only']);
      t.after(() => farm.close());
      const front = await freeTcpPort();
      const lb = await subject.start(config(front, farm.port('only'), 2, 64), front);
      t.after(() => lb.stop());

      let served = 0;
      let wake: (() => void) | undefined;
      const clients = Array.from({ length: BURST }, () => rawClient(front, () => {
        served++;
        wake?.();
      }));
      t.after(() => {
        for (const c of clients) c.socket.destroy();
      });
      await Promise.all(clients.map((c) => c.connected));
      await farm.waitFor(() => farm.seq() >= 2, 5000, 'the first 2 connections at the server');
      // Nothing beyond the limit gets through while the first two stay.
      await assert.rejects(farm.waitFor(() => farm.seq() >= 3, 500, 'a third connection'));
      assert.equal(farm.seq(), 2);

      // Release the served clients as they come: the waiting ones get in two at a time. Bounded: one round per client.
      for (let round = 0; round < BURST && served < BURST; round++) {
        for (const c of clients) if (c.served && !c.socket.destroyed) c.socket.destroy();
        const before = served;
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${served}/${BURST} served, stuck`)), 10_000);
          wake = () => {
            if (served > before) {
              clearTimeout(timer);
              resolve();
            }
          };
        });
      }
      assert.equal(served, BURST);
      assert.equal(farm.seq(), BURST, 'each client reached the server once');
      assert.ok(farm.peakLive() <= 2, `${farm.peakLive()} connections at the server at once, frontend maxconn is 2`);
    });

    test(`${WAITING} clients over frontend maxconn 10 wait in the kernel, not in the balancer's descriptors`, async (t) => {
      const farm = await startBackendFarm(['only']);
      t.after(() => farm.close());
      const front = await freeTcpPort();
      const lb = await subject.start(config(front, farm.port('only'), 10, 4096), front);
      t.after(() => lb.stop());
      const idle = openFds(lb.pid);

      const clients = Array.from({ length: WAITING }, () => rawClient(front, () => undefined));
      t.after(() => {
        for (const c of clients) c.socket.destroy();
      });
      await Promise.all(clients.map((c) => c.connected));
      await farm.waitFor(() => farm.liveConnections().length >= 10, 5000, '10 connections at the server');
      const held = openFds(lb.pid);
      t.diagnostic(`${subject.name}: ${idle} fds idle, ${held} with ${WAITING} clients waiting (maxconn 10)`);
      // 10 admitted connections cost 2 fds each; the rest are the kernel's business. A few fds of slack for a
      // connection accepted as the limit filled (one per listener and thread) and for lazily opened ones.
      assert.ok(held <= idle + 2 * 10 + 8, `${held} fds with ${WAITING} clients waiting, ${idle} when idle`);

      // Everyone leaves; the balancer must come out of it serving again (the new client queues behind the
      // leavers, each of which is accepted and closed in turn).
      for (const c of clients) c.socket.destroy();
      const next = rawClient(front, () => undefined);
      t.after(() => next.socket.destroy());
      await next.connected;
      const ok = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 30_000);
        next.socket.once('data', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      assert.ok(ok, 'a new client is served after the crowd left');
    });
  });
}

test('without the fd-dup addon (warned at start) a listener at maxconn closes: the next client is refused, then served once a slot frees', async (t) => {
  const farm = await startBackendFarm(['only']);
  t.after(() => farm.close());
  const front = await freeTcpPort();
  const lb = await startOrcalb(config(front, farm.port('only'), 1, 64), {
    threads: 1,
    env: { ORCALB_FD_DUP_ADDON: '/nonexistent/fd_dup.node' },
  });
  t.after(() => lb.stop());
  assert.match(lb.stderr(), /\[WARNING\].*without the fd-dup addon a listener paused at maxconn or by SIGTTOU is closed/);
  const first = await connectTagged(front);
  t.after(() => first.destroy());
  // The only forwarder's socket closed as the slot filled: nothing listens on the port.
  assert.equal(await probeConnect(front), 'refused');
  await first.end();
  let tag: string | undefined;
  let attempt = 0;
  await pollFor(async () => {
    tag = await requestTag(front, `next-${attempt++}`).then((r) => r.tag, () => undefined);
    return tag !== undefined;
  }, 10_000, 20);
  assert.equal(tag, 'only');
});
