// Scenario 4, L7 connection-close: wrk with `Connection: close` through `mode http`, a new client connection per
// request (HTTP parse + accept + connect per request); req/s. An orcalb without HTTP mode is 'unsupported'.

import { startBackends } from '../backends/backend-launcher.js';
import { runWrk } from '../load/wrk-run.js';
import type { MetricSpec } from '../result-model.js';
import { measureInterleaved, SEED_MAXCONN } from './subject-rounds.js';
import type { Scenario } from './scenario.js';

const METRICS: readonly MetricSpec[] = [
  { name: 'requests/s', unit: 'req/s', better: 'higher' },
  { name: 'p99 latency', unit: 'ms', better: 'lower' },
];
const CONNS = 64;

export const l7Close: Scenario = {
  id: 'l7-close',
  title: 'L7 connection-close requests/s (64 concurrent)',
  usesWrk: true,
  async run(ctx) {
    const backends = await startBackends(ctx.group, 'http', ctx.layout.load);
    try {
      return await measureInterleaved(ctx, {
        scenario: this.id,
        caseLabel: `c=${CONNS}`,
        spec: { mode: 'http', servers: backends.ports, threads: ctx.settings.threads, maxconn: SEED_MAXCONN },
        subjects: ['direct', 'orcalb', 'haproxy', 'nginx', 'node-http-proxy'],
        metrics: METRICS,
        async measure(s) {
          const r = await runWrk(ctx.group, {
            port: s.ports[0] ?? 0, conns: CONNS, durationS: ctx.settings.durationS, threads: 1, close: true, cpus: ctx.layout.load,
          });
          return { 'requests/s': r.reqPerS, 'p99 latency': r.p99Ms };
        },
      });
    } finally {
      await backends.stop();
    }
  },
};
