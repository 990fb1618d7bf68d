// Issue 10, design change 4: the acceptor hands each connection straight to a forwarder over that forwarder's
// MessagePort; the main thread is not on the path any more (it used to relay every fd to piscina and receive a
// message back at every close). Shown by blocking the main thread's event loop (ORCALB_TEST_HOOKS `stall-main`):
// new connections are accepted, handed over, forwarded and closed while it is blocked, i.e. all of them finish before
// main logs the end of its stall. With the relay through main they all waited for it. orcalb only: haproxy has no
// such thread. Test-runner thread; orcalb runs as a child process.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestTag, startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { tcpConfig } from '../support/tcp-config.js';

const STALL_MS = 4000;
const CONNECTIONS = 10;

test(`with the main thread blocked, ${CONNECTIONS} new connections are still accepted, handed to a forwarder and served`, async (t) => {
  const farm = await startBackendFarm(['s1', 's2']);
  t.after(() => farm.close());
  const front = await freeTcpPort();
  const lb = await startOrcalb(tcpConfig(front, farm.ports()), { threads: 2, accept: 'acceptor', env: { ORCALB_TEST_HOOKS: '1' } });
  t.after(() => lb.stop());
  assert.match(await lb.waitForStderr(/orcalb ready/, 1000), /accept=acceptor/);
  assert.ok(['s1', 's2'].includes((await requestTag(front, 'warm-up')).tag));

  lb.send(`stall-main ${STALL_MS}`);
  await lb.waitForStderr(/test hook: main thread stalls/, 5000);
  const tags: string[] = [];
  for (let i = 0; i < CONNECTIONS; i++) tags.push((await requestTag(front, `during-${i}`, 2 * STALL_MS)).tag);
  // Main writes this line as soon as its loop is free again: every session above finished without it.
  assert.doesNotMatch(lb.stderr(), /test hook: main thread stall over/, 'the connections waited for the main thread');
  assert.deepEqual(tags.filter((tag) => tag !== 's1' && tag !== 's2'), []);
  await lb.waitForStderr(/test hook: main thread stall over/, 2 * STALL_MS);
  assert.ok(['s1', 's2'].includes((await requestTag(front, 'after')).tag));
});
