// Which CPUs the proxy under test gets and which the load generators and backends share (issue 5 "Method": the
// proxy on its own cores). Printed at the start of every bench run. Bench runner main thread.

import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';

export interface CpuLayout {
  readonly cpus: number;
  /** taskset list of every CPU the proxy may get, undefined when taskset is missing (nothing is pinned). */
  readonly proxy: string | undefined;
  /** taskset list for wrk, our generators, the backends and the runner itself. */
  readonly load: string | undefined;
  /** How many CPUs the proxy may get (the upper part of the machine). */
  readonly proxyCount: number;
  /** How many CPUs the load side has: wrk threads and backend processes (thread-scaling) follow it. */
  readonly loadCount: number;
  /** The first proxy CPU (the study's "CPU 1" on 2 cores); undefined without taskset. */
  readonly proxyFirst: number | undefined;
  readonly share: LoadShare;
  readonly model: string;
}

/** How the machine is split: `half` for the passes (proxy on the upper half), `quarter` for thread scaling. */
export type LoadShare = 'half' | 'quarter';

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function list(from: number, to: number): string {
  return from === to ? String(from) : `${from}-${to}`;
}

/**
 * Splits the machine: one CPU on 1-core machines (shared, noted); otherwise the load side gets the lower half
 * (`quarter`: the lower quarter, at least one CPU) and the proxy the rest (2 cores: proxy on CPU 1, the rest on
 * CPU 0, either way). Pins the calling process to the load CPUs. Never throws.
 */
export function planCpuLayout(share: LoadShare = 'half'): CpuLayout {
  const n = availableParallelism();
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  if (!hasTaskset()) return { cpus: n, proxy: undefined, load: undefined, proxyCount: n, loadCount: n, proxyFirst: undefined, share, model };
  if (n === 1) return { cpus: n, proxy: '0', load: '0', proxyCount: 1, loadCount: 1, proxyFirst: 0, share, model };
  const loadCount = Math.max(1, Math.floor(share === 'half' ? n / 2 : n / 4));
  const layout = {
    cpus: n, proxy: list(loadCount, n - 1), load: list(0, loadCount - 1), proxyCount: n - loadCount, loadCount, proxyFirst: loadCount, share, model,
  };
  try {
    // The runner parses results and starts processes: keep it off the proxy's cores too.
    execFileSync('taskset', ['-p', '-c', layout.load, String(process.pid)], { stdio: 'ignore' });
  } catch {
    // not allowed here: the runner is mostly idle while a measurement runs
  }
  return layout;
}

/**
 * The proxy's CPUs for a run with `threads` threads (the study's method: 1 thread, the whole proxy process on one
 * CPU): the first min(threads, proxyCount) proxy CPUs. Undefined without taskset. Pure.
 */
export function proxyCpusFor(l: CpuLayout, threads: number): string | undefined {
  if (l.proxyFirst === undefined) return undefined;
  const count = Math.max(1, Math.min(threads, l.proxyCount));
  return list(l.proxyFirst, l.proxyFirst + count - 1);
}

/** The layout line printed before any scenario. */
export function describeLayout(l: CpuLayout): string {
  if (l.proxy === undefined) return `CPU layout: ${l.cpus} CPUs (${l.model}); taskset missing, nothing pinned`;
  const which = l.share === 'quarter'
    ? 'all of them at every thread count'
    : `with N threads the first N of them, 1 thread on CPU ${l.proxyFirst ?? '?'}`;
  return `CPU layout: ${l.cpus} CPUs (${l.model}); proxy under test on CPU ${l.proxy} (${which}); ` +
    `load generators (wrk, node clients), backends and the runner on CPU ${l.load}`;
}
