// Issue 17, bad input on the peers port: hellos with another protocol, version or name get haproxy 2.6.12's status
// code from orcalb too (asked of both, side by side); after the handshake, garbage, an oversized message and an
// update before any table definition get HAProxy's error message and the close; a table of another key type is
// ignored as haproxy ignores it; a peer's conn_cur is not taken (as haproxy); a peer that stalls mid-message is dropped; a peer that refuses orcalb is retried
// with a growing delay; and the tables keep what they held through all of it.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { freeTcpPort, startHaproxy, type HaproxyProcess } from '../support/haproxy-process.js';
import { startTaggedHttpFarm, type TaggedHttpFarm } from '../support/http-tagged-backends.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { delay, pollFor, within } from '../support/wait.js';
import { StktType, WireWriter } from '../../core/peers/peer-wire.js';
import { pairConfig, requestFrom, socketDir, tableEntry, type PeerSide } from './peers-lab.js';

/** Connects to a peers port, sends `bytes`, and collects what comes back until the close (or `timeoutMs`). */
function exchange(port: number, bytes: string | Uint8Array, timeoutMs: number): Promise<{ reply: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    const chunks: Buffer[] = [];
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve({ reply: Buffer.concat(chunks), closed });
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', () => undefined);
    s.on('close', () => done(true));
  });
}

/** `n` table definitions under as many ids: a peer trying to fill orcalb's memory. */
function defineFlood(n: number): Uint8Array {
  const w = new WireWriter();
  for (let id = 1; id <= n; id++) {
    const start = w.begin(StktType.DEFINE);
    for (const v of [id, 2, 0x66, 0x65, 4, 4, 0, 0]) w.varint(v);
    w.end(start);
  }
  return w.bytes().slice();
}

/** A hello from peer `from` to peer `to`. */
const hello = (to: string, from: string, version = '2.1'): string => `HAProxyS ${version}\n${to}\n${from} 4242 1\n`;

describe('bad input on the peers port', () => {
  let farm: TaggedHttpFarm;
  let haproxy: HaproxyProcess;
  let orcalb: OrcalbProcess;
  const refusals: number[] = [];
  let fake: net.Server;
  const dir = socketDir();
  let orc: PeerSide;
  let hap: PeerSide;
  const key = '127.0.0.31';
  let before0: Record<string, string> | undefined;

  before(async () => {
    farm = await startTaggedHttpFarm(['s1', 's2']);
    const ports = farm.backends.map((b) => b.port);
    // The remote peer `bad` refuses every session orcalb opens (502, a version it does not speak).
    fake = net.createServer((s) => {
      refusals.push(Date.now());
      s.on('error', () => undefined);
      s.end('502\n');
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const badPort = (fake.address() as net.AddressInfo).port;
    orc = { name: 'orc', peerPort: await freeTcpPort(), fePort: await freeTcpPort(), sock: `${dir.dir}/orc.sock` };
    const bad: PeerSide = { name: 'bad', peerPort: badPort, fePort: 0, sock: '' };
    orcalb = await startOrcalb(pairConfig(orc, bad, ports), { threads: 1 });
    // haproxy with the same peer names, only to compare status codes.
    hap = { name: 'orc', peerPort: await freeTcpPort(), fePort: await freeTcpPort(), sock: `${dir.dir}/hap.sock` };
    haproxy = await startHaproxy(pairConfig(hap, { ...bad, peerPort: await freeTcpPort() }, ports), { readyPort: hap.fePort });
    await requestFrom(orc.fePort, key);
    await requestFrom(orc.fePort, key);
    before0 = await tableEntry(orc.sock, 'fe', key);
    assert.equal(before0?.['http_req_cnt'], '2');
  });

  after(async () => {
    fake?.close();
    await orcalb?.stop();
    await haproxy?.stop();
    await farm?.close();
    dir.cleanup();
  });

  test('a bad hello gets the same status code from orcalb as from haproxy, then the close', async () => {
    const cases: [string, string][] = [
      ['another major version', hello('orc', 'bad', '3.1')],
      ['another protocol', 'GET / HTTP/1.0\n\n'],
      ['the wrong name for the server', hello('nobody', 'bad')],
      ['a client that is no peer of the section', hello('orc', 'stranger')],
      ['a client line without pid', 'HAProxyS 2.1\norc\nbad\n'],
    ];
    for (const [what, bytes] of cases) {
      const theirs = await exchange(hap.peerPort, bytes, 2000);
      const ours = await exchange(orc.peerPort, bytes, 2000);
      assert.equal(ours.reply.toString('latin1'), theirs.reply.toString('latin1'), what);
      assert.match(ours.reply.toString('latin1'), /^50[1-4]\n$/, what);
      assert.ok(ours.closed, `${what}: orcalb closes`);
    }
  });

  test('garbage, an oversized message and an update before any definition get the protocol error and the close', async () => {
    const cases: [string, Uint8Array, number][] = [
      ['an unknown message class', Uint8Array.of(0x07, 0x07), 0],
      ['an oversized message', Uint8Array.of(0x0a, 0x80, 0xff, 0xff, 0x7f), 1],
      ['an update before any definition', Uint8Array.of(0x0a, 0x80, 0x09, 0, 0, 0, 1, 127, 0, 0, 31, 5), 0],
      ['300 table definitions under as many ids', defineFlood(300), 0],
    ];
    for (const [what, bytes, errType] of cases) {
      let got = await exchange(orc.peerPort, Buffer.concat([Buffer.from(hello('orc', 'bad')), bytes]), 3000);
      // 300 is "try again later": orcalb has not yet seen the previous case's session close (CI, 2026-12-05), and a
      // real peer retries. Bounded.
      for (let retry = 0; retry < 20 && got.reply.toString('latin1') === '300\n'; retry++) {
        await delay(100);
        got = await exchange(orc.peerPort, Buffer.concat([Buffer.from(hello('orc', 'bad')), bytes]), 3000);
      }
      const text = got.reply.toString('latin1');
      assert.ok(text.startsWith('200\n'), `${what}: handshake first (${JSON.stringify(text)})`);
      assert.ok(got.reply.includes(Buffer.from([0x01, errType])), `${what}: error message 1/${errType} in ${got.reply.toString('hex')}`);
      assert.ok(got.closed, `${what}: closed`);
    }
  });

  test('a table of another key type is ignored (as haproxy does) and the session stays up', async () => {
    // DEFINE fe as a string table of 32 bytes storing http_req_cnt (bit 9: 512, encoded f0 11), expire 0; then an
    // update of key "x" with a count of 99.
    const define = Uint8Array.of(0x0a, 0x82, 0x09, 0x01, 0x02, 0x66, 0x65, 0x06, 0x20, 0xf0, 0x11, 0x00);
    const update = Uint8Array.of(0x0a, 0x80, 0x07, 0, 0, 0, 1, 0x01, 0x78, 99);
    const got = await exchange(orc.peerPort, Buffer.concat([Buffer.from(hello('orc', 'bad')), define, update]), 1500);
    assert.equal(got.closed, false, `session kept: ${got.reply.toString('hex')}`);
  });

  test("a peer's conn_cur is not taken, its other counters are: as haproxy 2.6.12 does", async () => {
    // DEFINE fe (ip, 4 bytes) with gpc0 (bit 2) and conn_cur (bit 6): 68; then an update of 127.0.0.41 with
    // gpc0 = 3 and conn_cur = 5. conn_cur counts the sessions of the process that holds the entry.
    const define = Uint8Array.of(0x0a, 0x82, 0x08, 0x01, 0x02, 0x66, 0x65, 0x04, 0x04, 68, 0x00);
    const update = Uint8Array.of(0x0a, 0x80, 0x0a, 0, 0, 0, 1, 127, 0, 0, 41, 3, 5);
    const bytes = Buffer.concat([Buffer.from(hello('orc', 'bad')), define, update]);
    for (const side of [hap, orc]) {
      const sent = exchange(side.peerPort, bytes, 1500);
      let got: Record<string, string> | undefined;
      await pollFor(async () => {
        got = await tableEntry(side.sock, 'fe', '127.0.0.41');
        return got?.['gpc0'] === '3';
      }, 1400, 20);
      await sent;
      assert.equal(got?.['gpc0'], '3', `${side === hap ? 'haproxy' : 'orcalb'} took gpc0`);
      assert.equal(got?.['conn_cur'], '0', `${side === hap ? 'haproxy' : 'orcalb'} kept its own conn_cur`);
    }
  });

  test('a peer that stalls in the middle of a message is dropped after 5 s', async () => {
    const got = await exchange(orc.peerPort, Buffer.concat([Buffer.from(hello('orc', 'bad')), Uint8Array.of(0x0a, 0x82, 0x20, 0x01)]), 8000);
    assert.ok(got.closed, 'closed before 8 s');
  });

  test('a peer that refuses orcalb is retried with a growing delay', async () => {
    // Counted from orcalb's start: the first attempts, before the delay reaches its 5 s ceiling.
    await within(
      new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (refusals.length >= 4) {
            clearInterval(t);
            resolve();
          }
        }, 50);
      }),
      15_000,
      'four attempts',
    );
    const gaps = refusals.slice(1).map((at, i) => at - (refusals[i] ?? at));
    assert.ok((gaps[2] ?? 0) > (gaps[0] ?? 0), `delays grow: ${gaps.join(', ')} ms`);
  });

  test('the tables hold what they held before the bad input', async () => {
    const now = await tableEntry(orc.sock, 'fe', key);
    assert.equal(now?.['http_req_cnt'], before0?.['http_req_cnt']);
    assert.equal(now?.['conn_cnt'], before0?.['conn_cnt']);
    assert.equal(await tableEntry(orc.sock, 'fe', 'x'), undefined);
  });
});
