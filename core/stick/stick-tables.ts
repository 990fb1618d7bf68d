// One thread's view of every stick table (§4.2 stick-table): the core/shared/ store of each, and each table's
// stored data types resolved once into fields the counters and fetches use directly (gpc0/gpc1 fall back on the
// first elements of a `gpc` array, gpt0 on `gpt`, as HAProxy 2.6 does). Built once per thread at start; forwarders
// pass their thread slot (they track and insert), main and the health thread -1 (they read and sweep).

import type { SharedState } from '../shared/state-buffer.js';
import type { StickField, StickRegionLayout, StickTableLayout } from '../shared/stick-layout.js';
import { StickStore, stickStores } from '../shared/stick-store.js';

/** A stored data type and the array element it means (gpc0 read from `gpc(N)` is element 0 of gpc). */
export interface FieldRef {
  readonly field: StickField;
  readonly idx: number;
}

/** What a table stores, resolved: undefined where the table does not store it (fetches then give no sample). */
export interface TableFields {
  readonly connCnt?: FieldRef;
  readonly connRate?: FieldRef;
  /** conn_cur is declared (its value is always kept, as the sum of the entry's track words). */
  readonly connCur: boolean;
  readonly sessCnt?: FieldRef;
  readonly sessRate?: FieldRef;
  readonly httpReqCnt?: FieldRef;
  readonly httpReqRate?: FieldRef;
  readonly httpErrCnt?: FieldRef;
  readonly httpErrRate?: FieldRef;
  readonly httpFailCnt?: FieldRef;
  readonly httpFailRate?: FieldRef;
  readonly bytesInCnt?: FieldRef;
  readonly bytesInRate?: FieldRef;
  readonly bytesOutCnt?: FieldRef;
  readonly bytesOutRate?: FieldRef;
  readonly serverId: FieldRef;
}

function ref(layout: StickTableLayout, name: string, idx = 0): FieldRef | undefined {
  const field = layout.fields.get(name);
  return field === undefined || idx >= field.count ? undefined : { field, idx };
}

/** gpc<idx> (0 or 1: the legacy types first), or element idx of the `gpc` array. */
export function gpcRef(layout: StickTableLayout, idx: number): FieldRef | undefined {
  const legacy = idx === 0 ? 'gpc0' : idx === 1 ? 'gpc1' : undefined;
  return (legacy === undefined ? undefined : ref(layout, legacy)) ?? ref(layout, 'gpc', idx);
}

/** gpc<idx>_rate, or element idx of `gpc_rate`. */
export function gpcRateRef(layout: StickTableLayout, idx: number): FieldRef | undefined {
  const legacy = idx === 0 ? 'gpc0_rate' : idx === 1 ? 'gpc1_rate' : undefined;
  return (legacy === undefined ? undefined : ref(layout, legacy)) ?? ref(layout, 'gpc_rate', idx);
}

/** gpt0, or element idx of `gpt`. */
export function gptRef(layout: StickTableLayout, idx: number): FieldRef | undefined {
  return (idx === 0 ? ref(layout, 'gpt0') : undefined) ?? ref(layout, 'gpt', idx);
}

function resolve(layout: StickTableLayout): TableFields {
  const all: Record<string, FieldRef | boolean | undefined> = {
    connCnt: ref(layout, 'conn_cnt'),
    connRate: ref(layout, 'conn_rate'),
    sessCnt: ref(layout, 'sess_cnt'),
    sessRate: ref(layout, 'sess_rate'),
    httpReqCnt: ref(layout, 'http_req_cnt'),
    httpReqRate: ref(layout, 'http_req_rate'),
    httpErrCnt: ref(layout, 'http_err_cnt'),
    httpErrRate: ref(layout, 'http_err_rate'),
    httpFailCnt: ref(layout, 'http_fail_cnt'),
    httpFailRate: ref(layout, 'http_fail_rate'),
    bytesInCnt: ref(layout, 'bytes_in_cnt'),
    bytesInRate: ref(layout, 'bytes_in_rate'),
    bytesOutCnt: ref(layout, 'bytes_out_cnt'),
    bytesOutRate: ref(layout, 'bytes_out_rate'),
  };
  // exactOptionalPropertyTypes: absent fields are left out, never set to undefined.
  const present = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
  const serverId = ref(layout, 'server_id');
  if (serverId === undefined) throw new Error(`stick table '${layout.name}' has no server_id word`);
  return { ...present, connCur: layout.fields.has('conn_cur'), serverId } as TableFields;
}

/** Every table of the buffer as one thread sees it. */
export class StickTables {
  readonly stores: readonly StickStore[];
  readonly fields: readonly TableFields[];
  private readonly byName: ReadonlyMap<string, number>;

  constructor(state: SharedState, region: StickRegionLayout, thread: number) {
    this.stores = stickStores(state, region, thread);
    this.fields = region.tables.map(resolve);
    this.byName = new Map(region.tables.map((t) => [t.name, t.index]));
  }

  /** The index of the table named `name` (the proxy that declares it), or undefined. */
  indexOf(name: string): number | undefined {
    return this.byName.get(name);
  }

  /** Table `index`'s store; throws RangeError for an index the config never produced. */
  store(index: number): StickStore {
    const s = this.stores[index];
    if (s === undefined) throw new RangeError(`no stick table ${index}`);
    return s;
  }

  /** Table `index`'s resolved fields. */
  fieldsOf(index: number): TableFields {
    const f = this.fields[index];
    if (f === undefined) throw new RangeError(`no stick table ${index}`);
    return f;
  }
}
