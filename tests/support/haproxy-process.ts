// Test support: runs the real HAProxy 2.6 (/usr/sbin/haproxy) in the foreground on an inline config, for side-by-side
// and byte-exactness checks. Readiness is read from /proc/net/tcp{,6} (LISTEN state) rather than by connecting, so
// no probe connection is ever forwarded to a test backend (it would shift a round-robin sequence or a byte capture).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const HAPROXY_BIN = '/usr/sbin/haproxy';

export interface HaproxyProcess {
  readonly pid: number;
  /** Everything haproxy wrote to stderr so far (alerts, warnings). */
  stderr(): string;
  /** SIGTERM (hard stop), then SIGKILL after 2 s; resolves once the process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Writes `configText` to a temp file and runs `haproxy -db -f FILE`. Resolves once `readyPort` (default: the port of
 * the first `bind` line) is listening; rejects with haproxy's stderr if it exits first or is not ready within 5 s.
 */
export async function startHaproxy(
  configText: string,
  opts?: {
    readyPort?: number;
    /** `prlimit --nofile=<nofile>` around haproxy, e.g. '1024:4096' (soft:hard RLIMIT_NOFILE). */
    nofile?: string;
  },
): Promise<HaproxyProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-haproxy-'));
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, configText);
  const readyPort = opts?.readyPort ?? firstBindPort(configText);
  const argv = ['-db', '-f', file];
  const child =
    opts?.nofile === undefined
      ? spawn(HAPROXY_BIN, argv, { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn('prlimit', [`--nofile=${opts.nofile}`, HAPROXY_BIN, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    err += d;
  });
  let exited = child.exitCode !== null;
  let exitCode: number | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code) => {
      exited = true;
      exitCode = code;
      rmSync(dir, { recursive: true, force: true });
      resolve();
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
  const deadline = Date.now() + 5000;
  while (readyPort !== undefined && !isListening(readyPort)) {
    if (exited) throw new Error(`haproxy exited (code ${exitCode}) before listening on ${readyPort}:\n${err}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy not listening on ${readyPort} after 5 s:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { pid, stderr: () => err, stop };
}

function firstBindPort(configText: string): number | undefined {
  const m = /^\s*bind\s+\S*:(\d+)/m.exec(configText);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** True when some socket is in LISTEN state on `port` (IPv4 or IPv6), per /proc/net/tcp and /proc/net/tcp6. */
export function isListening(port: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      // Columns: sl local_address rem_address st …; state 0A is TCP_LISTEN.
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && cols[1]?.endsWith(`:${hexPort}`)) return true;
    }
  }
  return false;
}

/** A TCP port that was free a moment ago (listen on 0, read it, close): for config text that needs a fixed port. */
export async function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, host, () => resolve());
  });
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
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
