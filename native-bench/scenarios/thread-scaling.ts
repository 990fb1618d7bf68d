// Scenario 7, thread scaling: the L4 connection-rate load (wrk, `Connection: close` through `mode tcp`) with
// 1, 2, … proxy threads up to the machine's cores (orcalb --threads, haproxy nbthread, nginx worker_processes).
// Threads beyond the proxy's own CPUs share them: the layout line says how many the proxy has.

import { startBackends } from '../backends/backend-launcher.js';
import { runWrk } from '../load/wrk-run.js';
import type { MetricSpec, ResultRow } from '../result-model.js';
import { measureInterleaved, SEED_MAXCONN } from './subject-rounds.js';
import type { Scenario } from './scenario.js';

const METRICS: readonly MetricSpec[] = [{ name: 'connections/s', unit: 'conn/s', better: 'higher' }];
const CONNS = 64;

export const threadScaling: Scenario = {
  id: 'thread-scaling',
  title: 'Thread scaling (L4 connection rate, 64 concurrent)',
  usesWrk: true,
  async run(ctx) {
    const backends = await startBackends(ctx.group, 'http', ctx.layout.load);
    const rows: ResultRow[] = [];
    try {
      for (const threads of ctx.settings.scalingThreads) {
        rows.push(...(await measureInterleaved(ctx, {
          scenario: this.id,
          caseLabel: `threads=${threads}`,
          spec: { mode: 'tcp', servers: backends.ports, threads, maxconn: SEED_MAXCONN },
          subjects: ['orcalb', 'haproxy', 'nginx'],
          metrics: METRICS,
          async measure(s) {
            const r = await runWrk(ctx.group, {
              port: s.ports[0] ?? 0, conns: CONNS, durationS: ctx.settings.durationS, threads: 1, close: true, cpus: ctx.layout.load,
            });
            return { 'connections/s': r.reqPerS };
          },
        })));
      }
      return rows;
    } finally {
      await backends.stop();
    }
  },
};
