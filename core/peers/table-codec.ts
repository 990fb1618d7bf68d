// The stick-table messages of the peers protocol over orcalb's shared-buffer tables: a table definition (sender's
// id, name, key type and length, the data-type bitfield whose bit is the type's index in HAProxy 2.6's list, the
// expiry, then each rate's period and each array's size), the update of one entry (key, then every declared type in
// bit order: integers as encoded integers, rates as "period started ms ago", current and previous counts, the
// server name as a dictionary entry) and their decoding. Byte layouts checked against haproxy 2.6.12's own
// messages (tests/peers/). Peers thread only.

import { STICK_DATA_TYPES, type StickField, type StickTableLayout } from '../shared/stick-layout.js';
import type { StickStore } from '../shared/stick-store.js';
import { KEY_TYPE_CODE, MsgClass, PeerProtocolError, StktType, nextMessage, type MessageBounds, type WireReader, type WireWriter } from './peer-wire.js';
import type { ServerKeys } from './server-key.js';

/** One data type a table sends or receives, in bit order. */
export interface WireField {
  /** Bit in the definition's bitfield: the type's index in STICK_DATA_TYPES (HAProxy's order). */
  readonly bit: number;
  readonly storage: (typeof STICK_DATA_TYPES)[number]['storage'];
  /** 'dict' for server_key: HAProxy sends the server's name through a per-session dictionary. */
  readonly dict: boolean;
  readonly count: number;
  readonly period: number;
  /**
   * The local field (undefined: a type the local table does not store; its values are read and dropped). For
   * server_key, the local server_id word: a server is held by its id, the name maps to it through `keys`.
   */
  readonly local: StickField | undefined;
  /** server_key only: the table's servers (names sent, names received mapped to local ids). */
  readonly keys?: ServerKeys;
}

const SERVER_KEY_BIT = STICK_DATA_TYPES.findIndex((t) => t.name === 'server_key');

/** The most dictionary ids one session keeps. */
const MAX_DICT_IDS = 4096;

const BIT_OF = new Map<string, number>(STICK_DATA_TYPES.map((t, i) => [t.name, i]));

/**
 * The fields a local table sends, in bit order. With `keys` (a table stick rules use), server_key goes too, as
 * haproxy 2.6 sends it for such a table: the name of the server its server_id word designates.
 */
export function localWireFields(layout: StickTableLayout, keys?: ServerKeys): WireField[] {
  const out: WireField[] = [];
  for (const f of layout.fields.values()) {
    const bit = BIT_OF.get(f.type) ?? -1;
    const spec = STICK_DATA_TYPES[bit];
    // A stored server_key is held as an id like server_id, which is the word the name is taken from.
    if (spec === undefined || bit === SERVER_KEY_BIT) continue;
    out.push({ bit, storage: spec.storage, dict: false, count: f.count, period: f.period, local: f });
  }
  const serverId = layout.fields.get('server_id');
  if (keys !== undefined && serverId !== undefined) {
    out.push({ bit: SERVER_KEY_BIT, storage: 'sint', dict: true, count: 1, period: 0, local: serverId, keys });
  }
  return out.sort((a, b) => a.bit - b.bit);
}

/** Writes a DEFINE message for `layout`, whose sender id is `id` (its index + 1), named `wireName` on the wire. */
export function writeDefine(w: WireWriter, id: number, layout: StickTableLayout, fields: readonly WireField[], wireName = layout.name): void {
  const start = w.begin(StktType.DEFINE);
  w.varint(id);
  const name = Buffer.from(wireName, 'utf8');
  w.varint(name.length);
  w.raw(name);
  w.varint(KEY_TYPE_CODE[layout.keyType]);
  w.varint(layout.keyLen);
  let bits = 0;
  for (const f of fields) bits += 2 ** f.bit;
  w.varint(bits);
  w.varint(layout.expire);
  for (const f of fields) {
    const spec = STICK_DATA_TYPES[f.bit];
    if (spec === undefined || (!spec.array && spec.storage !== 'freq')) continue;
    w.varint(f.bit);
    if (spec.array) w.varint(f.count);
    if (spec.storage === 'freq') w.varint(f.period);
  }
  w.end(start);
}

/** A table as a peer defined it. */
export interface RemoteTable {
  readonly remoteId: number;
  readonly name: string;
  /** The local table it feeds, or undefined (unknown name, or another key type or length: ignored, as HAProxy). */
  readonly store: StickStore | undefined;
  readonly keyCode: number;
  readonly keyLen: number;
  readonly fields: readonly WireField[];
  /** The last update id received (INCUPDATE adds one), and the last one acknowledged. */
  lastId: number;
  ackedId: number;
}

/**
 * Reads a DEFINE payload; `find` maps a table name to the local store, `keysOf` to its servers (a server_key the
 * peer sends is then applied as the local id of that name).
 */
export function readDefine(
  r: WireReader,
  find: (name: string) => StickStore | undefined,
  keysOf: (name: string) => ServerKeys | undefined = () => undefined,
): RemoteTable {
  const remoteId = r.varint();
  const name = Buffer.from(r.bytes(r.varint())).toString('utf8');
  const keyCode = r.varint();
  const keyLen = r.varint();
  const bits = r.varint();
  // The expiry (the receiver applies its own table's, as HAProxy does for untimed updates).
  if (r.left > 0) r.varint();
  const extra = new Map<number, { count: number; period: number }>();
  while (r.left > 0) {
    const bit = r.varint();
    const spec = STICK_DATA_TYPES[bit];
    if (spec === undefined) throw new PeerProtocolError(`unknown data type ${bit} in the definition of '${name}'`);
    const count = spec.array ? r.varint() : 1;
    const period = spec.storage === 'freq' ? r.varint() : 0;
    extra.set(bit, { count, period });
  }
  let store = find(name);
  if (store !== undefined && (KEY_TYPE_CODE[store.layout.keyType] !== keyCode || store.layout.keyLen !== keyLen)) store = undefined;
  const fields: WireField[] = [];
  for (let bit = 0; bit < STICK_DATA_TYPES.length && 2 ** bit <= bits; bit++) {
    if (Math.floor(bits / 2 ** bit) % 2 === 0) continue;
    const spec = STICK_DATA_TYPES[bit];
    if (spec === undefined) continue;
    const more = extra.get(bit);
    if (spec.array && more === undefined) throw new PeerProtocolError(`array type ${spec.name} without its size in '${name}'`);
    const f = { bit, storage: spec.storage, count: more?.count ?? 1, period: more?.period ?? 0 };
    const keys = bit === SERVER_KEY_BIT && store !== undefined ? keysOf(name) : undefined;
    if (bit === SERVER_KEY_BIT) fields.push({ ...f, dict: true, local: keys === undefined ? undefined : store?.layout.fields.get('server_id'), ...(keys === undefined ? {} : { keys }) });
    else fields.push({ ...f, dict: false, local: store?.layout.fields.get(spec.name) });
  }
  if (bits >= 2 ** STICK_DATA_TYPES.length) throw new PeerProtocolError(`unknown data types in the definition of '${name}'`);
  return { remoteId, name, store, keyCode, keyLen, fields, lastId: 0, ackedId: 0 };
}

const rate = new Int32Array(3);

/**
 * Writes an UPDATE (id given) or INCUPDATE (id = previous + 1) of `slot` of `store`: the key then each field.
 * `now` is the stick clock. Returns false when the entry changed identity meanwhile (nothing is kept then).
 */
export function writeUpdate(
  w: WireWriter,
  store: StickStore,
  slot: number,
  stamp: number,
  fields: readonly WireField[],
  id: number | undefined,
  now: number,
): boolean {
  const mark = w.length;
  const start = w.begin(id === undefined ? StktType.INCUPDATE : StktType.UPDATE);
  if (id !== undefined) w.u32(id);
  writeKey(w, store, slot);
  for (const f of fields) {
    const lf = f.local;
    for (let i = 0; i < f.count; i++) {
      if (lf === undefined) {
        w.varint(0);
      } else if (f.dict) {
        // The name of the server the entry's server_id designates, as a dictionary entry (none: length 0).
        const entry = f.keys?.entries[store.loadSint(slot, lf, 0) - 1];
        if (entry === undefined) w.varint(0);
        else w.raw(entry);
      } else if (f.storage === 'freq') {
        store.readRateWords(slot, lf, rate, i);
        w.varint(rate[0] === 0 ? now >>> 0 : Math.max(0, (now - (rate[0] ?? 0)) | 0));
        w.varint((rate[1] ?? 0) >>> 0);
        w.varint((rate[2] ?? 0) >>> 0);
      } else if (f.storage === 'tracks') {
        w.varint(store.tracks(slot));
      } else if (f.storage === 'ull') {
        w.varint(store.loadUll(slot, lf, i));
      } else {
        w.varint(store.loadUint(slot, lf, i));
      }
    }
  }
  w.end(start);
  if (!store.isCurrent(slot, stamp)) {
    w.length = mark;
    return false;
  }
  return true;
}

function writeKey(w: WireWriter, store: StickStore, slot: number): void {
  const layout = store.layout;
  const key = keyScratch(layout.keyWords);
  store.readKey(slot, key);
  switch (layout.keyType) {
    case 'ip':
    case 'integer':
      w.u32((key[0] ?? 0) >>> 0);
      return;
    case 'ipv6':
      for (let i = 0; i < 4; i++) w.u32((key[i] ?? 0) >>> 0);
      return;
    case 'string': {
      const len = store.readKeyLen(slot);
      w.varint(len);
      w.raw(new Uint8Array(key.buffer, 0, len));
      return;
    }
    case 'binary':
      w.raw(new Uint8Array(key.buffer, 0, layout.keyLen));
  }
}

let keyWords = new Int32Array(4);
function keyScratch(words: number): Int32Array {
  if (keyWords.length < words) keyWords = new Int32Array(words);
  keyWords.fill(0);
  return keyWords;
}

/**
 * Reads an update of `table` (its type says whether an id and an expiry come first) and applies it to the local
 * table through acquire(): the entry is found or created and touched (now + the local expiry), each stored type
 * replaced by the peer's value, then released; table.lastId becomes its id. Returns the slot it landed in, or -1
 * (a table that feeds none, or a full one). Throws PeerProtocolError on a malformed message. Allocation-free.
 */
export function applyUpdate(r: WireReader, type: number, table: RemoteTable, dict: Map<number, string>, now: number): number {
  const withId = type === StktType.UPDATE || type === StktType.UPDATE_TIMED;
  const id = withId ? r.u32() : (table.lastId + 1) >>> 0;
  if (type === StktType.UPDATE_TIMED || type === StktType.INCUPDATE_TIMED) r.u32();
  table.lastId = id;
  const store = table.store;
  readKey(r, table, store);
  const slot = store === undefined ? -1 : store.acquire(now);
  try {
    for (const f of table.fields) {
      for (let i = 0; i < f.count; i++) {
        if (f.dict) {
          const name = readDictEntry(r, dict);
          // Applied after server_id (a lower bit): the name wins, as haproxy's `srvkey name` finds servers by it.
          const id = name === undefined ? undefined : f.keys?.idOf.get(name);
          if (slot >= 0 && f.local !== undefined && id !== undefined) store?.storeWord(slot, f.local, id);
          continue;
        }
        if (f.storage === 'freq') {
          const ago = r.varint();
          const curr = r.varint();
          const prev = r.varint();
          if (slot >= 0 && f.local !== undefined && f.local.storage === 'freq') {
            // A period that started two periods ago or more holds nothing any more (and a fresh counter is sent as
            // "started at tick 0", i.e. the sender's uptime ago).
            const stale = ago >= 2 * f.local.period;
            store?.setRate(slot, f.local, stale ? 0 : (now - ago) | 0, stale ? 0 : curr, stale ? 0 : prev, i);
          }
          continue;
        }
        const v = r.varint();
        if (slot < 0 || f.local === undefined) continue;
        if (f.local.storage === 'ull') store?.storeUll(slot, f.local, v, i);
        else if (f.local.storage === 'uint' || f.local.storage === 'sint') store?.storeWord(slot, f.local, v, i);
        // conn_cur ('tracks') counts this process's own sessions: a peer's count is not ours to hold.
      }
    }
  } finally {
    if (slot >= 0) store?.release();
  }
  return slot;
}

/**
 * Updates warmed ahead of the one being applied (warmUpdates): enough for their cache misses to overlap, few enough
 * that the warmed lines are still in the cache when their turn comes.
 */
export const WARM_AHEAD = 8;

/** Where a warmed update's entry most likely is: the engine warms that slot's change-scan record too. */
export interface WarmSink {
  warm(store: StickStore, slot: number): void;
}

/**
 * A software prefetch over the next updates of `table` in b[at, end): each key is decoded and its home entry read
 * (StickStore.warm), its slot handed to `sink`. Applying updates one by one misses the cache twice per update (the
 * entry, the change scan's record), each miss waited out alone; read a few keys ahead, the misses overlap (measured:
 * about a quarter less CPU per applied update on a 100k-entry table). Reads only: stops at the first message that
 * is not an update, an incomplete or malformed one (left to the applying loop, which reports it), or after
 * WARM_AHEAD updates; returns where it stopped. Uses `m` and `r` as scratch.
 */
export function warmUpdates(b: Uint8Array, at: number, end: number, table: RemoteTable | undefined, m: MessageBounds, r: WireReader, sink: WarmSink): number {
  const store = table?.store;
  if (table === undefined || store === undefined) return at;
  try {
    for (let n = 0; n < WARM_AHEAD && nextMessage(b, at, end, m); n++) {
      const type = m.type;
      const withId = type === StktType.UPDATE || type === StktType.UPDATE_TIMED;
      const timed = type === StktType.UPDATE_TIMED || type === StktType.INCUPDATE_TIMED;
      if (m.cls !== MsgClass.STICKTABLE || !(withId || timed || type === StktType.INCUPDATE)) break;
      r.reset(b, m.payload, m.payloadEnd);
      if (withId) r.u32();
      if (timed) r.u32();
      readKey(r, table, store);
      sink.warm(store, store.warm());
      at = m.payloadEnd;
    }
  } catch (e) {
    if (!(e instanceof PeerProtocolError)) throw e;
  }
  return at;
}

function readKey(r: WireReader, table: RemoteTable, store: StickStore | undefined): void {
  switch (table.keyCode) {
    case KEY_TYPE_CODE.ip:
    case KEY_TYPE_CODE.integer: {
      const v = r.u32();
      if (store !== undefined) store.key[0] = v | 0;
      return;
    }
    case KEY_TYPE_CODE.ipv6:
      for (let i = 0; i < 4; i++) {
        const v = r.u32();
        if (store !== undefined) store.key[i] = v | 0;
      }
      return;
    case KEY_TYPE_CODE.string: {
      const bytes = r.bytes(r.varint());
      if (store === undefined) return;
      const n = Math.min(bytes.length, store.layout.keyLen);
      store.keyBytes.fill(0);
      store.keyBytes.set(bytes.subarray(0, n));
      store.keyLen = n;
      return;
    }
    case KEY_TYPE_CODE.binary: {
      const bytes = r.bytes(table.keyLen);
      if (store === undefined) return;
      store.keyBytes.fill(0);
      store.keyBytes.set(bytes.subarray(0, Math.min(bytes.length, store.keyBytes.length)));
      store.keyLen = store.layout.keyWords * 4;
      return;
    }
    default:
      throw new PeerProtocolError(`unknown key type ${table.keyCode}`);
  }
}

/** A dictionary entry: its length (0: none), then the entry id and, the first time, the value. Returns the value. */
function readDictEntry(r: WireReader, dict: Map<number, string>): string | undefined {
  const len = r.varint();
  if (len === 0) return undefined;
  const end = r.at + len;
  if (len > r.left) throw new PeerProtocolError('dictionary entry ends early');
  const id = r.varint();
  if (r.at < end) {
    const vlen = r.varint();
    // HAProxy's dictionary cache holds 128 names per peer: far more ids is no dictionary, it is a flood.
    if (!dict.has(id) && dict.size >= MAX_DICT_IDS) throw new PeerProtocolError('dictionary overflow');
    dict.set(id, Buffer.from(r.bytes(vlen)).toString('utf8'));
  }
  r.at = end;
  return dict.get(id);
}
