// The file-descriptor budget checked before any thread starts (HAProxy §3.1 `ulimit-n`, `fd-hard-limit`, §3.2
// `maxconn`): orcalb raises RLIMIT_NOFILE when it can and otherwise refuses to start with HAProxy 2.6.12's numbers
// and words, and derives the global maxconn from the limit when the configuration sets none. Main thread only.
//
// What HAProxy 2.6.12 does, measured with `prlimit --nofile=S:H haproxy -f cfg`:
//   - maxconn unset: maxconn = max(100, (min(H, fd-hard-limit) - overhead) / 2), from the HARD limit even when
//     ulimit-n is set; maxconn set: taken as is. Either way the need ("maxsock") is 2 × maxconn + overhead.
//   - the soft limit is raised to ulimit-n if set, else to the need, when it is lower; a raise above fd-hard-limit or
//     the hard limit fails: "[haproxy.main()] Cannot raise FD limit to <n>, limit is <soft>." and exit 1.
//   - a limit still below the need: "FD limit (<soft>) too low for maxconn=<m>/maxsock=<need>. Please raise
//     'ulimit-n' to <need> or more to avoid any trouble." and exit 1 (strict-limits is the 2.6 default).
// orcalb's overhead is its own, counted honestly: see fdOverhead. And Node raises the soft limit to the hard one as
// it starts, so orcalb never sees the soft limit it was started with: `ulimit-n N` therefore SETS the limit to N
// (lowering it too), and `fd-hard-limit` lowers a soft limit above it, so both bound the process as documented.
// Where HAProxy would name the original soft limit in an alert, orcalb names the one Node left it.

import { readFileSync, readdirSync } from 'node:fs';
import type { Config, GlobalConfig } from '../config/model.js';
import type { FdLimit, NativeAddon } from './native-addon.js';

/**
 * Descriptors each Node thread (main, health, acceptor, every forwarder) holds for itself, measured on Node 24 with
 * /proc/self/fd around `new Worker()`: epoll, io_uring, a pipe pair and an eventfd (5), plus libuv's reserve fd for
 * its EMFILE trick once the thread listens or accepts, plus the thread's syslog UDP socket (core/log.ts).
 */
export const PER_THREAD_FDS = 7;

/** Slack for descriptors Node opens lazily and briefly: DNS lookups, reading /proc, loading a module. */
export const SPARE_FDS = 16;

/** HAProxy's floor for a maxconn derived from the fd limit. */
const MIN_DERIVED_MAXCONN = 100;

/** What the process will hold besides its 2 fds per proxied connection. */
export interface FdOverheadInput {
  /** Descriptors open in the process now, before any thread starts (stdio, the main loop, the addon…). */
  readonly baseline: number;
  /** Threads that will run besides main: the health checker, the forwarders, the acceptor in acceptor mode. */
  readonly threads: number;
  /** Listening descriptors: master sockets plus each accepting thread's copies. */
  readonly listenerFds: number;
  /** Accepting threads × listeners: each may hold one accepted connection it could not admit yet. */
  readonly heldFds: number;
  /** Servers with `check`: one probe socket each at most. */
  readonly checks: number;
}

/** The fds orcalb needs on top of 2 × maxconn. Pure. */
export function fdOverhead(i: FdOverheadInput): number {
  return i.baseline + (i.threads + 1) * PER_THREAD_FDS + i.listenerFds + i.heldFds + i.checks + SPARE_FDS;
}

/**
 * Listening descriptors for `targets`: with the addon, the main thread's master sockets (one per TCP target and
 * accepting row, one per UNIX target) plus one dup per target in each accepting thread; without it, each accepting
 * thread's own sockets. Pure.
 */
export function listenerFdCount(
  targets: readonly { readonly unix?: unknown }[],
  acceptingThreads: number,
  reusePortRows: boolean,
  withAddon: boolean,
): number {
  const perThread = targets.length * acceptingThreads;
  if (!withAddon) return perThread;
  const unix = targets.filter((t) => t.unix !== undefined).length;
  const tcp = targets.length - unix;
  return (reusePortRows ? tcp * acceptingThreads : tcp) + unix + perThread;
}

/** The outcome of the start-up check: the limits to run with, or HAProxy's alert and exit status 1. */
export type FdLimitPlan =
  | { readonly ok: true; readonly maxconn: number; readonly maxsock: number; readonly soft: number; readonly raised: boolean }
  | { readonly ok: false; readonly alert: string };

/** The setrlimit half of the native addon, or undefined when it is not built (then no limit can be raised). */
export type FdLimitSetter = Pick<NativeAddon, 'setFdLimit'> | undefined;

/**
 * Applies HAProxy's rules (file header) to `limit` and raises the soft limit through `setter` when needed. Never
 * throws; a failed raise is an alert in the plan. `nrOpen` bounds an unlimited hard limit (fs.nr_open).
 */
export function planFdLimit(
  global: Pick<GlobalConfig, 'maxconn' | 'ulimitN' | 'fdHardLimit'>,
  limit: FdLimit,
  overhead: number,
  setter: FdLimitSetter,
  nrOpen = readNrOpen(),
): FdLimitPlan {
  const cap = global.fdHardLimit ?? Infinity;
  const ceiling = Math.min(limit.hard, cap, nrOpen);
  const maxconn =
    global.maxconn > 0 ? global.maxconn : Math.max(MIN_DERIVED_MAXCONN, Math.floor((ceiling - overhead) / 2));
  const maxsock = 2 * maxconn + overhead;
  let soft = limit.soft;
  let raised = false;
  const set = (n: number): boolean => {
    try {
      setter?.setFdLimit(n, Math.max(limit.hard, n));
    } catch {
      return false;
    }
    if (setter === undefined) return false;
    raised ||= n > soft;
    soft = n;
    return true;
  };
  // fd-hard-limit bounds the process whatever Node raised the soft limit to (lowering never fails).
  if (soft > cap) set(cap);
  const target = global.ulimitN ?? (soft < maxsock ? maxsock : soft);
  if (target !== soft) {
    const cannot = `[orcalb.main()] Cannot raise FD limit to ${target}, limit is ${soft}.`;
    const ok = target <= cap && set(target);
    // Only a failed raise is fatal; a limit that stays above ulimit-n (no addon to lower it) is merely generous.
    if (!ok && target > soft) return { ok: false, alert: cannot };
  }
  if (soft < maxsock) {
    return {
      ok: false,
      alert:
        `[orcalb.main()] FD limit (${soft}) too low for maxconn=${maxconn}/maxsock=${maxsock}. ` +
        `Please raise 'ulimit-n' to ${maxsock} or more to avoid any trouble.`,
    };
  }
  return { ok: true, maxconn, maxsock, soft, raised };
}

/** How orcalb will run, as far as its descriptors are concerned. */
export interface ProcessShape {
  readonly forwarders: number;
  /** True with `--accept acceptor` (one accepting thread); false: every forwarder accepts. */
  readonly acceptor: boolean;
  readonly addon: NativeAddon | undefined;
}

/**
 * The start-up check for `config` run as `shape`, listening on `targets`: counts this process's own descriptors now,
 * then planFdLimit. Main thread, before any thread starts; may change RLIMIT_NOFILE.
 */
export function checkFdLimit(config: Config, targets: readonly { readonly unix?: unknown }[], shape: ProcessShape): FdLimitPlan {
  const accepting = shape.acceptor ? 1 : shape.forwarders;
  const overhead = fdOverhead({
    baseline: openFdCount(),
    // The health checker, the forwarders and the acceptor.
    threads: shape.forwarders + 1 + (shape.acceptor ? 1 : 0),
    listenerFds: listenerFdCount(targets, accepting, !shape.acceptor, shape.addon !== undefined),
    heldFds: targets.length * accepting,
    checks: config.backends.reduce((n, b) => n + b.servers.filter((s) => s.check).length, 0),
  });
  return planFdLimit(config.global, shape.addon?.getFdLimit() ?? fdLimitFromProc(), overhead, shape.addon);
}

/**
 * The config with the effective global maxconn, also given to every frontend that had none (§4.2 maxconn: 0 means
 * "the global one"). Pure; the input is not modified.
 */
export function withGlobalMaxconn(config: Config, maxconn: number): Config {
  return {
    ...config,
    global: { ...config.global, maxconn },
    frontends: config.frontends.map((f) => (f.maxconn === 0 ? { ...f, maxconn } : f)),
  };
}

/** Open descriptors of this process (Linux /proc); a generous guess where /proc cannot be read. */
export function openFdCount(): number {
  try {
    // The directory handle readdir holds is one of the entries: it is gone once this returns.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return 64;
  }
}

/** RLIMIT_NOFILE from /proc/self/limits, for when the addon (getrlimit) is not built. */
export function fdLimitFromProc(): FdLimit {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (line ?? '').replace('Max open files', '').trim().split(/\s+/);
    const read = (v: string | undefined): number => (v === 'unlimited' ? Infinity : Number(v));
    const out = { soft: read(soft), hard: read(hard) };
    if (!Number.isNaN(out.soft) && !Number.isNaN(out.hard)) return out;
  } catch {
    // fall through
  }
  return { soft: 1024, hard: 1024 };
}

function readNrOpen(): number {
  try {
    const n = Number(readFileSync('/proc/sys/fs/nr_open', 'utf8').trim());
    return Number.isFinite(n) && n > 0 ? n : 1_048_576;
  } catch {
    return 1_048_576;
  }
}
