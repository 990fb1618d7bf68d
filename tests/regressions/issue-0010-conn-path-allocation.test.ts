// Issue 10, new connections: what a forwarder does with the shared buffer for every connection allocates nothing.
// Taking and giving back a server slot ran Object.keys() over the backend layout at every release (~0.7 KiB of
// garbage per proxied connection, found with V8's sampling heap profiler on a `Connection: close` load); the
// connection-rate path's garbage is what its scavenges cost. Measured by V8 itself (tests/support/allocation-probe.ts).
// Test-runner thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnAccounting } from '../../core/shared/conn-accounting.js';
import { testState } from '../support/acl-context.js';
import { measureAllocation } from '../support/allocation-probe.js';

test("a server slot taken and released (every proxied connection's accounting) allocates nothing", async () => {
  const state = testState();
  const accounting = new ConnAccounting(state);
  const report = await measureAllocation((n) => {
    for (let i = 0; i < n; i++) {
      accounting.serverOpened(0, 0, 1);
      accounting.serverClosed(0, 0, 1);
    }
  });
  assert.equal(report.collections, 0, `scavenges during the run (grown ${report.grown} bytes)`);
  assert.ok(report.grown < 64 * 1024, `young generation grew by ${report.grown} bytes`);
  assert.equal(state.server(1).load('curConns'), 0);
});
