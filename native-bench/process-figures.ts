// What the bench reads about a subject's processes in /proc: RSS (VmRSS) and open file descriptors of a process
// tree (nginx: master + workers), the peak fd count sampled during a measurement, and RSS once it has settled.
// Every scenario reports "RSS after" and "fds at peak" per subject with these. Bench runner main thread.

import { readdirSync, readFileSync } from 'node:fs';
import type { MetricSpec } from './result-model.js';

export const MIB = 1 << 20;
/** fd sampling period: a readdir of /proc/PID/fd costs ~1 ms per 2,000 fds, on the runner's (load) CPU. */
export const FD_SAMPLE_MS = 200;

/** The two figures every scenario adds per subject that has a process of its own (not `direct`). */
export const PROCESS_METRICS: readonly MetricSpec[] = [
  { name: 'RSS after', unit: 'MiB', better: 'lower', informational: true, perProcess: true },
  { name: 'fds at peak', unit: 'fds', better: 'lower', informational: true, perProcess: true },
];

/** VmRSS (or another `Key:   N kB` line) of a /proc/PID/status text, in bytes; 0 when the line is absent. Pure. */
export function statusBytes(statusText: string, key = 'VmRSS'): number {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(statusText);
  return m?.[1] === undefined ? 0 : Number(m[1]) * 1024;
}

/** VmRSS of one process in bytes; 0 when it is gone. */
export function rssOf(pid: number): number {
  try {
    return statusBytes(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return 0;
  }
}

/** PIDs whose parent is `pid` (e.g. nginx workers under their master), from /proc. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name in field 2 may hold spaces: the ppid is the second field after its closing ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** `pid` and all its descendants (depth first). */
function treeOf(pid: number): number[] {
  return [pid, ...childrenOf(pid).flatMap(treeOf)];
}

/** RSS of a process and all its descendants, in bytes (nginx: master + workers). */
export function treeRss(pid: number): number {
  return treeOf(pid).reduce((sum, p) => sum + rssOf(p), 0);
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
 * Runs one measurement of a subject and adds its process figures: "fds at peak" (the tree's open fds sampled during
 * the run) and "RSS after" (the tree's RSS in MiB once it is over). A subject without a process (`direct`) gets the
 * measurement's own values only. Rejects as `measure` does.
 */
export async function withProcessFigures(
  pid: number | undefined,
  measure: () => Promise<Record<string, number>>,
): Promise<Record<string, number>> {
  if (pid === undefined) return await measure();
  const fds = samplePeak(() => treeFds(pid));
  let values: Record<string, number>;
  try {
    values = await measure();
  } catch (e) {
    // Stopped on failure too: the interval would keep the runner alive.
    fds.stop();
    throw e;
  }
  const peak = fds.stop();
  return { ...values, 'RSS after': treeRss(pid) / MIB, 'fds at peak': peak };
}

/** RSS of the tree once it stops moving: three reads 200 ms apart within 1 % (at most 5 s). */
export async function settledRss(pid: number): Promise<number> {
  let last = treeRss(pid);
  let stable = 0;
  for (let i = 0; i < 25 && stable < 2; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const now = treeRss(pid);
    stable = Math.abs(now - last) <= last * 0.01 ? stable + 1 : 0;
    last = now;
  }
  return last;
}
