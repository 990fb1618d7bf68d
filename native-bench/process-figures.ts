// What the bench reads about a subject's processes in /proc: RSS (VmRSS) and open file descriptors of a process
// tree (nginx: master + workers), the peak fd count sampled during a measurement, RSS once it has settled, and the
// CPU-per-unit figures (the CPU itself: process-cpu.ts). Every scenario reports "RSS after" and "fds at peak" per
// subject with these, and every throughput scenario its CPU per unit first. Bench runner main thread.

import { readdirSync, readFileSync } from 'node:fs';
import { CpuMeter, NO_CPU_WINDOW, type CpuWindow } from './process-cpu.js';
import { treeOf } from './process-tree.js';
import type { MetricSpec } from './result-model.js';

export const MIB = 1 << 20;
/** fd sampling period: a readdir of /proc/PID/fd costs ~1 ms per 2,000 fds, on the runner's (load) CPU. */
export const FD_SAMPLE_MS = 200;

/** The two figures every scenario adds per subject that has a process of its own (not `direct`). */
export const PROCESS_METRICS: readonly MetricSpec[] = [
  { name: 'RSS after', unit: 'MiB', better: 'lower', informational: true, perProcess: true },
  { name: 'fds at peak', unit: 'fds', better: 'lower', informational: true, perProcess: true },
];

/**
 * The primary figure of every throughput scenario (issue 10): µs of the proxy process's CPU per unit of work, paired
 * with HAProxy as an efficiency (HAProxy's ÷ the subject's, > 1: the subject spends less).
 */
export const CPU_PER = {
  request: { name: 'CPU per request', unit: 'µs/req', better: 'lower', perProcess: true, efficiency: true },
  connection: { name: 'CPU per connection', unit: 'µs/conn', better: 'lower', perProcess: true, efficiency: true },
  call: { name: 'CPU per call', unit: 'µs/call', better: 'lower', perProcess: true, efficiency: true },
  mib: { name: 'CPU per MiB', unit: 'µs/MiB', better: 'lower', perProcess: true, efficiency: true },
} as const satisfies Record<string, MetricSpec>;

/** VmRSS (or another `Key:   N kB` line) of a /proc/PID/status text, in bytes; 0 when the line is absent. Pure. */
export function statusBytes(statusText: string, key = 'VmRSS'): number {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(statusText);
  return m?.[1] === undefined ? 0 : Number(m[1]) * 1024;
}

/** VmRSS (or another kB line of /proc/PID/status: RssAnon, RssFile) of one process in bytes; 0 when it is gone. */
export function rssOf(pid: number, key = 'VmRSS'): number {
  try {
    return statusBytes(readFileSync(`/proc/${pid}/status`, 'utf8'), key);
  } catch {
    return 0;
  }
}

/** RSS (or its `key` part, as rssOf) of a process and all its descendants, in bytes (nginx: master + workers). */
export function treeRss(pid: number, key = 'VmRSS'): number {
  return treeOf(pid).reduce((sum, p) => sum + rssOf(p, key), 0);
}

/** Open file descriptors of one process (entries of /proc/PID/fd); 0 when it is gone. */
export function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** Open file descriptors of a process tree. */
export function treeFds(pid: number): number {
  return treeOf(pid).reduce((sum, p) => sum + fdCount(p), 0);
}

/**
 * Samples `read()` every `everyMs` until `stop()`, which takes one last sample and returns the largest seen
 * (the first sample is taken at once, so a stop right after the start still has one).
 */
export function samplePeak(read: () => number, everyMs = FD_SAMPLE_MS): { stop(): number } {
  let peak = read();
  const timer = setInterval(() => {
    peak = Math.max(peak, read());
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, read());
    },
  };
}

/**
 * The key a measurement returns with the amount of work done inside its CPU window (requests, connections, calls or
 * MiB): withProcessFigures turns it into the case's CPU-per-unit figure and drops it from the values.
 */
export const WORK_DONE = 'work done';

/**
 * Runs one measurement of a subject and adds its process figures: "fds at peak" (the tree's open fds sampled during
 * the run), "RSS after" (the tree's RSS in MiB once it is over) and, when `cpuMetric` is given, that metric: µs of
 * the tree's CPU inside the measurement's window ÷ the `WORK_DONE` it returned. The window is the whole measurement
 * unless `measure` opens and closes it itself (a generator's counting time). A subject without a process (`direct`)
 * gets the measurement's own values only. Rejects as `measure` does.
 */
export async function withProcessFigures(
  pid: number | undefined,
  measure: (cpu: CpuWindow) => Promise<Record<string, number>>,
  cpuMetric?: string,
): Promise<Record<string, number>> {
  const withoutWork = (v: Record<string, number>): Record<string, number> => {
    const { [WORK_DONE]: _work, ...rest } = v;
    return rest;
  };
  if (pid === undefined) return withoutWork(await measure(NO_CPU_WINDOW));
  const fds = samplePeak(() => treeFds(pid));
  const cpu = new CpuMeter(pid);
  let values: Record<string, number>;
  try {
    cpu.begin();
    values = await measure(cpu);
    cpu.end();
  } catch (e) {
    // Stopped on failure too: the interval would keep the runner alive.
    fds.stop();
    throw e;
  }
  const peak = fds.stop();
  const work = values[WORK_DONE] ?? Number.NaN;
  const perUnit = cpuMetric === undefined ? {} : { [cpuMetric]: work > 0 ? cpu.usedUs() / work : Number.NaN };
  return { ...perUnit, ...withoutWork(values), 'RSS after': treeRss(pid) / MIB, 'fds at peak': peak };
}

/** How long settledRss waits for the RSS to stop moving. */
export interface SettleOptions {
  /** Time between reads, ms. */
  readonly intervalMs: number;
  /** Consecutive reads within 1 % of the one before that count as settled (the window is this × intervalMs). */
  readonly stableReads: number;
  /** Reads at most; the last one is returned, settled or not. */
  readonly maxReads: number;
}

/** The default: three reads 200 ms apart within 1 % (at most 5 s). */
export const QUICK_SETTLE: SettleOptions = { intervalMs: 200, stableReads: 2, maxReads: 25 };

/**
 * Idle memory (idle-memory's readings): the RSS must hold still for 3 s (at most 20 s). orcalb gives a burst's heap
 * back once its threads have been quiet ~0.3 s (core/io/idle-compaction.ts), which came 0.5-2.8 s after the last of
 * 4,000 idle connections arrived (measured, 2-core machine shared with other sessions): a 0.4 s window read the
 * transient (11.8 KiB per connection where the idle state holds 6.4). What an idle proxy holds for good is what
 * stays; HAProxy's RSS is flat, so the wait changes nothing for it.
 */
export const IDLE_SETTLE: SettleOptions = { intervalMs: 200, stableReads: 15, maxReads: 100 };

/** RSS of the tree once it stops moving (see SettleOptions); `read` is the reading (tests give their own). */
export async function settledRss(pid: number, o: SettleOptions = QUICK_SETTLE, read: () => number = () => treeRss(pid)): Promise<number> {
  let last = read();
  let stable = 0;
  for (let i = 0; i < o.maxReads && stable < o.stableReads; i++) {
    await new Promise((r) => setTimeout(r, o.intervalMs));
    const now = read();
    stable = Math.abs(now - last) <= last * 0.01 ? stable + 1 : 0;
    last = now;
  }
  return last;
}
