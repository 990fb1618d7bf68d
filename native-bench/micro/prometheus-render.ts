// Micro-benchmark: one Prometheus scrape rendered by the stats thread (core/stats/prometheus.ts renderPrometheus) for
// 10 × 5, 100 × 20 and 300 × 20 proxies × servers, every scope, answer size and lines beside the time: as one string
// (renderPrometheus) and in 64 KiB pieces (prometheusChunks), each encoded as a socket write would (Buffer.byteLength
// flattens the string). The snapshot is built once; the collector's read of the buffer is not timed here.
// Run: node_modules/.bin/tsc -p . && node_modules/.bin/node dist/native-bench/micro/prometheus-render.js

import Benchmark from 'benchmark';
import { PROMETHEUS_QUERY_ALL, prometheusChunks, renderPrometheus } from '../../core/stats/prometheus.js';
import { syntheticSnapshot } from '../../tests/support/stat-snapshots.js';

const shapes: ReadonlyArray<readonly [proxies: number, servers: number]> = [[10, 5], [100, 20], [300, 20]];
let sink = 0;

for (const [proxies, servers] of shapes) {
  const snap = syntheticSnapshot(proxies, servers);
  const text = renderPrometheus(snap, PROMETHEUS_QUERY_ALL);
  const lines = text.split('\n').length - 1;
  const n = proxies * servers > 1000 ? 20 : 200;
  for (let i = 0; i < n / 4; i++) sink += Buffer.byteLength(renderPrometheus(snap, PROMETHEUS_QUERY_ALL));
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) sink += Buffer.byteLength(renderPrometheus(snap, PROMETHEUS_QUERY_ALL));
  const c = process.cpuUsage(c0);
  const ms = (c.user + c.system) / 1000 / n;
  const c1 = process.cpuUsage();
  for (let i = 0; i < n; i++) for (const piece of prometheusChunks(snap, PROMETHEUS_QUERY_ALL)) sink += Buffer.byteLength(piece);
  const c2 = process.cpuUsage(c1);
  const chunkedMs = (c2.user + c2.system) / 1000 / n;
  process.stdout.write(
    `${`${proxies} proxies × ${servers} servers`.padEnd(28)} ${ms.toFixed(2).padStart(8)} ms CPU/render  ` +
      `${chunkedMs.toFixed(2).padStart(8)} ms CPU in 64 KiB pieces  ` +
      `${(text.length / 1024).toFixed(0).padStart(6)} KiB  ${String(lines).padStart(7)} lines\n`,
  );
}

const suite = new Benchmark.Suite('prometheus render');
for (const [proxies, servers] of shapes) {
  const snap = syntheticSnapshot(proxies, servers);
  suite.add(`${proxies} × ${servers}`, () => {
    sink += Buffer.byteLength(renderPrometheus(snap, PROMETHEUS_QUERY_ALL));
  });
}
suite.on('cycle', (event: Benchmark.Event) => {
  const b = event.target as unknown as Benchmark;
  const stats = b.stats as { mean: number; rme: number };
  process.stdout.write(`${(b.name ?? '').padEnd(28)} ${(stats.mean * 1e3).toFixed(2).padStart(8)} ms/render  ±${stats.rme.toFixed(1)}%\n`);
});
suite.run();
if (sink === 0.5) process.stdout.write('unreachable\n');
