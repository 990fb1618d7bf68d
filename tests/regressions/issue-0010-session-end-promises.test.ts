// Issue 10, memory per idle connection and new connections: a TCP session reports its end to the forwarder's one
// SessionOutcome object (core/forward/connection-entry.ts startSession → l4-session.ts startL4Session) instead of a
// promise per connection, so a connection whose pipe runs holds no pending promise (before: the session's own
// `Promise.withResolvers` and the forwarder's `.then` promise, with their resolvers and closures, for the whole
// life of every connection). Counted with async_hooks (PROMISE resources created and not yet resolved) over the
// in-process harness (tests/support/l7-harness.ts), which enters sessions as workers/forwarder.ts does. The set-up
// makes none either: the session is its own ServerDial's hooks (before: an async set-up and dispatch()'s promise).
// Test-runner thread.

import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import net from 'node:net';
import { test } from 'node:test';
import { startBackendFarm } from '../support/backend-farm.js';
import { load, validConfig } from '../support/config-load.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { serveConfig } from '../support/l7-harness.js';
import { tcpConfig } from '../support/tcp-config.js';

const CONNS = 40;

test('idle TCP connections whose pipes run hold no pending promise, and none was made on the way', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const served = await serveConfig(validConfig(await load(tcpConfig(await freeTcpPort(), farm.ports()))));
  t.after(() => served.close());
  const pending = new Set<number>();
  let created = 0;
  const hook = createHook({
    init: (id, type) => {
      if (type !== 'PROMISE') return;
      created++;
      pending.add(id);
    },
    promiseResolve: (id) => void pending.delete(id),
  });
  hook.enable();
  const clients: net.Socket[] = [];
  t.after(() => {
    hook.disable();
    for (const c of clients) c.destroy();
  });
  // One promise for all the clients (not one each): only the sessions' promises should count.
  await new Promise<void>((resolve) => {
    let connected = 0;
    for (let i = 0; i < CONNS; i++) {
      const c = net.connect(served.ports[0] ?? 0, '127.0.0.1', () => {
        if (++connected === CONNS) resolve();
      });
      c.on('error', () => undefined);
      clients.push(c);
    }
  });
  // Every connection reached the server: each session has dispatched and started its pipe.
  await farm.waitFor(() => farm.liveConnections('s1').length >= CONNS, 5000, 'every connection at the server');
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  hook.disable();
  const left = pending.size;
  // This test's own awaits leave a handful; a promise per connection would leave CONNS or more.
  assert.ok(left < CONNS / 4, `${left} promises still pending for ${CONNS} idle connections`);
  // Nor is one made on the way (the session is its ServerDial's hooks: no dispatch() promise or async set-up).
  assert.ok(created < CONNS / 2, `${created} promises created for ${CONNS} connections`);
});
