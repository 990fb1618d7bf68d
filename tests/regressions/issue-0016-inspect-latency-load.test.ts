// Issue 16: `balance dolphindb-load` weighs a node's own recent latency when `option dolphindb-inspect` is on. Three
// emulated nodes report the same load; node3 answers every call 40 ms late (its delay knob). After a round of calls
// on every node (the inspect histogram sees node3's latency), 30 new binary-API sessions must put fewer on node3
// than on either fast node; without the latency term the equal readings spread them evenly. Test-runner thread;
// orcalb is a child process.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDdbCluster } from '../support/ddb-cluster.js';
import { DdbTcpClient } from '../support/ddb-tcp-client.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { pollUntil } from '../support/wait.js';

const NEW_SESSIONS = 30;
const SLOW_MS = 40;

async function session(port: number, clients: DdbTcpClient[]): Promise<{ client: DdbTcpClient; node: string }> {
  const s = await DdbTcpClient.aliasSession(port);
  clients.push(s.client);
  return s;
}

test('a node slow to answer gets fewer new sessions under dolphindb-load with dolphindb-inspect', async (t) => {
  const cluster = await startDdbCluster(3);
  t.after(() => cluster.close());
  const slow = cluster.nodes[2];
  assert.ok(slow !== undefined);
  const front = await freeTcpPort();
  const lb = await startOrcalb([
    'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 30s', '  timeout server 30s', '  timeout check 2s',
    'frontend ddb', `  bind 127.0.0.1:${front}`, '  default_backend nodes',
    'backend nodes', '  balance dolphindb-load', '  option dolphindb-inspect', '  option dolphindb-check user admin password 123456',
    // One reading at start, then none for a minute: the burst is judged on the same readings for every node.
    ...cluster.nodes.map((n, i) => `  server node${i + 1} 127.0.0.1:${n.port} check inter 60s fastinter 100ms rise 2 fall 3`),
    '',
  ].join('\n'), { threads: 2 });
  t.after(() => lb.stop());
  await pollUntil(() => cluster.nodes.every((n) => n.counters().requests >= 3 && n.counters().liveConnections === 0), 5000, 'a load reading of every node');
  slow.setDelay(SLOW_MS);

  const clients: DdbTcpClient[] = [];
  t.after(() => {
    for (const c of clients) c.close();
  });
  // Warm-up: sessions until every node has served calls (the histogram then holds each node's latency).
  const warm = new Map<string, DdbTcpClient>();
  for (let i = 0; i < 12 && warm.size < 3; i++) {
    const s = await session(front, clients);
    warm.set(s.node, s.client);
  }
  assert.equal(warm.size, 3, 'the warm-up reached every node');
  for (const c of warm.values()) for (let i = 0; i < 5; i++) await c.run('1+1');
  // The balancers take a new window of latencies once a second: the next picks see node3 as slow.
  await new Promise((resolve) => setTimeout(resolve, 1200));
  for (const c of warm.values()) await c.run('1+1');

  const placed = new Map<string, number>();
  for (let i = 0; i < NEW_SESSIONS; i++) {
    const s = await session(front, clients);
    placed.set(s.node, (placed.get(s.node) ?? 0) + 1);
  }
  const counts = cluster.nodes.map((n) => placed.get(n.name) ?? 0);
  const [a = 0, b = 0, c = 0] = counts;
  if (process.env['SHOW_SPREAD'] === '1') console.log(`spread ${counts.join('/')}`);
  assert.equal(a + b + c, NEW_SESSIONS);
  assert.ok(c < a && c < b, `new sessions per node ${counts.join('/')}: node3 (${SLOW_MS} ms late) should get the fewest`);
  assert.ok(c <= NEW_SESSIONS / 6, `node3 got ${c} of ${NEW_SESSIONS}: its latency should weigh like several placed sessions`);
});
