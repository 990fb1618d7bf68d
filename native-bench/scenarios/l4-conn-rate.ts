// Scenario 2, L4 connection rate: wrk with `Connection: close` through `mode tcp`, so every request is a new client
// connection and a new server connection (the proxy's accept + connect + close path); connections/s and p99.

import { startBackends } from '../backends/backend-launcher.js';
import { runWrk } from '../load/wrk-run.js';
import type { MetricSpec } from '../result-model.js';
import { measureInterleaved, SEED_MAXCONN } from './subject-rounds.js';
import type { Scenario } from './scenario.js';

const METRICS: readonly MetricSpec[] = [
  { name: 'connections/s', unit: 'conn/s', better: 'higher' },
  { name: 'p99 latency', unit: 'ms', better: 'lower' },
];
const CONNS = 64;

export const l4ConnRate: Scenario = {
  id: 'l4-conn-rate',
  title: 'L4 connection rate (a new connection per request, 64 concurrent)',
  usesWrk: true,
  async run(ctx) {
    const backends = await startBackends(ctx.group, 'http', ctx.layout.load);
    try {
      return await measureInterleaved(ctx, {
        scenario: this.id,
        caseLabel: `c=${CONNS}`,
        spec: { mode: 'tcp', servers: backends.ports, threads: ctx.settings.threads, maxconn: SEED_MAXCONN },
        subjects: ['direct', 'orcalb', 'haproxy', 'nginx'],
        metrics: METRICS,
        async measure(s) {
          const r = await runWrk(ctx.group, {
            port: s.ports[0] ?? 0, conns: CONNS, durationS: ctx.settings.durationS, threads: 1, close: true, cpus: ctx.layout.load,
          });
          return { 'connections/s': r.reqPerS, 'p99 latency': r.p99Ms };
        },
      });
    } finally {
      await backends.stop();
    }
  },
};
