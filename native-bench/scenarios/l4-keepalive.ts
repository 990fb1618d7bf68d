// Scenario: L4 small keep-alive (issue 10's first target): wrk on 64 keep-alive connections through `mode tcp` to
// the HTTP backends (13-byte responses), so the proxy relays one small read each way per request, the study's "L4
// small". CPU per request first, then requests/s and p50/p99. Bench runner main thread.

import { startBackends } from '../backends/backend-launcher.js';
import { CPU_PER } from '../process-figures.js';
import type { MetricSpec } from '../result-model.js';
import { measureInterleaved, SEED_MAXCONN } from './subject-rounds.js';
import type { Scenario } from './scenario.js';
import { LATENCY_METRICS, wrkRound } from './wrk-round.js';

const METRICS: readonly MetricSpec[] = [{ name: 'requests/s', unit: 'req/s', better: 'higher' }, ...LATENCY_METRICS];
const CONNS = 64;

export const l4KeepAlive: Scenario = {
  id: 'l4-keepalive',
  title: 'L4 small keep-alive (64 connections, 13-byte responses through mode tcp)',
  usesWrk: true,
  async run(ctx) {
    const backends = await startBackends(ctx.group, 'http', ctx.layout.load);
    try {
      return await measureInterleaved(ctx, {
        scenario: this.id,
        caseLabel: `c=${CONNS}`,
        spec: { mode: 'tcp', servers: backends.ports, threads: ctx.settings.threads, maxconn: SEED_MAXCONN },
        subjects: ['direct', 'orcalb', 'haproxy', 'nginx'],
        cpu: CPU_PER.request,
        metrics: METRICS,
        measure: (s) => wrkRound(ctx, s, { conns: CONNS, close: false, rate: 'requests/s' }),
      });
    } finally {
      await backends.stop();
    }
  },
};
