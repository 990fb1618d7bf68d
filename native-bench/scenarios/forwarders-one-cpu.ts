// Scenario: what a second forwarder costs when it gets no CPU of its own (issue 10: "CPU per request at 2 forwarders
// ÷ at 1, both pinned to the same CPU" ≤ 1.10): orcalb `--threads 1` and `--threads 2` (haproxy `nbthread 1` and
// `2`) confined to the one proxy CPU, measured in the same interleaved rounds, on L7 small keep-alive and on L4 new
// connections (where the acceptor's handoff picks between forwarders). More threads on one CPU can only add work
// (wake-ups, fewer events per wake); the figure says how much. Bench runner main thread.

import { startBackends } from '../backends/backend-launcher.js';
import { proxyCpusFor } from '../cpu-layout.js';
import { CPU_PER } from '../process-figures.js';
import { withSecondBuild, type MetricSpec, type ResultRow, type SubjectName } from '../result-model.js';
import { caseRatioRows } from './case-ratio.js';
import { measureInterleavedCases, SEED_MAXCONN } from './subject-rounds.js';
import type { Scenario } from './scenario.js';
import { LATENCY_METRICS, wrkRound } from './wrk-round.js';

const CONNS = 64;
const SUBJECTS: readonly SubjectName[] = ['orcalb', 'haproxy'];
/** The two loads: the main path (keep-alive requests) and the path through the acceptor (a connection per request). */
const LOADS = [
  { label: `L7 keep-alive c=${CONNS}`, mode: 'http', close: false, cpu: CPU_PER.request, rate: 'requests/s', unit: 'req/s' },
  { label: `L4 new connections c=${CONNS}`, mode: 'tcp', close: true, cpu: CPU_PER.connection, rate: 'connections/s', unit: 'conn/s' },
] as const;

/** The derived metric's name for a CPU figure: `CPU per request at 2 ÷ at 1`. */
export function twoOverOne(cpu: MetricSpec): string {
  return `${cpu.name} at 2 ÷ at 1`;
}

export const forwardersOneCpu: Scenario = {
  id: 'forwarders-one-cpu',
  title: 'Two forwarders on one CPU: CPU per request at 2 threads ÷ at 1, the proxy confined to one CPU',
  usesWrk: true,
  async run(ctx) {
    const backends = await startBackends(ctx.group, 'http', ctx.layout.load);
    const oneCpu = proxyCpusFor(ctx.layout, 1);
    const rows: ResultRow[] = [];
    try {
      for (const load of LOADS) {
        const spec = (threads: number): { mode: 'tcp' | 'http'; servers: readonly number[]; threads: number; maxconn: number } =>
          ({ mode: load.mode, servers: backends.ports, threads, maxconn: SEED_MAXCONN });
        const metrics: readonly MetricSpec[] = [{ name: load.rate, unit: load.unit, better: 'higher' }, ...LATENCY_METRICS];
        const r = await measureInterleavedCases(ctx, {
          scenario: this.id,
          cases: [
            { caseLabel: `${load.label}, 1 thread`, spec: spec(1), cpus: oneCpu },
            { caseLabel: `${load.label}, 2 threads`, spec: spec(2), cpus: oneCpu },
          ],
          subjects: SUBJECTS,
          cpu: load.cpu,
          metrics,
          measure: (s) => wrkRound(ctx, s, { conns: CONNS, close: load.close, rate: load.rate }),
        });
        rows.push(...r.rows);
        const [one, two] = r.tables;
        if (one !== undefined && two !== undefined) {
          const selected = withSecondBuild(SUBJECTS).filter((s) => ctx.settings.subjects.includes(s));
          const metric: MetricSpec = { name: twoOverOne(load.cpu), unit: '×', better: 'lower' };
          rows.push(...caseRatioRows(this.id, `${load.label}, 2 threads ÷ 1`, metric, load.cpu.name, selected, two, one));
        }
      }
      return rows;
    } finally {
      await backends.stop();
    }
  },
};
