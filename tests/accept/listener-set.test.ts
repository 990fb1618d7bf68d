// ListenerSet (core/accept/listener-set.ts) on a real listening socket the test holds as the main thread would, with
// the native accept (native/accept-watch.c, accept-burst.ts): a paused listener accepts nothing while the kernel keeps
// queueing, resuming accepts the queued client, a pause/resume flurry never leaves a second watcher accepting, the
// gate is asked before every accept (a refused reservation leaves the client queued, an unused one is given back), a
// burst larger than one wake is taken over several, and an fd limit pauses the listener instead of spinning or
// dropping clients. Needs the addon (npm install builds it); fails, not skips, without it. Test-runner thread.

import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { ACCEPT_BURST, type AcceptGate } from '../../core/accept/accept-burst.js';
import { BACKOFF_MS, ListenerSet } from '../../core/accept/listener-set.js';
import type { ListenTarget } from '../../core/accept/listeners.js';
import { loadNativeAddon, type NativeAddon } from '../../core/native-addon.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { delay, pollUntil, within } from '../support/wait.js';

interface T {
  after: (fn: () => unknown) => void;
}

function requireAddon(): NativeAddon {
  const addon = loadNativeAddon();
  assert.ok(addon, 'build/Release/fd_dup.node is missing: run `npm install` (it builds the addon)');
  return addon;
}

interface Setup {
  readonly set: ListenerSet;
  readonly port: number;
  readonly accepted: number[];
  /** What the gate was asked: reservations made, given back, refused. */
  readonly gate: { reserved: number; released: number; refused: number; allow: boolean };
  readonly limits: string[];
  /** Resolves once `n` connections were accepted in all. */
  readonly until: (n: number) => Promise<void>;
}

async function setup(t: T): Promise<Setup> {
  const addon = requireAddon();
  const port = await freeTcpPort();
  const target: ListenTarget = {
    frontend: 0, bind: 0, frontendName: 'fe', source: { file: 't.cfg', line: 1 }, address: '127.0.0.1', port, backlog: 512,
  };
  const master = addon.listenTcp('127.0.0.1', port, 512);
  const accepted: number[] = [];
  const limits: string[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const counts = { reserved: 0, released: 0, refused: 0, allow: true };
  const gate: AcceptGate = {
    reserve: () => {
      if (!counts.allow) {
        counts.refused++;
        return false;
      }
      counts.reserved++;
      return true;
    },
    release: () => void counts.released++,
    accepted: (fd) => {
      accepted.push(fd);
      for (const w of waiters) if (accepted.length >= w.n) w.resolve();
    },
  };
  const set = new ListenerSet({
    targets: [target],
    fds: [master],
    addon,
    gate,
    onConnection: () => assert.fail('a native listener never builds a net.Socket'),
    onLost: (alert) => assert.fail(alert),
    onLimit: (m) => limits.push(m),
    maxsock: 1234,
  });
  t.after(() => {
    set.closeAll();
    for (const fd of accepted) closeSync(fd);
    closeSync(master);
  });
  await set.open();
  const until = (n: number): Promise<void> =>
    within(new Promise((resolve) => (accepted.length >= n ? resolve() : waiters.push({ n, resolve }))), 5000, `${n} accepts`);
  return { set, port, accepted, gate: counts, limits, until };
}

/** A client that connects (the kernel completes the handshake whether or not anyone accepts). */
function client(port: number, t: T): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  t.after(() => s.destroy());
  return within(new Promise((resolve) => s.once('connect', () => resolve(s))), 5000, 'connect');
}

/** The number the kernel would give the next fd this process opens. */
function lowestFreeFd(): number {
  const fd = openSync('/dev/null', 'r');
  closeSync(fd);
  return fd;
}

/** A few turns of this thread's loop: a watcher that polls would have run its accept by then. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

test('a paused listener accepts nothing while the kernel queues; resuming accepts the queued client', async (t) => {
  const { set, port, accepted, until } = await setup(t);
  set.pause('global');
  assert.equal(set.accepting(), 0);
  await client(port, t);
  await delay(100);
  assert.equal(accepted.length, 0, 'nothing is accepted while paused');
  await set.resume('global');
  assert.equal(set.accepting(), 1);
  await until(1);
  assert.equal(accepted.length, 1);
});

test('pause and resume in quick succession leave exactly one watcher, and a pause after it stops all accepting', async (t) => {
  const { set, port, accepted } = await setup(t);
  set.pause('global');
  void set.resume('global');
  set.pause('frontend', 0);
  void set.resume('frontend', 0);
  set.pause('global');
  await set.resume('global');
  assert.equal(set.accepting(), 1);
  set.pause('signal');
  assert.equal(set.accepting(), 0);
  await client(port, t);
  await delay(100);
  assert.equal(accepted.length, 0, 'no stray watcher accepts while paused');
});

test('the gate is asked before each accept: refused, the client stays queued; each wake gives back its unused reservation', async (t) => {
  const { set, port, accepted, gate, until } = await setup(t);
  gate.allow = false;
  await client(port, t);
  // The watcher keeps being woken (level-triggered) and keeps asking; it never accepts without a reservation.
  await delay(50);
  assert.equal(accepted.length, 0);
  assert.ok(gate.refused > 0, 'the gate was asked');
  assert.equal(gate.reserved, 0);
  set.pause('global');
  gate.allow = true;
  await set.resume('global');
  await until(1);
  await turns(3);
  // One reservation per accepted connection plus one per wake that found nothing more (given back).
  assert.equal(gate.reserved - gate.released, accepted.length);
  assert.ok(gate.released >= 1);
});

test(`${3 * ACCEPT_BURST} clients at once are all accepted, over several wakes of at most ${ACCEPT_BURST}`, async (t) => {
  const { set, port, accepted, until } = await setup(t);
  set.pause('signal');
  const n = 3 * ACCEPT_BURST;
  await Promise.all(Array.from({ length: n }, () => client(port, t)));
  await set.resume('signal');
  await until(n);
  assert.equal(accepted.length, n);
  assert.equal(new Set(accepted).size, n, 'every fd is a distinct open connection');
});

test('an fd limit pauses the listener with HAProxy\'s words, then it accepts the waiting client once fds free up', async (t) => {
  const addon = requireAddon();
  const { port, accepted, limits, until } = await setup(t);
  const limit = addon.getFdLimit();
  t.after(() => addon.setFdLimit(limit.soft, limit.hard));
  // No fd number below the limit is free: accept4() fails with EMFILE (the kernel gives the lowest free number).
  const open = lowestFreeFd();
  addon.setFdLimit(open, limit.hard);
  const waiting = connect(port, '127.0.0.1');
  waiting.on('error', () => undefined);
  t.after(() => waiting.destroy());
  // The client's own socket needs an fd too: lift the limit by exactly one for it.
  addon.setFdLimit(open + 1, limit.hard);
  await within(new Promise<void>((resolve) => waiting.once('connect', () => resolve())), 5000, 'connect');
  await pollUntil(() => limits.length > 0, 5000, 'the fd-limit line');
  assert.deepEqual(limits, ["Proxy fe reached process FD limit (maxsock=1234). Please check 'ulimit-n' and restart."]);
  assert.equal(accepted.length, 0, 'the client waits in the kernel queue, it is neither accepted nor dropped');
  addon.setFdLimit(limit.soft, limit.hard);
  await delay(BACKOFF_MS);
  await until(1);

  assert.equal(waiting.destroyed, false);
});
