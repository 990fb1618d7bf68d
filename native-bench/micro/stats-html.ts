// Micro-benchmark: rendering the HTML stats page (core/stats/html-page.ts, issue 12) for 100 proxies × 20 servers,
// the size of a large orcalb deployment, on the stats thread (never a forwarder). Reports time per page and the
// page's size; the page is built from a synthetic snapshot (tests/support/stat-snapshots.ts).
// Run: node_modules/.bin/tsc -p . && node_modules/.bin/node dist/native-bench/micro/stats-html.js

import Benchmark from 'benchmark';
import { renderStatsPage } from '../../core/stats/html-page.js';
import type { StatsPageView } from '../../core/stats/html-view.js';
import { syntheticSnapshot } from '../../tests/support/stat-snapshots.js';

const VIEW: StatsPageView = {
  uri: '/haproxyamdin', refreshSeconds: 5, hideDown: false, noRefresh: false, hideVersion: true, showLegends: true,
  showModules: false, admin: true, scope: '',
};

const sizes: readonly (readonly [number, number])[] = [[10, 5], [100, 20]];

// CPU time per page first: on a shared machine it moves less than the wall time the Benchmark suite reports.
for (const [proxies, servers] of sizes) {
  const snapshot = syntheticSnapshot(proxies, servers);
  const n = proxies * servers > 1000 ? 30 : 600;
  for (let i = 0; i < n / 5; i++) Buffer.byteLength(renderStatsPage(snapshot, VIEW));
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) Buffer.byteLength(renderStatsPage(snapshot, VIEW));
  const c = process.cpuUsage(c0);
  console.log(`${proxies} proxies x ${servers} servers: ${((c.user + c.system) / 1000 / n).toFixed(2)} ms CPU/page`);
}

const suite = new Benchmark.Suite('stats page');
for (const [proxies, servers] of sizes) {
  const snapshot = syntheticSnapshot(proxies, servers);
  const bytes = Buffer.byteLength(renderStatsPage(snapshot, VIEW));
  suite.add(`${proxies} proxies x ${servers} servers (${(bytes / 1024).toFixed(0)} KiB)`, () => {
    // byteLength flattens the string, as writing it to a socket does.
    if (Buffer.byteLength(renderStatsPage(snapshot, VIEW)) === 0) throw new Error('empty page');
  });
}
suite.on('cycle', (event: Benchmark.Event) => {
  const b = event.target as unknown as Benchmark;
  console.log(`${String(b.name)}: ${(b.stats.mean * 1000).toFixed(2)} ms/page ±${b.stats.rme.toFixed(1)}% (${b.stats.sample.length} samples)`);
});
suite.run();
