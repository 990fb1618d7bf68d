// Runs wrk (Debian's wrk 4.1) pinned to the load CPUs and parses its report: requests/s, p50/p99 latency from
// `--latency`, socket errors and non-2xx responses. Bounded: killed after duration + 15 s. Runner main thread.

import { existsSync } from 'node:fs';
import type { ProcessGroup } from '../process-group.js';

export const WRK_BIN = '/usr/bin/wrk';

export interface WrkReport {
  /** Requests completed over the whole run (`N requests in`): the work of a CPU-per-request figure. */
  readonly requests: number;
  /** Bytes read over the whole run (`… 4.12MB read`, wrk's 2-decimal rounding). */
  readonly bytesRead: number;
  readonly reqPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** connect + read + write + timeout errors, plus non-2xx/3xx responses. */
  readonly errors: number;
  /** wrk's `Socket errors:` line apart (0 each when wrk printed none) and the non-2xx/3xx count. */
  readonly socket: { readonly connect: number; readonly read: number; readonly write: number; readonly timeout: number };
  readonly non2xx: number;
}

/** wrk's latency figure (`812.00us`, `1.20ms`, `2.01s`) in ms; NaN when absent. */
function latencyMs(text: string, label: string): number {
  const m = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text);
  if (m?.[1] === undefined) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 };

/** Parses wrk's stdout. Pure; NaN fields for what is missing. */
export function parseWrk(text: string): WrkReport {
  const total = /^\s*(\d+) requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB|TB) read/m.exec(text);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text)?.[1];
  const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1];
  const socketErrors = sockErr === null ? 0 : sockErr.slice(1).reduce((s, v) => s + Number(v), 0);
  return {
    requests: total?.[1] === undefined ? Number.NaN : Number(total[1]),
    // wrk prints binary units (1 MB = 2^20 bytes) under decimal names.
    bytesRead: total?.[2] === undefined ? Number.NaN : Number(total[2]) * (SIZE_UNITS[total[3] ?? ''] ?? Number.NaN),
    reqPerS: rps === undefined ? Number.NaN : Number(rps),
    p50Ms: latencyMs(text, '50'),
    p99Ms: latencyMs(text, '99'),
    errors: socketErrors + (non2xx === undefined ? 0 : Number(non2xx)),
    socket: {
      connect: Number(sockErr?.[1] ?? 0),
      read: Number(sockErr?.[2] ?? 0),
      write: Number(sockErr?.[3] ?? 0),
      timeout: Number(sockErr?.[4] ?? 0),
    },
    non2xx: non2xx === undefined ? 0 : Number(non2xx),
  };
}

export function wrkAvailable(): boolean {
  return existsSync(WRK_BIN);
}

/**
 * `wrk -t T -c C -d Ds --latency [--timeout S] [-H 'Connection: close'] http://127.0.0.1:port/PATH` on cpus;
 * T = min(C, threads); `timeoutS` is wrk's per-request limit (its default, 2 s, when omitted); `path` defaults to
 * `/` (the backends' small response; `/bulk` is 1 MiB). Resolves with the parsed report; rejects when wrk prints no
 * Requests/sec line, or more errors (socket errors, non-2xx answers) than `maxErrorShare` of the requests.
 */
export async function runWrk(
  group: ProcessGroup,
  opts: {
    port: number;
    conns: number;
    durationS: number;
    threads: number;
    close: boolean;
    cpus: string | undefined;
    timeoutS?: number;
    path?: string;
    maxErrorShare?: number;
    /** https: wrk speaks TLS to the subject (a new connection with `close` is a full handshake). */
    https?: boolean;
  },
): Promise<WrkReport> {
  const args = ['-t', String(Math.max(1, Math.min(opts.threads, opts.conns))), '-c', String(opts.conns), '-d', `${opts.durationS}s`, '--latency'];
  if (opts.timeoutS !== undefined) args.push('--timeout', `${opts.timeoutS}s`);
  if (opts.close) args.push('-H', 'Connection: close');
  args.push(`${opts.https === true ? 'https' : 'http'}://127.0.0.1:${opts.port}${opts.path ?? '/'}`);
  const child = group.spawn({ name: 'wrk', command: WRK_BIN, args, cpus: opts.cpus, nofile: 65_536 });
  const timer = setTimeout(() => void child.stop('SIGKILL'), (opts.durationS + Math.max(15, opts.timeoutS ?? 0)) * 1000);
  await child.exited;
  clearTimeout(timer);
  const report = parseWrk(child.output());
  if (Number.isNaN(report.reqPerS)) throw new Error(`wrk gave no result:\n${child.output().slice(-1500)}`);
  if (opts.maxErrorShare !== undefined && !(report.errors <= report.requests * opts.maxErrorShare)) throw new Error(`wrk: ${report.errors} errors (socket errors or non-2xx):\n${child.output().slice(-800)}`);
  return report;
}
