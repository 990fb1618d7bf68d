// Micro-benchmark: the per-request cost of stick-table rate limiting on one forwarder (issue 11): `track-sc0 src` +
// the request counted + the stream's end, reading `sc_http_req_rate(0)`, a lock-free `src_*` lookup, and inserting
// new keys into a full table (the purge path); against a per-thread Map of counters (what a table per thread
// without sharing would cost). Shared buffer, one thread; the multi-thread exactness is tests/stick/stick-hammer.
// Run: node_modules/.bin/tsc -p . && node_modules/.bin/node dist/native-bench/micro/stick-table.js

import Benchmark from 'benchmark';
import { SharedState } from '../../core/shared/state-buffer.js';
import { stickRegionLayout } from '../../core/shared/stick-layout.js';
import { initStickRegion } from '../../core/shared/stick-store.js';
import { StickCounters } from '../../core/stick/stick-counters.js';
import { NO_SAMPLE, stickFetch, type StickFetch, type StickFetchFacts } from '../../core/stick/stick-fetches.js';
import { setAddressKey } from '../../core/stick/stick-key.js';
import { StickTables } from '../../core/stick/stick-tables.js';
import type { StickTableConfig } from '../../config/model.js';

const KEYS = 10_000;
const THREADS = 4;

function spec(name: string, size: number): StickTableConfig {
  return {
    source: { file: 'bench', line: 1 },
    name,
    keyType: 'ip',
    keyLen: 4,
    size,
    expire: 60_000,
    nopurge: false,
    srvkey: 'name',
    store: [
      { type: 'http_req_cnt', count: 1, period: 0 },
      { type: 'http_req_rate', count: 1, period: 10_000 },
      { type: 'conn_cur', count: 1, period: 0 },
    ],
  };
}

const specs = [spec('rate', 100_000), spec('full', 4096)];
const region = stickRegionLayout(specs, THREADS);
const state = SharedState.allocate({ servers: 0, backends: 0, frontends: 0, threads: THREADS, stickWords: region.words });
initStickRegion(state, region, () => 0x5eed);
const tables = new StickTables(state, region, 0);
const counters = new StickCounters(tables);
const addresses = Array.from({ length: KEYS }, (_, i) => Uint8Array.from([10, (i >> 16) & 255, (i >> 8) & 255, i & 255]));
const compile = (name: string, ...args: string[]): StickFetch =>
  stickFetch(name)?.compile(args, { proxyName: 'rate', tableIndex: (n) => tables.indexOf(n) }) as StickFetch;
const scRate = compile('sc_http_req_rate', '0');
const srcRate = compile('src_http_req_rate');
let now = 1000;
let sink = 0;
let next = 0;

// Warm the table: every key exists, as it does for returning clients.
for (const a of addresses) {
  setAddressKey(tables.store(0), a, 0, 4);
  counters.trackHttpRequest(0, 0, now);
  counters.endStream(now);
}

const perThreadMap = new Map<number, { cnt: number; curr: number; tick: number }>();

const cases: ReadonlyArray<readonly [string, () => void]> = [
  [
    'track-sc0 src + http_req counted + end of stream (existing key)',
    () => {
      const a = addresses[next++ % KEYS] ?? addresses[0];
      if (a === undefined) return;
      setAddressKey(tables.store(0), a, 0, 4);
      counters.trackHttpRequest(0, 0, now);
      const facts: StickFetchFacts = { stickCounters: counters, stickTables: tables, srcFamily: 4, src: a };
      sink ^= scRate(facts, now);
      counters.endStream(now);
    },
  ],
  [
    'src_http_req_rate (lock-free lookup, no tracking)',
    () => {
      const a = addresses[next++ % KEYS] ?? addresses[0];
      if (a === undefined) return;
      const v = srcRate({ stickCounters: undefined, stickTables: tables, srcFamily: 4, src: a }, now);
      if (v === NO_SAMPLE) throw new Error('missing key');
      sink ^= v;
    },
  ],
  [
    'new key into a full table (insert + purge of the oldest)',
    () => {
      const i = next++;
      const a = Uint8Array.from([11, (i >> 16) & 255, (i >> 8) & 255, i & 255]);
      const store = tables.store(1);
      setAddressKey(store, a, 0, 4);
      now++;
      if (store.acquire(now) >= 0) store.release();
    },
  ],
  [
    'baseline: a per-thread Map of counters (no sharing)',
    () => {
      const k = next++ % KEYS;
      let e = perThreadMap.get(k);
      if (e === undefined) perThreadMap.set(k, (e = { cnt: 0, curr: 0, tick: now }));
      e.cnt++;
      e.curr++;
      sink ^= e.curr;
    },
  ],
];

// CPU time per op first (process.cpuUsage over a fixed count): on a machine shared with other work it moves far
// less than wall time, which the Benchmark suite below reports with its spread.
for (const [name, fn] of cases) {
  const n = name.startsWith('new key') ? 20_000 : 500_000;
  for (let i = 0; i < n / 10; i++) fn();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const c = process.cpuUsage(c0);
  process.stdout.write(`${name.padEnd(64)} ${(((c.user + c.system) * 1000) / n).toFixed(0).padStart(6)} ns CPU/op\n`);
}

const suite = new Benchmark.Suite('stick table');
for (const [name, fn] of cases) suite.add(name, fn);
suite.on('cycle', (event: Benchmark.Event) => {
  const b = event.target as unknown as Benchmark;
  const stats = b.stats as { mean: number; rme: number };
  process.stdout.write(`${(b.name ?? '').padEnd(64)} ${(stats.mean * 1e9).toFixed(0).padStart(6)} ns/op  ±${stats.rme.toFixed(1)}%\n`);
});
suite.run();
if (sink === 0.5) process.stdout.write('unreachable\n');
