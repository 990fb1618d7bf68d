// Scenario: DolphinDB API round trips: many concurrent binary-API sessions (load/ddb-client.ts, the project's
// codec) running `1+1` on three emulated data nodes (emulator/emulated-node.ts) behind `mode tcp` + `send-proxy`,
// the seed TCP config's shape; CPU per call first (issue 10's DolphinDB target, the proxy's CPU inside the
// generator's counting window), then calls/s, p50 and p99. Then the same calls over WebSocket (the npm client's
// transport) through `mode http`: an orcalb without HTTP mode is 'unsupported' there.

import { startBackends } from '../backends/backend-launcher.js';
import { runGenerator } from '../load/generator-run.js';
import type { CpuWindow } from '../process-cpu.js';
import { CPU_PER, WORK_DONE } from '../process-figures.js';
import type { MetricSpec, ResultRow } from '../result-model.js';
import { measureInterleaved, SEED_MAXCONN } from './subject-rounds.js';
import type { Scenario } from './scenario.js';

/** What a DolphinDB call scenario reports beside CPU per call (also ddb-inspect.ts). */
export const CALL_METRICS: readonly MetricSpec[] = [
  { name: 'calls/s', unit: 'call/s', better: 'higher' },
  { name: 'p50 latency', unit: 'ms', better: 'lower' },
  { name: 'p99 latency', unit: 'ms', better: 'lower' },
];

/** The figures of one generator result; a run with a failed session counts as failed. */
export function callFigures(r: Readonly<Record<string, number>>): Record<string, number> {
  if ((r['errors'] ?? 0) > 0) throw new Error(`${r['errors']} session errors`);
  return {
    [WORK_DONE]: r['calls'] ?? Number.NaN,
    'calls/s': r['callsPerS'] ?? Number.NaN,
    'p50 latency': r['p50Ms'] ?? Number.NaN,
    'p99 latency': r['p99Ms'] ?? Number.NaN,
  };
}

export const ddbRoundTrips: Scenario = {
  id: 'ddb-round-trips',
  title: 'DolphinDB binary API round trips (emulated nodes, send-proxy)',
  async run(ctx) {
    const backends = await startBackends(ctx.group, 'ddb', ctx.layout.load);
    const rows: ResultRow[] = [];
    try {
      for (const sessions of ctx.settings.ddbSessions) {
        rows.push(...(await measureInterleaved(ctx, {
          scenario: this.id,
          caseLabel: `sessions=${sessions}`,
          spec: { mode: 'tcp', servers: backends.ports, threads: ctx.settings.threads, maxconn: SEED_MAXCONN, sendProxy: true },
          subjects: ['direct', 'orcalb', 'haproxy', 'nginx'],
          cpu: CPU_PER.call,
          metrics: CALL_METRICS,
          measure: async (s, cpu: CpuWindow) => callFigures(await runGenerator(
            ctx.group,
            'ddb-client',
            ['--ports', s.ports.join(','), '--sessions', String(sessions), '--duration', String(ctx.settings.durationS)],
            ctx.layout.load,
            ctx.settings.durationS,
            cpu,
          )),
        })));
      }
      // WebSocket: an HTTP upgrade, then a tunnel; the proxies run in mode http (no PROXY header on that path).
      const wsSessions = ctx.settings.ddbSessions[0] ?? 64;
      rows.push(...(await measureInterleaved(ctx, {
        scenario: this.id,
        caseLabel: `websocket sessions=${wsSessions}`,
        spec: { mode: 'http', servers: backends.ports, threads: ctx.settings.threads, maxconn: SEED_MAXCONN },
        subjects: ['direct', 'orcalb', 'haproxy', 'nginx'],
        cpu: CPU_PER.call,
        metrics: CALL_METRICS,
        measure: async (s, cpu: CpuWindow) => callFigures(await runGenerator(
          ctx.group,
          'ddb-ws-client',
          ['--ports', s.ports.join(','), '--sessions', String(wsSessions), '--duration', String(ctx.settings.durationS)],
          ctx.layout.load,
          ctx.settings.durationS,
          cpu,
        )),
      })));
      return rows;
    } finally {
      await backends.stop();
    }
  },
};
