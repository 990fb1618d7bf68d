// Scenario: what `option dolphindb-inspect` costs (issue 16: "≤ 10 % more CPU per call than plain L4"). The binary-API
// round trips of ddb-round-trips (mode tcp + send-proxy, three emulated nodes), the npm client's WebSocket calls
// relayed at L4, the same WebSocket calls through the HTTP engine (mode http: the upgrade, then its tunnel), and
// JSON-API calls (kept-alive POSTs, each session under its own sessionID), each with and without the option, in the same interleaved rounds; CPU per call per case, then
// inspect ÷ plain per round. orcalb only: the option is orcalb's own (haproxy refuses the word). Bench runner main
// thread.

import { startBackends } from '../backends/backend-launcher.js';
import { runGenerator } from '../load/generator-run.js';
import type { CpuWindow } from '../process-cpu.js';
import { CPU_PER } from '../process-figures.js';
import { withSecondBuild, type MetricSpec, type ResultRow, type SubjectName } from '../result-model.js';
import { caseRatioRows } from './case-ratio.js';
import { CALL_METRICS, callFigures } from './ddb-round-trips.js';
import type { Scenario } from './scenario.js';
import { measureInterleavedCases, SEED_MAXCONN } from './subject-rounds.js';

const SUBJECTS: readonly SubjectName[] = ['orcalb'];
export const ddbInspect: Scenario = {
  id: 'ddb-inspect',
  title: 'DolphinDB calls at L4 and L7 (WebSocket) with option dolphindb-inspect ÷ without (CPU per call)',
  async run(ctx) {
    const backends = await startBackends(ctx.group, 'ddb', ctx.layout.load);
    const rows: ResultRow[] = [];
    const sessions = ctx.settings.ddbSessions[0] ?? 64;
    try {
      const kinds = [
        ['binary', 'ddb-client', true, 'tcp'], ['websocket', 'ddb-ws-client', false, 'tcp'],
        ['websocket L7', 'ddb-ws-client', false, 'http'], ['JSON API L7', 'ddb-json-client', false, 'http'],
      ] as const;
      for (const [label, generator, sendProxy, mode] of kinds) {
        const base = { mode, servers: backends.ports, threads: ctx.settings.threads, maxconn: SEED_MAXCONN, sendProxy };
        const r = await measureInterleavedCases(ctx, {
          scenario: this.id,
          cases: [
            { caseLabel: `${label} sessions=${sessions}, plain ${mode === 'tcp' ? 'L4' : 'L7'}`, spec: base },
            { caseLabel: `${label} sessions=${sessions}, dolphindb-inspect`, spec: { ...base, backendLines: ['option dolphindb-inspect'] } },
          ],
          subjects: SUBJECTS,
          cpu: CPU_PER.call,
          metrics: CALL_METRICS,
          measure: async (s, _case: number, cpu: CpuWindow) => callFigures(await runGenerator(
            ctx.group,
            generator,
            ['--ports', s.ports.join(','), '--sessions', String(sessions), '--duration', String(ctx.settings.durationS)],
            ctx.layout.load,
            ctx.settings.durationS,
            cpu,
          )),
        });
        rows.push(...r.rows);
        const [plain, inspect] = r.tables;
        if (plain !== undefined && inspect !== undefined) {
          const selected = withSecondBuild(SUBJECTS).filter((s) => ctx.settings.subjects.includes(s));
          const metric: MetricSpec = { name: `${CPU_PER.call.name} inspect ÷ plain`, unit: '×', better: 'lower' };
          rows.push(...caseRatioRows(this.id, `${label} sessions=${sessions}, inspect ÷ plain`, metric, CPU_PER.call.name, selected, inspect, plain));
        }
      }
      return rows;
    } finally {
      await backends.stop();
    }
  },
};
