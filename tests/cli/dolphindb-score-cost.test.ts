// orcalb's `set dolphindb B/S score-cost C`: under `balance dolphindb-load`, one node's cost of a connection placed
// since its last reading changes at run time (health thread word scoreCost, read by the balancer at each pick): a
// node made expensive takes one connection and then the others fill up first. Answers for the wrong backend, a bad
// cost and unknown names.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBalancer } from '../../core/balance/registry.js';
import type { CliContext } from '../../core/cli/cli-command.js';
import { HealthChecker } from '../../core/health/health-checker.js';
import { applyServerCommand } from '../../core/health/server-commands.js';
import { serverSlotIndex } from '../../core/shared/topology.js';
import { attachBackendView } from '../support/backend-view.js';
import { captureLogger, seededState } from '../support/check-target.js';
import { inProcessCommand } from '../support/cli-client.js';
import { load, validConfig } from '../support/config-load.js';

test('set dolphindb B/S score-cost: the node made expensive stops taking the placements', async (t) => {
  const text = [
    'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s',
    'backend ddb', '  balance dolphindb-load 0.05', '  server a 127.0.0.1:1', '  server b 127.0.0.1:2',
    'backend rr', '  server c 127.0.0.1:3',
    '',
  ].join('\n');
  const config = validConfig(await load(text));
  const { state, topology } = seededState(config);
  const checker = new HealthChecker(config, state, topology, captureLogger());
  t.after(() => checker.stop());
  const ctx: CliContext = {
    config, state, topology, threads: 1, version: 'test', startedMs: Date.now(), level: 'admin',
    client: { interactive: false, experimental: false, quit: false },
    relay: (r) => Promise.resolve(r.kind === 'server' ? applyServerCommand(checker, config, r.backend, r.server, r.command) : { ok: true }),
  };
  const be = config.backends[0];
  assert.ok(be !== undefined);
  const balancer = createBalancer(attachBackendView(state, be.servers.map((s) => ({ name: s.name, backup: false, maxconn: 0, weight: s.weight }))), be.balance);
  const slots = [0, 1].map((s) => state.server(serverSlotIndex(topology, 0, s)));
  /** `n` placements as the forwarders count them, from zero placed on each node. */
  const place = (n: number): string[] => {
    for (const slot of slots) slot.add('placedSinceReading', -slot.load('placedSinceReading'));
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const s = balancer.pick({});
      out.push(s?.name ?? '-');
      if (s !== undefined) slots[s.index]?.add('placedSinceReading', 1);
    }
    return out;
  };
  assert.deepEqual(place(6).sort(), ['a', 'a', 'a', 'b', 'b', 'b']);
  assert.equal(await inProcessCommand(ctx, 'set dolphindb ddb/a score-cost 10'), '\n');
  assert.ok(place(6).filter((n) => n === 'a').length <= 1, 'a takes at most its first placement');
  assert.equal(await inProcessCommand(ctx, 'set dolphindb ddb/a score-cost 0.05'), '\n');
  assert.deepEqual(place(6).sort(), ['a', 'a', 'a', 'b', 'b', 'b']);

  assert.equal(await inProcessCommand(ctx, 'set dolphindb rr/c score-cost 1'), "Backend is not using 'balance dolphindb-load'.\n\n");
  assert.equal(await inProcessCommand(ctx, 'set dolphindb ddb/a score-cost 11'), 'Require a score cost between 0 and 10 (a load fraction, e.g. 0.05).\n\n');
  assert.equal(await inProcessCommand(ctx, 'set dolphindb ddb/a score-cost x'), 'Require a score cost between 0 and 10 (a load fraction, e.g. 0.05).\n\n');
  assert.equal(await inProcessCommand(ctx, 'set dolphindb ddb/zz score-cost 1'), 'No such server.\n\n');
  assert.equal(await inProcessCommand(ctx, 'set dolphindb ddb/a'), 'usage: set dolphindb <backend>/<server> score-cost <cost>\n\n');
  assert.equal(await inProcessCommand({ ...ctx, level: 'operator' }, 'set dolphindb ddb/a score-cost 1'), 'Permission denied\n\n');
});
