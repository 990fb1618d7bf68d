// Regression (issue 10, new connections): once every connection of a forwarder had ended, its idle compaction's full
// GC found no live instance of the connection path's hidden classes and V8 threw away the optimized code that holds
// them weakly; every burst after an idle spell then ran that path in the interpreter while V8 compiled it again (in
// the bench's interleaved rounds: every round of orcalb). session-registry.ts now keeps the last session's client (and
// through it the session and its server socket) reachable. Checked here: an ended session stays reachable, the next
// one takes its place, and what is kept is a closed socket (no fd held). Test-runner thread, in-process harness.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keptSession } from '../../core/forward/session-registry.js';
import { requestTag, startBackendFarm } from '../support/backend-farm.js';
import { load, validConfig } from '../support/config-load.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { serveConfig } from '../support/l7-harness.js';
import { tcpConfig } from '../support/tcp-config.js';
import { pollUntil } from '../support/wait.js';

test('the last session a thread ran stays reachable once ended, as a closed socket, until the next one replaces it', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const served = await serveConfig(validConfig(await load(tcpConfig(await freeTcpPort(), farm.ports()))));
  t.after(() => served.close());
  const port = served.ports[0] ?? 0;

  await requestTag(port, 'first');
  const first = keptSession();
  assert.ok(first !== undefined, 'the ended session is kept');
  // Its end is seen by the server side first (the harness closes the client on the server's FIN): wait for it.
  await pollUntil(() => first.destroyed, 5000, 'the kept client is closed');
  assert.equal(Reflect.get(first, '_handle'), null, 'no handle (no fd) left on the kept socket');
  await pollUntil(() => farm.liveConnections().length === 0, 5000, 'no server connection left');

  await requestTag(port, 'second');
  const second = keptSession();
  assert.ok(second !== undefined && second !== first, 'the next session takes its place');
});
