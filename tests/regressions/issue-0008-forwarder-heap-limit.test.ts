// Issue 8, item 11: a forwarder's V8 heap is bounded on purpose (workers/spawn.ts → forwarder-pool.ts
// resourceLimits). A forwarder that reaches the bound is ended by Node and replaced like a crashed one: its
// connections are cut, its server slots given back (a `maxconn 2` server takes new connections), the reason logged.
// Drives the real CLI with a test-only preload (tests/support/heap-hog-preload.ts) that fills a forwarder's heap on
// SIGUSR2. Test-runner thread; orcalb runs as a child process.

import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connectTagged, requestTag, startBackendFarm, type TaggedClient } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { tcpConfig } from '../support/tcp-config.js';

const PRELOAD = join(dirname(fileURLToPath(import.meta.url)), '../support/heap-hog-preload.js');

test('a forwarder that fills its heap dies at its bound (not at the 1.5 GiB the hog stops at), is replaced, and gives back its server slots', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const port = await freeTcpPort();
  // Two slots on the only server and a long queue: a slot still counted as busy after the death would park every
  // new connection in the queue, and the exchanges below would time out.
  const lb = await startOrcalb(tcpConfig(port, farm.ports(), { serverOptions: 'maxconn 2', defaults: '    timeout queue 1m' }), {
    threads: 1,
    nodeArgs: ['--import', PRELOAD],
  });
  t.after(() => lb.stop());

  const held: TaggedClient[] = [];
  for (let i = 0; i < 2; i++) {
    const c = await connectTagged(port);
    t.after(() => c.destroy());
    assert.equal((await c.exchange(`before-${i}\n`)).toString(), `before-${i}\n`);
    held.push(c);
  }

  lb.signal('SIGUSR2');
  // On a bounded forwarder: the heap limit, then the pool's replacement. Unbounded, the hog stops at its own bound,
  // says so, and nothing dies: the first wait fails with that line in the stderr it quotes.
  t.diagnostic(await lb.waitForStderr(/forwarder 0 died/, 30_000));
  assert.match(lb.stderr(), /forwarder 0 .*heap limit/, 'the log says why the forwarder died');
  assert.doesNotMatch(lb.stderr(), /heap-hog: .* lives on/);
  await lb.waitForStderr(/forwarder 0 restarted/, 10_000);
  await Promise.all(held.map((c) => c.closed));

  // Both slots of s1 are free again: two new connections at once are served, not queued.
  const fresh = await Promise.all([connectTagged(port), connectTagged(port)]);
  for (const c of fresh) t.after(() => c.destroy());
  for (const [i, c] of fresh.entries()) assert.equal((await c.exchange(`after-${i}\n`)).toString(), `after-${i}\n`);
  for (const c of fresh) c.destroy();
  assert.equal((await requestTag(port, 'last')).tag, 's1');
});
