// The health-check thread entry (workers/health-checker.ts) as a real worker_thread over a SharedArrayBuffer:
// the main thread sees its results only through Atomics loads, reads its stderr lines, and stops it by message.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { ServerState } from '../../core/shared/layout.js';
import { serverSlotIndex } from '../../core/shared/topology.js';
import { CheckTarget, closedPort, healthConfig, seededState, serverConfig } from '../support/check-target.js';
import { delay, pollUntil } from '../support/wait.js';

const ENTRY = new URL('../../workers/health-checker.js', import.meta.url);

test('the health thread checks servers, publishes through the shared buffer, logs on stderr and stops on request', async (t) => {
  const live = await CheckTarget.start();
  t.after(() => live.close());
  const dead = await closedPort();
  const config = healthConfig([{
    name: 'be',
    servers: [serverConfig('live', live.port, { inter: 50 }), serverConfig('dead', dead, { inter: 50 })],
  }]);
  const { state, topology } = seededState(config, 2);
  const worker = new Worker(ENTRY, { workerData: { config, buffer: state.buffer, threads: 2 }, stderr: true });
  let exited = false;
  t.after(async () => {
    if (!exited) await worker.terminate();
  });
  let stderr = '';
  worker.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const ready = once(worker, 'message');

  await pollUntil(() => state.loadGlobal('healthReady') === 1, 5000, 'healthReady');
  assert.deepEqual((await ready)[0], { type: 'ready' });
  const liveSlot = state.server(serverSlotIndex(topology, 0, 0));
  const deadSlot = state.server(serverSlotIndex(topology, 0, 1));
  await pollUntil(() => deadSlot.load('state') === ServerState.DOWN, 5000, 'dead to be DOWN');
  await pollUntil(() => liveSlot.load('health') === 4, 5000, 'live to be fully healthy');
  assert.equal(liveSlot.load('state'), ServerState.UP);
  // The backend's counts are stored after the server's state: a loaded machine can pause the thread in between
  // (CI, 2026-12-05: activeServers still 2 right after dead read DOWN).
  await pollUntil(() => state.backend(0).load('activeServers') === 1, 5000, 'the backend to count 1 active server');
  await pollUntil(() => state.backend(0).load('generation') === 2, 5000, 'the generation bump after the recount');
  assert.ok(live.connections.length >= 1, 'the live server saw the check connections');

  await pollUntil(() => stderr.includes('is DOWN'), 5000, 'the DOWN line on stderr');
  assert.match(
    stderr,
    new RegExp(
      `^\\[WARNING\\]  \\(${process.pid}\\) : Server be/dead is DOWN, reason: Layer4 connection problem, ` +
        'info: "Connection refused", check duration: \\d+ms\\. 1 active and 0 backup servers left\\. ' +
        '0 sessions active, 0 requeued, 0 remaining in queue\\.$',
      'm',
    ),
  );

  const exit = once(worker, 'exit');
  worker.postMessage({ type: 'stop' });
  const [code] = await exit;
  exited = true;
  assert.equal(code, 0);
  const seen = live.connections.length;
  await delay(150);
  assert.equal(live.connections.length, seen, 'no check after the thread stopped');
});
