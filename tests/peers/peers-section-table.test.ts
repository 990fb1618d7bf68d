// Issue 17, a peers section's own `table` line (manual §3.5, 2.6): `table t1 …` in `peers mesh` declares the stick
// table `mesh/t1`, which rules name so (`track-sc0 src table mesh/t1`) and which the section replicates. Side by
// side with haproxy 2.6.12, both ways: counters learned on one appear on the other within 1 s.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freeTcpPort, startHaproxy, type HaproxyProcess } from '../support/haproxy-process.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { pollFor } from '../support/wait.js';
import { pairHead, requestFrom, socketDir, tableEntry, type PeerSide } from './peers-lab.js';

function config(self: PeerSide, other: PeerSide): string {
  return [
    ...pairHead(self, other, '  table t1 type ip size 1k expire 60s store gpc0,http_req_cnt'),
    'frontend fe',
    `  bind 127.0.0.1:${self.fePort}`,
    '  http-request track-sc0 src table mesh/t1',
    '  http-request return status 200',
    '',
  ].join('\n');
}

describe('a table declared in the peers section', () => {
  let haproxy: HaproxyProcess;
  let orcalb: OrcalbProcess;
  let hap: PeerSide;
  let orc: PeerSide;
  const dir = socketDir();

  before(async () => {
    hap = { name: 'hap', peerPort: await freeTcpPort(), fePort: await freeTcpPort(), sock: `${dir.dir}/hap.sock` };
    orc = { name: 'orc', peerPort: await freeTcpPort(), fePort: await freeTcpPort(), sock: `${dir.dir}/orc.sock` };
    haproxy = await startHaproxy(config(hap, orc), { readyPort: hap.fePort });
    orcalb = await startOrcalb(config(orc, hap), { threads: 1 });
    await orcalb.waitForStderr(/peers mesh: start-up resync done \(learned from 'hap'\)/, 1000);
  });

  after(async () => {
    await orcalb?.stop();
    await haproxy?.stop();
    dir.cleanup();
  });

  async function learned(from: PeerSide, to: PeerSide, src: string, n: number): Promise<void> {
    for (let i = 0; i < n; i++) await requestFrom(from.fePort, src);
    assert.equal((await tableEntry(from.sock, 'mesh/t1', src))?.['http_req_cnt'], String(n), `${from.name} counted`);
    let got: Record<string, string> | undefined;
    await pollFor(async () => {
      got = await tableEntry(to.sock, 'mesh/t1', src);
      return got?.['http_req_cnt'] === String(n);
    }, 1000, 20);
    assert.equal(got?.['http_req_cnt'], String(n), `${to.name} learned ${from.name}'s count`);
  }

  test('orcalb takes the line without a warning', () => {
    assert.doesNotMatch(orcalb.stderr(), /table/i);
  });

  test('an entry counted on haproxy appears on orcalb within 1 s', async () => {
    await learned(hap, orc, '127.0.0.81', 2);
  });

  test('an entry counted on orcalb appears on haproxy within 1 s', async () => {
    await learned(orc, hap, '127.0.0.82', 3);
  });
});
