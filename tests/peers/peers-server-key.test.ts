// Issue 17, server_key side by side: orcalb and haproxy 2.6.12 as peers whose backends list the same two servers in
// opposite orders, so each server has another id on each side. A client stuck to a server on one side is sent to
// that same server (by name) by the other: haproxy finds it by the server_key orcalb sends, orcalb maps the
// server_key haproxy sends to its own id. With server_id alone, each side would pick the other server.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pollFor } from '../support/wait.js';
import { requestFrom, startHaproxyPair, tableEntry, type HaproxyPair, type PeerSide } from './peers-lab.js';

/** `config` with its two `server` lines swapped: s2 becomes id 1, s1 id 2. */
function serversSwapped(config: string): string {
  const lines = config.split('\n');
  const at = lines.findIndex((l) => l.startsWith('  server s1 '));
  const s1 = lines[at];
  const s2 = lines[at + 1];
  assert.ok(s1 !== undefined && s2?.startsWith('  server s2 ') === true, 'two server lines');
  lines[at] = s2;
  lines[at + 1] = s1;
  return lines.join('\n');
}

describe('server_key between orcalb and haproxy 2.6.12 with servers numbered differently', () => {
  let pair: HaproxyPair;
  let hap: PeerSide;
  let orc: PeerSide;

  before(async () => {
    pair = await startHaproxyPair(1, serversSwapped);
    ({ hap, orc } = pair);
  });

  after(async () => {
    await pair?.close();
  });

  /** `src` is served through `from`, its entry reaches `to` within 1 s, and `to` sends it to the same server. */
  async function followed(from: PeerSide, to: PeerSide, src: string): Promise<void> {
    const served = await requestFrom(from.fePort, src);
    assert.match(served, /^s[12]$/);
    assert.ok(await pollFor(async () => (await tableEntry(to.sock, 'be', src)) !== undefined, 1000, 20), `${to.name} learned ${src}`);
    for (let i = 0; i < 3; i++) assert.equal(await requestFrom(to.fePort, src), served, `${to.name} sends ${src} to ${served}`);
  }

  test('a client stuck on orcalb is sent to the same server by haproxy', async () => {
    await followed(orc, hap, '127.0.0.51');
    await followed(orc, hap, '127.0.0.52');
  });

  test('a client stuck on haproxy is sent to the same server by orcalb', async () => {
    await followed(hap, orc, '127.0.0.61');
    await followed(hap, orc, '127.0.0.62');
  });
});
