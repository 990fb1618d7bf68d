// Issue 17's bench case: what 100,000 stick-table updates per second between peers cost, in % of one core.
// Receiving: a real orcalb (dist/workers/main.js) whose peer `a` is this script, which answers its resync and then
// sends 100k updates/s (keys cycling over a 100k-entry table) at two cadences: as an orcalb peer sends them (one batch
// per 100 ms tick of its peers thread, 10,000 updates: issue 17's "between two orcalb peers") and in batches of 1,000
// every 10 ms (a sender that flushes ten times as often: each batch wakes the receiving thread, whose caches and TLB
// are cold again by then). The figure is the CPU of the orcalb thread named "peers" (/proc/PID/task/*/stat), the idle
// baseline (empty table) subtracted; a last idle window with the table full shows what the table costs without any
// update. Sending: in this process, the
// peers thread's own work for 100k local changes/s (a forwarder's view changes 10,000 entries per 100 ms tick; the
// change scan of the whole table plus the encoding of the changed entries is timed). Both must stay ≤ 10 %. Between
// the two, the receiving side's own work without sockets (applying()): what a socket-free loop over the same batches costs.
// Run: `node dist/native-bench/peers-updates.js [seconds]`; `node --cpu-prof --cpu-prof-dir=DIR …` profiles orcalb's
// threads too (its flags are passed on to the orcalb it starts). Runner main thread; imported by nothing.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StickTableConfig } from '../config/model.js';
import { ChangeScan } from '../core/peers/change-scan.js';
import { PEERS_TICK_MS } from '../core/peers/peers-engine.js';
import { StktType, WireReader, WireWriter, nextMessage } from '../core/peers/peer-wire.js';
import { applyUpdate, localWireFields, readDefine, warmUpdates, writeDefine, writeUpdate, type RemoteTable } from '../core/peers/table-codec.js';
import { SharedState } from '../core/shared/state-buffer.js';
import { stickRegionLayout } from '../core/shared/stick-layout.js';
import { initStickRegion, stickStores } from '../core/shared/stick-store.js';
import { threadCpuUs } from './process-cpu.js';

const SECONDS = Number(process.argv[2] ?? 10);
const KEYS = 100_000;
const RATE = 100_000;

/** How a sender spaces its batches: updates per batch, ms between batches. */
interface Cadence {
  readonly label: string;
  readonly perTick: number;
  readonly tickMs: number;
}
/** Updates an orcalb sender puts in one batch at RATE: one batch per peers tick (core/peers/peers-engine.ts). */
const ORCALB_BATCH = (RATE * PEERS_TICK_MS) / 1000;
/** The first is the case, an orcalb sender's cadence. */
const CADENCES: readonly Cadence[] = [
  { label: `as an orcalb peer sends (${ORCALB_BATCH.toLocaleString('en')} every ${PEERS_TICK_MS} ms)`, perTick: ORCALB_BATCH, tickMs: PEERS_TICK_MS },
  { label: 'in batches of 1,000 every 10 ms', perTick: 1000, tickMs: 10 },
];

function varint(out: number[], v: number): void {
  if (v < 240) return void out.push(v);
  out.push((v % 16) | 0xf0);
  let rest = Math.floor((v - 240) / 16);
  while (rest >= 128) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor((rest - 128) / 128);
  }
  out.push(rest);
}

/** One batch: DEFINE of table `fe` (ip, http_req_cnt + gpc0), an UPDATE then INCUPDATEs of `n` keys from `first`. */
function batch(first: number, id: number, n: number): Buffer {
  const bytes: number[] = [0x0a, 0x82];
  // id 1, "fe", ip (4), len 4, bits 2 (gpc0) + 9 (http_req_cnt) = 516, expire 0
  const def: number[] = [1, 2, 0x66, 0x65, 4, 4];
  varint(def, 516);
  def.push(0);
  varint(bytes, def.length);
  bytes.push(...def);
  for (let i = 0; i < n; i++) {
    const key = 0x0a000000 + ((first + i) % KEYS);
    const body: number[] = [];
    if (i === 0) body.push((id >>> 24) & 0xff, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff);
    body.push((key >>> 24) & 0xff, (key >>> 16) & 0xff, (key >>> 8) & 0xff, key & 0xff);
    varint(body, i % 7);
    varint(body, first + i);
    bytes.push(0x0a, i === 0 ? 0x80 : 0x81);
    varint(bytes, body.length);
    bytes.push(...body);
  }
  return Buffer.from(bytes);
}

/** The whole key space in batches of `n`, each batch's first update id following the previous batch's last. */
function batchesOf(n: number): Buffer[] {
  return Array.from({ length: KEYS / n }, (_, i) => batch(i * n, i * n + 1, n));
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
  return port;
}

async function receiving(): Promise<{ idle: number; busy: number[]; idleFull: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-peers-bench-'));
  const driver = net.createServer();
  await new Promise<void>((r) => driver.listen(0, '127.0.0.1', r));
  const aPort = (driver.address() as net.AddressInfo).port;
  const bPort = await freePort();
  const fePort = await freePort();
  const cfg = join(dir, 'b.cfg');
  writeFileSync(cfg, [
    'peers mesh', `  peer a 127.0.0.1:${aPort}`, `  peer b 127.0.0.1:${bPort}`,
    'defaults', '  mode http', '  timeout client 5s', '  timeout server 5s', '  timeout connect 1s',
    'frontend fe', `  bind 127.0.0.1:${fePort}`, `  stick-table type ip size ${KEYS * 2} expire 10m peers mesh store http_req_cnt,gpc0`,
    '  http-request track-sc0 src', '  http-request return status 200', '',
  ].join('\n'));
  let session: net.Socket | undefined;
  driver.on('connection', (s) => {
    s.on('error', () => undefined);
    let hello = false;
    s.on('data', (d: Buffer) => {
      if (!hello && d.includes(0x0a)) {
        hello = true;
        s.write('200\n');
        session = s;
      }
      // Its resync request: nothing to teach.
      if (d.includes(Buffer.from([0, 0]))) s.write(Buffer.from([0, 1]));
    });
  });
  const child = spawn(process.execPath, [...process.execArgv, join(import.meta.dirname, '../workers/main.js'), '-f', cfg, '-L', 'b', '--threads', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const pid = child.pid ?? 0;
  try {
    for (let i = 0; i < 100 && !/orcalb ready/.test(err); i++) await new Promise((r) => setTimeout(r, 100));
    if (!/orcalb ready/.test(err) || session === undefined) throw new Error(`orcalb did not start:\n${err}`);
    const window = async (cadence: Cadence | undefined): Promise<number> => {
      const t0 = threadCpuUs(pid, 'peers');
      const started = Date.now();
      let sent = 0;
      let id = 1;
      while (Date.now() - started < SECONDS * 1000) {
        // Catch up with 100k/s of elapsed time: a timer on a loaded machine fires late, the rate must not drop.
        while (cadence !== undefined && sent < ((Date.now() - started) / 1000) * RATE) {
          session?.write(batch(sent, id, cadence.perTick));
          sent += cadence.perTick;
          id += cadence.perTick;
        }
        await new Promise((r) => setTimeout(r, cadence?.tickMs ?? 100));
      }
      const elapsed = (Date.now() - started) / 1000;
      if (cadence !== undefined) console.log(`  sent ${sent} updates in ${elapsed.toFixed(1)} s (${Math.round(sent / elapsed)}/s) ${cadence.label}`);
      return ((threadCpuUs(pid, 'peers') - t0) / 1e6 / elapsed) * 100;
    };
    const idle = await window(undefined);
    const busy: number[] = [];
    for (const c of CADENCES) busy.push(await window(c));
    // The same silence with the table now full: what the change scan of 100k live entries costs on its own.
    const idleFull = await window(undefined);
    return { idle, busy, idleFull };
  } finally {
    // A soft stop (SIGUSR1) first: every thread ends on its own, so a run under --cpu-prof writes their profiles
    // (a hard stop ends the process by its signal, before they do); SIGKILL if it does not go.
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGUSR1');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
    driver.close();
    session?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

function sending(): number {
  const table: StickTableConfig = {
    source: { file: 'bench', line: 1 }, name: 'fe', keyType: 'ip', keyLen: 4, size: KEYS, expire: 600_000, nopurge: false,
    srvkey: 'name', store: [{ type: 'http_req_cnt', count: 1, period: 0 }, { type: 'gpc0', count: 1, period: 0 }],
  };
  const region = stickRegionLayout([table], 2);
  const state = SharedState.allocate({ servers: 0, backends: 0, frontends: 0, threads: 1, stickWords: region.words });
  initStickRegion(state, region, () => 7);
  const [fwd] = stickStores(state, region, 0);
  const [peers] = stickStores(state, region, 1);
  if (fwd === undefined || peers === undefined) throw new Error('no store');
  const gpc0 = fwd.layout.fields.get('gpc0');
  if (gpc0 === undefined) throw new Error('no gpc0');
  const slots: number[] = [];
  for (let k = 0; k < KEYS; k++) {
    fwd.key[0] = 0x0a000000 + k;
    const slot = fwd.acquire(1);
    fwd.release();
    slots.push(slot);
  }
  const scan = new ChangeScan(peers);
  scan.scan();
  const fields = localWireFields(peers.layout);
  const w = new WireWriter();
  const ticks = (SECONDS * 1000) / 100;
  let spent = 0;
  let id = 0;
  for (let t = 0; t < ticks; t++) {
    for (let i = 0; i < 10_000; i++) fwd.addUint(slots[(t * 10_000 + i) % KEYS] ?? 0, gpc0, 1);
    const c0 = process.cpuUsage();
    const changes = scan.scan();
    w.reset();
    writeDefine(w, 1, peers.layout, fields);
    for (let i = 0; i < changes.count; i++) {
      if (writeUpdate(w, peers, changes.slots[i] ?? 0, changes.stamps[i] ?? 0, fields, i === 0 ? ++id : undefined, 1)) id++;
    }
    const c = process.cpuUsage(c0);
    spent += c.user + c.system;
  }
  return (spent / 1e6 / SECONDS) * 100;
}

/**
 * The receiving side's own work without the sockets, in this process: the peers thread's loop (framing, warming
 * ahead, applying, absorbing into the change scan) over the same batches, back to back and then paced at each cadence
 * (between two batches, other threads and processes take the caches). ns per update.
 */
async function applying(): Promise<{ backToBack: number; paced: number[] }> {
  const table: StickTableConfig = {
    source: { file: 'bench', line: 1 }, name: 'fe', keyType: 'ip', keyLen: 4, size: KEYS * 2, expire: 600_000, nopurge: false,
    srvkey: 'name', store: [{ type: 'http_req_cnt', count: 1, period: 0 }, { type: 'gpc0', count: 1, period: 0 }],
  };
  const region = stickRegionLayout([table], 2);
  const state = SharedState.allocate({ servers: 0, backends: 0, frontends: 0, threads: 1, stickWords: region.words });
  initStickRegion(state, region, () => 7);
  // The peers thread's column: after the forwarder's.
  const [store] = stickStores(state, region, 1);
  if (store === undefined) throw new Error('no store');
  const scan = new ChangeScan(store);
  const sink = { warm: (_: unknown, slot: number): void => scan.warm(slot) };
  const m = { cls: 0, type: 0, payload: 0, payloadEnd: 0 };
  const ahead = { cls: 0, type: 0, payload: 0, payloadEnd: 0 };
  const r = new WireReader(new Uint8Array(0));
  const r2 = new WireReader(new Uint8Array(0));
  const dict = new Map<number, string>();
  let current: RemoteTable | undefined;
  const feed = (b: Uint8Array, now: number): void => {
    let at = 0;
    let warmed = 0;
    for (;;) {
      if (at >= warmed) warmed = warmUpdates(b, at, b.length, current, ahead, r2, sink);
      if (!nextMessage(b, at, b.length, m)) return;
      at = m.payloadEnd;
      r.reset(b, m.payload, m.payloadEnd);
      if (m.type === StktType.DEFINE) {
        current = readDefine(r, () => store);
      } else if (current !== undefined) {
        const slot = applyUpdate(r, m.type, current, dict, now);
        if (slot >= 0) scan.absorb(slot);
      }
    }
  };
  const batches = batchesOf(1000);
  for (const b of batches) feed(b, 1000);
  const cpu = (): number => {
    const c = process.cpuUsage();
    return c.user + c.system;
  };
  let c0 = cpu();
  for (let round = 0; round < 10; round++) for (const b of batches) feed(b, 2000 + round);
  const backToBack = ((cpu() - c0) * 1000) / (10 * KEYS);
  const paced: number[] = [];
  for (const cadence of CADENCES) {
    const own = batchesOf(cadence.perTick);
    // Two seconds' worth at 100k/s.
    const n = Math.ceil((2 * RATE) / cadence.perTick);
    c0 = cpu();
    for (let i = 0; i < n; i++) {
      feed(own[i % own.length] ?? Buffer.alloc(0), 3000 + i);
      await new Promise((res) => setTimeout(res, cadence.tickMs));
    }
    paced.push(((cpu() - c0) * 1000) / (n * cadence.perTick));
  }
  return { backToBack, paced };
}

console.log(`peers: 100k stick-table updates per second, ${SECONDS} s windows`);
const send = sending();
console.log(`  sending (change scan of a 100k table every 100 ms + encoding 100k updates/s): ${send.toFixed(1)} % of one core`);
const apply = await applying();
const pacedText = CADENCES.map((c, i) => `${(apply.paced[i] ?? 0).toFixed(0)} paced ${c.label}`).join(', ');
console.log(`  applying in-process (no socket), ns per update: ${apply.backToBack.toFixed(0)} back to back, ${pacedText}`);
const recv = await receiving();
const net100k = recv.busy.map((b) => b - recv.idle);
for (const [i, c] of CADENCES.entries()) {
  console.log(`  receiving ${c.label}: ${(net100k[i] ?? 0).toFixed(1)} % of one core (busy ${(recv.busy[i] ?? 0).toFixed(1)} %)`);
}
console.log(`  the peers thread idle: ${recv.idle.toFixed(1)} % with the table empty, ${recv.idleFull.toFixed(1)} % with it full`);
const first = net100k[0] ?? 0;
console.log(`  target ≤ 10 % each (receiving: between two orcalb peers, the first cadence): sending ${send <= 10 ? 'met' : 'NOT met'}, receiving ${first <= 10 ? 'met' : 'NOT met'}`);
