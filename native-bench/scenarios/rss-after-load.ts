// Scenario: RSS after load (issue 8, item 11; issue 10's "RSS after 60 s of L7 keep-alive load, then 10 s idle ≤
// 2× idle RSS"): does a proxy give memory back once the load is over? Per round, case and subject, a fresh proxy in
// `mode http`: its RSS idle, right after the load (wrk: 64 keep-alive connections for 60 s in a full pass, the
// pass's duration otherwise; then a storm of 1,000 connections with `Connection: close` for the pass's duration),
// 10 s later with no traffic, and that last reading ÷ the idle one. HAProxy returns near its idle figure; a Node
// process keeps what its V8 heaps grew to, which workers/spawn.ts bounds. Bench runner main thread.

import { startBackends } from '../backends/backend-launcher.js';
import { runWrk } from '../load/wrk-run.js';
import { MIB, settledRss, treeRss, withProcessFigures } from '../process-figures.js';
import type { MetricSpec, ResultRow } from '../result-model.js';
import type { RunningSubject } from '../subjects/subject.js';
import { measureFreshPerRound, SEED_MAXCONN } from './subject-rounds.js';
import type { Scenario, ScenarioContext } from './scenario.js';

/** Quiet time after the load before the last reading: HAProxy frees its pools within it; V8 has no idle GC. */
export const IDLE_AFTER_S = 10;
/** The two loads: what wrk runs, and the case label; the keep-alive load lasts `rssLoadS`, the storm the duration. */
const LOADS = [
  { label: 'keep-alive c=64', conns: 64, close: false },
  { label: 'storm c=1000 close', conns: 1000, close: true },
] as const;
/** The figure the issue-10 target is about: RSS 10 s after the load ÷ RSS idle, per run. */
export const RSS_LATER_OVER_IDLE = `RSS ${IDLE_AFTER_S} s later ÷ idle`;

const METRICS: readonly MetricSpec[] = [
  // Every scenario's "RSS after" (process-figures.ts), here the figure this scenario is about, so in the chart.
  { name: 'RSS after', unit: 'MiB', better: 'lower', perProcess: true },
  { name: `RSS ${IDLE_AFTER_S} s later`, unit: 'MiB', better: 'lower' },
  { name: RSS_LATER_OVER_IDLE, unit: '×', better: 'lower' },
  { name: 'RSS idle', unit: 'MiB', better: 'lower', informational: true },
  { name: 'requests/s', unit: 'req/s', better: 'higher', informational: true },
  { name: 'fds at peak', unit: 'fds', better: 'lower', informational: true, perProcess: true },
];

async function measureOnce(ctx: ScenarioContext, s: RunningSubject, load: (typeof LOADS)[number], durationS: number): Promise<Record<string, number>> {
  const pid = s.pid;
  if (pid === undefined) throw new Error('no proxy process');
  const idle = await settledRss(pid);
  const after = await withProcessFigures(pid, async () => {
    const r = await runWrk(ctx.group, {
      port: s.ports[0] ?? 0, conns: load.conns, durationS, threads: 1, close: load.close, cpus: ctx.layout.load,
    });
    return { 'requests/s': r.reqPerS };
  });
  await new Promise((r) => setTimeout(r, IDLE_AFTER_S * 1000));
  const later = treeRss(pid);
  return { ...after, [`RSS ${IDLE_AFTER_S} s later`]: later / MIB, [RSS_LATER_OVER_IDLE]: later / idle, 'RSS idle': idle / MIB };
}

export const rssAfterLoad: Scenario = {
  id: 'rss-after-load',
  title: `RSS idle, after L7 load (keep-alive, then a connection storm) and ${IDLE_AFTER_S} s later`,
  // A fresh proxy per round and case, and a minute of load each in a full pass: 3 rounds are enough for RSS.
  maxRounds: 3,
  usesWrk: true,
  async run(ctx) {
    const backends = await startBackends(ctx.group, 'http', ctx.layout.load);
    const rows: ResultRow[] = [];
    try {
      for (const load of LOADS) {
        const durationS = load.close ? ctx.settings.durationS : ctx.settings.rssLoadS;
        rows.push(...(await measureFreshPerRound(ctx, {
          scenario: this.id,
          caseLabel: `${load.label}, ${durationS} s`,
          spec: { mode: 'http', servers: backends.ports, threads: ctx.settings.threads, maxconn: SEED_MAXCONN },
          subjects: ['orcalb', 'haproxy'],
          metrics: METRICS,
          measure: (s) => measureOnce(ctx, s, load, durationS),
        })));
      }
      return rows;
    } finally {
      await backends.stop();
    }
  },
};
