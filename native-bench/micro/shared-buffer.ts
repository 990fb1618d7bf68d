// Micro-benchmark: the balancers' hot read, one field of a server record in the SharedArrayBuffer, through
// ServerSlot.load (Atomics.load behind a field-name lookup) versus a bare Atomics.load and plain indexed reads.
// Run: node_modules/.bin/tsc -p . && node_modules/.bin/node dist/native-bench/micro/shared-buffer.js [--runs=3]

import Benchmark from 'benchmark';
import { SERVER, SERVER_FIELDS } from '../../core/shared/layout.js';
import { SharedState } from '../../core/shared/state-buffer.js';
import type { ServerSlot } from '../../core/shared/server-slot.js';

/** Reads per benchmark op: a pick over a 12-server backend reads about this many fields. */
const READS = 12;
const SERVERS = 12;

const state = SharedState.allocate({ servers: SERVERS, backends: 1, frontends: 1, threads: 2 });
const slots: ServerSlot[] = Array.from({ length: SERVERS }, (_, i) => state.server(i));
for (const [i, slot] of slots.entries()) slot.add('curConns', i + 1);

const i32 = state.i32;
const stride = SERVER_FIELDS.length;
const curConns = SERVER.curConns;
const base = state.offsets.servers;
/** The same numbers in an ordinary (non-shared) Int32Array and a plain JS array, for the baseline. */
const localTyped = new Int32Array(i32.length);
localTyped.set(i32);
const plainArray = Array.from(i32);

// Results go to a sink the engine cannot prove unused, so the reads are not optimised away.
let sink = 0;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

const cases: ReadonlyArray<readonly [string, () => void]> = [
  [
    'ServerSlot.load("curConns")',
    () => {
      let s = 0;
      for (let r = 0; r < READS; r++) s += slots[r % SERVERS]?.load('curConns') ?? 0;
      sink ^= s;
    },
  ],
  [
    'Atomics.load(i32, offset)',
    () => {
      let s = 0;
      for (let r = 0; r < READS; r++) s += Atomics.load(i32, base + (r % SERVERS) * stride + curConns);
      sink ^= s;
    },
  ],
  [
    'i32[offset] on the SAB (no Atomics)',
    () => {
      let s = 0;
      for (let r = 0; r < READS; r++) s += i32[base + (r % SERVERS) * stride + curConns] ?? 0;
      sink ^= s;
    },
  ],
  [
    'Int32Array[offset], not shared',
    () => {
      let s = 0;
      for (let r = 0; r < READS; r++) s += localTyped[base + (r % SERVERS) * stride + curConns] ?? 0;
      sink ^= s;
    },
  ],
  [
    'plain Array[offset]',
    () => {
      let s = 0;
      for (let r = 0; r < READS; r++) s += plainArray[base + (r % SERVERS) * stride + curConns] ?? 0;
      sink ^= s;
    },
  ],
];

function runSuite(): Map<string, number> {
  const suite = new Benchmark.Suite();
  for (const [name, fn] of cases) suite.add(name, fn);
  suite.on('cycle', (event: Benchmark.Event) => console.log(`  ${String(event.target)}`));
  suite.run({ async: false, maxTime: 1.5 });
  const hz = new Map<string, number>();
  suite.forEach((b: Benchmark) => {
    hz.set(b.name ?? '?', b.hz);
  });
  return hz;
}

const runsArg = process.argv.find((a) => a.startsWith('--runs='));
const runs = runsArg === undefined ? 3 : Number(runsArg.slice('--runs='.length));
const samples = new Map<string, number[]>();
for (let r = 0; r < runs; r++) {
  console.log(`run ${r + 1}/${runs} (one op = ${READS} reads)`);
  for (const [name, hz] of runSuite()) samples.set(name, [...(samples.get(name) ?? []), hz]);
}
console.log(`\nmedian of ${runs} runs, Node ${process.version}:`);
for (const [name, values] of samples) {
  const hz = median(values);
  const reads = hz * READS;
  console.log(`  ${name.padEnd(38)} ${(reads / 1e6).toFixed(1).padStart(8)} M reads/s  ${(1e9 / reads).toFixed(2).padStart(6)} ns/read`);
}
// Printed so the sink is observably used.
console.log(`  (checksum ${sink})`);
