// The stick-table sample fetches of HAProxy 2.6 (§7.3.3: sc_*, sc0_*…sc2_*, src_*, table_cnt, table_avl), as plain
// functions compiled once at config load: each name resolves its arguments (counter number, array index, table
// name → table index) and yields a closure over one connection's facts. Semantics follow HAProxy's: an sc fetch on
// a counter nothing tracks gives no sample; an entry that is absent (src_* on an unknown address, an alternate table
// without the key) reads as 0; a data type the table does not store gives no sample; the inc/clr fetches create
// the entry when it is absent. The ACL engine's registry (core/acl/, issue 11) registers these through
// `stickFetch(name)` (core/acl/fetch-stick.ts). Forwarder threads run the closures on the hot path: they allocate
// nothing.

import type { StickStore } from '../shared/stick-store.js';
import { setAddressKey } from './stick-key.js';
import type { StickCounters } from './stick-counters.js';
import { gpcRateRef, gpcRef, gptRef, type FieldRef, type StickTables, type TableFields } from './stick-tables.js';

/** A fetch's answer when it has no sample (HAProxy's fetch returning 0): every value a fetch yields is ≥ 0. */
export const NO_SAMPLE = -1;

/**
 * What the fetches read of one connection (core/acl/fetch-context.ts FetchContext has these fields; the session
 * fills them in place).
 */
export interface StickFetchFacts {
  /** The connection's tracked counters (undefined: a context without a session, which tracks nothing). */
  readonly stickCounters: StickCounters | undefined;
  /** The thread's view of every table (undefined: no table in the configuration). */
  readonly stickTables: StickTables | undefined;
  /** The client's address family (0: none, e.g. a UNIX socket client) and its 4 or 16 bytes. */
  readonly srcFamily: 0 | 4 | 6;
  readonly src: Uint8Array;
}

/** A compiled fetch at tick `now` (core/stick/stick-clock.ts): the value (0/1 for a boolean), or NO_SAMPLE. */
export type StickFetch = (facts: StickFetchFacts, now: number) => number;

/** Where a fetch is compiled: the proxy it appears in names the default table of src_* and table_*. */
export interface StickFetchScope {
  readonly proxyName: string;
  /** The index of the table declared by proxy `name`, or undefined. */
  tableIndex(name: string): number | undefined;
}

/** Why a fetch's arguments do not compile; `arg` is 1-based, as HAProxy's messages count them. */
export type StickFetchError =
  | { readonly kind: 'unknown-table'; readonly table: string; readonly arg: number }
  | { readonly kind: 'bad-arg'; readonly message: string };

export interface StickFetchDef {
  readonly name: string;
  readonly output: 'sint' | 'bool';
  /** Its arguments' types in order (HAProxy's `-dKsmp` signature), the first `mandatory` required. */
  readonly argTypes: readonly ('integer' | 'table')[];
  readonly mandatory: number;
  /** src_* read the client address; the others the session's counters or a table. */
  readonly reads: 'client address' | 'internal state';
  /** Binds `args` (as written, without parentheses). */
  compile(args: readonly string[], scope: StickFetchScope): StickFetch | StickFetchError;
}

/** A value read from an entry of `store`; `fields` is its table's resolved data types. */
type Reader = (store: StickStore, fields: TableFields, slot: number, idx: number, now: number) => number;

function counter(pick: (f: TableFields) => FieldRef | undefined): Reader {
  return (store, fields, slot) => {
    const r = pick(fields);
    return r === undefined ? NO_SAMPLE : store.loadUint(slot, r.field, r.idx);
  };
}

function rate(pick: (f: TableFields) => FieldRef | undefined): Reader {
  return (store, fields, slot, _idx, now) => {
    const r = pick(fields);
    return r === undefined ? NO_SAMPLE : store.readRate(slot, r.field, now, r.idx);
  };
}

function kbytes(pick: (f: TableFields) => FieldRef | undefined): Reader {
  return (store, fields, slot) => {
    const r = pick(fields);
    return r === undefined ? NO_SAMPLE : Math.floor(store.loadUll(slot, r.field, r.idx) / 1024);
  };
}

const READERS: Readonly<Record<string, Reader>> = {
  conn_cnt: counter((f) => f.connCnt),
  conn_cur: (store, fields, slot) => (fields.connCur ? store.tracks(slot) : NO_SAMPLE),
  conn_rate: rate((f) => f.connRate),
  sess_cnt: counter((f) => f.sessCnt),
  sess_rate: rate((f) => f.sessRate),
  http_req_cnt: counter((f) => f.httpReqCnt),
  http_req_rate: rate((f) => f.httpReqRate),
  http_err_cnt: counter((f) => f.httpErrCnt),
  http_err_rate: rate((f) => f.httpErrRate),
  http_fail_cnt: counter((f) => f.httpFailCnt),
  http_fail_rate: rate((f) => f.httpFailRate),
  bytes_in_rate: rate((f) => f.bytesInRate),
  bytes_out_rate: rate((f) => f.bytesOutRate),
  kbytes_in: kbytes((f) => f.bytesInCnt),
  kbytes_out: kbytes((f) => f.bytesOutCnt),
  get_gpc: (store, _f, slot, idx) => {
    const r = gpcRef(store.layout, idx);
    return r === undefined ? NO_SAMPLE : store.loadUint(slot, r.field, r.idx);
  },
  gpc_rate: (store, _f, slot, idx, now) => {
    const r = gpcRateRef(store.layout, idx);
    return r === undefined ? NO_SAMPLE : store.readRate(slot, r.field, now, r.idx);
  },
  get_gpt: (store, _f, slot, idx) => {
    const r = gptRef(store.layout, idx);
    return r === undefined ? NO_SAMPLE : store.loadUint(slot, r.field, r.idx);
  },
  trackers: (store, _f, slot) => store.tracks(slot),
};

/** Fetches that change the entry (created first when absent). They return the new (inc) or old (clr) value. */
const WRITERS: Readonly<Record<string, Reader>> = {
  inc_gpc: (store, _f, slot, idx, now) => {
    const counterRef = gpcRef(store.layout, idx);
    const rateRef = gpcRateRef(store.layout, idx);
    let value = 0;
    if (rateRef !== undefined) value = store.updateRate(slot, rateRef.field, 1, now, rateRef.idx);
    if (counterRef !== undefined) value = store.addUint(slot, counterRef.field, 1, counterRef.idx);
    if (counterRef !== undefined || rateRef !== undefined) store.touch(slot, now);
    return value;
  },
  clr_gpc: (store, _f, slot, idx, now) => {
    const r = gpcRef(store.layout, idx);
    if (r === undefined) return NO_SAMPLE;
    store.touch(slot, now);
    return store.exchangeUint(slot, r.field, 0, r.idx);
  },
  updt_conn_cnt: (store, fields, slot, _idx, now) => {
    const r = fields.connCnt;
    if (r === undefined) return NO_SAMPLE;
    store.touch(slot, now);
    return store.addUint(slot, r.field, 1, r.idx);
  },
};

/**
 * Every suffix, what it reads or writes, the array index it implies (gpc0 is `gpc` index 0), whether it takes the
 * index as an argument, and which prefixes have it in 2.6.
 */
interface Suffix {
  readonly op: string;
  readonly idx: number;
  readonly idxArg: boolean;
  /** Has the sc_ form (counter as first argument). */
  readonly sc: boolean;
  /** Has the sc0_/sc1_/sc2_ forms. */
  readonly scN: boolean;
  readonly src: boolean;
  readonly write: boolean;
}

const both = (op: string, idx = 0, write = false): Suffix => ({ op, idx, idxArg: false, sc: true, scN: true, src: true, write });
// The array forms have no sc0_/sc1_/sc2_ names in 2.6 (but for sc1_clr_gpc, registered there: see stickFetch).
const indexed = (op: string, write = false): Suffix => ({ op, idx: 0, idxArg: true, sc: true, scN: false, src: true, write });

const SUFFIXES: Readonly<Record<string, Suffix>> = {
  conn_cnt: both('conn_cnt'),
  conn_cur: both('conn_cur'),
  conn_rate: both('conn_rate'),
  sess_cnt: both('sess_cnt'),
  sess_rate: both('sess_rate'),
  http_req_cnt: both('http_req_cnt'),
  http_req_rate: both('http_req_rate'),
  http_err_cnt: both('http_err_cnt'),
  http_err_rate: both('http_err_rate'),
  http_fail_cnt: both('http_fail_cnt'),
  http_fail_rate: both('http_fail_rate'),
  bytes_in_rate: both('bytes_in_rate'),
  bytes_out_rate: both('bytes_out_rate'),
  kbytes_in: both('kbytes_in'),
  kbytes_out: both('kbytes_out'),
  get_gpc0: both('get_gpc', 0),
  get_gpc1: both('get_gpc', 1),
  gpc0_rate: both('gpc_rate', 0),
  gpc1_rate: both('gpc_rate', 1),
  get_gpt0: both('get_gpt', 0),
  inc_gpc0: both('inc_gpc', 0, true),
  inc_gpc1: both('inc_gpc', 1, true),
  clr_gpc0: both('clr_gpc', 0, true),
  clr_gpc1: both('clr_gpc', 1, true),
  get_gpc: indexed('get_gpc'),
  gpc_rate: indexed('gpc_rate'),
  get_gpt: indexed('get_gpt'),
  inc_gpc: indexed('inc_gpc', true),
  clr_gpc: indexed('clr_gpc', true),
  trackers: { op: 'trackers', idx: 0, idxArg: false, sc: true, scN: true, src: false, write: false },
  tracked: { op: 'tracked', idx: 0, idxArg: false, sc: true, scN: true, src: false, write: false },
  updt_conn_cnt: { op: 'updt_conn_cnt', idx: 0, idxArg: false, sc: false, scN: false, src: true, write: true },
};

/** An unsigned integer argument within [0, max]; undefined otherwise. */
function intArg(text: string | undefined, max: number): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

/** Resolves a table argument (or the proxy's own table when absent). */
function tableArg(text: string | undefined, arg: number, scope: StickFetchScope): number | StickFetchError {
  const name = text === undefined || text === '' ? scope.proxyName : text;
  const index = scope.tableIndex(name);
  return index === undefined ? { kind: 'unknown-table', table: name, arg } : index;
}

/** The definition of fetch `name` (`sc_http_req_rate`, `sc0_conn_cur`, `src_inc_gpc0`, `table_cnt`…), or undefined. */
export function stickFetch(name: string): StickFetchDef | undefined {
  if (name === 'table_cnt' || name === 'table_avl') return tableFetch(name);
  const m = /^(sc_|sc[0-2]_|src_)(.+)$/.exec(name);
  if (m === null) return undefined;
  const prefix = m[1] ?? '';
  const suffix = SUFFIXES[m[2] ?? ''];
  if (suffix === undefined) return undefined;
  const isSrc = prefix === 'src_';
  // HAProxy 2.6.12 registers sc1_clr_gpc (alone of the sc<N>_ array forms): it exists, so it is read here too.
  const quirk = name === 'sc1_clr_gpc';
  const has = isSrc ? suffix.src : prefix === 'sc_' ? suffix.sc : suffix.scN || quirk;
  if (!has) return undefined;
  const fixedCounter = isSrc || prefix === 'sc_' ? -1 : Number(prefix.charAt(2));
  const ints = (suffix.idxArg ? 1 : 0) + (prefix === 'sc_' ? 1 : 0);
  return {
    name,
    output: suffix.op === 'tracked' ? 'bool' : 'sint',
    argTypes: [...Array<'integer'>(ints).fill('integer'), 'table'],
    mandatory: ints,
    reads: isSrc ? 'client address' : 'internal state',
    compile: (args, scope) => compileCounterFetch(name, suffix, isSrc, fixedCounter, args, scope),
  };
}

/** Every name stickFetch() knows, for the registry and the README contract. */
export const STICK_FETCH_NAMES: readonly string[] = [
  'table_avl',
  'table_cnt',
  'sc1_clr_gpc',
  ...Object.entries(SUFFIXES).flatMap(([s, d]) => [
    ...(d.sc ? [`sc_${s}`] : []),
    ...(d.scN ? [`sc0_${s}`, `sc1_${s}`, `sc2_${s}`] : []),
    ...(d.src ? [`src_${s}`] : []),
  ]),
].sort();

function tableFetch(name: 'table_cnt' | 'table_avl'): StickFetchDef {
  return {
    name,
    output: 'sint',
    argTypes: ['table'],
    mandatory: 0,
    reads: 'internal state',
    compile(args, scope) {
      if (args.length > 1) return { kind: 'bad-arg', message: `${name} takes at most 1 argument` };
      const table = tableArg(args[0], 1, scope);
      if (typeof table !== 'number') return table;
      if (name === 'table_cnt') return (facts) => facts.stickTables?.store(table).count() ?? NO_SAMPLE;
      return (facts) => {
        const store = facts.stickTables?.store(table);
        return store === undefined ? NO_SAMPLE : Math.max(0, store.layout.size - store.count());
      };
    },
  };
}

function compileCounterFetch(
  name: string,
  suffix: Suffix,
  isSrc: boolean,
  fixedCounter: number,
  args: readonly string[],
  scope: StickFetchScope,
): StickFetch | StickFetchError {
  let at = 0;
  let idx = suffix.idx;
  if (suffix.idxArg) {
    const i = intArg(args[at++], 99);
    if (i === undefined) return { kind: 'bad-arg', message: `${name}: the first argument is a gpc/gpt index (0-99)` };
    idx = i;
  }
  let ctr = fixedCounter;
  if (!isSrc && fixedCounter < 0) {
    const c = intArg(args[at++], 2 ** 31 - 1);
    if (c === undefined) return { kind: 'bad-arg', message: `${name}: the counter number is an integer` };
    ctr = c;
  }
  if (args.length > at + 1) return { kind: 'bad-arg', message: `${name}: too many arguments` };
  // src_* default to the proxy's own table; sc_* read the tracked entry unless a table is named.
  const written = args[at];
  let table = -1;
  if (isSrc || (written !== undefined && written !== '')) {
    const t = tableArg(written, at + 1, scope);
    if (typeof t !== 'number') return t;
    table = t;
  }
  if (suffix.op === 'tracked') return (facts) => (facts.stickCounters?.tracked(ctr) === true ? 1 : 0);
  const reader = (suffix.write ? WRITERS : READERS)[suffix.op];
  if (reader === undefined) return { kind: 'bad-arg', message: `${name}: not a stick fetch` };
  if (isSrc) return srcFetch(reader, suffix.write, table, idx);
  return scFetch(reader, suffix.write, ctr, table, idx);
}

/** src_*: the client address's entry in `table`. */
function srcFetch(reader: Reader, write: boolean, table: number, idx: number): StickFetch {
  return (facts, now) => {
    const tables = facts.stickTables;
    if (facts.srcFamily === 0 || tables === undefined) return NO_SAMPLE;
    const store = tables.store(table);
    if (!setAddressKey(store, facts.src, 0, facts.srcFamily)) return NO_SAMPLE;
    return write ? writeEntry(store, tables, table, reader, idx, now) : readEntry(store, tables, table, reader, idx, now);
  };
}

/** sc_*: the entry scN tracks, or the same key looked up in `table` when one is named. */
function scFetch(reader: Reader, write: boolean, ctr: number, table: number, idx: number): StickFetch {
  return (facts, now) => {
    const counters = facts.stickCounters;
    const tables = facts.stickTables;
    if (counters === undefined || tables === undefined || !counters.tracked(ctr)) return NO_SAMPLE;
    const own = counters.tableIndex(ctr);
    const slot = counters.slot(ctr);
    if (table < 0 || table === own) return reader(tables.store(own), tables.fieldsOf(own), slot, idx, now);
    // An alternate table: the tracked key, looked up there (tables of another key type never hold it).
    const from = tables.store(own);
    const to = tables.store(table);
    if (from.layout.keyType !== to.layout.keyType || from.layout.keyWords !== to.layout.keyWords) return 0;
    copyKey(from, slot, to);
    return write ? writeEntry(to, tables, table, reader, idx, now) : readEntry(to, tables, table, reader, idx, now);
  };
}

function copyKey(from: StickStore, slot: number, to: StickStore): void {
  from.readKey(slot, to.key);
  to.keyLen = from.readKeyLen(slot);
}

/** A read on the key in `store.key`: 0 when absent, the reader's value when the entry stayed the same meanwhile. */
function readEntry(store: StickStore, tables: StickTables, table: number, reader: Reader, idx: number, now: number): number {
  const slot = store.lookup(now);
  if (slot < 0) return 0;
  const stamp = store.foundStamp;
  const value = reader(store, tables.fieldsOf(table), slot, idx, now);
  // The entry died while it was read: as if it had been absent.
  return store.isCurrent(slot, stamp) ? value : 0;
}

/** A write on the key in `store.key`: the entry is found or created, pinned for the write, released. */
function writeEntry(store: StickStore, tables: StickTables, table: number, reader: Reader, idx: number, now: number): number {
  const slot = store.acquire(now);
  if (slot < 0) return 0;
  try {
    return reader(store, tables.fieldsOf(table), slot, idx, now);
  } finally {
    store.release();
  }
}
