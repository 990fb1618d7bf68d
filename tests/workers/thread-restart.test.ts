// Forwarder crash containment: a forwarder that dies of an uncaught exception takes only its own connections with it
// and the main thread restarts it (workers/supervisor.ts). Drives the real CLI with ORCALB_TEST_HOOKS=1.
// Test-runner thread; orcalb runs as a child process.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectTagged, requestTag, startBackendFarm, type TaggedClient } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { tcpConfig } from '../support/tcp-config.js';

/** Resolves with the first `n` clients to close; rejects after timeoutMs listing how many did. */
function firstClosed(clients: readonly TaggedClient[], n: number, timeoutMs: number): Promise<TaggedClient[]> {
  return new Promise((resolve, reject) => {
    const closed: TaggedClient[] = [];
    const timer = setTimeout(
      () => reject(new Error(`${closed.length} of ${clients.length} connections closed within ${timeoutMs} ms, expected ${n}`)),
      timeoutMs,
    );
    for (const c of clients) {
      void c.closed.then(() => {
        closed.push(c);
        if (closed.length === n) {
          clearTimeout(timer);
          resolve([...closed]);
        }
      });
    }
  });
}

test("crash-forwarder 0 cuts only that thread's 2 of 4 connections; it is restarted and new connections work", async (t) => {
  const farm = await startBackendFarm(['s1', 's2']);
  t.after(() => farm.close());
  const port = await freeTcpPort();
  const lb = await startOrcalb(tcpConfig(port, farm.ports()), { threads: 2, accept: 'acceptor', env: { ORCALB_TEST_HOOKS: '1' } });
  t.after(() => lb.stop());
  // Two per thread relies on least-loaded handoff, which only the acceptor mode does (reuseport is the kernel's pick).
  assert.match(await lb.waitForStderr(/orcalb ready/, 1000), /accept=acceptor/);

  // One at a time, each confirmed end to end, so the acceptor's load counts are settled before the next handoff.
  const clients: TaggedClient[] = [];
  for (let i = 0; i < 4; i++) {
    const c = await connectTagged(port);
    t.after(() => c.destroy());
    assert.equal((await c.exchange(`before-${i}\n`)).toString(), `before-${i}\n`);
    clients.push(c);
  }

  const cut = firstClosed(clients, 2, 5000);
  const sentAt = Date.now();
  lb.send('crash-forwarder 0');
  // The bound only catches a restart that never comes; how fast it comes is a figure, not an assertion.
  await lb.waitForStderr(/forwarder 0 restarted/, 10_000);
  t.diagnostic(`forwarder 0 restarted ${Date.now() - sentAt} ms after the command`);
  await cut;

  const survivors = clients.filter((c) => !c.isClosed());
  assert.equal(survivors.length, 2, 'the other thread\'s connections are untouched');
  for (const [i, c] of survivors.entries()) {
    assert.equal((await c.exchange(`after-${i}\n`)).toString(), `after-${i}\n`);
  }

  const fresh: string[] = [];
  for (let i = 0; i < 10; i++) fresh.push((await requestTag(port, `fresh-${i}`)).tag);
  assert.equal(fresh.length, 10);
  assert.deepEqual(fresh.filter((tag) => tag !== 's1' && tag !== 's2'), []);

  // Still exactly two cut once everything else has run: the survivors were not dropped late.
  assert.equal(clients.filter((c) => c.isClosed()).length, 2);
  for (const c of survivors) assert.equal((await c.exchange('still\n')).toString(), 'still\n');
});
