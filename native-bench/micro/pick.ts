// Micro-benchmark: one Balancer.pick per op for every `balance` algorithm over a 4-server backend whose state,
// weights and live counts sit in a real SharedArrayBuffer (the forwarders' hot path, HAProxy §4.2 `balance`).
// Run: node_modules/.bin/tsc -p . && node_modules/.bin/node dist/native-bench/micro/pick.js

import Benchmark from 'benchmark';
import type { HashTypeConfig } from '../../config/model.js';
import type { Balancer, BackendView, PickRequest } from '../../core/balance/balancer.js';
import { algorithmNames, getAlgorithm } from '../../core/balance/registry.js';
import { ServerState } from '../../core/shared/layout.js';
import { serverView } from '../../core/shared/server-slot.js';
import { SharedState } from '../../core/shared/state-buffer.js';

const WEIGHTS = [1, 2, 3, 4];
const state = SharedState.allocate({ servers: WEIGHTS.length, backends: 1, frontends: 0, threads: 0 });
const backendSlot = state.backend(0);
WEIGHTS.forEach((w, i) => {
  const slot = state.server(i);
  slot.store('state', ServerState.UP);
  slot.store('effectiveWeight', w);
  // Uneven live counts so leastconn and random(2) compare real loads.
  slot.add('curConns', (i * 7) % 5);
});

const view: BackendView = {
  name: 'bench',
  servers: WEIGHTS.map((weight, i) =>
    serverView(i, { name: `s${i}`, backup: false, maxconn: 0, weight }, state.server(i)),
  ),
  allbackups: false,
  generation: () => backendSlot.load('generation'),
  nextTicket: () => backendSlot.nextTicket(),
};

const MAP: HashTypeConfig = { method: 'map-based', function: 'sdbm', avalanche: false };
const CONSISTENT: HashTypeConfig = { method: 'consistent', function: 'sdbm', avalanche: true };

// Keys rotate through a small pool so the hashing algorithms hash real, varying inputs.
const ADDRS = Array.from({ length: 64 }, (_, i) => `10.0.${i >> 4}.${(i * 13) & 255}`);
const URIS = Array.from({ length: 64 }, (_, i) => `/api/v1/items/${i * 7919}`);
// The `balance` arguments of the algorithms that require one, as config load parses `hdr(X-Key)` and `url_param id`.
const ARGS: Readonly<Record<string, readonly [string | undefined, string[]]>> = { hdr: ['X-Key', []], url_param: [undefined, ['id']] };

interface Case {
  readonly label: string;
  readonly balancer: Balancer;
  readonly keys?: readonly string[];
}

const cases: Case[] = [];
for (const name of algorithmNames()) {
  const algorithm = getAlgorithm(name);
  if (algorithm === undefined) continue;
  const keys = algorithm.needs === 'addr' ? ADDRS : algorithm.needs === 'http' ? URIS : undefined;
  const methods = algorithm.needs === 'none' ? [MAP] : [MAP, CONSISTENT];
  const [inner, rest] = ARGS[name] ?? [undefined, []];
  const args = algorithm.parseArgs(inner, rest);
  if (typeof args === 'string') throw new Error(`balance ${name}: ${args}`);
  for (const hashType of methods) {
    cases.push({
      label: algorithm.needs === 'none' ? name : `${name} (${hashType.method})`,
      balancer: algorithm.create(view, { args, hashType }),
      ...(keys === undefined ? {} : { keys }),
    });
  }
}

// Picks go to a sink the engine cannot prove unused, so the calls are not optimised away.
let sink = 0;
const suite = new Benchmark.Suite('pick');
for (const c of cases) {
  let i = 0;
  const keyed: readonly PickRequest[] | undefined = c.keys?.map((key) => ({ key }));
  const plain: PickRequest = {};
  suite.add(c.label, () => {
    const request = keyed === undefined ? plain : (keyed[i++ & 63] ?? plain);
    sink += c.balancer.pick(request)?.index ?? -1;
  });
}
suite.on('cycle', (event: Benchmark.Event) => {
  const b = event.target;
  const hz = Math.round(b.hz ?? 0).toLocaleString('en-US');
  const rme = (b.stats?.rme ?? 0).toFixed(1);
  console.log(`${String(b.name).padEnd(26)} ${hz.padStart(14)} ops/s  ±${rme}%`);
});
suite.on('complete', () => {
  // Printing the sink keeps it observable.
  console.log(`(sink ${sink & 0xff})`);
});
suite.run({ async: false });
