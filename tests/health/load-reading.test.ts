// The health checker's load readings for `balance dolphindb-load`, against emulated DolphinDB nodes: the score lands
// in the server slot, the placed count the reading covers is taken back, a failed reading scores worst, and readings
// come over the dolphindb-check connection, over their own connection, or for servers without `check`.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackendConfig, Config, HealthCheckConfig, ServerConfig } from '../../config/model.js';
import { startEmulatedNode, type EmulatedNode } from '../../emulator/emulated-node.js';
import { LOAD_SCORE } from '../../core/dolphindb/load-score.js';
import { HealthChecker } from '../../core/health/health-checker.js';
import { captureLogger, healthConfig, seededState, serverConfig } from '../support/check-target.js';
import { pollUntil } from '../support/wait.js';

const LOGIN = { user: 'admin', password: '123456', script: 'version()' };

function loadBalanced(config: Config): Config {
  const backends = config.backends.map((b): BackendConfig => ({ ...b, balance: { ...b.balance, algorithm: 'dolphindb-load' } }));
  return { ...config, backends };
}

async function run(t: { after(fn: () => Promise<void> | void): void }, servers: ServerConfig[], healthCheck: HealthCheckConfig) {
  const config = loadBalanced(healthConfig([{ name: 'ddb', servers, healthCheck, timeouts: { connect: 500, check: 300 } }]));
  const { state, topology } = seededState(config);
  const checker = new HealthChecker(config, state, topology, captureLogger());
  t.after(() => checker.stop());
  checker.start();
  return { slot: (i: number) => state.server(i) };
}

async function nodeFor(t: { after(fn: () => Promise<void>): void }, name: string, load = {}): Promise<EmulatedNode> {
  const node = await startEmulatedNode({ name, load });
  t.after(() => node.close());
  return node;
}

test('a dolphindb-check reads getPerf() on its own connection and publishes the score and the placed count', async (t) => {
  const node = await nodeFor(t, 'n1', { cpuUsage: 50, avgLoad: 0.5, connectionNum: 0 });
  const { slot } = await run(t, [serverConfig('n1', node.port, { inter: 40 })], { type: 'dolphindb', rules: [], dolphindb: LOGIN });
  const s = slot(0);
  // Connections "placed" by forwarders before the reading: taken back once a reading covers them.
  s.add('placedSinceReading', 5);
  await pollUntil(() => s.load('placedSinceReading') === 0, 3000, 'the reading to take back the placed count');
  // (0.30*0.5 + 0.25*0.5 + 0.25*0 + 0.20*(64 MiB / 16 GiB)) = 0.275 + 0.00078
  assert.equal(s.load('loadScore'), 276);
  // Check and reading share one connection per round.
  assert.equal(node.counters().requests, node.counters().connections * 3);
});

test('with a plain connect check the reading uses its own connection, and servers without check are read too', async (t) => {
  const busy = await nodeFor(t, 'n1', { cpuUsage: 100, avgLoad: 1, connectionNum: 0 });
  const idle = await nodeFor(t, 'n2', { cpuUsage: 0, avgLoad: 0, connectionNum: 0 });
  const servers = [serverConfig('n1', busy.port, { inter: 40 }), serverConfig('n2', idle.port, { inter: 40, check: false })];
  // No dolphindb-check, so no login: the readings connect anonymously.
  const { slot } = await run(t, servers, { type: 'connect', rules: [] });
  await pollUntil(() => slot(0).load('loadScore') >= 0 && slot(1).load('loadScore') >= 0, 3000, 'both readings');
  assert.equal(slot(0).load('loadScore'), 551);
  assert.equal(slot(1).load('loadScore'), 1);
});

test('a node that stalls gets the failed score while its connect check still passes; before any reading it has none', async (t) => {
  const node = await nodeFor(t, 'n1');
  const config = loadBalanced(healthConfig([{
    name: 'ddb', servers: [serverConfig('n1', node.port, { inter: 40, fall: 10 })],
    healthCheck: { type: 'connect', rules: [] }, timeouts: { connect: 500, check: 100 },
  }]));
  const { state, topology } = seededState(config);
  const checker = new HealthChecker(config, state, topology, captureLogger());
  t.after(() => checker.stop());
  checker.start();
  assert.equal(state.server(0).load('loadScore'), LOAD_SCORE.noReading);
  await pollUntil(() => state.server(0).load('loadScore') >= 0, 3000, 'a first reading');
  await node.setFailure('stall');
  await pollUntil(() => state.server(0).load('loadScore') === LOAD_SCORE.failed, 3000, 'the failed score');
});
