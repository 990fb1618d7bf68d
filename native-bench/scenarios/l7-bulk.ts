// Scenario: L7 1 MiB bulk: wrk on 8 keep-alive connections through `mode http`, each GET answered with a 1 MiB body
// (the backends' `/bulk`), the study's "L7 bulk": the body path of the engine (forwarding big reads, backpressure).
// CPU per MiB first, then MB/s of bodies and p50/p99. An orcalb without HTTP mode is 'unsupported'.

import { startBackends } from '../backends/backend-launcher.js';
import { CPU_PER } from '../process-figures.js';
import type { MetricSpec } from '../result-model.js';
import { measureInterleaved, SEED_MAXCONN } from './subject-rounds.js';
import type { Scenario } from './scenario.js';
import { LATENCY_METRICS, wrkRound } from './wrk-round.js';

const METRICS: readonly MetricSpec[] = [{ name: 'throughput', unit: 'MB/s', better: 'higher' }, ...LATENCY_METRICS];
const CONNS = 8;

export const l7Bulk: Scenario = {
  id: 'l7-bulk',
  title: 'L7 1 MiB bulk (8 keep-alive connections, 1 MiB responses through mode http)',
  usesWrk: true,
  async run(ctx) {
    const backends = await startBackends(ctx.group, 'http', ctx.layout.load);
    try {
      return await measureInterleaved(ctx, {
        scenario: this.id,
        caseLabel: `c=${CONNS}`,
        spec: { mode: 'http', servers: backends.ports, threads: ctx.settings.threads, maxconn: SEED_MAXCONN },
        subjects: ['direct', 'orcalb', 'haproxy', 'nginx', 'node-http-proxy'],
        cpu: CPU_PER.mib,
        metrics: METRICS,
        measure: (s) => wrkRound(ctx, s, { conns: CONNS, close: false, rate: 'throughput', bulk: true }),
      });
    } finally {
      await backends.stop();
    }
  },
};
