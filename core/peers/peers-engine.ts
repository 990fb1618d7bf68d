// The peers of one `peers` section (manual §3.5) as the peers thread runs them: listens on the local peer's
// address, connects to every remote peer (retrying with a doubling backoff, 250 ms to 5 s), keeps one session per
// peer, pushes the replicated tables' local changes (change-scan.ts, every 100 ms) as one batch to every session,
// teaches a peer every entry on its first session or when it asks for a resync, resumes a returning peer from its
// last acknowledgement, and runs the start-up resync (doc/peers-v2.0.txt §III b):
// ask one connected peer for everything, done on its "resync finished", when no peer could be reached, or after
// 5 s. When both sides connect at once, our session still in its handshake wins (admit()).
// Peers thread only.

import net from 'node:net';
import type { PeersConfig } from '../../config/model.js';
import type { StickStore } from '../shared/stick-store.js';
import { ChangeScan } from './change-scan.js';
import { PeerSession, newCounters, type PeerCounters, type SessionHost } from './peer-session.js';
import { CtrlType, PeerStatus, WireWriter } from './peer-wire.js';
import type { ServerKeys } from './server-key.js';
import { localWireFields, writeDefine, writeUpdate, type WireField } from './table-codec.js';

/** How often local changes are looked for and sent, and timers checked. */
export const PEERS_TICK_MS = 100;
/**
 * A table no other thread marked changed (TABLE.changed) is still scanned every this many ticks (10 s): a safety net
 * for a change whose mark was missed (touchEntry's plain store of the expiry may become visible after the mark it
 * found already set was taken back). Every writer marks, so the net only bounds how late such a change goes out; a
 * pass over a 300k-slot table costs ~10 ms, ~1 % of a core at one a second, a tenth of that at one every 10 s.
 */
const FULL_SCAN_TICKS = 100;
/** The start-up resync gives up after this long (HAProxy's 5 s). */
export const RESYNC_TIMEOUT_MS = 5000;
/**
 * A peer that answered our resync request "partial" (it is resyncing itself: two processes that start together ask
 * each other, and the one asked first may not have heard the other's "finished" yet) is asked again after this long,
 * until the resync deadline, rather than waiting the deadline out (HAProxy waits): once it has learned from us it
 * answers "finished", and this process takes traffic seconds sooner. At most 4 re-asks, each a full teaching.
 */
export const RESYNC_RETRY_MS = 1000;
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5000;

interface Table {
  readonly id: number;
  /** The name on the wire: the table's, or for a peers section's own `table` line `/NAME` (as haproxy 2.6.12 sends). */
  readonly wireName: string;
  readonly store: StickStore;
  readonly scan: ChangeScan;
  readonly fields: readonly WireField[];
  /** The last update id sent (each batch's first update carries the next one). */
  updateId: number;
  /** Per slot: the update id its entry was last sent under (what a reconnecting peer is resumed from). */
  readonly sentId: Int32Array;
}

/** One remote peer and what `show peers` says about it. */
export interface RemotePeer {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  session: PeerSession | undefined;
  backoffMs: number;
  nextAttempt: number;
  /** Connection attempts that failed before a handshake, in a row. */
  failures: number;
  lastStatus: number;
  lastError: string;
  /** Sessions established with this peer (`show peers` new_conn). */
  reconnects: number;
  /** Its hellos told "try again later" because our own session to it was opening (`coll`). */
  collisions: number;
  /** When the last session with it was established (ms, Date.now()), 0: never. */
  lastHandshake: number;
  /** The counters of its closed sessions (the open one's are added when shown). */
  readonly counters: PeerCounters;
  /**
   * Per local table id, the last update id it acknowledged on its last session: a new session resumes from there
   * (doc/peers-v2.0.txt: acknowledgements let a sender skip what the peer holds). undefined: never connected.
   */
  acked: Map<number, number> | undefined;
}

export interface PeersEngineOptions {
  readonly now: () => number;
  readonly pid: number;
  readonly log: (level: 'notice' | 'warning', message: string) => void;
  /** Called once the start-up resync is over (learned, nobody to learn from, or timed out). */
  readonly resynced: () => void;
  /** The servers of each table stick rules use (server-key.ts serverKeysByTable): server_key is sent and applied. */
  readonly serverKeys?: ReadonlyMap<string, ServerKeys>;
}

/** A table declared by the section's own `table` line is `SECTION/NAME` here and `/NAME` on the wire. */
function wireName(name: string, section: string): string {
  return name.startsWith(`${section}/`) ? name.slice(section.length) : name;
}

export class PeersEngine implements SessionHost {
  readonly localName: string;
  readonly section: PeersConfig;
  readonly peers: RemotePeer[];
  private readonly tables: Table[];
  private readonly byName: Map<string, Table>;
  private readonly byStore: Map<StickStore, Table>;
  private lastStore: StickStore | undefined;
  private lastScan: ChangeScan | undefined;
  private readonly o: PeersEngineOptions;
  private server: net.Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly w = new WireWriter();
  resyncState: 'resyncing' | 'done' = 'resyncing';
  private resyncFrom: PeerSession | undefined;
  /** The peer that answered "partial", asked again at resyncRetryAt (Date.now() ms). */
  private resyncRetry: PeerSession | undefined;
  private resyncRetryAt = 0;
  /** When the start-up resync gives up (Date.now() ms). */
  readonly resyncDeadline: number;
  /** Runs of the engine's clock (`show peers` task_calls). */
  ticks = 0;
  private stopped = false;
  /** The session with this process's predecessor or successor at the same address (a reload), if any. */
  private local: PeerSession | undefined;

  constructor(section: PeersConfig, stores: readonly StickStore[], o: PeersEngineOptions) {
    this.section = section;
    this.localName = section.localName;
    this.o = o;
    this.tables = stores.map((store, i) => ({ id: i + 1, wireName: wireName(store.layout.name, section.name), store, scan: new ChangeScan(store), fields: localWireFields(store.layout, o.serverKeys?.get(store.layout.name)), updateId: 0, sentId: new Int32Array(store.slots) }));
    this.byName = new Map(this.tables.map((t) => [t.wireName, t]));
    this.byStore = new Map(this.tables.map((t) => [t.store, t]));
    this.peers = section.peers
      .filter((p) => !p.local && p.port !== 0)
      .map((p) => ({ name: p.name, host: p.host, port: p.port, session: undefined, backoffMs: BACKOFF_MIN_MS, nextAttempt: 0, failures: 0, lastStatus: 0, lastError: '', reconnects: 0, collisions: 0, lastHandshake: 0, counters: newCounters(), acked: undefined }));
    this.resyncDeadline = Date.now() + RESYNC_TIMEOUT_MS;
  }

  /**
   * Listens (when the local peer has an address) and starts connecting. Resolves once listening. A process already
   * listening at the local peer's address is this one's predecessor (a reload with -sf): its tables are pulled
   * first, then this one listens beside it (SO_REUSEPORT) until it exits.
   */
  async start(): Promise<void> {
    const listen = this.section.listen;
    if (listen !== undefined) await this.pullFromPredecessor(listen);
    // What the tables hold now is not news to anyone: only changes from here on are pushed.
    for (const t of this.tables) t.scan.scan();
    if (listen !== undefined) {
      const server = net.createServer((socket) => this.accept(socket));
      this.server = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: listen.port, host: listen.host, reusePort: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (e) => this.o.log('warning', `peers ${this.section.name}: listener error: ${e.message}`));
    }
    if (this.peers.length === 0) this.resyncDone('no remote peer');
    this.timer = setInterval(() => this.tick(), PEERS_TICK_MS);
    this.tick();
  }

  /**
   * The reload's resync (HAProxy has the old process push to the new one; here the new one asks, which needs no
   * signal between them): a session to our own address under our own name, a resync request, every entry, "resync
   * finished". Resolves when it ends, at once when nobody listens there, at the latest after RESYNC_TIMEOUT_MS.
   */
  private async pullFromPredecessor(listen: { readonly host: string; readonly port: number }): Promise<void> {
    const host = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host === '::' ? '::1' : listen.host;
    await new Promise<void>((resolve) => {
      const socket = net.connect({ host, port: listen.port });
      const timer = setTimeout(() => socket.destroy(), RESYNC_TIMEOUT_MS);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.local = new PeerSession(socket, this, { peer: this.localName, pid: this.o.pid });
    });
    this.local = undefined;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.server?.close();
    for (const p of this.peers) p.session?.close();
  }

  /** The replicated tables, for `show peers`: local id, name, last update id given. */
  sharedTables(): { readonly id: number; readonly name: string; readonly wireName: string; readonly updateId: number }[] {
    return this.tables.map((t) => ({ id: t.id, name: t.store.layout.name, wireName: t.wireName, updateId: t.updateId }));
  }

  // ---- SessionHost ----

  knows(name: string): boolean {
    // Our own name: the next process of a reload, come to pull our tables.
    return name === this.localName || this.peers.some((p) => p.name === name);
  }

  admit(name: string): boolean {
    const mine = this.peers.find((x) => x.name === name)?.session;
    // Both sides connected at once: ours, still in its handshake, is kept and theirs told to try again later.
    // haproxy replaces its own session with any incoming one, so it takes ours at once; two orcalb both refuse
    // and meet on the next try, their delays jittered apart.
    const ok = mine === undefined || !mine.outgoing || mine.state !== 'status';
    if (!ok) {
      const p = this.peers.find((x) => x.name === name);
      if (p !== undefined) p.collisions++;
    }
    return ok;
  }

  table(name: string): StickStore | undefined {
    return this.byName.get(name)?.store;
  }

  serverKeys(name: string): ServerKeys | undefined {
    const t = this.byName.get(name);
    return t === undefined ? undefined : this.o.serverKeys?.get(t.store.layout.name);
  }

  now(): number {
    return this.o.now();
  }

  established(s: PeerSession): void {
    if (s.peer === this.localName) {
      // A reload: the new process asks the old one (this one, when the session came in) for everything.
      if (s.outgoing) {
        this.resyncFrom = s;
        s.control(CtrlType.RESYNC_REQUEST);
      }
      return;
    }
    const p = this.peers.find((x) => x.name === s.peer);
    if (p === undefined) return void s.close();
    if (p.session !== undefined && p.session !== s) {
      // An incoming session admit() let in replaces ours (as HAProxy does for any new incoming one).
      const old = p.session;
      p.session = s;
      old.close();
    }
    p.session = s;
    p.failures = 0;
    p.backoffMs = BACKOFF_MIN_MS;
    p.lastStatus = PeerStatus.SUCCEEDED;
    p.reconnects++;
    p.lastHandshake = Date.now();
    // What this peer may have missed while away: the entries sent since its last acknowledgement when it had a
    // session before (as HAProxy resumes), else everything.
    if (p.acked === undefined) this.teach(s, false);
    else this.teachSince(s, p.acked);
    if (this.resyncState === 'resyncing' && this.resyncFrom === undefined) {
      this.resyncFrom = s;
      s.control(CtrlType.RESYNC_REQUEST);
    }
  }

  closed(s: PeerSession): void {
    const p = this.peers.find((x) => x.name === s.peer && x.session === s) ?? (s.outgoing ? this.peers.find((x) => x.session === s) : undefined);
    if (this.resyncFrom === s) this.resyncFrom = undefined;
    if (p === undefined) return;
    p.session = undefined;
    // What it acknowledged, kept for the next session (a session that never got far keeps the previous figures).
    if (s.statusCode === PeerStatus.SUCCEEDED) {
      const acked = p.acked ?? new Map<number, number>();
      for (const [id, upd] of s.acked) if (this.tables.some((t) => t.id === id)) acked.set(id, upd);
      p.acked = acked;
    }
    for (const k of Object.keys(p.counters) as (keyof PeerCounters)[]) p.counters[k] += s.counters[k];
    p.lastError = s.lastError;
    if (s.statusCode !== 0) p.lastStatus = s.statusCode;
    if (s.statusCode !== PeerStatus.SUCCEEDED) {
      p.failures++;
      p.backoffMs = Math.min(BACKOFF_MAX_MS, p.failures === 1 ? BACKOFF_MIN_MS : p.backoffMs * 2);
    }
    // A little jitter, so two peers that lost each other do not reconnect in lockstep.
    p.nextAttempt = Date.now() + p.backoffMs * (0.75 + Math.random() / 2);
    // One line per run of failures (a peer that is down would otherwise log every retry).
    if (!this.stopped && p.failures <= 1 && s.lastError !== '') {
      this.o.log('warning', `peers ${this.section.name}: session with '${p.name}' closed: ${s.lastError}`);
    }
    // Nobody to learn from when no peer even answered a hello (a 300 from a peer connecting to us at the same time,
    // or another refusal, is a peer that is there: wait for it, up to the 5 s).
    if (this.resyncState === 'resyncing' && this.peers.every((x) => x.failures > 0 && x.session === undefined && x.lastStatus === 0)) {
      this.resyncDone('no peer reachable');
    }
  }

  resyncRequested(s: PeerSession): void {
    // A remote peer that got every entry when its session opened (established()) and every change since is only
    // owed the end of the resync. One resumed from its acknowledgement, or the next process of a reload, gets all.
    if (s.peer !== this.localName && s.fullyTaught) s.control(CtrlType.RESYNC_FINISHED);
    else this.teach(s, true);
  }

  resyncFinished(s: PeerSession, partial: boolean): void {
    if (this.resyncFrom !== s) return;
    this.resyncFrom = undefined;
    if (!partial) this.resyncDone(s === this.local ? 'learned from the previous process' : `learned from '${s.peer}'`);
    else if (s !== this.local) {
      this.resyncRetry = s;
      this.resyncRetryAt = Date.now() + RESYNC_RETRY_MS;
    }
    if (s === this.local) s.close();
  }

  applied(store: StickStore, slot: number): void {
    this.scanOf(store)?.absorb(slot);
  }

  warm(store: StickStore, slot: number): void {
    this.scanOf(store)?.warm(slot);
  }

  /** The change scan of `store`; the last one is remembered, as a peer's updates come in runs of one table. */
  private scanOf(store: StickStore): ChangeScan | undefined {
    if (store !== this.lastStore) {
      this.lastStore = store;
      this.lastScan = this.byStore.get(store)?.scan;
    }
    return this.lastScan;
  }

  // ---- own work ----

  /** Every live entry of every table to `s`, then "resync finished" when it asked for it. */
  private teach(s: PeerSession, finish: boolean): void {
    const w = new WireWriter();
    for (const t of this.tables) {
      const all = t.scan.listAll();
      if (all.count === 0) continue;
      this.writeBatch(w, t, all.slots, all.stamps, all.count);
    }
    s.send(w.bytes());
    s.fullyTaught = true;
    this.pushedAll(s);
    if (finish) s.control(CtrlType.RESYNC_FINISHED);
  }

  /**
   * The live entries sent after the update ids in `acked` (per table: a table without one gets every entry): what a
   * peer that held a session before may have missed. Allocates the batch.
   */
  private teachSince(s: PeerSession, acked: ReadonlyMap<number, number>): void {
    const w = new WireWriter();
    for (const t of this.tables) {
      const all = t.scan.listAll();
      const since = acked.get(t.id);
      let n = 0;
      for (let i = 0; i < all.count; i++) {
        const slot = all.slots[i] ?? 0;
        // Ids wrap at 2^32: "after" is a positive signed difference.
        if (since !== undefined && ((t.sentId[slot] ?? 0) - since | 0) <= 0) continue;
        all.slots[n] = slot;
        all.stamps[n] = all.stamps[i] ?? 0;
        n++;
      }
      if (n > 0) this.writeBatch(w, t, all.slots, all.stamps, n);
    }
    s.send(w.bytes());
    this.pushedAll(s);
  }

  private writeBatch(w: WireWriter, t: Table, slots: Int32Array, stamps: Int32Array, count: number): void {
    writeDefine(w, t.id, t.store.layout, t.fields, t.wireName);
    const now = this.o.now();
    let first = true;
    for (let i = 0; i < count; i++) {
      const id = first ? t.updateId + 1 : undefined;
      if (writeUpdate(w, t.store, slots[i] ?? 0, stamps[i] ?? 0, t.fields, id, now)) {
        t.updateId = (t.updateId + 1) >>> 0;
        t.sentId[slots[i] ?? 0] = t.updateId;
        first = false;
      }
    }
  }

  private tick(): void {
    if (this.stopped) return;
    this.ticks++;
    const nowMs = Date.now();
    if (this.resyncState === 'resyncing' && nowMs >= this.resyncDeadline) this.resyncDone('timed out');
    this.askAgain(nowMs);
    // Local changes: one batch for every established session.
    const w = this.w;
    w.reset();
    const sweepAll = this.ticks % FULL_SCAN_TICKS === 0;
    for (const t of this.tables) {
      // Taken before the scan: a change marked after it is seen by this scan or marks the table for the next one.
      if (!t.scan.store.takeChanged() && !sweepAll) continue;
      const changes = t.scan.scan();
      if (changes.count > 0) this.writeBatch(w, t, changes.slots, changes.stamps, changes.count);
    }
    const batch = w.length > 0 ? w.bytes().slice() : undefined;
    for (const p of this.peers) {
      const s = p.session;
      if (s !== undefined) {
        if (batch !== undefined) {
          s.send(batch);
          this.pushedAll(s);
        }
        s.tick(nowMs);
      } else if (nowMs >= p.nextAttempt) {
        this.connect(p);
      }
    }
  }

  /** The peer that answered "partial" is asked again once RESYNC_RETRY_MS passed (nobody else being asked). */
  private askAgain(nowMs: number): void {
    const s = this.resyncRetry;
    if (s === undefined || nowMs < this.resyncRetryAt) return;
    this.resyncRetry = undefined;
    if (this.resyncState !== 'resyncing' || this.resyncFrom !== undefined || s.state !== 'established') return;
    this.resyncFrom = s;
    s.control(CtrlType.RESYNC_REQUEST);
  }

  /** `s` has been sent every table's updates up to its last id (`show peers` last_pushed). */
  private pushedAll(s: PeerSession): void {
    if (s.state !== 'established') return;
    for (const t of this.tables) s.pushed.set(t.id, t.updateId);
  }

  private connect(p: RemotePeer): void {
    const socket = net.connect({ host: p.host, port: p.port });
    p.session = new PeerSession(socket, this, { peer: p.name, pid: this.o.pid });
    socket.on('error', (e) => {
      p.lastError = e.message;
    });
  }

  private accept(socket: net.Socket): void {
    if (this.stopped) return void socket.destroy();
    socket.on('error', () => undefined);
    // Incoming sessions are tied to their peer once its hello names it (established()).
    new PeerSession(socket, this, undefined);
  }

  private resyncDone(why: string): void {
    if (this.resyncState === 'done') return;
    this.resyncState = 'done';
    this.o.log('notice', `peers ${this.section.name}: start-up resync done (${why})`);
    this.o.resynced();
  }
}
