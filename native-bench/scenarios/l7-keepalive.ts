// Scenario: L7 small keep-alive: wrk on keep-alive client connections through `mode http` in HAProxy's default
// keep-alive mode (server connections kept and reused too), 13-byte responses; CPU per request first, then
// requests/s and p50/p99, at 64 and 512 connections. An orcalb without HTTP mode is reported 'unsupported'.

import { startBackends } from '../backends/backend-launcher.js';
import { CPU_PER } from '../process-figures.js';
import type { MetricSpec, ResultRow } from '../result-model.js';
import { measureInterleaved, SEED_MAXCONN } from './subject-rounds.js';
import type { Scenario } from './scenario.js';
import { LATENCY_METRICS, wrkRound } from './wrk-round.js';

const METRICS: readonly MetricSpec[] = [{ name: 'requests/s', unit: 'req/s', better: 'higher' }, ...LATENCY_METRICS];

export const l7KeepAlive: Scenario = {
  id: 'l7-keepalive',
  title: 'L7 small keep-alive (13-byte responses)',
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
          cpu: CPU_PER.request,
          metrics: METRICS,
          measure: (s) => wrkRound(ctx, s, { conns, close: false, rate: 'requests/s' }),
        })));
      }
      return rows;
    } finally {
      await backends.stop();
    }
  },
};
