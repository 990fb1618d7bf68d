// Issue 17, resync from a remote peer: of two orcalb peers, one is killed and started again; before it takes
// traffic it learns the other's tables (its start-up line names the peer), so the counters and the sticky server
// it had are back, and a client stuck there stays on its server. Also the other way round: what the restarted one
// learns afterwards reaches the survivor.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startTaggedHttpFarm } from '../support/http-tagged-backends.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { pollFor } from '../support/wait.js';
import { pairConfig, requestFrom, socketDir, tableEntry, type PeerSide } from './peers-lab.js';

test('a restarted orcalb learns its peer tables before it takes traffic', async (t) => {
  const farm = await startTaggedHttpFarm(['s1', 's2']);
  t.after(() => farm.close());
  const dir = socketDir();
  t.after(() => dir.cleanup());
  const ports = farm.backends.map((b) => b.port);
  const a: PeerSide = { name: 'a', peerPort: await freeTcpPort(), fePort: await freeTcpPort(), sock: `${dir.dir}/a.sock` };
  const b: PeerSide = { name: 'b', peerPort: await freeTcpPort(), fePort: await freeTcpPort(), sock: `${dir.dir}/b.sock` };
  const first = await startOrcalb(pairConfig(a, b, ports), { threads: 1 });
  t.after(() => first.stop());
  const other = await startOrcalb(pairConfig(b, a, ports), { threads: 1 });
  t.after(() => other.stop());

  const one = await requestFrom(a.fePort, '127.0.0.51');
  const stuck = await requestFrom(a.fePort, '127.0.0.52');
  assert.notEqual(stuck, one);
  const counters = await tableEntry(a.sock, 'fe', '127.0.0.52');
  // b holds both within 1 s (the sticky server, and the counters the restarted a must get back): only then is a
  // killed, so that what the restarted one misses afterwards is the resync's fault, not a late update's.
  assert.ok(await pollFor(async () => (await tableEntry(b.sock, 'be', '127.0.0.52')) !== undefined, 1000, 20), 'b learned the entry');
  assert.ok(
    await pollFor(async () => (await tableEntry(b.sock, 'fe', '127.0.0.52'))?.['http_req_cnt'] === counters?.['http_req_cnt'], 1000, 20),
    "b learned the entry's counters",
  );

  first.signal('SIGKILL');
  await first.exited;
  const again = await startOrcalb(pairConfig(a, b, ports), { threads: 1 });
  t.after(() => again.stop());
  await again.waitForStderr(/peers mesh: start-up resync done \(learned from 'b'\)/, 1000);
  const back = await tableEntry(a.sock, 'fe', '127.0.0.52');
  assert.equal(back?.['http_req_cnt'], counters?.['http_req_cnt']);
  // Its round robin starts over with the first server; the stuck client keeps its own.
  assert.equal(await requestFrom(a.fePort, '127.0.0.52'), stuck);
  // And what the restarted one sees now reaches the survivor.
  await requestFrom(a.fePort, '127.0.0.53');
  assert.ok(await pollFor(async () => (await tableEntry(b.sock, 'fe', '127.0.0.53')) !== undefined, 1000, 20), 'b learns from the restarted a');
});
