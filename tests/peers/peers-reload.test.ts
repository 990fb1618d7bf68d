// Issue 17, resync on a reload: an orcalb started with -sf over a running one pulls the old process's tables through
// the local peer's address before it takes traffic (its start-up line says so), holds the same counters and sticky
// servers, and sends a stuck client to the same server once the old process is gone. The remote peer of the section
// is down throughout, so nothing else could have taught it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startTaggedHttpFarm } from '../support/http-tagged-backends.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { pairConfig, requestFrom, socketDir, tableEntry, type PeerSide } from './peers-lab.js';

test('a reloaded orcalb (-sf) pulls the old process tables before it takes traffic', async (t) => {
  const farm = await startTaggedHttpFarm(['s1', 's2']);
  t.after(() => farm.close());
  const dir = socketDir();
  t.after(() => dir.cleanup());
  const self: PeerSide = { name: 'a', peerPort: await freeTcpPort(), fePort: await freeTcpPort(), sock: `${dir.dir}/a.sock` };
  const gone: PeerSide = { name: 'gone', peerPort: await freeTcpPort(), fePort: 0, sock: '' };
  const config = pairConfig(self, gone, farm.backends.map((b) => b.port));
  const old = await startOrcalb(config, { threads: 1 });
  t.after(() => old.stop());
  // Two sources: the second is stuck to the second server of round robin.
  const first = await requestFrom(self.fePort, '127.0.0.41');
  const stuck = await requestFrom(self.fePort, '127.0.0.42');
  assert.notEqual(stuck, first);
  assert.equal(await requestFrom(self.fePort, '127.0.0.42'), stuck);
  const counters = await tableEntry(self.sock, 'fe', '127.0.0.42');
  const server = await tableEntry(self.sock, 'be', '127.0.0.42');
  assert.equal(counters?.['http_req_cnt'], '2');

  const next = await startOrcalb(config, { threads: 1, args: ['-sf', String(old.pid)] });
  t.after(() => next.stop());
  await next.waitForStderr(/peers mesh: start-up resync done \(learned from the previous process\)/, 1000);
  await old.exited;
  const learned = await tableEntry(self.sock, 'fe', '127.0.0.42');
  assert.equal(learned?.['http_req_cnt'], counters?.['http_req_cnt']);
  assert.equal(learned?.['conn_cnt'], counters?.['conn_cnt']);
  assert.equal((await tableEntry(self.sock, 'be', '127.0.0.42'))?.['server_id'], server?.['server_id']);
  // The new process's round robin starts over at the first server; the stuck client still gets its own.
  assert.equal(await requestFrom(self.fePort, '127.0.0.42'), stuck);
});
