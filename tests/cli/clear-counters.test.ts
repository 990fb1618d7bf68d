// `clear counters [all]` on the shared buffer (core/shared/clear-counters.ts, the health thread's part through
// HealthChecker.clearCheckCounters): what haproxy 2.6.12 clears, measured through its `show stat` after traffic —
// plain: smax, qmax, rate_max and the *time_max of every proxy and server, stot/bin/bout kept; all: the accumulated
// counters too (stot, bin/bout, econ, hrsp_*, req_tot, lastsess back to never, a server's chkfail and chkdown), the
// current values (scur, qcur) and a backend's chkdown kept.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HealthChecker } from '../../core/health/health-checker.js';
import { clearCounters } from '../../core/shared/clear-counters.js';
import { serverSlotIndex } from '../../core/shared/topology.js';
import { captureLogger, healthConfig, seededState, serverConfig } from '../support/check-target.js';

function seeded() {
  const config = healthConfig([{ name: 'be', servers: [serverConfig('a', 1, { check: false }), serverConfig('b', 2, { check: false })] }]);
  const { state, topology } = seededState(config);
  const srv = state.server(serverSlotIndex(topology, 0, 0));
  const be = state.backend(0);
  for (const [f, v] of [['curConns', 2], ['queued', 1], ['totalConns', 40], ['maxConnsSeen', 5], ['maxQueued', 3], ['rateMax', 9],
    ['connectErrors', 4], ['hrsp2xx', 30], ['reqTot', 31], ['ttimeMax', 120], ['ttimeSum', 600], ['timeSamples', 6]] as const) {
    srv.add(f, v);
  }
  srv.store('lastSessMs', 1234);
  srv.store('checkFails', 7);
  srv.store('downTransitions', 2);
  srv.addWide('bytesIn', 1000);
  be.add('totalConns', 40);
  be.add('curConns', 2);
  be.store('maxConns', 6);
  be.store('downTransitions', 1);
  return { config, state, topology, srv, be };
}

test('clear counters: the maxima only; the totals and the current values stay', () => {
  const { state, srv, be } = seeded();
  clearCounters(state, 'max');
  assert.deepEqual(
    ['maxConnsSeen', 'maxQueued', 'rateMax', 'ttimeMax'].map((f) => srv.load(f as 'maxConnsSeen')),
    [0, 0, 0, 0],
  );
  assert.deepEqual([srv.load('totalConns'), srv.load('curConns'), srv.load('queued'), srv.loadWide('bytesIn')], [40, 2, 1, 1000n]);
  assert.deepEqual([be.load('maxConns'), be.load('totalConns')], [0, 40]);
  assert.equal(srv.load('lastSessMs'), 1234);
});

test('clear counters all: the totals, lastsess and (health thread) chkfail/chkdown too; scur, qcur and a backend chkdown stay', async (t) => {
  const { config, state, topology, srv, be } = seeded();
  clearCounters(state, 'all');
  const checker = new HealthChecker(config, state, topology, captureLogger());
  t.after(() => checker.stop());
  checker.clearCheckCounters();
  assert.deepEqual(
    ['totalConns', 'connectErrors', 'hrsp2xx', 'reqTot', 'ttimeSum', 'timeSamples', 'lastSessMs', 'checkFails', 'downTransitions'].map((f) =>
      srv.load(f as 'totalConns')),
    [0, 0, 0, 0, 0, 0, 0, 0, 0],
  );
  assert.equal(srv.loadWide('bytesIn'), 0n);
  assert.deepEqual([srv.load('curConns'), srv.load('queued'), be.load('curConns')], [2, 1, 2]);
  assert.deepEqual([be.load('totalConns'), be.load('downTransitions')], [0, 1]);
  // A count landing after the clear is kept: the clear subtracted what it read, it did not store 0 over it.
  srv.add('totalConns', 1);
  clearCounters(state, 'max');
  assert.equal(srv.load('totalConns'), 1);
});
