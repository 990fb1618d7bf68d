// What a running balancer holds, read from /proc/<pid>: open descriptors, the RLIMIT_NOFILE soft limit and the
// resident memory. For the fd-exhaustion and maxconn tests, side by side with haproxy. Test-runner thread; Linux.

import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

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

/**
 * Connections to local TCP port `port` that process `pid` holds an fd of: the ones it has accepted (the kernel's
 * accept queue and the listening socket itself are not counted). From /proc/<pid>/fd and /proc/net/tcp{,6}.
 */
export function acceptedOnPort(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1] !== undefined) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is f[1] (addr:PORT), st is f[3] ('0A' = LISTEN), inode is f[9].
      if (f[1]?.endsWith(`:${hexPort}`) && f[3] !== '0A' && f[9] !== undefined && inodes.has(f[9])) n++;
    }
  }
  return n;
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

/**
 * The names of process `pid`'s threads now (/proc/<pid>/task/<tid>/comm: Node names a Worker's thread after its
 * `name` option, so orcalb's threads read 'forwarder 0'…'forwarder N-1' (issue 15), 'acceptor', 'health-checker', 'stats'; Node's and V8's own
 * read 'MainThread', 'libuv-worker', 'V8Worker'…), in tid order.
 */
export function threadNames(pid: number): string[] {
  const out: string[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`).map(Number).sort((a, b) => a - b)) {
    try {
      out.push(readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim());
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}
