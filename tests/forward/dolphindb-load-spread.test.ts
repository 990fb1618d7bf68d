// End to end through a real orcalb process: 4 emulated DolphinDB nodes with uneven loads behind `balance
// dolphindb-load` + `option dolphindb-check`, 40 binary-API clients connecting at the same moment. The connections
// must spread by load (the least loaded node gets the most, every node some) instead of herding on one node.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEmulatedNode, type EmulatedNode } from '../../emulator/emulated-node.js';
import { pollUntil } from '../support/wait.js';
import { DdbTcpClient } from '../support/ddb-tcp-client.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';

/** cpuUsage % and avgLoad per node: node1 is the least loaded, node4 the most. */
const LOADS = [
  { cpuUsage: 5, avgLoad: 0.05 },
  { cpuUsage: 30, avgLoad: 0.3 },
  { cpuUsage: 55, avgLoad: 0.55 },
  { cpuUsage: 80, avgLoad: 0.8 },
] as const;
const CLIENTS = 40;

/** Connects through orcalb, logs in, asks the node for its alias; the client stays open. */
async function clientAlias(port: number, clients: DdbTcpClient[]): Promise<string> {
  const s = await DdbTcpClient.aliasSession(port);
  clients.push(s.client);
  return s.node;
}

test('40 clients connecting at once spread by the nodes\' load: most on the idlest node, some on every node', async (t) => {
  const nodes: EmulatedNode[] = [];
  for (const [i, load] of LOADS.entries()) {
    const node = await startEmulatedNode({ name: `node${i + 1}`, load });
    t.after(() => node.close());
    nodes.push(node);
  }
  const front = await freeTcpPort();
  const lb = await startOrcalb(`
defaults
    mode tcp
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    timeout check 1s
frontend ddb_front
    bind 127.0.0.1:${front}
    default_backend ddb
backend ddb
    balance dolphindb-load
    option dolphindb-check user admin password 123456
${nodes.map((n, i) => `    server node${i + 1} 127.0.0.1:${n.port} check inter 60s fastinter 100ms rise 2 fall 3`).join('\n')}
`, { threads: 2 });
  t.after(() => lb.stop());

  // A check is connect+login, the script, then getPerf() on one connection. A fresh server sits at `rise`, below the
  // top of its counter, so the first checks are spread over `fastinter`; once one passed, the counter jumps to the
  // top and the next check waits `inter` (60 s). The burst must fall between two readings: a reading lands on the placed
  // counts of its own node only, and one landing mid-burst (CI machines under load stretch the burst past any short
  // `inter`) refills that node alone. So wait until every node served its first check (3 requests) and that check's
  // connection is closed (its reading is published before that close): then no reading comes for a minute.
  await pollUntil(
    () => nodes.every((n) => n.counters().requests >= 3 && n.counters().liveConnections === 0),
    5000,
    'a load reading of every node',
  );
  const before = nodes.map((n) => n.counters().connections);

  const clients: DdbTcpClient[] = [];
  t.after(() => {
    for (const c of clients) c.close();
  });
  const aliases = await Promise.all(Array.from({ length: CLIENTS }, () => clientAlias(front, clients)));
  const counts = nodes.map((n) => aliases.filter((a) => a === n.name).length);
  const [idlest = 0, second = 0, third = 0, busiest = 0] = counts;
  if (process.env['SHOW_SPREAD'] === '1') console.log(`spread ${counts.join('/')}`);

  assert.equal(counts.reduce((a, b) => a + b, 0), CLIENTS, `every client reached a node: ${counts.join('/')}`);
  // Through orcalb, not around it: each node accepted its clients' connections (plus its own checks).
  nodes.forEach((n, i) => assert.ok(n.counters().connections - (before[i] ?? 0) >= (counts[i] ?? 0)));
  assert.ok(counts.every((c) => c > 0), `every node with capacity gets some: ${counts.join('/')}`);
  assert.ok(Math.max(...counts) < CLIENTS / 2, `no herding on one node: ${counts.join('/')}`);
  assert.ok(idlest > second && idlest > third && idlest > busiest, `the idlest node gets the most: ${counts.join('/')}`);
  assert.ok(busiest < second && busiest < idlest, `the busiest node gets the fewest: ${counts.join('/')}`);
});
