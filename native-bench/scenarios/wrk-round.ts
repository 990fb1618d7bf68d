// One wrk run of a running subject, shaped for the scenarios' figures: the work done for the CPU figure (requests,
// or MiB for the 1 MiB responses), the rate and the p50/p99 latencies. Shared by every wrk scenario so that they
// load the same way (wrk pinned to the load CPUs; a run with more than 1 % errors counts as failed, since
// errors answered fast would flatter the CPU figure). Bench runner main thread.

import { BULK_PATH, BULK_SIZE } from '../backends/backend-launcher.js';
import { runWrk } from '../load/wrk-run.js';
import { WORK_DONE } from '../process-figures.js';
import type { MetricSpec } from '../result-model.js';
import type { RunningSubject } from '../subjects/subject.js';
import type { ScenarioContext } from './scenario.js';

/** The latencies every wrk scenario reports beside its rate. */
export const LATENCY_METRICS: readonly MetricSpec[] = [
  { name: 'p50 latency', unit: 'ms', better: 'lower' },
  { name: 'p99 latency', unit: 'ms', better: 'lower' },
];

/** Errors tolerated in one run, as a share of its requests (a reset at the end of a close-mode run, say). */
export const MAX_ERROR_SHARE = 0.01;

export interface WrkRound {
  readonly conns: number;
  /** `Connection: close` on every request: a new client connection per request. */
  readonly close: boolean;
  /** The rate's metric name: 'requests/s' or 'connections/s'; 'throughput' (MB/s) for `bulk`. */
  readonly rate: string;
  /** GET the backends' 1 MiB response: the work is counted in MiB, the rate in MB/s. */
  readonly bulk?: boolean;
  /** Over TLS (the subject's bind is `ssl`). */
  readonly https?: boolean;
  /** wrk threads (default 1: wrk is lighter than any proxy on one CPU; thread scaling gives one per load CPU). */
  readonly threads?: number;
}

/** Runs wrk once against the subject for the pass's duration; rejects when wrk fails or errs (see above). */
export async function wrkRound(ctx: ScenarioContext, s: RunningSubject, r: WrkRound): Promise<Record<string, number>> {
  const w = await runWrk(ctx.group, {
    port: s.ports[0] ?? 0,
    conns: r.conns,
    durationS: ctx.settings.durationS,
    threads: r.threads ?? 1,
    close: r.close,
    cpus: ctx.layout.load,
    maxErrorShare: MAX_ERROR_SHARE,
    ...(r.bulk === true ? { path: BULK_PATH } : {}),
    ...(r.https === true ? { https: true } : {}),
  });
  const mib = BULK_SIZE / 2 ** 20;
  return {
    [WORK_DONE]: r.bulk === true ? w.requests * mib : w.requests,
    [r.rate]: r.bulk === true ? (w.reqPerS * BULK_SIZE) / 1e6 : w.reqPerS,
    'p50 latency': w.p50Ms,
    'p99 latency': w.p99Ms,
  };
}
