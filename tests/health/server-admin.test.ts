// The stats admin actions as the health thread applies them (core/health/server-admin.ts through HealthChecker.admin),
// on the main thread against real check targets: each action's state, admin flags, weight and backend counts as
// haproxy 2.6.12 shows them (measured through its admin form), and MAINT surviving a restart of the checker.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HealthChecker } from '../../core/health/health-checker.js';
import { ServerState } from '../../core/shared/layout.js';
import { serverSlotIndex } from '../../core/shared/topology.js';
import { AdminFlag, serverStatus } from '../../core/stats/status-text.js';
import { CheckTarget, captureLogger, healthConfig, seededState, serverConfig } from '../support/check-target.js';
import { pollUntil } from '../support/wait.js';

test('maint, drain, ready, dhlth/ehlth, hrunn/hnolb/hdown, agent actions and unknown servers', async (t) => {
  const target = await CheckTarget.start();
  t.after(() => target.close());
  const timing = { inter: 100, fastinter: 50, downinter: 100, rise: 2, fall: 3 };
  const config = healthConfig([{ name: 'be', servers: [serverConfig('a', target.port, timing), serverConfig('b', target.port, timing)] }]);
  const { state, topology } = seededState(config);
  let checker = new HealthChecker(config, state, topology, captureLogger());
  t.after(() => checker.stop());
  checker.start();
  const slot = state.server(serverSlotIndex(topology, 0, 0));
  const backend = state.backend(0);
  const status = (): string =>
    serverStatus({ state: slot.load('state'), admin: slot.load('adminState'), health: slot.load('health'), check: true, rise: 2, fall: 3 });
  await pollUntil(() => status() === 'UP', 5000, 'a UP');

  assert.equal(checker.admin(0, 0, 'maint'), 'done');
  assert.deepEqual([status(), backend.load('activeServers')], ['MAINT', 1]);
  // The checker restarts (its thread died): a server the form put in MAINT must still come back with `ready`.
  await checker.stop();
  checker = new HealthChecker(config, state, topology, captureLogger());
  checker.start();
  assert.equal(checker.admin(0, 0, 'ready'), 'done');
  // Leaving MAINT: UP at once with the counter at rise ("UP 1/3"), then the checks bring it to full health.
  assert.deepEqual([status(), backend.load('activeServers')], ['UP 1/3', 2]);
  await pollUntil(() => status() === 'UP', 5000, 'a back to full health');

  assert.equal(checker.admin(0, 0, 'drain'), 'done');
  assert.deepEqual([status(), slot.load('effectiveWeight'), backend.load('activeServers')], ['DRAIN', 0, 1]);
  assert.equal(checker.admin(0, 0, 'ready'), 'done');
  assert.deepEqual([status(), slot.load('effectiveWeight')], ['UP', 1]);

  assert.equal(checker.admin(0, 0, 'dhlth'), 'done');
  assert.equal(slot.load('adminState') & AdminFlag.NOCHECK, AdminFlag.NOCHECK);
  assert.equal(checker.admin(0, 0, 'ehlth'), 'done');
  assert.equal(checker.admin(0, 0, 'hdown'), 'done');
  assert.deepEqual([status(), slot.load('state')], ['DOWN', ServerState.DOWN]);
  assert.equal(checker.admin(0, 0, 'hrunn'), 'done');
  assert.equal(status(), 'UP');
  assert.equal(checker.admin(0, 0, 'hnolb'), 'done');
  assert.deepEqual([status(), slot.load('effectiveWeight')], ['NOLB', 0]);
  // The next check speaks again: NOLB is over.
  await pollUntil(() => status() === 'UP', 5000, 'NOLB cleared by a check');
  assert.equal(slot.load('effectiveWeight'), 1);

  for (const agent of ['dagent', 'eagent', 'arunn', 'adown'] as const) assert.equal(checker.admin(0, 0, agent), 'none');
  assert.equal(checker.admin(0, 0, 'shutdown'), 'done');
  assert.equal(checker.admin(0, 7, 'maint'), 'error');
  assert.equal(checker.admin(3, 0, 'maint'), 'error');
  // An UP → DOWN → UP spell is counted in downtime and chkdown.
  assert.ok(slot.load('downTransitions') >= 1);
});
