// Test support: runs the real HAProxy 2.6 (/usr/sbin/haproxy) in the foreground on an inline config, for side-by-side
// and byte-exactness checks. Readiness is read from /proc/net/tcp{,6} (LISTEN state) rather than by connecting, so
// no probe connection is ever forwarded to a test backend (it would shift a round-robin sequence or a byte capture).

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchStderr } from './child-stderr.js';
import { type CliRun, runToExit } from './orcalb-process.js';
import { pollUntil } from './wait.js';

export const HAPROXY_BIN = '/usr/sbin/haproxy';

/**
 * Runs `haproxy ARGS` to completion (`-c -f FILE`, or `-db -f FILE` for a start that must refuse), with `env`
 * added to the environment; a process still running after `timeoutMs` is killed and reported with code -1.
 */
export function runHaproxyCli(args: readonly string[], env: Readonly<Record<string, string>> = {}, timeoutMs = 10_000): Promise<CliRun> {
  return runToExit(HAPROXY_BIN, args, env, timeoutMs);
}

export interface HaproxyProcess {
  readonly pid: number;
  /** Everything haproxy wrote to stderr so far (alerts, warnings). */
  stderr(): string;
  /** The first stderr line matching `re` (see child-stderr.ts); rejects on timeout or when haproxy ends first. */
  waitForStderr(re: RegExp, timeoutMs: number): Promise<string>;
  /** The complete stderr lines so far, e.g. to pick out the `[WARNING]`/`[ALERT]` state-change lines. */
  stderrLines(): string[];
  /** Resolves once `predicate` holds over stderrLines(); rejects on timeout or when haproxy ends first. */
  waitForStderrLines(predicate: (lines: readonly string[]) => boolean, timeoutMs: number, what: string): Promise<void>;
  /** Sends a signal by PID without waiting (nothing once haproxy has exited). */
  signal(sig: NodeJS.Signals): void;
  /** Resolves once haproxy has ended and its stderr is read: the exit code and the signal that ended it. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** SIGTERM (hard stop), then SIGKILL after 2 s; resolves once the process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Writes `configText` to a temp file and runs `haproxy -db -f FILE` (with `env` added to its environment). Resolves
 * once `readyPort` (default: the port of the first `bind` line) is listening; rejects with haproxy's stderr if it
 * exits first or is not ready within 15 s (a
 * start takes milliseconds, but a CI machine running two suites at once has been seen to need more than 5 s).
 */
export async function startHaproxy(
  configText: string,
  opts?: {
    readyPort?: number;
    env?: Readonly<Record<string, string>>;
    /** `prlimit --nofile=<nofile>` around haproxy, e.g. '1024:4096' (soft:hard RLIMIT_NOFILE). */
    nofile?: string;
    /** Extra arguments after `-db -f FILE`, e.g. ['-sf', '1234'] (the port is then already listening: wait on the old one). */
    args?: readonly string[];
  },
): Promise<HaproxyProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-haproxy-'));
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, configText);
  const readyPort = opts?.readyPort ?? firstBindPort(configText);
  const argv = ['-db', '-f', file, ...(opts?.args ?? [])];
  const options = { stdio: ['ignore', 'ignore', 'pipe'] as ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...opts?.env } };
  const child =
    opts?.nofile === undefined
      ? spawn(HAPROXY_BIN, argv, options)
      : spawn('prlimit', [`--nofile=${opts.nofile}`, HAPROXY_BIN, ...argv], options);
  const err = watchStderr(child, 'haproxy');
  let exited = child.exitCode !== null;
  let exitCode: number | null = null;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      exited = true;
      exitCode = code;
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, signal });
    });
  });
  const pid = child.pid;
  if (pid === undefined) {
    await new Promise<void>((resolve) => child.once('error', () => resolve()));
    throw new Error(`could not start ${HAPROXY_BIN}`);
  }
  const stop = async (): Promise<void> => {
    if (exited) return;
    process.kill(pid, 'SIGTERM');
    const killer = setTimeout(() => {
      if (!exited) process.kill(pid, 'SIGKILL');
    }, 2000);
    await exit;
    clearTimeout(killer);
  };
  if (readyPort !== undefined) {
    try {
      // Read without blocking: tests' own servers must answer haproxy's first checks while this waits.
      await pollUntil(async () => exited || (await listeningSoon(readyPort)), 15_000, `haproxy listening on ${readyPort}`, 20);
    } catch {
      await stop();
      throw new Error(`haproxy not listening on ${readyPort} after 15 s:\n${err.text()}`);
    }
    if (!isListening(readyPort)) throw new Error(`haproxy exited (code ${exitCode}) before listening on ${readyPort}:\n${err.text()}`);
  }
  const signal = (sig: NodeJS.Signals): void => {
    if (!exited) process.kill(pid, sig);
  };
  return {
    pid,
    stderr: err.text,
    waitForStderr: err.waitFor,
    stderrLines: err.lines,
    waitForStderrLines: err.waitForLines,
    signal,
    exited: exit,
    stop,
  };
}

function firstBindPort(configText: string): number | undefined {
  const m = /^\s*bind\s+\S*:(\d+)/m.exec(configText);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/**
 * isListening without blocking the event loop: the tables are read off-thread and searched for the one row. On a
 * machine with many sockets /proc/net/tcp runs to megabytes, and a synchronous read every 20 ms starves the test's
 * own servers (haproxy's first health checks then time out).
 */
async function listeningSoon(port: number): Promise<boolean> {
  // local_address is HEX_IP:HEX_PORT (4 upper-case digits); st 0A is TCP_LISTEN.
  const row = new RegExp(`^\\s*\\d+: [0-9A-F]+:${port.toString(16).toUpperCase().padStart(4, '0')} [0-9A-F]+:[0-9A-F]+ 0A `, 'm');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    if (row.test(text)) return true;
  }
  return false;
}

/** LISTEN rows of /proc/net/tcp and /proc/net/tcp6: local port and socket inode. */
function listenRows(): { port: number; inode: string }[] {
  const rows: { port: number; inode: string }[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      // Columns: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …; state 0A is TCP_LISTEN.
      const cols = line.trim().split(/\s+/);
      const port = cols[1]?.split(':')[1];
      if (cols[3] === '0A' && port !== undefined && cols[9] !== undefined) rows.push({ port: parseInt(port, 16), inode: cols[9] });
    }
  }
  return rows;
}

/**
 * The inodes of the sockets in LISTEN state on `port`, sorted: the same inodes before and after a reload mean no
 * listening socket was closed and opened again.
 */
export function listeningInodes(port: number): string[] {
  return listenRows().filter((r) => r.port === port).map((r) => r.inode).sort();
}

/** True when some socket is in LISTEN state on `port` (IPv4 or IPv6), per /proc/net/tcp and /proc/net/tcp6. */
export function isListening(port: number): boolean {
  return listenRows().some((r) => r.port === port);
}

/**
 * The TCP ports process `pid` listens on (its fds matched to the LISTEN sockets of /proc/net/tcp{,6}), sorted.
 * Sees every port, whatever the address: an inspector on 9229 or on a port chosen with --inspect-port included.
 */
export function listeningPortsOf(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1] !== undefined) inodes.add(m[1]);
    } catch {
      // closed between the listing and the read
    }
  }
  return [...new Set(listenRows().filter((r) => inodes.has(r.inode)).map((r) => r.port))].sort((x, y) => x - y);
}

/**
 * Ports handed out come from below Linux's ephemeral range (32768–60999): a port taken from that range (listen on 0)
 * is free when read but may become the source port of any test's outgoing connection before the proxy binds it,
 * which failed suites under load with EADDRINUSE. Each test process walks its own stretch, from a start derived from
 * its pid, so two files running at once rarely probe the same ports, and one process never hands out a port twice.
 */
const FIXED_PORT_LOW = 10_000;
const FIXED_PORT_SPAN = 22_000;
let nextFixedPort = FIXED_PORT_LOW + ((process.pid * 7919) % FIXED_PORT_SPAN);

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** A TCP port that was free a moment ago (listened on, then closed): for config text that needs a fixed port. */
export async function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  for (let tries = 0; tries < 2000; tries++) {
    const port = nextFixedPort;
    nextFixedPort = FIXED_PORT_LOW + ((nextFixedPort - FIXED_PORT_LOW + 1) % FIXED_PORT_SPAN);
    if (await canListen(port, host)) return port;
  }
  throw new Error(`no free TCP port on ${host} between ${FIXED_PORT_LOW} and ${FIXED_PORT_LOW + FIXED_PORT_SPAN}`);
}

/**
 * A free TCP port below 1024 on 127.0.0.1 (root only: binding one is the test). For the tests of listeners that must
 * survive the privilege drop. Scans 1000-1023 downwards; throws when none is free.
 */
export async function freePrivilegedPort(): Promise<number> {
  for (let port = 1023; port >= 1000; port--) {
    const ok = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port in 1000-1023 (or not running as root)');
}
