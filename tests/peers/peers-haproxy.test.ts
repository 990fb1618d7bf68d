// Issue 17, side by side: orcalb and haproxy 2.6.12 as the two peers of one `peers` section. An entry learned on
// either (a `track-sc0 src` counter in frontend fe's table, a `stick on src` server in backend be's) appears on
// the other within 1 s with the same values, and the other sends that client to the same server.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cliCommand } from '../support/cli-client.js';
import { pollFor } from '../support/wait.js';
import { requestFrom, startHaproxyPair, tableEntry, type HaproxyPair, type PeerSide } from './peers-lab.js';

interface PeerTableFigures {
  /** The last of the peer's update ids acknowledged to it, the last of ours pushed to it, the last of its received. */
  readonly acked: number;
  readonly pushed: number;
  readonly get: number;
  /** The last of ours the peers acknowledged. */
  readonly commit: number;
}

/** From a `show peers` answer: the update ids of `table` on the session with `peer` (either side's layout). */
function peerTableFigures(text: string, peer: string, table: string): PeerTableFigures | undefined {
  const lines = text.split('\n');
  const from = lines.findIndex((l) => l.includes(` id=${peer}(remote,`));
  if (from < 0) return undefined;
  for (let i = from + 1; i < lines.length - 1; i++) {
    if (/^  0x[0-9a-f]+: id=/.test(lines[i] ?? '')) return undefined;
    if (!(lines[i + 1] ?? '').includes(` id=${table} `)) continue;
    const m = /last_acked=(\d+) last_pushed=(\d+) last_get=(\d+)/.exec(lines[i] ?? '');
    const c = /commitupdate=(\d+)/.exec(lines[i + 1] ?? '');
    if (m !== null && c !== null) return { acked: Number(m[1]), pushed: Number(m[2]), get: Number(m[3]), commit: Number(c[1]) };
  }
  return undefined;
}

/** The fields both sides keep for a tracked entry, compared as text. */
const COUNTERS = ['conn_cnt', 'http_req_cnt'];

describe('orcalb and haproxy 2.6.12 as peers', () => {
  let pair: HaproxyPair;
  let hap: PeerSide;
  let orc: PeerSide;

  before(async () => {
    pair = await startHaproxyPair(2);
    ({ hap, orc } = pair);
  });

  after(async () => {
    await pair?.close();
  });

  /** Waits up to 1 s for `key`'s entry in `table` on `sock` to hold `want`'s fields. */
  async function appears(sock: string, table: string, key: string, want: Record<string, string>, fields: readonly string[]): Promise<Record<string, string> | undefined> {
    let last: Record<string, string> | undefined;
    await pollFor(async () => {
      last = await tableEntry(sock, table, key);
      return last !== undefined && fields.every((f) => last?.[f] === want[f]);
    }, 1000, 20);
    return last;
  }

  /**
   * After `src` made its requests through `from` (all served by `served`): its counters and its server reach `to`'s
   * tables within 1 s with the same values, and `to` sends it to the same server.
   */
  async function learned(from: PeerSide, to: PeerSide, src: string, served: string): Promise<void> {
    const there = await tableEntry(from.sock, 'fe', src);
    assert.ok(there !== undefined, `${from.name} tracks the source`);
    const got = await appears(to.sock, 'fe', src, there, COUNTERS);
    assert.deepEqual(COUNTERS.map((f) => got?.[f]), COUNTERS.map((f) => there[f]), `${to.name} holds ${from.name}'s counters`);
    const stick = await tableEntry(from.sock, 'be', src);
    assert.ok(stick !== undefined, `${from.name} stored the server`);
    const server = await appears(to.sock, 'be', src, stick, ['server_id']);
    assert.equal(server?.['server_id'], stick['server_id'], `${to.name} holds the server ${from.name} chose`);
    for (let i = 0; i < 3; i++) assert.equal(await requestFrom(to.fePort, src), served, `${to.name} sends the client to the same server`);
  }

  // In each direction a first source takes round robin's first server, so the source under test is stuck to the
  // second: the receiving side, whose own round robin would start with the first, must follow the learned entry.

  /** `other` takes `side`'s first round-robin turn, then `src` makes `n` requests: the server it is stuck to. */
  async function stickToSecond(side: PeerSide, other: string, src: string, n: number): Promise<string> {
    const first = await requestFrom(side.fePort, other);
    const served: string[] = [];
    for (let i = 0; i < n; i++) served.push(await requestFrom(side.fePort, src));
    assert.equal(new Set(served).size, 1, `${side.name} keeps ${src} on one server: ${served.join(',')}`);
    assert.notEqual(served[0], first, 'round robin spread the two sources');
    return served[0] ?? '';
  }

  test('a counter and a server assignment learned on haproxy appear on orcalb within 1 s with the same values', async () => {
    const served = await stickToSecond(hap, '127.0.0.10', '127.0.0.11', 3);
    assert.equal((await tableEntry(hap.sock, 'fe', '127.0.0.11'))?.['conn_cnt'], '3');
    await learned(hap, orc, '127.0.0.11', served);
  });

  test('a counter and a server assignment learned on orcalb appear on haproxy within 1 s with the same values', async () => {
    const served = await stickToSecond(orc, '127.0.0.21', '127.0.0.22', 2);
    assert.equal((await tableEntry(orc.sock, 'fe', '127.0.0.22'))?.['http_req_cnt'], '2');
    await learned(orc, hap, '127.0.0.22', served);
  });

  test('show peers counts what went each way: what orcalb pushed is what haproxy got and acknowledged, and back', async () => {
    // Both earlier tests moved entries each way; the acknowledgements follow within the next ticks.
    let ours: PeerTableFigures | undefined;
    let theirs: PeerTableFigures | undefined;
    const agree = await pollFor(async () => {
      ours = peerTableFigures(await cliCommand(orc.sock, 'show peers'), 'hap', 'fe');
      theirs = peerTableFigures(await cliCommand(hap.sock, 'show peers'), 'orc', 'fe');
      return ours !== undefined && theirs !== undefined && ours.pushed > 0 && theirs.pushed > 0 &&
        ours.pushed === theirs.get && theirs.pushed === ours.get && ours.acked === ours.get && theirs.acked === theirs.get &&
        ours.commit === ours.pushed && theirs.commit === theirs.pushed;
    }, 2000, 50);
    assert.ok(agree, `orcalb ${JSON.stringify(ours)} vs haproxy ${JSON.stringify(theirs)}`);
    const text = await cliCommand(orc.sock, 'show peers');
    assert.match(text, /id=hap\(remote,active\) .* last_hdshk=\d+s\n/);
    assert.match(text, /reconnect=\d+s heartbeat=\d+s confirm=\d+ tx_hbt=\d+ rx_hbt=\d+ no_hbt=0 new_conn=[1-9]\d* proto_err=0 coll=\d+/);
    assert.match(text, /task_calls=[1-9]\d*/);
  });

  test('show peers lists the section, the remote peer as active and the shared tables', async () => {
    const text = await cliCommand(orc.sock, 'show peers');
    assert.match(text, /: \[[^\]]+\] id=mesh disabled=0 /);
    assert.match(text, new RegExp(`id=hap\\(remote,active\\) addr=127\\.0\\.0\\.1:${hap.peerPort} last_status=ESTA`));
    assert.match(text, /table:0x[0-9a-f]+ id=fe update=\d+/);
    assert.match(text, /table:0x[0-9a-f]+ id=be update=\d+/);
  });
});
