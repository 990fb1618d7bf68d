// CPU time of a proxy's process tree from /proc (utime + stime of every thread, exited ones included; nginx: master +
// workers), the primary figure of every bench scenario (issue 10): µs of proxy CPU per request, connection, call or
// MiB over a measuring window, the study's method (../shared/perf/README.md "Setup and method"). Runner main thread.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { treeOf } from './process-tree.js';

let clockTicks: number | undefined;

/** The kernel's clock ticks per second for /proc times (`getconf CLK_TCK`, 100 on Linux); cached. Never throws. */
export function clockTicksPerS(): number {
  if (clockTicks === undefined) {
    try {
      const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      clockTicks = Number.isInteger(n) && n > 0 ? n : 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User and system clock ticks of one /proc/PID/stat text (fields 14 and 15); undefined when malformed. Pure. */
export function statCpuTicks(statText: string): { user: number; system: number } | undefined {
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const close = statText.lastIndexOf(')');
  if (close < 0) return undefined;
  const rest = statText.slice(close + 2).split(' ');
  // rest[0] is field 3 (state): utime is field 14 → rest[11], stime field 15 → rest[12].
  const user = Number(rest[11]);
  const system = Number(rest[12]);
  return Number.isFinite(user) && Number.isFinite(system) ? { user, system } : undefined;
}

/**
 * CPU time (user + system) of a process and all its descendants in µs; NaN when the process itself is gone (a window
 * across its death means nothing: its ticks went with it), a descendant that is gone counts 0.
 */
export function treeCpuUs(pid: number): number {
  let ticks = 0;
  for (const p of treeOf(pid)) {
    let t: { user: number; system: number } | undefined;
    try {
      t = statCpuTicks(readFileSync(`/proc/${p}/stat`, 'utf8'));
    } catch {
      // exited while we looked
    }
    if (t === undefined && p === pid) return Number.NaN;
    if (t !== undefined) ticks += t.user + t.system;
  }
  return (ticks * 1e6) / clockTicksPerS();
}

/**
 * The measuring window of one run as a load generator sees it: `begin()` when it starts counting (after its warm-up),
 * `end()` when it stops. A measurement that never calls them is measured from its start to its end.
 */
export interface CpuWindow {
  begin(): void;
  end(): void;
}

/**
 * Reads a process tree's CPU time at the window's bounds. begin() (re)starts the window; the first end() after it
 * closes it. /proc's resolution is one tick (10 ms): a window of a few seconds keeps the rounding under 1 %.
 */
export class CpuMeter implements CpuWindow {
  private readonly pid: number;
  private startUs: number | undefined;
  private endUs: number | undefined;

  constructor(pid: number) {
    this.pid = pid;
  }

  begin(): void {
    this.startUs = treeCpuUs(this.pid);
    this.endUs = undefined;
  }

  end(): void {
    if (this.startUs !== undefined && this.endUs === undefined) this.endUs = treeCpuUs(this.pid);
  }

  /**
   * µs of CPU the tree used inside the window; NaN when the window was never opened and closed, or the process was
   * gone at either end (a restarted or crashed subject is a failed run, never a negative or flattering figure).
   */
  usedUs(): number {
    if (this.startUs === undefined || this.endUs === undefined) return Number.NaN;
    const used = this.endUs - this.startUs;
    return used >= 0 ? used : Number.NaN;
  }
}

/** A window for a subject without a process of its own (`direct`): nothing to read. */
export const NO_CPU_WINDOW: CpuWindow = { begin: () => undefined, end: () => undefined };

/**
 * CPU time (µs) of the threads of `pid` whose name (comm) is `name`: Node names a worker's OS thread after the
 * Worker's `name` (workers/spawn.ts: 'stats', 'forwarder 0', 'peers', …). One thread's own share, free of the
 * other threads' noise (the stats thread's in dashboard-cost.ts, the peers thread's in peers-updates.ts).
 */
export function threadCpuUs(pid: number, name: string): number {
  let ticks = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() !== name) continue;
      const t = statCpuTicks(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      if (t !== undefined) ticks += t.user + t.system;
    } catch {
      // the thread ended while we looked
    }
  }
  return (ticks * 1e6) / clockTicksPerS();
}
