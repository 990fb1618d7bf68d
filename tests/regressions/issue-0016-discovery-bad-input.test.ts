// Issue 16, dolphindb-discovery's bad input in a running orcalb: an unreachable first controller and a Raft follower
// answering `<NotLeader>` (the leader is found), more nodes than slots (reported in the log and by `show
// dolphindb`, not dropped silently), a controller answering garbage or an empty cluster (the backend keeps its last
// known servers, says why, retries with backoff), wrong credentials, a "controller" speaking no DolphinDB at all and
// one that never answers.
// Emulated controllers and nodes on real sockets. Test-runner thread; orcalb is a child process.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ClusterRoster, dataNodesAt } from '../../emulator/controller-roster.js';
import { startEmulatedNode, type EmulatedNode } from '../../emulator/emulated-node.js';
import { cliCommand } from '../support/cli-client.js';
import { startDdbCluster, type DdbCluster } from '../support/ddb-cluster.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { serverStatuses } from '../support/haproxy-stats.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { delay, pollUntil } from '../support/wait.js';

const INTERVAL_MS = 200;

interface Ports {
  readonly front: number;
  readonly cli: number;
  readonly dead: number;
  readonly follower: number;
  readonly leader: number;
  readonly junk: number;
  readonly stalled: number;
}

function config(p: Ports): string {
  const discovery = (extra: string): string => `  dolphindb-discovery ${extra} interval ${INTERVAL_MS}ms`;
  return [
    'global', `  stats socket ipv4@127.0.0.1:${p.cli} level admin`,
    'defaults', '  mode tcp', '  timeout connect 500ms', '  timeout client 30s', '  timeout server 30s', '  timeout check 500ms',
    'frontend ddb', `  bind 127.0.0.1:${p.front}`, '  default_backend nodes',
    // Tried in order: nobody listens on the first; the second is a follower naming the third, the leader.
    'backend nodes', '  balance roundrobin',
    discovery(`controller 127.0.0.1:${p.dead} controller 127.0.0.1:${p.follower} controller 127.0.0.1:${p.leader} user admin password 123456`),
    '  server-template dn 2 placeholder.invalid:8848 check inter 200ms rise 1',
    'backend wrongpw', '  balance roundrobin',
    discovery(`controller 127.0.0.1:${p.leader} user admin password nope template w`),
    '  server-template w 2 placeholder.invalid:8848',
    'backend junk', '  balance roundrobin',
    discovery(`controller 127.0.0.1:${p.junk}`),
    '  server-template j 2 placeholder.invalid:8848',
    'backend stalled', '  balance roundrobin',
    discovery(`controller 127.0.0.1:${p.stalled}`),
    '  server-template z 1 placeholder.invalid:8848',
    '',
  ].join('\n');
}

/** backend/server → status cell of `show stat`. */
async function statuses(cli: number): Promise<Map<string, string>> {
  return serverStatuses(await cliCommand({ port: cli }, 'show stat'));
}

describe('issue 16: dolphindb-discovery under bad input', () => {
  let cluster: DdbCluster;
  let roster: ClusterRoster;
  let leader: EmulatedNode;
  let follower: EmulatedNode;
  let junk: Server;
  let stalled: EmulatedNode;
  let lb: OrcalbProcess;
  let ports: Ports;

  before(async () => {
    cluster = await startDdbCluster(3);
    const [n1, n2] = cluster.nodes;
    assert.ok(n1 !== undefined && n2 !== undefined);
    roster = new ClusterRoster(dataNodesAt([n1, n2]));
    leader = await startEmulatedNode({ name: 'controller2', cluster: roster });
    const followerRoster = new ClusterRoster();
    followerRoster.setLeader(`127.0.0.1:${leader.port}:controller2`);
    follower = await startEmulatedNode({ name: 'controller1', cluster: followerRoster });
    // Answers every connection with bytes no DolphinDB node sends, then closes.
    junk = createServer((s) => {
      // orcalb's request may still be arriving when this side closes: a reset here is expected.
      s.on('error', () => undefined);
      s.end(Buffer.from('HTTP/1.1 200 OK\r\n\r\n\x00\xff garbage garbage garbage\n'));
    });
    await new Promise<void>((resolve) => junk.listen(0, '127.0.0.1', resolve));
    const junkPort = (junk.address() as { port: number }).port;
    // Accepts and reads, never answers: only the deadline (`timeout check`) ends each reading.
    stalled = await startEmulatedNode({ name: 'controller3', cluster: new ClusterRoster(), failure: 'stall' });
    ports = {
      front: await freeTcpPort(), cli: await freeTcpPort(), dead: await freeTcpPort(), follower: follower.port, leader: leader.port,
      junk: junkPort, stalled: stalled.port,
    };
    lb = await startOrcalb(config(ports), { threads: 2 });
  });
  after(async () => {
    await lb?.stop();
    await new Promise<void>((resolve) => (junk === undefined ? resolve() : junk.close(() => resolve())));
    await follower?.close();
    await stalled?.close();
    await leader?.close();
    await cluster?.close();
  });

  test('an unreachable controller and a follower answering <NotLeader> hand over to the leader', async () => {
    await pollUntil(async () => {
      const s = await statuses(ports.cli);
      return s.get('nodes/dn1') === 'UP' && s.get('nodes/dn2') === 'UP';
    }, 10_000, 'dn1 and dn2 UP');
    assert.match(await cliCommand({ port: ports.cli }, 'show dolphindb nodes'), new RegExp(`discovery nodes: controller 127\\.0\\.0\\.1:${ports.leader},`));
  });

  test('more nodes than slots: the node left out is logged and shown, the slots keep theirs', async () => {
    const n3 = cluster.node('node3');
    roster.add({ name: 'node3', host: '127.0.0.1', port: n3.port, mode: 'datanode', alive: true });
    await lb.waitForStderr(/dolphindb-discovery of backend nodes: 1 node\(s\) left out, the 2 slots of template dn are full: node3\./, 10_000);
    assert.match(await cliCommand({ port: ports.cli }, 'show dolphindb nodes'), /not placed \(no free slot of template dn\): node3/);
    roster.remove('node3');
    await pollUntil(async () => !(await cliCommand({ port: ports.cli }, 'show dolphindb nodes')).includes('not placed'), 10_000, 'node3 no longer reported');
  });

  test('garbage from the controller, then an empty cluster: the servers are kept, the reason logged, retries back off', async () => {
    roster.setAnswer('garbage');
    // Every controller is asked before the reading counts as failed: the leader's garbage, then the other two.
    await lb.waitForStderr(/getClusterPerf\(\) answered a scalar, not a table; .*\); keeping the 2 server\(s\) it knows, next try in 400 ms\./, 10_000);
    // Several intervals later the backend still has both servers, taking traffic.
    await delay(4 * INTERVAL_MS);
    let s = await statuses(ports.cli);
    assert.deepEqual([s.get('nodes/dn1'), s.get('nodes/dn2')], ['UP', 'UP']);
    assert.match(await cliCommand({ port: ports.cli }, 'show dolphindb nodes'), /failing \(\d+ in a row\)/);
    roster.setAnswer('table');
    const saved = roster.nodes();
    for (const n of saved) roster.remove(n.name);
    await lb.waitForStderr(/dolphindb-discovery of backend nodes: the controller lists no datanode node; keeping the 2 server\(s\) it knows/, 10_000);
    await delay(4 * INTERVAL_MS);
    s = await statuses(ports.cli);
    assert.deepEqual([s.get('nodes/dn1'), s.get('nodes/dn2')], ['UP', 'UP']);
    for (const n of saved) roster.add(n);
    await pollUntil(async () => /last good reading [\d.]+s ago, 2 node\(s\)/.test(await cliCommand({ port: ports.cli }, 'show dolphindb nodes')), 10_000, 'a good reading again');
  });

  test('wrong credentials: the login refusal is logged and no slot is filled', async () => {
    await lb.waitForStderr(/dolphindb-discovery of backend wrongpw: no usable answer from any controller \(controller 127\.0\.0\.1:\d+: The user name or password is incorrect\./, 10_000);
    const s = await statuses(ports.cli);
    assert.deepEqual([s.get('wrongpw/w1'), s.get('wrongpw/w2')], ['MAINT (resolution)', 'MAINT (resolution)']);
  });

  test('a controller that speaks no DolphinDB: the reason is logged, no slot is filled, orcalb runs on', async () => {
    await lb.waitForStderr(/dolphindb-discovery of backend junk: no usable answer from any controller \(controller 127\.0\.0\.1:\d+: /, 10_000);
    const s = await statuses(ports.cli);
    assert.deepEqual([s.get('junk/j1'), s.get('junk/j2')], ['MAINT (resolution)', 'MAINT (resolution)']);
    assert.equal((await statuses(ports.cli)).get('nodes/dn1'), 'UP');
  });

  test('a controller that never answers: each reading ends at its deadline, the reason is logged', async () => {
    await lb.waitForStderr(/dolphindb-discovery of backend stalled: no usable answer from any controller \(controller 127\.0\.0\.1:\d+: Layer7 timeout: at step 1 of dolphindb-discovery \(connect\)\)/, 10_000);
    assert.equal((await statuses(ports.cli)).get('stalled/z1'), 'MAINT (resolution)');
  });
});
