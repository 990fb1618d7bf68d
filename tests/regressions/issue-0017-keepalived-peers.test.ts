// Issue 17: issue 15's keepalived pair with a `stick on src` table shared over peers. Four namespaces made by the
// test (a client, two balancers, a host with servers A and B), Debian's keepalived with config/examples/keepalived/
// in each balancer (the backup's three lines changed as its comments say), each orcalb a peer of the other. A client
// stuck to B on the master is still sent to B by the backup once the master's orcalb is killed and the VIP moves,
// although the backup's own round robin would give a new client A first. Everything made is removed even when
// the test fails. Needs root, iproute2, keepalived and curl. Test-runner thread.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KEEPALIVED_EXAMPLE, keepalivedBackupConf, startKeepalived } from '../support/keepalived-lab.js';
import { startNetnsLab, type LabHost, type NetnsLab } from '../support/netns-lab.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { pollFor } from '../support/wait.js';

const VIP = '10.0.0.100';
/** A second address of the client's, to take server A's turn before the client proper comes. */
const OTHER_CLIENT = '10.0.0.50';

/** orcalb on balancer `self` (its peer `other`), balancing and sticking on src over A and B on `srv`. */
function lbConf(self: LabHost, selfName: string, other: LabHost, otherName: string, srv: LabHost): string {
  const lines = [
    'peers pair', `peer ${selfName} ${self.address}:10000`, `peer ${otherName} ${other.address}:10000`,
    'defaults', 'mode http', 'timeout connect 1s', 'timeout client 5s', 'timeout server 5s',
    'frontend web', 'bind :80', 'monitor-uri /lb-health', 'default_backend app',
    'backend app', 'balance roundrobin', 'stick-table type ip size 1k expire 30m peers pair', 'stick on src',
    `server A ${srv.address}:8001`, `server B ${srv.address}:8002`,
  ];
  // Section keywords at the margin, their lines indented.
  return `${lines.map((l) => (/^(peers|defaults|frontend|backend)\b/.test(l) ? l : `    ${l}`)).join('\n')}\n`;
}

/** An HTTP server answering its name, run by this Node inside the servers' namespace. */
function serverScript(name: string, port: number): string {
  return `require('node:http').createServer((q, r) => r.end('${name}')).listen(${port}, '0.0.0.0')`;
}

async function ask(lab: NetnsLab, client: LabHost, from: string): Promise<string> {
  const r = await lab.run(client, 'curl', ['-sS', '-m', '1', '--interface', from, `http://${VIP}/`], 3000);
  return r.code === 0 ? r.stdout.trim() : '';
}

test('keepalived pair with peers: a client stuck to B stays on B after the VIP moves to the backup', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-ka17-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lab = await startNetnsLab(`i17ka${process.pid % 100_000}`, ['client', 'lb1', 'lb2', 'srv']);
  t.after(() => lab.close());
  const [client, lb1, lb2, srv] = lab.hosts;
  assert.ok(client !== undefined && lb1 !== undefined && lb2 !== undefined && srv !== undefined);
  assert.equal((await lab.run(client, 'ip', ['addr', 'add', `${OTHER_CLIENT}/24`, 'dev', client.iface])).code, 0);
  lab.start(srv, process.execPath, ['-e', serverScript('A', 8001)]);
  lab.start(srv, process.execPath, ['-e', serverScript('B', 8002)]);

  const lbs = new Map<string, OrcalbProcess>();
  const startLb = async (host: LabHost, name: string, other: LabHost, otherName: string): Promise<void> => {
    const lb = await startOrcalb(lbConf(host, name, other, otherName, srv), { threads: 1, netns: host.netns, args: ['-L', name] });
    lab.adopt(lb.pid);
    t.after(() => lb.stop());
    lbs.set(name, lb);
  };
  await startLb(lb1, 'lb1', lb2, 'lb2');
  await startLb(lb2, 'lb2', lb1, 'lb1');

  const kaLogs = [startKeepalived(t, lab, lb1, 'lb1', KEEPALIVED_EXAMPLE, dir), startKeepalived(t, lab, lb2, 'lb2', keepalivedBackupConf(), dir)];
  const logs = (): string => kaLogs.map((l) => l().slice(-1500)).join('\n');
  // The VIP settles on the master (the backup may hold it for a moment while the master's first check runs).
  const holds = async (host: LabHost): Promise<boolean> => (await lab.run(host, 'ip', ['-4', 'addr', 'show', 'dev', 'eth1'])).stdout.includes(VIP);
  assert.ok(await pollFor(async () => (await holds(lb1)) && !(await holds(lb2)), 15_000, 200), `the VIP never settled on the master\n${logs()}`);
  /** The answer to `from`'s first request that gets one (a request that got none was never served). */
  const answered = async (from: string): Promise<string> => {
    let got = '';
    await pollFor(async () => (got = await ask(lab, client, from)) !== '', 5000, 100);
    return got;
  };
  // The other address takes round robin's first turn (A): the client proper gets B, and sticks to it.
  assert.equal(await answered(OTHER_CLIENT), 'A');
  assert.equal(await answered(client.address), 'B');
  assert.equal(await ask(lab, client, client.address), 'B');

  // The backup's table learns it within 1 s (the peers push), then the master's orcalb dies.
  await new Promise((r) => setTimeout(r, 1000));
  lbs.get('lb1')?.signal('SIGKILL');
  assert.ok(await pollFor(() => holds(lb2), 10_000, 100), `the VIP did not move to the backup\n${logs()}`);
  // The first request the backup's backend sees: its own round robin would give A, the learned entry says B.
  assert.equal(await answered(client.address), 'B', 'the client stays on B after the failover');
  assert.equal(await ask(lab, client, client.address), 'B');
});
