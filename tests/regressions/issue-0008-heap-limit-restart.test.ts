// Issue 8, item 11: every thread's V8 heap is bounded on purpose (workers/spawn.ts HEAP_LIMITS). A forwarder that
// reaches its bound is ended by Node and replaced like a crashed one: its connections are cut, its server slots
// given back (a `maxconn 2` server takes new connections), the reason logged. An acceptor that reaches its bound is
// restarted without touching the forwarders' connections; a health checker is restarted and checks again. All three
// fail on unbounded threads (the hog stops at 1.5 GiB and says so). Drives the real CLI with a test-only preload
// (tests/support/heap-hog-preload.ts) that fills a thread's heap on SIGUSR2. Test-runner thread; orcalb is a child.

import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connectTagged, requestTag, startBackendFarm, type TaggedClient } from '../support/backend-farm.js';
import { freeTcpPort, isListening } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { tcpConfig } from '../support/tcp-config.js';
import { pollFor } from '../support/wait.js';

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

test('an acceptor that fills its heap is restarted: the forwarders keep their connections and accepting resumes', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const port = await freeTcpPort();
  const lb = await startOrcalb(tcpConfig(port, farm.ports()), {
    threads: 1,
    nodeArgs: ['--import', PRELOAD],
    // The preload's target (tests/support/heap-hog-preload.ts): the acceptor instead of the forwarders.
    env: { HEAP_HOG_THREAD: 'acceptor' },
  });
  t.after(() => lb.stop());
  const held = await connectTagged(port);
  t.after(() => held.destroy());
  assert.equal((await held.exchange('before\n')).toString(), 'before\n');

  lb.signal('SIGUSR2');
  await lb.waitForStderr(/acceptor thread exited; restarting it/, 30_000);
  assert.doesNotMatch(lb.stderr(), /heap-hog: .* lives on/);
  // The connection lives in a forwarder: the acceptor's death does not touch it.
  assert.equal((await held.exchange('during\n')).toString(), 'during\n');
  assert.ok(!held.isClosed());

  // The new acceptor binds again; no event says when another thread starts listening, so poll /proc (bounded).
  await pollFor(() => isListening(port), 5000, 20);
  assert.ok(isListening(port), 'the restarted acceptor listens again');
  assert.equal((await requestTag(port, 'after')).tag, 's1');
  assert.equal((await held.exchange('still\n')).toString(), 'still\n');
});

test('a health checker that fills its heap is restarted and the checks go on', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const port = await freeTcpPort();
  const lb = await startOrcalb(tcpConfig(port, farm.ports(), { serverOptions: 'check inter 100ms' }), {
    threads: 1,
    nodeArgs: ['--import', PRELOAD],
    env: { HEAP_HOG_THREAD: 'health-checker' },
  });
  t.after(() => lb.stop());
  await farm.waitFor(() => farm.checkConnections('s1').length > 0, 5000, 'a first health check');

  lb.signal('SIGUSR2');
  await lb.waitForStderr(/health-check thread exited; restarting it/, 30_000);
  assert.doesNotMatch(lb.stderr(), /heap-hog: .* lives on/);
  // Checks made after the restart line was written: the new thread probes again.
  const since = farm.seq();
  await farm.waitFor(() => farm.checkConnections('s1', since).length >= 2, 5000, 'health checks after the restart');
  assert.equal((await requestTag(port, 'traffic')).tag, 's1');
});
