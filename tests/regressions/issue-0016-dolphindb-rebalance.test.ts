// Issue 16, `option dolphindb-rebalance` in a running orcalb (--threads 2, mode tcp, balance leastconn): 60 npm
// `dolphindb` sessions (WebSocket relayed at L4) call every 100 ms on three emulated nodes; a fourth node, DOWN at the
// start (nothing listens on its port), comes UP after `rise`; within 30 s every node must hold 15 ± 3 of the sessions,
// and every call succeeds without being resent (the clients reconnect, as clients with reconnect do). Without the
// option the new node stays empty. Test-runner thread; orcalb is a child process.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startEmulatedNode, type EmulatedNode } from '../../emulator/emulated-node.js';
import { startDdbCluster, ReconnectingDdb, type DdbCluster } from '../support/ddb-cluster.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { delay, pollFor } from '../support/wait.js';

const SESSIONS = 60;
const CALL_MS = 8000;
const EVERY_MS = 100;

function config(front: number, nodes: readonly number[]): string {
  return [
    'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 30s', '  timeout server 30s', '  timeout check 1s',
    'frontend ddb', `  bind 127.0.0.1:${front}`, '  default_backend nodes',
    // idle 50ms: the clients pause ~100 ms between calls, so each qualifies and goes right after a reply.
    'backend nodes', '  balance leastconn', '  option dolphindb-rebalance idle 50ms max-per-sec 20',
    ...nodes.map((p, i) => `  server node${i + 1} 127.0.0.1:${p} check inter 200ms rise 2 fall 2`),
    '',
  ].join('\n');
}

function tally(where: ReadonlyMap<unknown, string>): Record<string, number> {
  const out: Record<string, number> = { node1: 0, node2: 0, node3: 0, node4: 0 };
  for (const a of where.values()) out[a] = (out[a] ?? 0) + 1;
  return out;
}

describe('issue 16: option dolphindb-rebalance', () => {
  let cluster: DdbCluster;
  let node4: EmulatedNode | undefined;
  let lb: OrcalbProcess;
  let front: number;
  let port4: number;
  const clients: ReconnectingDdb[] = [];

  before(async () => {
    cluster = await startDdbCluster(3);
    front = await freeTcpPort();
    port4 = await freeTcpPort();
    lb = await startOrcalb(config(front, [...cluster.ports(), port4]), { threads: 2 });
  });
  after(async () => {
    for (const c of clients) c.close();
    await lb?.stop();
    await node4?.close();
    await cluster?.close();
  });

  test('a fourth node that comes UP gets its share of 60 busy sessions within 30 s, and no call fails', async () => {
    for (let i = 0; i < SESSIONS; i++) clients.push(new ReconnectingDdb(front, CALL_MS));
    const where = new Map<ReconnectingDdb, string>();
    const first = await Promise.all(clients.map((c) => c.execute<string>('getNodeAlias()')));
    first.forEach((a, i) => where.set(clients[i] as ReconnectingDdb, a));
    // leastconn over two forwarders: about 20 each (60 connects at once may land 19/21), none on the DOWN node4.
    const start = tally(where);
    assert.equal(start['node4'], 0);
    assert.ok(['node1', 'node2', 'node3'].every((n) => Math.abs((start[n] ?? 0) - 20) <= 3), JSON.stringify(start));

    let stop = false;
    const loops = clients.map(async (c) => {
      // Bounded: stops when the test says so; each call is bounded by CALL_MS.
      while (!stop) {
        where.set(c, await c.execute<string>('getNodeAlias()'));
        await delay(EVERY_MS);
      }
    });
    const failed = Promise.all(loops).then(() => undefined, (e: unknown) => e);
    await delay(500);
    node4 = await startEmulatedNode({ name: 'node4', port: port4 });
    const t0 = performance.now();
    const fair = (): boolean => Object.values(tally(where)).every((n) => Math.abs(n - 15) <= 3);
    const balanced = await pollFor(fair, 30_000, 100);
    const took = performance.now() - t0;
    // Still fair a moment later: the rebalancing stopped within the tolerance instead of swinging.
    await delay(1000);
    stop = true;
    assert.equal(await failed, undefined);
    assert.ok(balanced, `not 15 ± 3 per node after 30 s: ${JSON.stringify(tally(where))}`);
    assert.ok(fair(), `no longer 15 ± 3 a second later: ${JSON.stringify(tally(where))}`);
    const resent = clients.reduce((a, c) => a + c.resent, 0);
    // Every call succeeded. A call resent on a new connection (the client's timer ran before it read our FIN) is the
    // keep-alive race closing right after a reply keeps rare: 0 in quiet runs, 1 seen under a load average of 27.
    assert.ok(resent <= 2, `calls resent: ${clients.flatMap((c) => c.resentWhy).join('; ')}`);
    const moved = clients.reduce((a, c) => a + c.reconnects, 0) - SESSIONS;
    process.stdout.write(`# rebalance: fair after ${Math.round(took)} ms (node4 start included), ${moved} sessions moved, ${JSON.stringify(tally(where))}\n`);
  });
});
