// Scenario 3, L7 keep-alive: wrk on keep-alive client connections through `mode http` (the seed config's
// http-server-close: one server connection per request), 13-byte responses; req/s, p50 and p99 at 64 and 512
// connections. An orcalb without HTTP mode is reported 'unsupported'.

import { startBackends } from '../backends/backend-launcher.js';
import { runWrk } from '../load/wrk-run.js';
import type { MetricSpec, ResultRow } from '../result-model.js';
import { measureInterleaved, SEED_MAXCONN } from './subject-rounds.js';
import type { Scenario } from './scenario.js';

const METRICS: readonly MetricSpec[] = [
  { name: 'requests/s', unit: 'req/s', better: 'higher' },
  { name: 'p50 latency', unit: 'ms', better: 'lower' },
  { name: 'p99 latency', unit: 'ms', better: 'lower' },
];

export const l7KeepAlive: Scenario = {
  id: 'l7-keepalive',
  title: 'L7 keep-alive requests/s, small responses',
  usesWrk: true,
  async run(ctx) {
    const backends = await startBackends(ctx.group, 'http', ctx.layout.load);
    const rows: ResultRow[] = [];
    try {
      for (const conns of ctx.settings.keepAliveConns) {
        rows.push(...(await measureInterleaved(ctx, {
          scenario: this.id,
          caseLabel: `c=${conns}`,
          spec: { mode: 'http', servers: backends.ports, threads: ctx.settings.threads, maxconn: SEED_MAXCONN },
          subjects: ['direct', 'orcalb', 'haproxy', 'nginx', 'node-http-proxy'],
          metrics: METRICS,
          async measure(s) {
            const r = await runWrk(ctx.group, {
              port: s.ports[0] ?? 0, conns, durationS: ctx.settings.durationS, threads: 1, close: false, cpus: ctx.layout.load,
            });
            return { 'requests/s': r.reqPerS, 'p50 latency': r.p50Ms, 'p99 latency': r.p99Ms };
          },
        })));
      }
      return rows;
    } finally {
      await backends.stop();
    }
  },
};
