// HealthChecker.discoverySet, the one writer of a discovered slot's state, on the main thread against a real server on
// 127.0.0.1: a template slot starts in resolution maintenance and unchecked; filled, it is DOWN at health 0, UP
// after exactly `rise` passed checks, then ramps its weight under `slowstart`; a node reported down goes back to
// resolution maintenance with the reason in the log; an operator's `disable server` survives a fill.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HealthChecker } from '../../core/health/health-checker.js';
import { ServerState } from '../../core/shared/layout.js';
import { ipv4Word } from '../../core/shared/server-address.js';
import { serverSlotIndex } from '../../core/shared/topology.js';
import { AdminFlag } from '../../core/stats/status-text.js';
import { CheckTarget, captureLogger, healthConfig, seededState, serverConfig } from '../support/check-target.js';
import { pollUntil } from '../support/wait.js';

const SLOT = { address: '0.0.0.0', port: 0, unresolved: true, template: 'dn' } as const;

test('a filled slot is DOWN at 0, UP after rise passed checks, then ramps under slowstart; down → RMAINT', async (t) => {
  const target = await CheckTarget.start();
  t.after(() => target.close());
  const servers = [
    serverConfig('dn1', 0, { ...SLOT, inter: 300, rise: 3, fall: 2, weight: 100, slowstart: 60_000 }),
    serverConfig('dn2', 0, { ...SLOT, inter: 50 }),
  ];
  const config = healthConfig([{ name: 'nodes', servers }]);
  const { state, topology } = seededState(config);
  const log = captureLogger();
  const checker = new HealthChecker(config, state, topology, log);
  t.after(() => checker.stop());
  checker.start();
  const slot = state.server(serverSlotIndex(topology, 0, 0));
  assert.equal(slot.load('state'), ServerState.MAINT);
  assert.equal(slot.load('adminState'), AdminFlag.RMAINT);
  assert.equal(checker.slotAddress(0, 0), undefined);

  const fill = { kind: 'fill', node: 'node1', address: '127.0.0.1', addrV4: ipv4Word('127.0.0.1'), port: target.port } as const;
  assert.equal(checker.discoverySet(0, 0, fill), true);
  assert.deepEqual([slot.load('state'), slot.load('health'), slot.load('adminState')], [ServerState.DOWN, 0, 0]);
  assert.deepEqual(checker.slotAddress(0, 0), { address: '127.0.0.1', port: target.port });
  await pollUntil(() => slot.load('state') === ServerState.UP, 5000, 'dn1 UP');
  // Exactly `rise` checks reached the node before it took traffic (the next one is 300 ms away), and it starts low
  // on its 60 s ramp.
  assert.equal(target.connections.length, 3);
  assert.ok(slot.load('effectiveWeight') < 100, `effective weight ${slot.load('effectiveWeight')} right after UP`);
  assert.ok(log.lines.some((l) => /Server nodes\/dn1 takes DolphinDB node node1 at 127\.0\.0\.1:\d+ \(dolphindb-discovery\)\./.test(l.message)));
  // The same answer again changes nothing (a restarted health thread, the next reading).
  assert.equal(checker.discoverySet(0, 0, fill), true);
  assert.equal(slot.load('state'), ServerState.UP);

  checker.discoverySet(0, 0, { kind: 'down', reason: 'DolphinDB node node1 reported down by the controller' });
  assert.deepEqual([slot.load('state'), slot.load('adminState') & AdminFlag.RMAINT], [ServerState.MAINT, AdminFlag.RMAINT]);
  assert.ok(log.lines.some((l) => l.message === 'Server nodes/dn1 is going DOWN for maintenance (DolphinDB node node1 reported down by the controller). 0 active and 0 backup servers left.'));

  // `disable server` first: the fill sets the address but the slot stays in the operator's maintenance.
  const dn2 = state.server(serverSlotIndex(topology, 0, 1));
  checker.admin(0, 1, 'maint');
  checker.discoverySet(0, 1, { ...fill, node: 'node2' });
  assert.deepEqual([dn2.load('state'), dn2.load('adminState')], [ServerState.MAINT, AdminFlag.MAINT]);
});
