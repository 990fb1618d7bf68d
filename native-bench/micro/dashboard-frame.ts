// Micro-benchmark: one dashboard tick on the stats thread (core/stats/dashboard/frame.ts) — the snapshot turned into
// a frame (rates from counter deltas), then its JSON text with fast-json-stringify (the frame's schema) against
// JSON.stringify, for the seed's size (3 backends × 3 servers) and a large farm (20 × 100). A tick runs once per
// second whatever the number of clients, so µs here are µs per second of the stats thread. Single thread.
// Run: node_modules/.bin/tsc -p . && node_modules/.bin/node dist/native-bench/micro/dashboard-frame.js

import Benchmark from 'benchmark';
import { FrameBuilder } from '../../core/stats/dashboard/frame.js';
import { fakeBackends, fakeSnapshot } from '../../tests/support/dashboard-source.js';

const suite = new Benchmark.Suite('dashboard frame');
let sink = 0;
for (const [label, b, s] of [['3×3 servers', 3, 3], ['20×100 servers', 20, 100]] as const) {
  const backends = fakeBackends(b, s);
  const snap = fakeSnapshot(backends);
  const builder = new FrameBuilder(1000);
  let now = 1_000_000;
  builder.build(snap, undefined, now);
  const frame = builder.build(snap, undefined, (now += 1000));
  const bytes = builder.stringify(frame).length;
  suite.add(`${label} build`, () => {
    sink += builder.build(snap, undefined, (now += 1000)).rows.length;
  });
  suite.add(`${label} fast-json-stringify (${bytes} B)`, () => {
    sink += builder.stringify(frame).length;
  });
  suite.add(`${label} JSON.stringify`, () => {
    sink += JSON.stringify(frame).length;
  });
}
suite.on('cycle', (event: Benchmark.Event) => {
  const b = event.target;
  const us = (1e6 / (b.hz ?? 1)).toFixed(1);
  console.log(`${String(b.name).padEnd(44)} ${us.padStart(10)} µs/op  ±${(b.stats?.rme ?? 0).toFixed(1)}%`);
});
suite.on('complete', () => console.log(`(sink ${sink & 0xff})`));
suite.run({ async: false });
