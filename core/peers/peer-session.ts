// One peers protocol session over one TCP connection, either side: the handshake (peer-handshake.ts), then the
// framed messages (peer-wire.ts): control (resync request/finished/partial/confirm, heartbeat), errors, and the
// stick-table class (definitions, switches, updates, acknowledgements) applied through table-codec.ts. A malformed
// message gets HAProxy's error message (class 1) and the session closes; the engine reconnects with backoff.
// Peers thread only; every socket callback is caught here, so one peer cannot take the thread down.

import type { Socket } from 'node:net';
import { helloText, readHello, readStatus } from './peer-handshake.js';
import {
  CtrlType,
  ErrType,
  MsgClass,
  PeerProtocolError,
  PeerStatus,
  StktType,
  WireReader,
  WireWriter,
  nextMessage,
} from './peer-wire.js';
import { applyUpdate, readDefine, warmUpdates, type RemoteTable, type WarmSink } from './table-codec.js';
import type { StickStore } from '../shared/stick-store.js';
import type { ServerKeys } from './server-key.js';

/** What a session needs from the engine that owns it (warm(): the change-scan record of a slot about to be applied). */
export interface SessionHost extends WarmSink {
  readonly localName: string;
  /** True when `name` is a remote peer of the section (a client's hello must name one). */
  knows(name: string): boolean;
  /** False when an incoming session from `name` must wait (300): the session this process opened to it wins. */
  admit(name: string): boolean;
  /** The local replicated table named `name`. */
  table(name: string): StickStore | undefined;
  /** The servers of the local table named `name` (a table stick rules use), for server_key. */
  serverKeys(name: string): ServerKeys | undefined;
  /** The stick clock. */
  now(): number;
  established(s: PeerSession): void;
  closed(s: PeerSession): void;
  resyncRequested(s: PeerSession): void;
  resyncFinished(s: PeerSession, partial: boolean): void;
  /** A peer's update landed in `slot` of `store` (the change scan must not send it back). */
  applied(store: StickStore, slot: number): void;
}

/** Tables one peer may define before it is cut off. */
const MAX_REMOTE_TABLES = 256;

export type SessionState = 'hello' | 'status' | 'established' | 'closed';

/** What `show peers` counts for a peer (haproxy 2.6.12's names), per session and summed per peer. */
export interface PeerCounters {
  /** Heartbeats sent and received. */
  txHbt: number;
  rxHbt: number;
  /** Sessions dropped because the peer went silent (no message, heartbeats included, for 5 s). */
  noHbt: number;
  /** Resync confirmations received. */
  confirm: number;
  /** Sessions closed on a protocol error (ours or the peer's error message). */
  protoErr: number;
}

export function newCounters(): PeerCounters {
  return { txHbt: 0, rxHbt: 0, noHbt: 0, confirm: 0, protoErr: 0 };
}

/** No complete message (heartbeats included) for this long: the peer is gone or stalled (HAProxy's 5 s). */
export const PEER_RECV_TIMEOUT_MS = 5000;
/** A heartbeat goes out when nothing else was sent for this long (HAProxy's 3 s). */
export const PEER_HEARTBEAT_MS = 3000;

export class PeerSession {
  state: SessionState;
  /** The remote peer's name (known from the start for an outgoing session, from its hello for an incoming one). */
  peer: string;
  readonly outgoing: boolean;
  /** Why it closed, for `show peers` and the logs. */
  lastError = '';
  /** The status code the handshake ended with (200 once established). */
  statusCode = 0;
  lastRecv: number;
  lastSent: number;
  readonly socket: Socket;
  private readonly host: SessionHost;
  private pending: Buffer = Buffer.alloc(0);
  readonly counters = newCounters();
  /** Every entry went to this peer on this session (a full push): a resync it asks for is already done. */
  fullyTaught = false;
  /** Per local table id: the last of our update ids this peer acknowledged, and the last one pushed to it. */
  readonly acked = new Map<number, number>();
  readonly pushed = new Map<number, number>();
  private readonly remoteTables = new Map<number, RemoteTable>();
  private current: RemoteTable | undefined;
  private readonly dict = new Map<number, string>();
  private readonly out = new WireWriter();
  private readonly reader = new WireReader(new Uint8Array(0));
  private readonly bounds = { cls: 0, type: 0, payload: 0, payloadEnd: 0 };
  /** warmUpdates()' scratch: it reads ahead of the applying loop. */
  private readonly aheadBounds = { cls: 0, type: 0, payload: 0, payloadEnd: 0 };
  private readonly aheadReader = new WireReader(new Uint8Array(0));
  private now = 0;

  constructor(socket: Socket, host: SessionHost, outgoing: { peer: string; pid: number } | undefined) {
    this.socket = socket;
    this.host = host;
    this.outgoing = outgoing !== undefined;
    this.peer = outgoing?.peer ?? '';
    this.lastRecv = Date.now();
    this.lastSent = this.lastRecv;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.onData(chunk);
      } catch (e) {
        this.fail(e);
      }
    });
    socket.on('error', (e) => {
      this.lastError = e.message;
    });
    socket.on('close', () => this.finish());
    if (outgoing === undefined) {
      this.state = 'hello';
    } else {
      this.state = 'status';
      socket.write(helloText(outgoing.peer, host.localName, outgoing.pid));
    }
  }

  /** Sends bytes as they are (a prepared batch of updates). */
  send(bytes: Uint8Array): void {
    if (this.state !== 'established' || bytes.length === 0) return;
    this.socket.write(bytes);
    this.lastSent = Date.now();
  }

  /** A control message. */
  control(type: number): void {
    this.send(Uint8Array.of(MsgClass.CONTROL, type));
  }

  /** The table the peer defined under `name` (its id and the last update id received), if it did. */
  remoteTable(name: string): RemoteTable | undefined {
    for (const t of this.remoteTables.values()) if (t.name === name) return t;
    return undefined;
  }

  /** Called by the engine's clock: heartbeat when idle, close when the peer went silent. */
  tick(nowMs: number): void {
    if (this.state === 'closed') return;
    if (nowMs - this.lastRecv > PEER_RECV_TIMEOUT_MS) {
      this.lastError = this.pending.length > 0 ? 'stalled in the middle of a message' : 'no message for 5 s';
      if (this.state === 'established') this.counters.noHbt++;
      this.close();
      return;
    }
    if (this.state === 'established' && nowMs - this.lastSent >= PEER_HEARTBEAT_MS) {
      this.control(CtrlType.HEARTBEAT);
      this.counters.txHbt++;
    }
  }

  close(): void {
    if (this.state === 'closed') return;
    this.socket.end();
    this.socket.destroySoon();
    this.finish();
  }

  private finish(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.socket.destroy();
    this.host.closed(this);
  }

  /** A protocol error: HAProxy's error message (protocol or size limit), then the close. */
  private fail(e: unknown): void {
    this.lastError = e instanceof Error ? e.message : String(e);
    if (this.state === 'established') {
      this.counters.protoErr++;
      const type = e instanceof PeerProtocolError ? e.errType : ErrType.PROTOCOL;
      this.socket.write(Uint8Array.of(MsgClass.ERROR, type));
    }
    this.close();
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (this.state === 'hello') this.readHello();
    else if (this.state === 'status') this.readStatus();
    if (this.state === 'established') this.readMessages();
  }

  private readHello(): void {
    const v = readHello(this.pending.toString('latin1'), this.host.localName, (n) => this.host.knows(n));
    if (v.kind === 'more') return;
    if (v.kind === 'refuse') {
      this.statusCode = v.status;
      this.lastError = `refused the hello with ${v.status}`;
      this.socket.end(`${v.status}\n`);
      this.finish();
      return;
    }
    if (!this.host.admit(v.peer)) {
      // Our own session to that peer is the one to keep (see PeersEngine.admit): "try again later".
      this.statusCode = PeerStatus.TRY_AGAIN;
      this.lastError = 'a session with this peer is already open';
      this.socket.end(`${PeerStatus.TRY_AGAIN}\n`);
      this.finish();
      return;
    }
    this.peer = v.peer;
    this.pending = this.pending.subarray(v.bytes);
    this.lastRecv = Date.now();
    this.statusCode = PeerStatus.SUCCEEDED;
    this.state = 'established';
    this.socket.write(`${PeerStatus.SUCCEEDED}\n`);
    this.host.established(this);
  }

  private readStatus(): void {
    const s = readStatus(this.pending.toString('latin1'));
    if (s === undefined) return;
    this.statusCode = s.status;
    this.pending = this.pending.subarray(s.bytes);
    if (s.status !== PeerStatus.SUCCEEDED) {
      this.lastError = `the peer answered ${s.status}`;
      this.close();
      return;
    }
    this.lastRecv = Date.now();
    this.state = 'established';
    this.host.established(this);
  }

  private readMessages(): void {
    const b = this.pending;
    const m = this.bounds;
    // One clock reading per read: the updates of one read arrived together.
    this.now = this.host.now();
    let at = 0;
    let warmed = 0;
    for (;;) {
      // A few updates ahead are warmed first, so that their cache misses overlap (table-codec.ts warmUpdates).
      if (at >= warmed) warmed = warmUpdates(b, at, b.length, this.current, this.aheadBounds, this.aheadReader, this.host);
      if (!nextMessage(b, at, b.length, m)) break;
      at = m.payloadEnd;
      this.reader.reset(b, m.payload, m.payloadEnd);
      this.onMessage(m.cls, m.type, this.reader);
      if (this.state !== 'established') return;
    }
    if (at > 0) this.lastRecv = Date.now();
    this.pending = at === b.length ? Buffer.alloc(0) : b.subarray(at);
    this.sendAcks();
  }

  private onMessage(cls: number, type: number, r: WireReader): void {
    if (cls === MsgClass.CONTROL) {
      if (type === CtrlType.RESYNC_REQUEST) this.host.resyncRequested(this);
      else if (type === CtrlType.RESYNC_FINISHED || type === CtrlType.RESYNC_PARTIAL) {
        this.control(CtrlType.RESYNC_CONFIRM);
        this.host.resyncFinished(this, type === CtrlType.RESYNC_PARTIAL);
      } else if (type === CtrlType.RESYNC_CONFIRM) {
        this.counters.confirm++;
      } else if (type === CtrlType.HEARTBEAT) {
        this.counters.rxHbt++;
      } else {
        throw new PeerProtocolError(`unknown control message ${type}`);
      }
      return;
    }
    if (cls === MsgClass.ERROR) {
      this.lastError = type === ErrType.SIZE_LIMIT ? 'the peer reported a size limit error' : 'the peer reported a protocol error';
      this.counters.protoErr++;
      this.close();
      return;
    }
    if (cls !== MsgClass.STICKTABLE) throw new PeerProtocolError(`unknown message class ${cls}`);
    switch (type) {
      case StktType.DEFINE: {
        const t = readDefine(r, (name) => this.host.table(name), (name) => this.host.serverKeys(name));
        // A peer defines its few tables once per batch under the same ids: many ids is a peer filling our memory.
        if (!this.remoteTables.has(t.remoteId) && this.remoteTables.size >= MAX_REMOTE_TABLES) {
          throw new PeerProtocolError(`more than ${MAX_REMOTE_TABLES} tables defined`);
        }
        this.remoteTables.set(t.remoteId, t);
        this.current = t;
        return;
      }
      case StktType.SWITCH: {
        const t = this.remoteTables.get(r.varint());
        if (t === undefined) throw new PeerProtocolError('switch to a table never defined');
        this.current = t;
        return;
      }
      case StktType.ACK: {
        // The table id is ours (the one our definition gave), the update id the last one the peer applied.
        const id = r.varint();
        const upd = r.u32();
        // Ids this process never gave are a peer filling our memory: kept only up to the tables' bound.
        if (this.acked.has(id) || this.acked.size < MAX_REMOTE_TABLES) this.acked.set(id, upd);
        return;
      }
      case StktType.UPDATE:
      case StktType.INCUPDATE:
      case StktType.UPDATE_TIMED:
      case StktType.INCUPDATE_TIMED: {
        const t = this.current;
        if (t === undefined) throw new PeerProtocolError('update before any table definition');
        const slot = applyUpdate(r, type, t, this.dict, this.now);
        if (slot >= 0 && t.store !== undefined) this.host.applied(t.store, slot);
        return;
      }
      default:
        throw new PeerProtocolError(`unknown stick-table message ${type}`);
    }
  }

  /** One acknowledgement per table that received updates since the last one (its sender's id, the last update). */
  private sendAcks(): void {
    const w = this.out;
    w.reset();
    for (const t of this.remoteTables.values()) {
      if (t.lastId === t.ackedId) continue;
      const start = w.begin(StktType.ACK);
      w.varint(t.remoteId);
      w.u32(t.lastId);
      w.end(start);
      t.ackedId = t.lastId;
    }
    if (w.length > 0) this.send(w.bytes().slice());
  }
}
