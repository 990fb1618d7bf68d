// Issue 16, done-when (1): `dolphindb-discovery` in a running orcalb (--threads 2, mode tcp). An emulated controller
// (emulator/controller-roster.ts, real sockets) lists 3 emulated data nodes; orcalb fills its server-template's
// slots with them; a 4th node added at the controller comes UP after `rise` checks without a reload (same PID),
// and the npm `dolphindb` client's calls through orcalb reach it. Then the controller's other news: a node reported
// down goes to MAINT with that reason, a node gone empties its slot, a node back is taken in again.
// Test-runner thread; orcalb is a child process.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ClusterRoster, dataNodesAt } from '../../emulator/controller-roster.js';
import { startEmulatedNode, type EmulatedNode } from '../../emulator/emulated-node.js';
import { cliCommand } from '../support/cli-client.js';
import { connectDdb, startDdbCluster, type DdbCluster } from '../support/ddb-cluster.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { serverStatuses } from '../support/haproxy-stats.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { pollUntil, within } from '../support/wait.js';

const RISE = 3;

function config(front: number, cli: number, controller: number): string {
  return [
    'global', `  stats socket ipv4@127.0.0.1:${cli} level admin`,
    'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 30s', '  timeout server 30s',
    'frontend ddb', `  bind 127.0.0.1:${front}`, '  default_backend nodes',
    // log-health-checks: each check that moves a counter is logged, so the test counts dn4's way up.
    'backend nodes', '  balance leastconn', '  option dolphindb-check user admin password 123456', '  option log-health-checks',
    `  dolphindb-discovery controller 127.0.0.1:${controller} user admin password 123456 interval 200ms`,
    `  server-template dn 4 placeholder.invalid:8848 check inter 200ms rise ${RISE} fall 2`,
    '',
  ].join('\n');
}

/** server name → status cell of `show stat`, for backend `nodes`. */
async function statuses(cli: number): Promise<Map<string, string>> {
  const all = serverStatuses(await cliCommand({ port: cli }, 'show stat'));
  return new Map([...all].filter(([k]) => k.startsWith('nodes/')).map(([k, v]) => [k.slice('nodes/'.length), v]));
}

describe('issue 16: dolphindb-discovery fills a server-template from the controller', () => {
  let cluster: DdbCluster;
  let extra: EmulatedNode;
  let controller: EmulatedNode;
  let roster: ClusterRoster;
  let lb: OrcalbProcess;
  let front: number;
  let cli: number;

  before(async () => {
    cluster = await startDdbCluster(3);
    extra = await startEmulatedNode({ name: 'node4' });
    roster = new ClusterRoster(dataNodesAt(cluster.nodes));
    // An agent and a compute node: `role datanode` (the default) leaves them out.
    roster.add({ name: 'agent1', host: '127.0.0.1', port: 1, mode: 'agent', alive: true });
    roster.add({ name: 'cnode1', host: '127.0.0.1', port: 2, mode: 'computenode', alive: true });
    controller = await startEmulatedNode({ name: 'controller', cluster: roster });
    front = await freeTcpPort();
    cli = await freeTcpPort();
    lb = await startOrcalb(config(front, cli, controller.port), { threads: 2 });
  });
  after(async () => {
    await lb?.stop();
    await controller?.close();
    await extra?.close();
    await cluster?.close();
  });

  test('3 nodes discovered: dn1..dn3 UP at their addresses, dn4 in MAINT (resolution)', async () => {
    await pollUntil(async () => {
      const s = await statuses(cli);
      return ['dn1', 'dn2', 'dn3'].every((n) => s.get(n) === 'UP') && s.get('dn4') === 'MAINT (resolution)';
    }, 10_000, 'dn1..dn3 UP, dn4 without a node');
    const state = await cliCommand({ port: cli }, 'show servers state nodes');
    const ports = state.trim().split('\n').slice(2).map((l) => l.split(' ')).map((c) => `${c[3]} ${c[4]}:${c[18]}`);
    assert.deepEqual(ports.slice(0, 3), cluster.nodes.map((n, i) => `dn${i + 1} 127.0.0.1:${n.port}`));
    const show = await cliCommand({ port: cli }, 'show dolphindb nodes');
    assert.match(show, /discovery nodes: controller 127\.0\.0\.1:\d+, last good reading [\d.]+s ago, 3 node\(s\)/);
    assert.match(show, /nodes\/dn1 node1 127\.0\.0\.1:\d+/);
    assert.match(show, /nodes\/dn4 -/);
  });

  test('a 4th node added at the controller is UP after rise, without a reload, and the npm client reaches it', async () => {
    const pid = lb.pid;
    roster.add({ name: 'node4', host: '127.0.0.1', port: extra.port, mode: 'datanode', alive: true });
    await lb.waitForStderr(/Server nodes\/dn4 takes DolphinDB node node4 at 127\.0\.0\.1:\d+/, 10_000);
    await lb.waitForStderr(/Server nodes\/dn4 is UP/, 10_000);
    // Taken in DOWN and brought UP by its own checks: exactly `rise` passed ones between the two lines.
    const text = lb.stderr();
    const way = text.slice(text.indexOf('nodes/dn4 takes'), text.indexOf('Server nodes/dn4 is UP'));
    assert.equal(way.match(/Health check for server nodes\/dn4 succeeded/g)?.length, RISE, way);
    assert.equal((await statuses(cli)).get('dn4'), 'UP');
    assert.equal(lb.pid, pid);
    // leastconn: sessions opened now spread over the 4 nodes; the new one gets its share.
    const clients = await Promise.all(Array.from({ length: 8 }, () => connectDdb(front)));
    try {
      const aliases = await Promise.all(clients.map((c) => within(c.execute<string>('getNodeAlias()'), 5000, 'getNodeAlias()')));
      assert.ok(aliases.includes('node4'), `no call reached node4: ${aliases.join(' ')}`);
      assert.ok(extra.counters().requests > 0);
    } finally {
      for (const c of clients) c.disconnect();
    }
  });

  test('a node the controller reports down goes to MAINT with that reason, and comes back after rise', async () => {
    roster.setAlive('node2', false);
    await lb.waitForStderr(/Server nodes\/dn2 is going DOWN for maintenance \(DolphinDB node node2 reported down by the controller\)/, 10_000);
    assert.equal((await statuses(cli)).get('dn2'), 'MAINT (resolution)');
    roster.setAlive('node2', true);
    await pollUntil(async () => (await statuses(cli)).get('dn2') === 'UP', 10_000, 'dn2 UP again');
  });

  test('a node that leaves the cluster empties its slot; the others keep theirs', async () => {
    roster.remove('node3');
    await lb.waitForStderr(/Server nodes\/dn3 is going DOWN for maintenance \(DolphinDB node node3 left the cluster\)/, 10_000);
    const s = await statuses(cli);
    assert.deepEqual([s.get('dn1'), s.get('dn2'), s.get('dn3'), s.get('dn4')], ['UP', 'UP', 'MAINT (resolution)', 'UP']);
    assert.match(await cliCommand({ port: cli }, 'show dolphindb nodes'), /nodes\/dn3 -\n/);
  });
});
