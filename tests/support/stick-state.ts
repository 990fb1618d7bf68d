// Test support: a shared buffer holding only stick tables, laid out and initialised exactly as the main thread does
// (stickRegionLayout + initStickRegion), and the per-thread views a forwarder, the health thread or main builds over
// it. Workers (tests/support/hammer-worker.ts) rebuild their views from the same specs and the buffer.

import type { StickTableConfig } from '../../config/model.js';
import { SharedState } from '../../core/shared/state-buffer.js';
import { stickRegionLayout, type StickRegionLayout } from '../../core/shared/stick-layout.js';
import { initStickRegion } from '../../core/shared/stick-store.js';
import { StickTables } from '../../core/stick/stick-tables.js';

/** A table spec with HAProxy-like defaults: `type ip size 1k`, no expire, the given stores. */
export function tableSpec(name: string, fields: Partial<StickTableConfig> = {}): StickTableConfig {
  return {
    source: { file: 'test.cfg', line: 1 },
    name,
    keyType: 'ip',
    keyLen: 4,
    size: 1024,
    expire: 0,
    nopurge: false,
    srvkey: 'name',
    store: [],
    ...fields,
  };
}

/** `store` entries from HAProxy's words: `['conn_cur', 'http_req_rate(10000)', 'gpc(3)']`. */
export function stores(...words: string[]): StickTableConfig['store'] {
  return words.map((w) => {
    const m = /^([a-z0-9_]+)(?:\((\d+)(?:,(\d+))?\))?$/.exec(w);
    if (m === null) throw new Error(`bad store word ${w}`);
    const name = m[1] ?? '';
    const array = name === 'gpc' || name === 'gpt' || name === 'gpc_rate';
    const count = array ? Number(m[2]) : 1;
    const period = name.endsWith('_rate') ? Number(array ? m[3] : m[2]) : 0;
    return { type: name, count, period };
  });
}

export interface StickBuffer {
  readonly state: SharedState;
  readonly region: StickRegionLayout;
  /** Thread `thread`'s views (-1: main / health thread). */
  view(thread: number): StickTables;
}

/** Allocates a buffer for `tables` and `threads` forwarders, headers written with a fixed seed (or `seed`). */
export function stickBuffer(tables: readonly StickTableConfig[], threads: number, seed = 12345): StickBuffer {
  const region = stickRegionLayout(tables, threads);
  const state = SharedState.allocate({ servers: 0, backends: 0, frontends: 0, threads, stickWords: region.words });
  initStickRegion(state, region, () => seed);
  return { state, region, view: (thread) => new StickTables(state, region, thread) };
}

/** Attaches to a buffer made by stickBuffer() from another thread. */
export function attachStickBuffer(buffer: SharedArrayBuffer, tables: readonly StickTableConfig[], threads: number): StickBuffer {
  const region = stickRegionLayout(tables, threads);
  const state = SharedState.attach(buffer);
  return { state, region, view: (thread) => new StickTables(state, region, thread) };
}
