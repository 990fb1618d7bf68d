// Scenario: L4 1 MiB bulk: 8 connections through `mode tcp` pulling 1 MiB responses back to back from the bulk
// backends (our generator, load/bulk-client.ts); CPU per MiB first (the proxy's CPU inside the generator's counting
// window), then MB/s. "direct" bounds what generator + backends can do.

import { startBackends } from '../backends/backend-launcher.js';
import { runGenerator } from '../load/generator-run.js';
import { CPU_PER, WORK_DONE } from '../process-figures.js';
import type { MetricSpec, ResultRow } from '../result-model.js';
import { measureInterleaved, SEED_MAXCONN } from './subject-rounds.js';
import type { Scenario } from './scenario.js';

const METRICS: readonly MetricSpec[] = [
  { name: 'throughput', unit: 'MB/s', better: 'higher' },
  // The generator's own CPU: with direct at ~the same share, the generator is not what limits the proxies.
  { name: 'generator CPU', unit: 'core', better: 'lower', informational: true },
];
const CONNS = 8;
const SIZE = 1 << 20;

export const l4Bulk: Scenario = {
  id: 'l4-bulk',
  title: 'L4 1 MiB bulk (1 MiB responses, 8 connections)',
  async run(ctx) {
    const backends = await startBackends(ctx.group, 'bulk', ctx.layout.load);
    try {
      const rows: ResultRow[] = await measureInterleaved(ctx, {
        scenario: this.id,
        caseLabel: `c=${CONNS}`,
        spec: { mode: 'tcp', servers: backends.ports, threads: ctx.settings.threads, maxconn: SEED_MAXCONN },
        subjects: ['direct', 'orcalb', 'haproxy', 'nginx'],
        cpu: CPU_PER.mib,
        metrics: METRICS,
        async measure(s, cpu) {
          const warmup = ctx.settings.mode === 'smoke' ? '100' : '500';
          const r = await runGenerator(
            ctx.group,
            'bulk-client',
            ['--ports', s.ports.join(','), '--conns', String(CONNS), '--size', String(SIZE), '--duration', String(ctx.settings.durationS), '--warmup', warmup],
            ctx.layout.load,
            ctx.settings.durationS,
            cpu,
          );
          if ((r['errors'] ?? 0) > 0) throw new Error(`${r['errors']} connection errors`);
          return { [WORK_DONE]: r['mib'] ?? Number.NaN, throughput: r['mbPerS'] ?? Number.NaN, 'generator CPU': r['clientCpu'] ?? Number.NaN };
        },
      });
      return rows;
    } finally {
      await backends.stop();
    }
  },
};
