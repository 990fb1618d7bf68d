// Issue 13, `option log-health-checks` (manual §4.2) in the seed's TCP defaults, side by side with haproxy 2.6.12:
// every check that moves a server's rise/fall counter gets its own syslog line (`Health check for server b/s
// succeeded|failed, reason: …, check duration: Nms, status: x/y UP|DOWN`, notice), and the state-change lines then
// leave their reason out (`Server b/s is DOWN. 2 active…`). One server is stopped, then started again; the lines
// about it must be the same, in the same order, check durations masked.
// Test-runner thread; both balancers run as child processes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbSubject } from '../support/lb-subject.js';
import { seedTcpConfig } from '../support/seed-config.js';
import { startSyslogReceiver } from '../support/syslog-receiver.js';

/** The lines about node1, as `<pri> text` with the check duration masked. */
function aboutNode1(messages: readonly { readonly pri: number; readonly text: string }[]): string[] {
  return messages
    .filter((m) => m.text.includes('ddb_backend/node1'))
    .map((m) => `<${m.pri}> ${m.text.replace(/check duration: \d+ms/, 'check duration: Nms')}`);
}

async function run(t: { after(fn: () => unknown): void }, subject: LbSubject): Promise<string[]> {
  const farm = await startBackendFarm(['node1', 'node2', 'node3'], { expectProxy: true });
  t.after(() => farm.close());
  const syslog = await startSyslogReceiver();
  t.after(() => syslog.close());
  const port = await freeTcpPort();
  const config = await seedTcpConfig(port, farm.ports(), { inter: '200ms', syslogPort: syslog.port, defaultsExtra: ['option log-health-checks'] });
  const lb = await subject.start(config, port);
  t.after(() => lb.stop());
  const has = (re: RegExp) => (all: readonly { readonly text: string }[]): boolean => all.some((m) => re.test(m.text));
  // The first passed check lifts the starting counter (rise) to the top: a line.
  await syslog.waitFor(has(/^Health check for server ddb_backend\/node1 succeeded.*status: 3\/3 UP\.$/), 8000, `${subject.name}: first check`);
  await farm.kill('node1');
  await syslog.waitFor(has(/^Server ddb_backend\/node1 is DOWN/), 8000, `${subject.name}: node1 DOWN`);
  await farm.revive('node1');
  await syslog.waitFor(has(/^Server ddb_backend\/node1 is UP/), 8000, `${subject.name}: node1 UP`);
  await lb.stop();
  return aboutNode1(syslog.messages());
}

test('option log-health-checks: a line per check that moves the counter, reasonless state changes (as haproxy 2.6.12)', async (t) => {
  const h = await run(t, HAPROXY_SUBJECT);
  const o = await run(t, ORCALB_SUBJECT);
  const raw = `haproxy:\n${h.join('\n')}\norcalb:\n${o.join('\n')}`;
  assert.deepEqual(o, h, raw);
  const refused = 'reason: Layer4 connection problem, info: "Connection refused", check duration: Nms';
  assert.deepEqual(
    o,
    [
      '<149> Health check for server ddb_backend/node1 succeeded, reason: Layer4 check passed, check duration: Nms, status: 3/3 UP.',
      `<149> Health check for server ddb_backend/node1 failed, ${refused}, status: 2/3 UP.`,
      `<149> Health check for server ddb_backend/node1 failed, ${refused}, status: 1/3 UP.`,
      `<149> Health check for server ddb_backend/node1 failed, ${refused}, status: 0/2 DOWN.`,
      '<145> Server ddb_backend/node1 is DOWN. 2 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      '<149> Health check for server ddb_backend/node1 succeeded, reason: Layer4 check passed, check duration: Nms, status: 1/2 DOWN.',
      '<149> Health check for server ddb_backend/node1 succeeded, reason: Layer4 check passed, check duration: Nms, status: 3/3 UP.',
      '<149> Server ddb_backend/node1 is UP. 3 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    ],
    raw,
  );
});
