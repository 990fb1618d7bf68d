// Scenario: thread scaling (`npm run bench -- --scaling --threads 12` on a 16-core machine): L4 and L7 small
// keep-alive at 1, 2, 4, … N forwarders (orcalb --threads, haproxy nbthread) in the same interleaved rounds, the
// proxy on every proxy CPU (3/4 of the machine in the scaling layout), wrk with one thread per load CPU and one
// backend process per load CPU, 512 connections; CPU per request, requests/s and p99 per thread count, and both
// at N ÷ at 1. "direct" (no proxy) shows what the load side can reach. Bench runner main thread.

import { startBackends } from '../backends/backend-launcher.js';
import { CPU_PER } from '../process-figures.js';
import { withSecondBuild, type MetricSpec, type ResultRow, type SubjectName } from '../result-model.js';
import { caseRatioRows } from './case-ratio.js';
import { measureInterleaved, measureInterleavedCases, SEED_MAXCONN } from './subject-rounds.js';
import type { Scenario } from './scenario.js';
import { LATENCY_METRICS, wrkRound } from './wrk-round.js';

/** Enough connections for 12 forwarders (~40 each) while 1 forwarder still keeps them all busy. */
export const SCALING_CONNS = 512;
const SUBJECTS: readonly SubjectName[] = ['orcalb', 'haproxy'];
const LOADS = [
  { label: 'L4 keep-alive', mode: 'tcp' },
  { label: 'L7 keep-alive', mode: 'http' },
] as const;
const RATE: MetricSpec = { name: 'requests/s', unit: 'req/s', better: 'higher' };

export const threadScaling: Scenario = {
  id: 'thread-scaling',
  title: `Thread scaling: L4 and L7 keep-alive (${SCALING_CONNS} connections) at 1 … N forwarders`,
  usesWrk: true,
  inFullPass: false,
  async run(ctx) {
    const wrkThreads = Math.max(1, ctx.layout.loadCount);
    const backends = await startBackends(ctx.group, 'http', ctx.layout.load, 3, wrkThreads);
    const rows: ResultRow[] = [];
    const round = { conns: SCALING_CONNS, close: false, rate: RATE.name, threads: wrkThreads };
    try {
      for (const load of LOADS) {
        const spec = (threads: number): { mode: 'tcp' | 'http'; servers: readonly number[]; threads: number; maxconn: number } =>
          ({ mode: load.mode, servers: backends.ports, threads, maxconn: SEED_MAXCONN });
        // The load side's own ceiling, once per load: it does not depend on the proxy's threads.
        rows.push(...(await measureInterleaved(ctx, {
          scenario: this.id, caseLabel: `${load.label}, no proxy`, spec: spec(1), subjects: ['direct'], metrics: [RATE, ...LATENCY_METRICS],
          measure: (s) => wrkRound(ctx, s, round),
        })));
        const steps = ctx.settings.scalingThreads;
        const r = await measureInterleavedCases(ctx, {
          scenario: this.id,
          cases: steps.map((t) => ({ caseLabel: `${load.label}, threads=${t}`, spec: spec(t), cpus: ctx.layout.proxy })),
          subjects: SUBJECTS,
          cpu: CPU_PER.request,
          metrics: [RATE, ...LATENCY_METRICS],
          measure: (s) => wrkRound(ctx, s, round),
        });
        rows.push(...r.rows);
        const selected = withSecondBuild(SUBJECTS).filter((s) => ctx.settings.subjects.includes(s));
        const base = r.tables[0];
        for (const [i, t] of steps.entries()) {
          const table = r.tables[i];
          if (i === 0 || table === undefined || base === undefined) continue;
          const label = `${load.label}, threads ${t} ÷ 1`;
          rows.push(
            ...caseRatioRows(this.id, label, { name: `${RATE.name} at ${t} ÷ at 1`, unit: '×', better: 'higher' }, RATE.name, selected, table, base),
            ...caseRatioRows(this.id, label, { name: `${CPU_PER.request.name} at ${t} ÷ at 1`, unit: '×', better: 'lower' }, CPU_PER.request.name, selected, table, base),
          );
        }
      }
      return rows;
    } finally {
      await backends.stop();
    }
  },
};
