// ListenerSet (core/accept/listener-set.ts) on a real listening socket the test holds as the main thread would: a
// paused listener accepts nothing while the kernel keeps queueing, resuming accepts the queued client, and a
// pause/resume flurry (maxconn at the limit, SIGTTOU/SIGTTIN) never leaves a second, untracked server accepting.
// Needs the addon (npm install builds it); fails, not skips, without it. Test-runner thread.

import assert from 'node:assert/strict';
import { closeSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { ListenerSet } from '../../core/accept/listener-set.js';
import type { ListenTarget } from '../../core/accept/listeners.js';
import { loadNativeAddon, type NativeAddon } from '../../core/native-addon.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { delay } from '../support/wait.js';

function requireAddon(): NativeAddon {
  const addon = loadNativeAddon();
  assert.ok(addon, 'build/Release/fd_dup.node is missing: run `npm install` (it builds the addon)');
  return addon;
}

async function setup(t: { after: (fn: () => unknown) => void }): Promise<{
  set: ListenerSet;
  port: number;
  accepted: Socket[];
  next: () => Promise<Socket>;
}> {
  const addon = requireAddon();
  const port = await freeTcpPort();
  const target: ListenTarget = {
    frontend: 0, bind: 0, frontendName: 'fe', source: { file: 't.cfg', line: 1 }, address: '127.0.0.1', port, backlog: 64,
  };
  const master = addon.listenTcp('127.0.0.1', port, 64);
  const accepted: Socket[] = [];
  let wake: ((s: Socket) => void) | undefined;
  const set = new ListenerSet({
    targets: [target],
    fds: [master],
    dup: addon.dup,
    onConnection: (socket) => {
      accepted.push(socket);
      wake?.(socket);
    },
    onLost: (alert) => assert.fail(alert),
  });
  t.after(() => {
    set.closeAll();
    for (const s of accepted) s.destroy();
    closeSync(master);
  });
  await set.open();
  const next = (): Promise<Socket> => new Promise((resolve) => (wake = resolve));
  return { set, port, accepted, next };
}

/** A client that connects (the kernel completes the handshake whether or not anyone accepts). */
function client(port: number, t: { after: (fn: () => unknown) => void }): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  t.after(() => s.destroy());
  return new Promise((resolve) => s.once('connect', () => resolve(s)));
}

test('a paused listener accepts nothing while the kernel queues; resuming accepts the queued client', async (t) => {
  const { set, port, accepted, next } = await setup(t);
  set.pause('global');
  assert.equal(set.accepting(), 0);
  await client(port, t);
  // Give an accepting server every chance to take it: a full macrotask turn or two.
  await delay(100);
  assert.equal(accepted.length, 0, 'nothing is accepted while paused');
  const got = next();
  await set.resume('global');
  assert.equal(set.accepting(), 1);
  await got;
  assert.equal(accepted.length, 1);
});

test('pause and resume in quick succession leave exactly one server, and a pause after it stops all accepting', async (t) => {
  const { set, port, accepted } = await setup(t);
  // Resume starts an open; pause and resume again before that open finished.
  set.pause('global');
  void set.resume('global');
  set.pause('frontend', 0);
  void set.resume('frontend', 0);
  set.pause('global');
  await set.resume('global');
  await delay(50);
  assert.equal(set.accepting(), 1);
  set.pause('signal');
  assert.equal(set.accepting(), 0);
  await client(port, t);
  await delay(100);
  assert.equal(accepted.length, 0, 'no stray server accepts while paused');
});
