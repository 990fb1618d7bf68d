// Scenario: what a traffic log line per request costs on the L7 keep-alive path (issue 13: "L7 keep-alive with
// `option httplog` to a UDP sink costs orcalb ≤ 10 % more CPU per request than without logging; say how much it
// costs haproxy"). Two cases in the same interleaved rounds: the L7 keep-alive config as l7-keepalive runs it, and
// the same with `log 127.0.0.1:P local0` in global and `log global` + `option httplog` in the frontend, to a UDP sink
// that reads and discards (socat). orcalb's line goes through its forwarder's log ring and the log writer on the main
// thread (core/log/); until its httplog lines exist, the ORCALB_TEST_LOG_EACH_REQUEST hook puts one fixed line of an
// httplog line's length per request through the same path. CPU per request per case, then log ÷ none per subject.
// Bench runner main thread.

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

/** A UDP port free now on 127.0.0.1 (bound to port 0, read, released: the sink binds it next). */
async function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  const { port } = sock.address();
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return port;
}

export const l7Log: Scenario = {
  id: 'l7-log',
  title: 'L7 small keep-alive with a log line per request to a UDP sink ÷ without (CPU per request)',
  usesWrk: true,
  async run(ctx) {
    const backends = await startBackends(ctx.group, 'http', ctx.layout.load);
    const sinkPort = await freeUdpPort();
    const sink = ctx.group.spawn({
      name: 'udp-sink',
      command: 'socat',
      args: ['-u', `UDP-RECV:${sinkPort},bind=127.0.0.1,rcvbuf=8388608`, 'OPEN:/dev/null'],
      cpus: ctx.layout.load,
    });
    const rows: ResultRow[] = [];
    try {
      const base = { mode: 'http' as const, servers: backends.ports, threads: ctx.settings.threads, maxconn: SEED_MAXCONN };
      const logged = {
        ...base,
        globalLines: [`log 127.0.0.1:${sinkPort} local0`],
        frontendLines: ['log global', 'option httplog'],
        orcalbEnv: { ORCALB_TEST_HOOKS: '1', ORCALB_TEST_LOG_EACH_REQUEST: '1' },
      };
      const r = await measureInterleavedCases(ctx, {
        scenario: this.id,
        cases: [
          { caseLabel: `c=${CONNS}, no log`, spec: base },
          { caseLabel: `c=${CONNS}, log per request`, spec: logged },
        ],
        subjects: SUBJECTS,
        cpu: CPU_PER.request,
        metrics: METRICS,
        measure: (s) => wrkRound(ctx, s, { conns: CONNS, close: false, rate: 'requests/s' }),
      });
      rows.push(...r.rows);
      const [none, logs] = r.tables;
      if (none !== undefined && logs !== undefined) {
        const selected = withSecondBuild(SUBJECTS).filter((s) => ctx.settings.subjects.includes(s));
        const metric: MetricSpec = { name: `${CPU_PER.request.name} with log ÷ without`, unit: '×', better: 'lower' };
        rows.push(...caseRatioRows(this.id, `c=${CONNS}, log per request ÷ none`, metric, CPU_PER.request.name, selected, logs, none));
      }
      return rows;
    } finally {
      await sink.stop('SIGTERM', 1000);
      await backends.stop();
    }
  },
};
