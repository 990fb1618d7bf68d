// Issue 8, item 11: every orcalb thread runs inside the V8 heap it was sized for (workers/spawn.ts HEAP_LIMITS), and
// the bin's shebang gives the main thread the same semi-space, so that started either way (`orcalb` or `node
// dist/workers/main.js`) no worker's bound changes. Read from inside each thread by the bench's memory probe, a
// diagnostic preload (native-bench/memory-probe.ts). Test-runner thread; orcalb runs as a child process.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MEMPROBE_LISTENING, MEMPROBE_PORT_ENV, queryMemoryProbe, type ThreadMemory } from '../../native-bench/memory-probe-client.js';
import { shebangNodeFlags } from '../../native-bench/subjects/orcalb.js';
import { HEAP_LIMITS, YOUNG_GENERATION_MB } from '../../workers/spawn.js';
import { startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { ORCALB_MAIN, startOrcalb } from '../support/orcalb-process.js';
import { tcpConfig } from '../support/tcp-config.js';

const PROBE = join(dirname(fileURLToPath(import.meta.url)), '../../native-bench/memory-probe.js');
const MIB = 1 << 20;

/** Starts orcalb (2 forwarders, a health-checked server) with the probe and extra Node flags; every thread's figures. */
async function threadFigures(t: test.TestContext, nodeFlags: readonly string[]): Promise<ThreadMemory[]> {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const port = await freeTcpPort();
  const lb = await startOrcalb(tcpConfig(port, farm.ports(), { serverOptions: 'check inter 1s' }), {
    threads: 2,
    nodeArgs: [...nodeFlags, '--import', PROBE],
    env: { [MEMPROBE_PORT_ENV]: '0' },
  });
  t.after(() => lb.stop());
  const line = await lb.waitForStderr(MEMPROBE_LISTENING, 5000);
  // The probe collects answers for 400 ms: a thread still loading on a busy machine answers a later ask.
  const want = ['acceptor', 'forwarder', 'forwarder', 'health-checker', 'main'];
  let figures: ThreadMemory[] = [];
  for (let ask = 0; ask < 10; ask++) {
    figures = await queryMemoryProbe(Number(MEMPROBE_LISTENING.exec(line)?.[1]), 'stats');
    if (figures.length >= want.length) break;
  }
  assert.deepEqual(figures.map((f) => f.name).sort(), want);
  return figures;
}

/** V8's heap_size_limit is the old generation's bound plus the young generation's. */
function assertBounded(figures: readonly ThreadMemory[]): void {
  for (const f of figures) {
    if (f.name === 'main') continue;
    const limits = HEAP_LIMITS[f.name as keyof typeof HEAP_LIMITS];
    assert.equal(f.heapLimit / MIB, limits.maxOldGenerationSizeMb + limits.maxYoungGenerationSizeMb, `${f.name} thread ${f.thread}`);
  }
}

test('every worker thread (forwarders, acceptor, health checker) runs inside its V8 heap bound', async (t) => {
  assertBounded(await threadFigures(t, []));
});

test("the bin's shebang gives the main thread the workers' semi-space, and with it every worker keeps its bound", async (t) => {
  const flags = shebangNodeFlags((await readFile(ORCALB_MAIN, 'utf8')).split('\n', 1)[0] ?? '');
  // Two semi-spaces and the new large-object space: V8's young generation is three semi-spaces.
  assert.deepEqual(flags, [`--max-semi-space-size=${YOUNG_GENERATION_MB / 3}`]);
  // A process-wide V8 flag overrides every worker's resourceLimits: the two must agree, or the bin would run
  // forwarders with another young generation than `node dist/workers/main.js` does.
  assertBounded(await threadFigures(t, flags));
});

test('shebangNodeFlags reads the options of an `env -S node` line and nothing else', () => {
  assert.deepEqual(shebangNodeFlags('#!/usr/bin/env -S node --max-semi-space-size=16 --foo'), ['--max-semi-space-size=16', '--foo']);
  assert.deepEqual(shebangNodeFlags('#!/usr/bin/env node'), []);
  assert.deepEqual(shebangNodeFlags('// no shebang'), []);
});
