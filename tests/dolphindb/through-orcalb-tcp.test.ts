// Real DolphinDB clients through a balancer in TCP mode (issue 4, "Real clients through orcalb"): the npm `dolphindb`
// client (WebSocket, passed through untouched at L4) and the project's binary-API client, over four emulated nodes
// that insist on the PROXY header (`send-proxy`, node proxy 'require'). HAProxy 2.6 runs the same assertions, to
// show the test itself is right. Test-runner thread; the balancers are child processes.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DDB } from 'dolphindb';
import type { DdbObject } from '../../core/dolphindb/objects.js';
import { assertClientBasics, connectDdb, startDdbCluster, type DdbCluster } from '../support/ddb-cluster.js';
import { DdbTcpClient } from '../support/ddb-tcp-client.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject, closeAll } from '../support/lb-subject.js';
import { pollFor, WaitTimeout, within } from '../support/wait.js';

const NODE_COUNT = 4;
const INTER_MS = 200;
// A dead node is out after fall=2 failed checks; give the log line plenty of room on a busy 2-core machine.
const DOWN_WITHIN_MS = 20 * INTER_MS + 3000;
// Every client call is bounded: an answer, or an error, within this time. Retries to a dead server take up to
// one second each (HAProxy's turn-around delay), so a new session in the window before DOWN may need a few.
const CALL_MS = 8000;

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];

/** The users' haproxy-tcp.cfg shape (seed tutorial), on loopback, with test-sized check intervals and timeouts. */
function tcpConfig(frontendPort: number, nodePorts: readonly number[]): string {
  const servers = nodePorts.map((p, i) =>
    `    server node${i + 1} 127.0.0.1:${p} check inter ${INTER_MS}ms rise 2 fall 2 send-proxy`);
  return [
    'defaults',
    '    mode                    tcp',
    '    option                  dontlognull',
    '    option                  redispatch',
    '    retries                 3',
    '    timeout queue           5s',
    '    timeout connect         1s',
    '    timeout client          1m',
    '    timeout server          1m',
    '    timeout check           1s',
    '',
    'frontend ddb_front_tcp',
    `    bind        127.0.0.1:${frontendPort}`,
    '    default_backend ddb_backend',
    '',
    'backend ddb_backend',
    '    balance roundrobin',
    ...servers,
    '',
  ].join('\n');
}

/** The STRING scalar a binary-API reply carries (getNodeAlias()), or a failure naming what came instead. */
function stringOf(obj: DdbObject | undefined): string {
  assert.ok(obj?.form === 'scalar' && typeof obj.value === 'string', `expected a STRING scalar, got ${JSON.stringify(obj)}`);
  return obj.value;
}

/** Opens `n` npm clients at the same moment; each reports the node alias its session landed on. */
async function openMany(port: number, n: number): Promise<{ ddb: DDB; alias: string }[]> {
  return Promise.all(Array.from({ length: n }, async () => {
    const ddb = await connectDdb(port, {}, CALL_MS);
    const alias = await within(ddb.execute<string>('getNodeAlias()'), CALL_MS, 'getNodeAlias()');
    return { ddb, alias };
  }));
}

function tally(aliases: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of aliases) out[a] = (out[a] ?? 0) + 1;
  return out;
}

for (const subject of SUBJECTS) {
  describe(`real DolphinDB clients through ${subject.name}, mode tcp with send-proxy`, () => {
    let cluster: DdbCluster;
    let lb: LbProcess;
    let front: number;
    const clients: DDB[] = [];

    before(async () => {
      cluster = await startDdbCluster(NODE_COUNT, { proxy: 'require' });
      front = await freeTcpPort();
      lb = await subject.start(tcpConfig(front, cluster.ports()), front);
    });
    after(async () => {
      for (const c of clients) c.disconnect();
      await closeAll(() => lb?.stop(), () => cluster?.close());
    });

    test('the npm client logs in and gets 1+1, version(), a table as rows, print messages and the real error text', async () => {
      const ddb = await connectDdb(front);
      clients.push(ddb);
      await assertClientBasics(ddb, CALL_MS);
    });

    test('a wrong password makes connect() reject with the node\'s own text', async () => {
      await assert.rejects(connectDdb(front, { password: 'wrong' }), (e: unknown) =>
        e instanceof Error && e.message.includes('The user name or password is incorrect.'));
    });

    test('20 concurrent npm clients spread over all 4 nodes, and each session stays on its node', async () => {
      const opened = await openMany(front, 20);
      clients.push(...opened.map((o) => o.ddb));
      const spread = tally(opened.map((o) => o.alias));
      assert.deepEqual(Object.keys(spread).sort(), ['node1', 'node2', 'node3', 'node4'], JSON.stringify(spread));
      assert.equal(Object.values(spread).reduce((a, b) => a + b, 0), 20);
      // Every session keeps working on its own node while the others are open.
      const again = await Promise.all(opened.map(({ ddb }) => within(ddb.execute<string>('getNodeAlias()'), CALL_MS, 'getNodeAlias() again')));
      assert.deepEqual(again, opened.map((o) => o.alias));
      for (const { ddb } of opened) ddb.disconnect();
    });

    test('the binary API works through send-proxy and each node sees the client\'s own address in the PROXY v1 header', async (t) => {
      const seen = new Set<string>();
      for (let i = 0; i < NODE_COUNT; i++) {
        const c = await DdbTcpClient.open(front);
        t.after(() => c.close());
        const hello = await c.call({ kind: 'connect', login: { user: 'admin', password: '123456' } });
        assert.equal(hello.reply.kind, 'ok');
        const alias = stringOf(await c.run('getNodeAlias()'));
        seen.add(alias);
        const localPort = c.socket.localPort ?? 0;
        const record = cluster.node(alias).connections().find((r) => r.proxy?.addresses?.srcPort === localPort);
        assert.ok(record, `${alias} recorded no PROXY header with source port ${localPort}`);
        assert.equal(record.proxy?.version, 1);
        assert.deepEqual(record.proxy?.addresses, {
          family: 'TCP4', srcAddress: '127.0.0.1', srcPort: localPort, dstAddress: '127.0.0.1', dstPort: front,
        });
        assert.equal(record.protocol, 'binary');
        // The node's own session table reports the real client, not the balancer's outgoing socket.
        const stat = await c.run('getSessionMemoryStat()');
        assert.ok(stat?.form === 'table');
        const ports = stat.columns.find((col) => col.name === 'remotePort')?.data;
        assert.ok(ports !== undefined && ports.type !== 'ANY' && ports.values.includes(localPort),
          `remotePort column ${JSON.stringify(ports)} lacks ${localPort}`);
      }
      // Roundrobin: four sessions in a row take four different nodes, wherever the cursor stood.
      assert.equal(seen.size, NODE_COUNT, [...seen].join(','));
    });

    test('a node killed mid-run: its sessions fail on the client, new sessions land elsewhere, nothing hangs', async () => {
      const opened = await openMany(front, 8);
      clients.push(...opened.map((o) => o.ddb));
      const victim = cluster.node('node3');
      const onVictim = opened.filter((o) => o.alias === 'node3');
      const survivors = opened.filter((o) => o.alias !== 'node3');
      const [first, ...idle] = onVictim;
      assert.ok(first !== undefined && idle.length >= 1, `roundrobin put ${onVictim.length} of 8 sessions on node3`);

      // One call is in flight on node3 (the node delays its answer) when the node dies.
      victim.setDelay(30_000);
      const before = victim.counters().requests;
      const inFlight = within(first.ddb.execute('1+1'), CALL_MS, 'call in flight on node3');
      inFlight.catch(() => undefined);
      await pollFor(() => victim.counters().requests !== before, 2000, 10);
      assert.ok(victim.counters().requests > before, 'the call never reached node3');
      await victim.close();
      const down = lb.waitForStderr(/Server ddb_backend\/node3 is DOWN/, DOWN_WITHIN_MS);
      let downSeen = false;
      const downSettled = down.then(() => { downSeen = true; }, () => { downSeen = true; });

      // The in-flight call and the idle sessions of node3 fail with an error, not a hang (within() would say so).
      await assert.rejects(inFlight, (e: unknown) => e instanceof Error && !(e instanceof WaitTimeout));
      for (const { ddb } of idle) {
        await assert.rejects(within(ddb.execute('1+1'), CALL_MS, 'idle node3 session'),
          (e: unknown) => e instanceof Error && !(e instanceof WaitTimeout));
      }
      // Sessions on the other nodes never noticed.
      const alive = await Promise.all(survivors.map(({ ddb }) => within(ddb.execute<string>('getNodeAlias()'), CALL_MS, 'survivor')));
      assert.deepEqual(alive, survivors.map((o) => o.alias));

      // New sessions while node3 is dead but not yet marked DOWN: retries and redispatch place them elsewhere.
      const early: string[] = [];
      for (let batch = 0; !downSeen && batch < 10; batch++) {
        const got = await openMany(front, 4);
        clients.push(...got.map((o) => o.ddb));
        early.push(...got.map((o) => o.alias));
      }
      assert.ok(!early.includes('node3'), `sessions on dead node3: ${early.join(',')}`);
      await downSettled;
      await down;

      // After DOWN: 12 new sessions, all on the three live nodes, each of them used.
      const later = await openMany(front, 12);
      clients.push(...later.map((o) => o.ddb));
      const spread = tally(later.map((o) => o.alias));
      assert.deepEqual(Object.keys(spread).sort(), ['node1', 'node2', 'node4'], JSON.stringify(spread));
    });
  });
}
