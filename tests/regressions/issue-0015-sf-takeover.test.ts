// Issue 15: `orcalb -sf PID` takes the listening sockets of the old orcalb (pidfd_getfd: one socket, one accept
// queue) and then soft-stops it: under a stream of short sessions (16 at a time, a new connection each) no session
// is refused or reset across the handover, and the old process exits 0 once its sessions ended. `-st` hard-stops
// it. Beside it, for reference: haproxy 2.6.12 `-sf` and orcalb binding a second SO_REUSEPORT socket instead (the
// ORCALB_TEST_SF_REUSEPORT hook): both may lose what waited in the old socket's queue; the counts are printed, not
// asserted. Test-runner thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBackendFarm } from '../support/backend-farm.js';
import { startConnectChurn, type ChurnTally, type ConnectChurn } from '../support/connect-churn.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { tcpConfig } from '../support/tcp-config.js';

const LANES = 16;
/** Sessions before the handover and after the old process is gone: enough to cross the switch with traffic. */
const BEFORE = 300;
const AFTER = 300;

function failed(t: ChurnTally): number {
  return Object.values(t.errors).reduce((a, b) => a + b, 0);
}

for (const accept of ['acceptor', 'reuseport'] as const) {
  test(`--accept ${accept}: -sf takes the listener over, soft-stops the old orcalb, and no session fails`, async (t) => {
    const farm = await startBackendFarm(['s1']);
    t.after(() => farm.close());
    const front = await freeTcpPort();
    const cfg = tcpConfig(front, [farm.port('s1')]);
    const old = await startOrcalb(cfg, { threads: 2, accept });
    t.after(() => old.stop());
    const churn = startConnectChurn(front, LANES);
    t.after(() => churn.stop());
    await churn.completeMore(BEFORE, 20_000);

    const next = await startOrcalb(cfg, { threads: 2, accept, args: ['-sf', String(old.pid)] });
    t.after(() => next.stop());
    await next.waitForStderr(/-sf\/-st: took \d+ listening socket\(s\) over from process/, 1000);
    assert.equal(await old.exited, 0, old.stderr());
    await churn.completeMore(AFTER, 20_000);
    const tally = await churn.stop();
    assert.deepEqual(tally.errors, {}, `sessions failed across the handover: ${JSON.stringify(tally)}`);
    assert.match(old.stderr(), /SIGUSR1 received: soft stop/);
  });
}

test('-st hard-stops the old orcalb once the new one serves; the port never refuses', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const front = await freeTcpPort();
  const cfg = tcpConfig(front, [farm.port('s1')]);
  const old = await startOrcalb(cfg, { threads: 1 });
  t.after(() => old.stop());
  const next = await startOrcalb(cfg, { threads: 1, args: ['-st', String(old.pid)] });
  t.after(() => next.stop());
  assert.equal(await old.exitSignal, 'SIGTERM');
  const churn = startConnectChurn(front, 2);
  t.after(() => churn.stop());
  await churn.completeMore(50, 10_000);
  assert.deepEqual((await churn.stop()).errors, {});
});

test('-sf with a PID that is not running, or none at all, starts normally (as haproxy does)', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const front = await freeTcpPort();
  // PID 2^22 + 1 is above Linux's pid_max ceiling: never a live process.
  const lb = await startOrcalb(tcpConfig(front, [farm.port('s1')]), { threads: 1, args: ['-sf', String(2 ** 22 + 1), '-sf'] });
  t.after(() => lb.stop());
  const churn = startConnectChurn(front, 1);
  t.after(() => churn.stop());
  await churn.completeMore(5, 10_000);
});

// Reference runs: printed, not asserted (the loss depends on timing; the test only requires that they run).
for (const subject of ['haproxy', 'orcalb-reuseport'] as const) {
  test(`reference: ${subject} -sf under the same stream (a second SO_REUSEPORT socket)`, async (t) => {
    const farm = await startBackendFarm(['s1']);
    t.after(() => farm.close());
    const front = await freeTcpPort();
    const cfg = tcpConfig(front, [farm.port('s1')]);
    let churn: ConnectChurn;
    if (subject === 'haproxy') {
      const old = await startHaproxy(cfg);
      t.after(() => old.stop());
      churn = startConnectChurn(front, LANES);
      t.after(() => churn.stop());
      await churn.completeMore(BEFORE, 20_000);
      const next = await startHaproxy(cfg, { args: ['-sf', String(old.pid)] });
      t.after(() => next.stop());
      await old.exited;
    } else {
      const env = { ORCALB_TEST_HOOKS: '1', ORCALB_TEST_SF_REUSEPORT: '1' };
      const old = await startOrcalb(cfg, { threads: 2, env });
      t.after(() => old.stop());
      churn = startConnectChurn(front, LANES);
      t.after(() => churn.stop());
      await churn.completeMore(BEFORE, 20_000);
      const next = await startOrcalb(cfg, { threads: 2, env, args: ['-sf', String(old.pid)] });
      t.after(() => next.stop());
      await old.exited;
    }
    await churn.completeMore(AFTER, 20_000);
    const tally = await churn.stop();
    t.diagnostic(`${subject} -sf: ${tally.ok} sessions, ${failed(tally)} failed ${JSON.stringify(tally.errors)}`);
  });
}
