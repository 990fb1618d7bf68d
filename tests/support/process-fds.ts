// What a running balancer holds, read from /proc/<pid>: open descriptors, the RLIMIT_NOFILE soft limit and the
// resident memory. For the fd-exhaustion and maxconn tests, side by side with haproxy. Test-runner thread; Linux.

import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** Open descriptors of process `pid` now (its /proc/<pid>/fd entries). Throws if the process is gone. */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** The soft RLIMIT_NOFILE of process `pid` (Infinity for unlimited). */
export function softFdLimit(pid: number): number {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const soft = line?.replace('Max open files', '').trim().split(/\s+/)[0];
  return soft === 'unlimited' ? Infinity : Number(soft);
}

/**
 * The number the kernel would give the next fd process `pid` opens (the lowest one not open): with the soft limit
 * set to it, the process's next open/accept fails with EMFILE.
 */
export function lowestFreeFd(pid: number): number {
  const open = new Set(readdirSync(`/proc/${pid}/fd`).map(Number));
  let fd = 0;
  while (open.has(fd)) fd++;
  return fd;
}

/** Sets the soft RLIMIT_NOFILE of a running process `pid` (prlimit --pid, util-linux), keeping its hard limit. */
export function setSoftFdLimit(pid: number, soft: number): void {
  execFileSync('prlimit', ['--pid', String(pid), `--nofile=${soft}:`]);
}

/** Resident set size of process `pid`, in KiB (VmRSS). */
export function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? 0);
}

/**
 * Samples openFds(pid) every `everyMs` until stop() is called; stop() resolves with the highest count seen. A
 * measurement over a load test (the figure asserted is a bound, not a time).
 */
export function sampleOpenFds(pid: number, everyMs = 20): { stop(): number } {
  let max = openFds(pid);
  const timer = setInterval(() => {
    try {
      max = Math.max(max, openFds(pid));
    } catch {
      // the process exited; the test notices elsewhere
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return max;
    },
  };
}
