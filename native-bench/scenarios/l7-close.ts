// Scenario: new L7 connections: wrk with `Connection: close` through `mode http`, a new client connection per
// request (accept + HTTP parse + a server connection per request); CPU per request first (issue 10's "new
// connections", L7 side), then requests/s and p50/p99. An orcalb without HTTP mode is 'unsupported'.

import { startBackends } from '../backends/backend-launcher.js';
import { CPU_PER } from '../process-figures.js';
import type { MetricSpec } from '../result-model.js';
import { measureInterleaved, SEED_MAXCONN } from './subject-rounds.js';
import type { Scenario } from './scenario.js';
import { LATENCY_METRICS, wrkRound } from './wrk-round.js';

const METRICS: readonly MetricSpec[] = [{ name: 'requests/s', unit: 'req/s', better: 'higher' }, ...LATENCY_METRICS];
const CONNS = 64;

export const l7Close: Scenario = {
  id: 'l7-close',
  title: 'L7 connection-close (a new client connection per request, 64 concurrent)',
  usesWrk: true,
  async run(ctx) {
    const backends = await startBackends(ctx.group, 'http', ctx.layout.load);
    try {
      return await measureInterleaved(ctx, {
        scenario: this.id,
        caseLabel: `c=${CONNS}`,
        spec: { mode: 'http', servers: backends.ports, threads: ctx.settings.threads, maxconn: SEED_MAXCONN },
        subjects: ['direct', 'orcalb', 'haproxy', 'nginx', 'node-http-proxy'],
        cpu: CPU_PER.request,
        metrics: METRICS,
        measure: (s) => wrkRound(ctx, s, { conns: CONNS, close: true, rate: 'requests/s' }),
      });
    } finally {
      await backends.stop();
    }
  },
};
