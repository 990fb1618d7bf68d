// Scenario: what `option httplog` costs on the L7 keep-alive path (issue 13: "L7 keep-alive with option httplog to
// a UDP sink costs orcalb ≤ 10 % more CPU per request than without logging; say how much it costs haproxy"). Two
// cases in the same interleaved rounds: the L7 keep-alive config as l7-keepalive runs it, and the same frontend with
// `log 127.0.0.1:<sink> local2` and `option httplog`, every request a line sent to a UDP sink the runner drains. CPU
// per request per case, then httplog ÷ none per subject. Bench runner main thread (the sink reads in it too: its cost
// is the runner's, not the proxy's).

import { createSocket } from 'node:dgram';
import { startBackends } from '../backends/backend-launcher.js';
import { CPU_PER } from '../process-figures.js';
import { withSecondBuild, type MetricSpec, type ResultRow, type SubjectName } from '../result-model.js';
import { caseRatioRows } from './case-ratio.js';
import type { Scenario } from './scenario.js';
import { measureInterleavedCases, SEED_MAXCONN } from './subject-rounds.js';
import { LATENCY_METRICS, wrkRound } from './wrk-round.js';

const CONNS = 64;
const SUBJECTS: readonly SubjectName[] = ['orcalb', 'haproxy'];
const METRICS: readonly MetricSpec[] = [{ name: 'requests/s', unit: 'req/s', better: 'higher' }, ...LATENCY_METRICS];

export const l7Httplog: Scenario = {
  id: 'l7-httplog',
  title: 'L7 small keep-alive with option httplog to a UDP sink ÷ without logging (CPU per request)',
  usesWrk: true,
  async run(ctx) {
    const backends = await startBackends(ctx.group, 'http', ctx.layout.load);
    const sink = createSocket('udp4');
    let lines = 0;
    sink.on('message', () => void lines++);
    await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', () => resolve()));
    const rows: ResultRow[] = [];
    try {
      const base = { mode: 'http' as const, servers: backends.ports, threads: ctx.settings.threads, maxconn: SEED_MAXCONN };
      const logging = [`log 127.0.0.1:${sink.address().port} local2`, 'option httplog'];
      const r = await measureInterleavedCases(ctx, {
        scenario: this.id,
        cases: [
          { caseLabel: `c=${CONNS}, no log`, spec: base },
          { caseLabel: `c=${CONNS}, option httplog`, spec: { ...base, frontendLines: logging } },
        ],
        subjects: SUBJECTS,
        cpu: CPU_PER.request,
        metrics: METRICS,
        measure: (s) => wrkRound(ctx, s, { conns: CONNS, close: false, rate: 'requests/s' }),
      });
      rows.push(...r.rows);
      const [none, logged] = r.tables;
      if (none !== undefined && logged !== undefined) {
        const selected = withSecondBuild(SUBJECTS).filter((s) => ctx.settings.subjects.includes(s));
        const metric: MetricSpec = { name: `${CPU_PER.request.name} with httplog ÷ without`, unit: '×', better: 'lower' };
        rows.push(...caseRatioRows(this.id, `c=${CONNS}, httplog ÷ no log`, metric, CPU_PER.request.name, selected, logged, none));
      }
      console.log(`l7-httplog: the sink received ${lines} lines`);
      return rows;
    } finally {
      sink.close();
      await backends.stop();
    }
  },
};
