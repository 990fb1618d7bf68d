// Issue 17, resuming a peer: a remote peer whose session closed after it acknowledged orcalb's updates gets, on its
// next session, only the entries sent after that acknowledgement (as HAProxy resumes a peer), not the whole table
// again; a peer that asks for a resync still gets everything. The peer here is a driver speaking the protocol.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CtrlType, MsgClass, StktType, WireReader, WireWriter, nextMessage } from '../../core/peers/peer-wire.js';
import { startTaggedHttpFarm, type TaggedHttpFarm } from '../support/http-tagged-backends.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { cliCommand } from '../support/cli-client.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { pollFor } from '../support/wait.js';
import { pairConfig, requestFrom, socketDir, type PeerSide } from './peers-lab.js';

/** One session orcalb opened to the driver: updates received per table id, and the last update id of each. */
class DriverSession {
  readonly updates = new Map<number, number>();
  readonly lastId = new Map<number, number>();
  private pending = Buffer.alloc(0);
  private established = false;
  private table = 0;
  private readonly bounds = { cls: 0, type: 0, payload: 0, payloadEnd: 0 };

  readonly socket: net.Socket;

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => this.read(d));
  }

  /** Acknowledges every table's last update, as a peer does. */
  ack(): void {
    const w = new WireWriter();
    for (const [id, upd] of this.lastId) {
      const start = w.begin(StktType.ACK);
      w.varint(id);
      w.u32(upd);
      w.end(start);
    }
    this.socket.write(w.bytes().slice());
  }

  /** Asks for a full resync. */
  resync(): void {
    this.socket.write(Uint8Array.of(MsgClass.CONTROL, CtrlType.RESYNC_REQUEST));
  }

  total(): number {
    let n = 0;
    for (const v of this.updates.values()) n += v;
    return n;
  }

  private read(d: Buffer): void {
    this.pending = Buffer.concat([this.pending, d]);
    if (!this.established) {
      // The hello: three lines.
      let at = 0;
      for (let i = 0; i < 3; i++) {
        const nl = this.pending.indexOf(0x0a, at);
        if (nl < 0) return;
        at = nl + 1;
      }
      this.pending = this.pending.subarray(at);
      this.established = true;
      this.socket.write('200\n');
    }
    const m = this.bounds;
    const r = new WireReader(new Uint8Array(0));
    let at = 0;
    while (nextMessage(this.pending, at, this.pending.length, m)) {
      at = m.payloadEnd;
      r.reset(this.pending, m.payload, m.payloadEnd);
      this.onMessage(m.cls, m.type, r);
    }
    this.pending = this.pending.subarray(at);
  }

  private onMessage(cls: number, type: number, r: WireReader): void {
    if (cls === MsgClass.CONTROL && type === CtrlType.RESYNC_REQUEST) {
      this.socket.write(Uint8Array.of(MsgClass.CONTROL, CtrlType.RESYNC_FINISHED));
      return;
    }
    if (cls !== MsgClass.STICKTABLE) return;
    if (type === StktType.DEFINE) {
      this.table = r.varint();
      return;
    }
    const id = type === StktType.UPDATE ? r.u32() : type === StktType.INCUPDATE ? ((this.lastId.get(this.table) ?? 0) + 1) >>> 0 : undefined;
    if (id === undefined) return;
    this.lastId.set(this.table, id);
    this.updates.set(this.table, (this.updates.get(this.table) ?? 0) + 1);
  }
}

describe('a peer that comes back is resumed from its last acknowledgement', () => {
  let farm: TaggedHttpFarm;
  let orcalb: OrcalbProcess;
  let driver: net.Server;
  const sessions: DriverSession[] = [];
  const dir = socketDir();
  let orc: PeerSide;

  before(async () => {
    farm = await startTaggedHttpFarm(['s1', 's2']);
    driver = net.createServer((s) => sessions.push(new DriverSession(s)));
    await new Promise<void>((r) => driver.listen(0, '127.0.0.1', r));
    const drv: PeerSide = { name: 'drv', peerPort: (driver.address() as net.AddressInfo).port, fePort: 0, sock: '' };
    orc = { name: 'orc', peerPort: await freeTcpPort(), fePort: await freeTcpPort(), sock: `${dir.dir}/orc.sock` };
    orcalb = await startOrcalb(pairConfig(orc, drv, farm.backends.map((b) => b.port)), { threads: 1 });
  });

  after(async () => {
    await orcalb?.stop();
    for (const s of sessions) s.socket.destroy();
    driver?.close();
    await farm?.close();
    dir.cleanup();
  });

  /** The driver's newest session, once it exists. */
  async function session(n: number): Promise<DriverSession> {
    assert.ok(await pollFor(() => sessions.length >= n, 5000, 10), `session ${n} opened`);
    const s = sessions[n - 1];
    assert.ok(s !== undefined);
    return s;
  }

  test('only what changed after the acknowledgement is sent again; a resync request gets everything', async () => {
    const first = await session(1);
    for (let i = 1; i <= 5; i++) await requestFrom(orc.fePort, `127.0.0.${70 + i}`);
    // Five sources: five entries in fe (tracked) and five in be (stuck).
    assert.ok(await pollFor(() => first.total() >= 10, 2000, 10), `first session got the entries: ${first.total()}`);
    first.ack();
    // orcalb took the acknowledgement (show peers: the table's commitupdate), then the peer goes away.
    const acked = first.lastId.get(1) ?? 0;
    assert.ok(await pollFor(async () => new RegExp(`id=fe update=\\d+ localupdate=\\d+ commitupdate=${acked} `).test(await cliCommand(orc.sock, 'show peers')), 2000, 20), `fe acknowledged up to ${acked}`);
    first.socket.destroy();
    // While it is away, one client comes back: its fe entry changes (the be one is only touched).
    await requestFrom(orc.fePort, '127.0.0.71');
    const second = await session(2);
    // orcalb reconnects after 250 ms or so; what it sends at once is the resume batch (one write: a full push would
    // arrive with it), then a change batch at most every 100 ms.
    assert.ok(await pollFor(() => second.total() >= 1, 3000, 10), 'the changed entry came');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(second.total() < 5, `resumed, not a full push: ${second.total()} updates (${JSON.stringify([...second.updates])})`);
    const before = second.total();
    second.resync();
    assert.ok(await pollFor(() => second.total() - before >= 10, 2000, 10), `a resync request gets every entry: ${second.total() - before}`);
  });
});
