// Which CPUs the proxy under test gets and which the load generators and backends share (issue 5 "Method": the
// proxy on its own cores). Printed at the start of every bench run. Bench runner main thread.

import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';

export interface CpuLayout {
  readonly cpus: number;
  /** taskset list for the proxy under test, undefined when taskset is missing (nothing is pinned). */
  readonly proxy: string | undefined;
  /** taskset list for wrk, our generators, the backends and the runner itself. */
  readonly load: string | undefined;
  /** How many CPUs the proxy owns: the thread-scaling scenario goes up to the machine's cores. */
  readonly proxyCount: number;
  readonly model: string;
}

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
 * Splits the machine: one CPU on 1-core machines (shared, noted), the upper half to the proxy otherwise
 * (2 cores: proxy on CPU 1, the rest on CPU 0). Pins the calling process to the load CPUs. Never throws.
 */
export function planCpuLayout(): CpuLayout {
  const n = availableParallelism();
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  if (!hasTaskset()) return { cpus: n, proxy: undefined, load: undefined, proxyCount: n, model };
  if (n === 1) return { cpus: n, proxy: '0', load: '0', proxyCount: 1, model };
  const loadCount = Math.floor(n / 2);
  const layout = { cpus: n, proxy: list(loadCount, n - 1), load: list(0, loadCount - 1), proxyCount: n - loadCount, model };
  try {
    // The runner parses results and starts processes: keep it off the proxy's cores too.
    execFileSync('taskset', ['-p', '-c', layout.load, String(process.pid)], { stdio: 'ignore' });
  } catch {
    // not allowed here: the runner is mostly idle while a measurement runs
  }
  return layout;
}

/** The layout line printed before any scenario. */
export function describeLayout(l: CpuLayout): string {
  if (l.proxy === undefined) return `CPU layout: ${l.cpus} CPUs (${l.model}); taskset missing, nothing pinned`;
  return `CPU layout: ${l.cpus} CPUs (${l.model}); proxy under test on CPU ${l.proxy}; ` +
    `load generators (wrk, node clients), backends and the runner on CPU ${l.load}`;
}
