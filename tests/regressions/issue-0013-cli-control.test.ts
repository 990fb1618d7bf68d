// Issue 13, the runtime API's commands that change state, side by side with haproxy 2.6.12 driven through its stats
// socket with socat: the same command lines get the same answer bytes (orcalb's command table run with the health
// checker applying the server changes, as the health thread does), the same weights (`get weight`), the same
// levels (`Permission denied` on a user/operator socket), and the same routing once applied: real connections
// through haproxy and the balancer orcalb's forwarders build over the same shared buffer choose the same servers.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Config } from '../../config/model.js';
import { createBalancer } from '../../core/balance/registry.js';
import type { CliContext, CliLevel } from '../../core/cli/cli-command.js';
import type { CliRelayAnswer, CliRelayRequest } from '../../core/cli/cli-relay.js';
import { HealthChecker } from '../../core/health/health-checker.js';
import { ConnAccounting } from '../../core/shared/conn-accounting.js';
import { applyLimit } from '../../core/shared/runtime-limits.js';
import { applyServerCommand } from '../../core/health/server-commands.js';
import { serverSlotIndex } from '../../core/shared/topology.js';
import { startBackendFarm, requestTag, type BackendFarm } from '../support/backend-farm.js';
import { attachBackendView } from '../support/backend-view.js';
import { captureLogger, seededState } from '../support/check-target.js';
import { inProcessCommand, socatCommand } from '../support/cli-client.js';
import { load, validConfig } from '../support/config-load.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';

interface Rig {
  readonly farm: BackendFarm;
  readonly config: Config;
  readonly ctx: CliContext;
  readonly sockets: Readonly<Record<CliLevel, string>>;
  readonly fePort: number;
  /** Both sides run `line`: [haproxy's answer, orcalb's answer]. */
  both(line: string): Promise<[string, string]>;
  /** orcalb's `get weight` from the buffer, as haproxy prints it. */
  weightOf(backend: number, server: number): string;
}

async function startRig(t: TestContext): Promise<Rig> {
  const farm = await startBackendFarm(['s1', 's2', 's3']);
  t.after(() => farm.close());
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-cli-'));
  const sockets = { admin: join(dir, 'admin.sock'), operator: join(dir, 'oper.sock'), user: join(dir, 'user.sock') };
  const fePort = await freeTcpPort();
  const [p1, p2, p3] = farm.ports();
  const body = [
    'defaults',
    '  mode tcp',
    '  timeout connect 1s',
    '  timeout client 5s',
    '  timeout server 5s',
    'frontend fe',
    `  bind 127.0.0.1:${fePort}`,
    '  default_backend be',
    'backend be',
    '  balance roundrobin',
    `  server s1 127.0.0.1:${p1} check inter 30s`,
    `  server s2 127.0.0.1:${p2} check inter 30s`,
    `  server s3 127.0.0.1:${p3} weight 2`,
    'backend st',
    '  balance static-rr',
    `  server a 127.0.0.1:${p1} weight 4`,
    `  server b 127.0.0.1:${p2} weight 2`,
    '',
  ].join('\n');
  const global = [
    'global',
    `  stats socket ${sockets.admin} level admin`,
    `  stats socket ${sockets.operator} level operator`,
    `  stats socket ${sockets.user} level user`,
    '',
  ].join('\n');
  const haproxy = await startHaproxy(global + body);
  t.after(() => haproxy.stop());
  const config = validConfig(await load(body));
  const { state, topology } = seededState(config);
  const checker = new HealthChecker(config, state, topology, captureLogger());
  t.after(() => checker.stop());
  checker.start();
  // What main does with each relayed request (workers/supervisor.ts askHealth / setLimit), on this thread.
  const accounting = new ConnAccounting(state);
  const answerLocally = (r: CliRelayRequest): CliRelayAnswer => {
    switch (r.kind) {
      case 'server':
        return applyServerCommand(checker, config, r.backend, r.server, r.command);
      case 'clear-health-counters':
        return checker.clearCheckCounters();
      case 'maxconn-frontend':
      case 'maxconn-global':
        return applyLimit(state, accounting, r);
      default:
        return { ok: true };
    }
  };
  const ctx: CliContext = {
    config, state, topology, threads: 1, version: 'test', startedMs: Date.now(), level: 'admin',
    client: { interactive: false, experimental: false, quit: false },
    relay: (r) => Promise.resolve(answerLocally(r)),
  };
  return {
    farm, config, ctx, sockets, fePort,
    both: async (line) => [await socatCommand(sockets.admin, line), await inProcessCommand(ctx, line)],
    weightOf: (b, s) => {
      const initial = config.backends[b]?.servers[s]?.weight ?? -1;
      return `${state.server(serverSlotIndex(topology, b, s)).load('userWeight')} (initial ${initial})\n\n`;
    },
  };
}

test('set server / set weight / enable / disable / clear counters answer as haproxy 2.6.12, byte for byte, and leave the same weights', async (t) => {
  const rig = await startRig(t);
  const lines = [
    'set server be/s1 weight 20', 'set server be/s1 weight 300', 'set server be/s1 weight 50%', 'set server be/s1 weight x',
    'set server be/s1 weight 5x', 'set server be/s1 weight -5', 'set server be/s1 weight -5%', 'set server be/s1 weight 3000%',
    'set server be/s1 weight', 'set server be/s1 weight 35%', 'set server be/zz weight 1', 'set server zz/s1 weight 1',
    'set server be weight 1', 'set server', 'set server be/s1', 'set server be/s1 foo',
    'set server be/s1 state maint', 'set server be/s1 state foo', 'set server be/s1 state', 'set server be/s1 state drain',
    'set server be/s1 weight 7', 'set server be/s1 state ready',
    'set weight be/s2 5', 'set weight be/s2', 'set weight be/zz 1', 'set weight be 1', 'set weight',
    'set server st/a weight 2', 'set server st/a weight 50%', 'set server st/a weight 0', 'set server st/a weight 100%',
    'set server st/b weight 0%', 'set server st/b weight 2',
    'set server be/s1 health down', 'set server be/s1 health stopping', 'set server be/s1 health up', 'set server be/s1 health foo',
    'set server be/s3 health up', 'set server be/s1 agent up', 'set server be/s1 agent foo',
    'set server be/s3 check-port 80', 'set server be/s1 check-port x', 'set server be/s1 check-port 70000',
    'set server be/s1 check-port -1', 'set server be/s1 check-port', 'set server be/s1 check-port 0',
    'disable server be/s1', 'enable server be/s1', 'enable server be/zz', 'disable server be', 'enable server',
    'enable health be/s3', 'enable health be/s1', 'disable health be/s1', 'disable health be/s3', 'enable health be/s1',
    'enable agent be/s1', 'disable agent be/s1', 'enable health',
    'clear counters', 'clear counters all', 'clear counters foo',
    'experimental-mode', 'experimental-mode on', 'experimental-mode foo',
    'set maxconn frontend', 'set maxconn frontend fe', 'set maxconn frontend zz 10', 'set maxconn frontend fe -1',
    'set maxconn frontend fe 5x', 'set maxconn server', 'set maxconn server be', 'set maxconn server be/zz 1',
    'set maxconn server be/s1', 'set maxconn server be/s1 x', 'set maxconn server be/s1 5x', 'set maxconn server be/s1 7',
    'set maxconn server be/s2 -1', 'set maxconn global', 'set maxconn global x', 'set maxconn global 50',
    'set server be/s1 addr', 'set server be/s1 addr foo', 'set server be/s1 addr localhost', 'set server be/s1 addr 127.0.0.1',
    'set server be/s1 addr 127.0.0.3', 'set server be/s1 addr 127.0.0.3 port 9999', 'set server be/s1 addr 127.0.0.1 port x',
    'set server be/s1 addr 127.0.0.1 port 70000', 'set server be/s1 addr 127.0.0.1 port +5', 'set server be/s1 addr 127.0.0.1 foo 5',
    `set server be/s1 addr 127.0.0.1 port ${rig.farm.port('s1')}`, `set server be/s1 addr 127.0.0.1 port ${rig.farm.port('s1')}`,
  ];
  for (const line of lines) {
    const [theirs, ours] = await rig.both(line);
    assert.equal(ours, theirs, line);
  }
  // The limits land in the words admission and dispatch read.
  const { state, topology } = rig.ctx;
  assert.deepEqual(
    [state.frontend(0).load('maxconn'), state.server(serverSlotIndex(topology, 0, 0)).load('maxconn'), state.server(serverSlotIndex(topology, 0, 1)).load('maxconn'), state.loadGlobal('maxconn')],
    [5, 7, 0, 50],
  );
  for (const [b, s, name] of [[0, 0, 'be/s1'], [0, 1, 'be/s2'], [0, 2, 'be/s3'], [1, 0, 'st/a'], [1, 1, 'st/b']] as const) {
    assert.equal(rig.weightOf(b, s), await socatCommand(rig.sockets.admin, `get weight ${name}`), `get weight ${name}`);
  }
});

test('levels: a user socket cannot set, an operator socket can only clear counters (not all), as haproxy', async (t) => {
  const rig = await startRig(t);
  const lines = [
    'set server be/s1 weight 2', 'set weight be/s1 2', 'set server be/s1 state maint', 'enable server be/s1', 'disable server be/s1',
    'enable health be/s1', 'disable agent be/s1', 'clear counters', 'clear counters all', 'experimental-mode on',
    'set maxconn server be/s1 3', 'set maxconn frontend fe 3', 'set maxconn global 3',
  ];
  for (const level of ['user', 'operator'] as const) {
    const ctx: CliContext = { ...rig.ctx, level };
    for (const line of lines) {
      assert.equal(await inProcessCommand(ctx, line), await socatCommand(rig.sockets[level], line), `${level}: ${line}`);
    }
  }
});

test('every set / enable / disable verb routes as haproxy: real connections through haproxy, the same picks from orcalb', async (t) => {
  const rig = await startRig(t);
  const be = rig.config.backends[0];
  assert.ok(be !== undefined);
  const view = attachBackendView(
    rig.ctx.state,
    be.servers.map((s) => ({ name: s.name, backup: s.backup, maxconn: s.maxconn, weight: s.weight })),
  );
  const balancer = createBalancer(view, be.balance);
  /** Servers chosen for `n` connections: counts by name, haproxy's from real sessions, orcalb's from its balancer. */
  const rounds = async (n: number): Promise<[Record<string, number>, Record<string, number>]> => {
    const theirs: Record<string, number> = {};
    const ours: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const { tag } = await requestTag(rig.fePort, `m${i}`);
      theirs[tag] = (theirs[tag] ?? 0) + 1;
      const pick = balancer.pick({})?.name ?? '-';
      ours[pick] = (ours[pick] ?? 0) + 1;
    }
    return [theirs, ours];
  };
  // Each step: the commands, then a whole number of weight cycles through both.
  const steps: readonly [readonly string[], number][] = [
    [[], 8],
    [['set weight be/s1 3', 'set server be/s3 weight 0'], 8],
    [['set server be/s2 state maint'], 6],
    // The user weight survives leaving MAINT (s1 still 3).
    [['set server be/s2 state ready'], 8],
    [['set server be/s1 health down'], 4],
    // …and a health transition.
    [['set server be/s1 health up'], 8],
    [['disable server be/s1'], 4],
    [['enable server be/s1'], 8],
    [['set server be/s1 state drain', 'set server be/s1 weight 1'], 4],
    [['set server be/s1 state ready', 'set weight be/s3 100%'], 8],
    [['set server be/s2 health stopping'], 6],
    [['set server be/s2 health up', 'set server be/s1 weight 0%', 'set server be/s3 weight 0'], 4],
  ];
  for (const [commands, n] of steps) {
    for (const line of commands) {
      const [theirs, ours] = await rig.both(line);
      assert.equal(ours, theirs, line);
    }
    const [theirs, ours] = await rounds(n);
    assert.deepEqual(ours, theirs, `after ${commands.join(', ') || 'start'}`);
  }
});
