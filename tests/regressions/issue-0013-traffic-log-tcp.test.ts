// Issue 13, traffic log lines in TCP mode: the seed's haproxy-tcp.cfg (option tcplog, option dontlognull, log to a
// UDP syslog sink) run under haproxy 2.6.12 and orcalb --threads 2 with the same traffic; the tcplog lines must match
// field by field once the client port, the dates and the times are masked: a normal session (--), a client that
// resets (CD), a server that resets (SD), a connect-and-close (no line: dontlognull), and a session while every
// server is down (no line either: haproxy fails it before reading the client, so for dontlognull it sent nothing).
// Test-runner thread; both balancers run as child processes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectTagged, startBackendFarm, type BackendFarm } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess } from '../support/lb-subject.js';
import { seedTcpConfig } from '../support/seed-config.js';
import { startSyslogReceiver, type SyslogReceiver } from '../support/syslog-receiver.js';
import { connectAndClose, tcplogFields, trafficLine as line, trafficLines } from '../support/traffic-log-lines.js';

const NODES = ['node1', 'node2', 'node3'] as const;

interface Run {
  readonly name: string;
  readonly farm: BackendFarm;
  readonly syslog: SyslogReceiver;
  readonly lb: LbProcess;
  readonly port: number;
}

async function start(t: { after(fn: () => unknown): void }, subject: typeof HAPROXY_SUBJECT): Promise<Run> {
  const farm = await startBackendFarm([...NODES], { expectProxy: true });
  t.after(() => farm.close());
  const syslog = await startSyslogReceiver();
  t.after(() => syslog.close());
  const port = await freeTcpPort();
  const config = await seedTcpConfig(port, farm.ports(), { inter: '200ms', syslogPort: syslog.port });
  const lb = await subject.start(config, port);
  t.after(() => lb.stop());
  return { name: subject.name, farm, syslog, lb, port };
}

/** The same traffic for both: returns the lines it logged, in order. */
async function scenario(run: Run): Promise<string[]> {
  const out: string[] = [];
  // A normal session: tag, one echo, the client's FIN.
  const a = await connectTagged(run.port);
  await a.exchange('hello\n');
  await a.end();
  out.push(await line(run, 1, 'normal session'));
  // A client that aborts with a reset mid-session.
  const b = await connectTagged(run.port);
  await b.exchange('abcd\n');
  b.reset();
  out.push(await line(run, 2, 'client abort'));
  // A connect-and-close: nothing logged (dontlognull); the next session's line comes third.
  await connectAndClose(run.port);
  // A server that resets mid-session.
  const c = await connectTagged(run.port);
  await c.exchange('xyz\n');
  run.farm.reset(c.tag);
  await c.closed;
  out.push(await line(run, 3, 'server abort'));
  // Every server down: the session gets no server and, its bytes unread, no line (dontlognull).
  for (const n of NODES) await run.farm.kill(n);
  for (const n of NODES) await run.lb.waitForStderr(new RegExp(`Server ddb_backend/${n} is DOWN`), 8000);
  await connectAndClose(run.port, 'data\n');
  // One server back (UP after rise 2): the next line is that session's, not the one above.
  await run.farm.revive('node2');
  await run.lb.waitForStderr(/Server ddb_backend\/node2 is UP/, 8000);
  const d = await connectTagged(run.port);
  await d.exchange('back\n');
  await d.end();
  // haproxy 2.6.12 sometimes reads the refused session's bytes before failing it (CI saw `<NOSRV> ... SC` under load):
  // then it logs that session too. The compared line is the first one after it with a server.
  const served = (): string | undefined => trafficLines(run.syslog).slice(3).find((l) => !l.includes('<NOSRV>'));
  await run.syslog.waitFor(() => served() !== undefined, 8000, `${run.name}: session after the servers came back`);
  out.push(served() ?? '');
  return out;
}

test('seed tcp config: tcplog lines of haproxy 2.6.12 and orcalb match field by field (--, CD, SD, dontlognull)', async (t) => {
  const lines: Record<string, string[]> = {};
  for (const subject of [HAPROXY_SUBJECT, ORCALB_SUBJECT]) {
    const run = await start(t, subject);
    lines[subject.name] = await scenario(run);
  }
  const h = (lines[HAPROXY_SUBJECT.name] ?? []).map(tcplogFields);
  const o = (lines[ORCALB_SUBJECT.name] ?? []).map(tcplogFields);
  assert.deepEqual(o, h, `haproxy:\n${(lines[HAPROXY_SUBJECT.name] ?? []).join('\n')}\norcalb:\n${(lines[ORCALB_SUBJECT.name] ?? []).join('\n')}`);
  // What the lines must say, beyond being the same: the states in order, a masked shape that was really filled.
  assert.deepEqual(o.map((f) => f.state), ['--', 'CD', 'SD', '--']);
  assert.equal(o[3]?.server, 'ddb_backend/node2');
  assert.match(o[0]?.server ?? '', /^ddb_backend\/node\d$/);
});
