// Regression (issue 10, idle memory per connection): a burst of connections grew a forwarder's V8 heap (its new space
// to the young generation's maximum, its old space with the burst's promoted garbage) and nothing ever gave it back:
// V8's memory reducer starts only after a mark-compact, and Node runs no idle-time GC. A forwarder now compacts once
// it is quiet (core/io/idle-compaction.ts). Read from inside orcalb's threads by the bench's memory probe (a
// diagnostic preload); the connections stay served. Test-runner thread; orcalb runs as a child process.

import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MEMPROBE_LISTENING, MEMPROBE_PORT_ENV, queryMemoryProbe, type ThreadMemory } from '../../native-bench/memory-probe-client.js';
import { startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { tcpConfig } from '../support/tcp-config.js';
import { within } from '../support/wait.js';

const PROBE = join(dirname(fileURLToPath(import.meta.url)), '../../native-bench/memory-probe.js');
const MIB = 1 << 20;
const CONNS = 1000;
/** Probe readings before giving up (each takes ~0.4 s: the probe collects the threads' answers). */
const READINGS = 40;

test(`after a burst of ${CONNS} idle connections the forwarder gives its grown heap back, and they stay served`, async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const port = await freeTcpPort();
  const lb = await startOrcalb(tcpConfig(port, farm.ports(), { global: `    maxconn ${CONNS + 100}` }), {
    nodeArgs: ['--import', PROBE],
    env: { [MEMPROBE_PORT_ENV]: '0' },
  });
  t.after(() => lb.stop());
  const probe = Number(MEMPROBE_LISTENING.exec(await lb.waitForStderr(MEMPROBE_LISTENING, 5000))?.[1]);
  const forwarder = async (): Promise<ThreadMemory> => {
    // The probe collects answers for 400 ms: a forwarder busy with the burst on a loaded machine answers a later ask.
    let f: ThreadMemory | undefined;
    for (let ask = 0; ask < 10 && f === undefined; ask++) f = (await queryMemoryProbe(probe, 'stats')).find((m) => m.name === 'forwarder');
    assert.ok(f !== undefined, 'the probe answers for the forwarder');
    return f;
  };

  const clients: net.Socket[] = [];
  t.after(() => {
    for (const c of clients) c.destroy();
  });
  // 100 connects in flight at a time, as a storm of clients would open them.
  for (let opened = 0; opened < CONNS; opened += 100) {
    await Promise.all(Array.from({ length: 100 }, async () => {
      const c = net.connect(port, '127.0.0.1');
      c.on('error', () => {});
      clients.push(c);
      await within(once(c, 'connect'), 10_000, 'a client connect');
    }));
  }
  await farm.waitFor(() => farm.liveConnections().length === CONNS, 30_000, `${CONNS} server connections`);
  const peak = await forwarder();

  let last = peak;
  for (let i = 0; i < READINGS && last.newSpace > MIB; i++) last = await forwarder();
  assert.ok(last.newSpace <= MIB, `new space ${(last.newSpace / MIB).toFixed(1)} MiB (${(peak.newSpace / MIB).toFixed(1)} right after the burst)`);
  // A memory-reducing collection leaves little committed beyond what is live.
  assert.ok(last.heapTotal - last.heapUsed < 4 * MIB, `heap ${(last.heapUsed / MIB).toFixed(1)} used of ${(last.heapTotal / MIB).toFixed(1)} MiB`);

  // The sessions survived it: a few of the idle connections still carry bytes both ways.
  for (const c of clients.slice(0, 5)) {
    let got = '';
    c.setEncoding('latin1');
    const echoed = new Promise<void>((resolve) => {
      c.on('data', (d: string) => {
        got += d;
        if (got.includes('after-compaction')) resolve();
      });
    });
    c.write('after-compaction');
    await within(echoed, 5000, 'an echo through an idle connection');
  }
});
