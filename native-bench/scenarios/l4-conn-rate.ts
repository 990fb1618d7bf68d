// Scenario: new L4 connections: wrk with `Connection: close` through `mode tcp`, so every request is a new client
// connection and a new server connection (the proxy's accept + handoff + connect + close path); CPU per connection
// first (issue 10's "new connections"), then connections/s and p50/p99. Bench runner main thread.

import { startBackends } from '../backends/backend-launcher.js';
import { CPU_PER } from '../process-figures.js';
import type { MetricSpec } from '../result-model.js';
import { measureInterleaved, SEED_MAXCONN } from './subject-rounds.js';
import type { Scenario } from './scenario.js';
import { LATENCY_METRICS, wrkRound } from './wrk-round.js';

const METRICS: readonly MetricSpec[] = [{ name: 'connections/s', unit: 'conn/s', better: 'higher' }, ...LATENCY_METRICS];
const CONNS = 64;

export const l4ConnRate: Scenario = {
  id: 'l4-conn-rate',
  title: 'L4 new connections (a new connection per request, 64 concurrent)',
  usesWrk: true,
  async run(ctx) {
    const backends = await startBackends(ctx.group, 'http', ctx.layout.load);
    try {
      return await measureInterleaved(ctx, {
        scenario: this.id,
        caseLabel: `c=${CONNS}`,
        spec: { mode: 'tcp', servers: backends.ports, threads: ctx.settings.threads, maxconn: SEED_MAXCONN },
        subjects: ['direct', 'orcalb', 'haproxy', 'nginx'],
        cpu: CPU_PER.connection,
        metrics: METRICS,
        measure: (s) => wrkRound(ctx, s, { conns: CONNS, close: true, rate: 'connections/s' }),
      });
    } finally {
      await backends.stop();
    }
  },
};
