// The stick-table region of the shared buffer (HAProxy 2.6 §4.2 stick-table, and its stktable_data_types list):
// the data types an entry may store with their storage and writers, the per-table and per-entry header fields, and
// the pure offset math that places every table, entry and field in the region. Like layout.ts, nothing else
// hard-codes a position; core/shared/stick-store.ts is the only code that reads or writes these words. Any thread.

import type { StickKeyType, StickTableConfig } from '../../config/model.js';

/**
 * Who may change a stick word:
 * - 'lock-holder': the thread holding the table lock (inserts, kills and purges; the health thread's sweeper);
 * - 'claimer': the thread that turned the entry's state from EMPTY/TOMB to BUSY with compareExchange, until LIVE;
 * - 'atomic-add': any thread, only through Atomics.add/sub/exchange/compareExchange, so no update is lost;
 * - 'any-store': any thread, Atomics.store of a value every writer computes alike (last one wins: expiry dates);
 * - 'own-column': each forwarder its own thread's word; main zeroes a dead thread's words;
 * - 'main': once, before any other thread starts.
 */
export type StickWriter = 'lock-holder' | 'claimer' | 'atomic-add' | 'any-store' | 'own-column' | 'main';

interface StickFieldSpec {
  readonly name: string;
  readonly writer: StickWriter;
  readonly doc: string;
}

/** Table header words, then `threads` pin words (PIN below). */
export const TABLE_FIELDS = [
  { name: 'lock', writer: 'atomic-add', doc: '0 = free, else the owner tag (forwarder t: t+1, sweeper: threads+1) of the thread inserting, killing or purging' },
  { name: 'count', writer: 'lock-holder', doc: 'live entries (HAProxy t->current): table_cnt; an insert past `size` purges first' },
  { name: 'capacity', writer: 'main', doc: 'slots, written once: every attaching thread checks it matches its own layout' },
  { name: 'entryWords', writer: 'main', doc: 'words per entry, written once and checked like capacity' },
  { name: 'seed', writer: 'main', doc: 'random hash seed of this run, so a client cannot pick keys that collide' },
  { name: 'tombs', writer: 'lock-holder', doc: 'tombstones (killed entries not yet emptied): the sweeper empties them' },
  {
    name: 'changed',
    writer: 'any-store',
    doc: 'replicated tables: set to 1 by any thread but the peers thread after it changed an entry, taken back to 0 by the peers thread before its change scan (core/peers/change-scan.ts): no local change, no scan',
  },
] as const satisfies readonly StickFieldSpec[];

/** Per-entry header words; then `threads` track words, the key words and the data words. */
export const ENTRY_FIELDS = [
  { name: 'state', writer: 'atomic-add', doc: 'EntryState: EMPTY → BUSY (claimed) → LIVE → BUSY (being killed) → TOMB → BUSY|EMPTY' },
  { name: 'stamp', writer: 'claimer', doc: 'bumped whenever the entry changes identity (claim, kill): lock-free readers re-check it' },
  { name: 'hash', writer: 'claimer', doc: 'seeded hash of the key (compared before the key words)' },
  { name: 'expire', writer: 'any-store', doc: 'ms tick when the entry expires (now + expire at every touch); also its age for purges' },
  { name: 'keyLen', writer: 'claimer', doc: 'key bytes (strings are shorter than the table len)' },
] as const satisfies readonly StickFieldSpec[];

/** The values of an entry's `state` word. */
export const EntryState = { EMPTY: 0, BUSY: 1, LIVE: 2, TOMB: 3 } as const;

/**
 * How a data type is held: 'uint'/'sint' one word; 'ull' two words (low, high); 'freq' three words (HAProxy's
 * freq_ctr: period start tick with bit 0 as the rotation lock, current count, previous count); 'tracks' no word of
 * its own (conn_cur is the sum of the entry's per-thread track words: one per session tracking the entry).
 */
export type StickStorage = 'uint' | 'sint' | 'ull' | 'freq' | 'tracks';

export interface StickDataTypeSpec {
  readonly name: string;
  readonly storage: StickStorage;
  /** 'period': the type takes a time period (`http_req_rate(10s)`). */
  readonly arg: 'none' | 'period';
  /** An array type takes its element count first (`gpc(4)`, `gpc_rate(4,10s)`). */
  readonly array: boolean;
  readonly writer: StickWriter;
  readonly doc: string;
}

/** HAProxy 2.6's stick-table data types, in its order (`server_name` is read as `server_key`, as HAProxy does). */
export const STICK_DATA_TYPES = [
  { name: 'server_id', storage: 'sint', arg: 'none', array: false, writer: 'any-store', doc: 'the server a `stick store-*` rule saw serve the key (its id: position + 1 in its backend)' },
  { name: 'gpt0', storage: 'uint', arg: 'none', array: false, writer: 'any-store', doc: 'general purpose tag 0 (sc-set-gpt0)' },
  { name: 'gpc0', storage: 'uint', arg: 'none', array: false, writer: 'atomic-add', doc: 'general purpose counter 0 (sc-inc-gpc0, sc_inc_gpc0)' },
  { name: 'gpc0_rate', storage: 'freq', arg: 'period', array: false, writer: 'atomic-add', doc: 'increment rate of gpc0' },
  { name: 'conn_cnt', storage: 'uint', arg: 'none', array: false, writer: 'atomic-add', doc: 'connections (tracking starts) that matched the entry' },
  { name: 'conn_rate', storage: 'freq', arg: 'period', array: false, writer: 'atomic-add', doc: 'rate of tracking starts' },
  { name: 'conn_cur', storage: 'tracks', arg: 'none', array: false, writer: 'own-column', doc: 'sessions tracking the entry now: the sum of its per-thread track words' },
  { name: 'sess_cnt', storage: 'uint', arg: 'none', array: false, writer: 'atomic-add', doc: 'sessions accepted by the layer-4 rules' },
  { name: 'sess_rate', storage: 'freq', arg: 'period', array: false, writer: 'atomic-add', doc: 'session rate' },
  { name: 'http_req_cnt', storage: 'uint', arg: 'none', array: false, writer: 'atomic-add', doc: 'HTTP requests, valid or not' },
  { name: 'http_req_rate', storage: 'freq', arg: 'period', array: false, writer: 'atomic-add', doc: 'HTTP request rate' },
  { name: 'http_err_cnt', storage: 'uint', arg: 'none', array: false, writer: 'atomic-add', doc: 'client errors: bad or denied requests, 4xx answers' },
  { name: 'http_err_rate', storage: 'freq', arg: 'period', array: false, writer: 'atomic-add', doc: 'client error rate' },
  { name: 'bytes_in_cnt', storage: 'ull', arg: 'none', array: false, writer: 'atomic-add', doc: 'bytes from the client (64-bit)' },
  { name: 'bytes_in_rate', storage: 'freq', arg: 'period', array: false, writer: 'atomic-add', doc: 'rate of bytes from the client' },
  { name: 'bytes_out_cnt', storage: 'ull', arg: 'none', array: false, writer: 'atomic-add', doc: 'bytes to the client (64-bit)' },
  { name: 'bytes_out_rate', storage: 'freq', arg: 'period', array: false, writer: 'atomic-add', doc: 'rate of bytes to the client' },
  { name: 'gpc1', storage: 'uint', arg: 'none', array: false, writer: 'atomic-add', doc: 'general purpose counter 1' },
  { name: 'gpc1_rate', storage: 'freq', arg: 'period', array: false, writer: 'atomic-add', doc: 'increment rate of gpc1' },
  { name: 'server_key', storage: 'sint', arg: 'none', array: false, writer: 'any-store', doc: 'the server by name: held as its id, like server_id (a peer sends names as dictionary entries: read, not applied)' },
  { name: 'http_fail_cnt', storage: 'uint', arg: 'none', array: false, writer: 'atomic-add', doc: 'server failures: bad responses, 5xx other than 501/505' },
  { name: 'http_fail_rate', storage: 'freq', arg: 'period', array: false, writer: 'atomic-add', doc: 'server failure rate' },
  { name: 'gpt', storage: 'uint', arg: 'none', array: true, writer: 'any-store', doc: 'general purpose tags gpt0..gptN-1' },
  { name: 'gpc', storage: 'uint', arg: 'none', array: true, writer: 'atomic-add', doc: 'general purpose counters gpc0..gpcN-1' },
  { name: 'gpc_rate', storage: 'freq', arg: 'period', array: true, writer: 'atomic-add', doc: 'increment rates of gpc0..gpcN-1' },
] as const satisfies readonly StickDataTypeSpec[];

export type StickDataType = (typeof STICK_DATA_TYPES)[number]['name'];

/** HAProxy's STKTABLE_MAX_DT_ARRAY_SIZE: gpc(N), gpt(N), gpc_rate(N,…) take 1..100 elements. */
export const STICK_MAX_ARRAY = 100;

/** Words one element of a storage kind takes. */
export function storageWords(storage: StickStorage): number {
  switch (storage) {
    case 'uint':
    case 'sint':
      return 1;
    case 'ull':
      return 2;
    case 'freq':
      return 3;
    case 'tracks':
      return 0;
  }
}

/** The data type named `name`, or undefined (config parsing reports "unknown store option"). */
export function stickDataType(name: string): StickDataTypeSpec | undefined {
  return STICK_DATA_TYPES.find((t) => t.name === name);
}

/** Key bytes a key type holds in its words (strings and binaries: the table's len). */
export function keyWordsOf(keyType: StickKeyType, keyLen: number): number {
  return keyType === 'ipv6' ? 4 : keyType === 'ip' || keyType === 'integer' ? 1 : Math.max(1, Math.ceil(keyLen / 4));
}

/** Where one stored data type sits in an entry, and what it needs to be read. */
export interface StickField {
  readonly type: StickDataType;
  readonly storage: StickStorage;
  /** Word offset from the entry's first word (the track columns for 'tracks'). */
  readonly offset: number;
  readonly count: number;
  /** Rate period, ms (freq storage); 0 otherwise. */
  readonly period: number;
}

/** The placement of one table: computed alike by every thread from the same Config and thread count. */
export interface StickTableLayout {
  readonly index: number;
  readonly name: string;
  readonly keyType: StickKeyType;
  readonly keyLen: number;
  readonly keyWords: number;
  readonly size: number;
  readonly expire: number;
  readonly nopurge: boolean;
  /** `stick-table … peers P`: the peers thread sends its changes, so every other writer marks them (TABLE.changed). */
  readonly replicated: boolean;
  readonly threads: number;
  readonly capacity: number;
  /** First word of the table (its header), relative to the region's start. */
  readonly base: number;
  /** First word of entry 0, relative to the region's start. */
  readonly entries: number;
  readonly entryWords: number;
  /** Word offsets inside an entry. */
  readonly tracksAt: number;
  readonly keyAt: number;
  /** Stored data types by name. */
  readonly fields: ReadonlyMap<string, StickField>;
  /** Words of the whole table, header included. */
  readonly words: number;
}

/** The whole region: a 2-word header (magic, table count) then each table. */
export interface StickRegionLayout {
  readonly tables: readonly StickTableLayout[];
  readonly words: number;
}

export const STICK_REGION_MAGIC = 0x5354_434b; // "STCK"
export const STICK_REGION_HEADER = 2;

/**
 * Slots for a table of `size` entries: half as many again, so that linear probes stay short (load ≤ 2/3 when full:
 * about 2 probes for a hit, 5 for a miss) and an EMPTY slot always ends a probe.
 */
export function capacityFor(size: number): number {
  return size + Math.ceil(size / 2) + 1;
}

/** Pure: the layout of one table whose header starts at word `base` of the region. */
export function stickTableLayout(index: number, t: StickTableConfig, threads: number, base: number): StickTableLayout {
  const keyWords = keyWordsOf(t.keyType, t.keyLen);
  const tracksAt = ENTRY_FIELDS.length;
  const keyAt = tracksAt + threads;
  let at = keyAt + keyWords;
  const fields = new Map<string, StickField>();
  for (const s of t.store) {
    const spec = stickDataType(s.type);
    if (spec === undefined || fields.has(spec.name)) continue;
    const offset = spec.storage === 'tracks' ? tracksAt : at;
    fields.set(spec.name, { type: spec.name as StickDataType, storage: spec.storage, offset, count: s.count, period: s.period });
    at += storageWords(spec.storage) * s.count;
  }
  // Persistence rules store server_id whether or not it was listed (§4.2: "automatically detected and enabled").
  if (!fields.has('server_id')) {
    fields.set('server_id', { type: 'server_id', storage: 'sint', offset: at, count: 1, period: 0 });
    at += 1;
  }
  const entryWords = at;
  const capacity = capacityFor(t.size);
  const header = TABLE_FIELDS.length + threads;
  return {
    index,
    name: t.name,
    keyType: t.keyType,
    keyLen: t.keyLen,
    keyWords,
    size: t.size,
    expire: t.expire,
    nopurge: t.nopurge,
    replicated: t.peers !== undefined,
    threads,
    capacity,
    base,
    entries: base + header,
    entryWords,
    tracksAt,
    keyAt,
    fields,
    words: header + capacity * entryWords,
  };
}

/** Pure: the region for `tables` (Config.stickTables) with `threads` forwarders. */
export function stickRegionLayout(tables: readonly StickTableConfig[], threads: number): StickRegionLayout {
  const out: StickTableLayout[] = [];
  let at = STICK_REGION_HEADER;
  tables.forEach((t, i) => {
    const layout = stickTableLayout(i, t, threads, at);
    out.push(layout);
    at += layout.words;
  });
  return { tables: out, words: tables.length === 0 ? 0 : at };
}

/** Index of table field `name` relative to the region's start. */
export const TABLE = Object.fromEntries(TABLE_FIELDS.map((f, i) => [f.name, i])) as Readonly<
  Record<(typeof TABLE_FIELDS)[number]['name'], number>
>;

/** Index of entry header field `name` within an entry. */
export const ENTRY = Object.fromEntries(ENTRY_FIELDS.map((f, i) => [f.name, i])) as Readonly<
  Record<(typeof ENTRY_FIELDS)[number]['name'], number>
>;
