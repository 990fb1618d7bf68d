// Test support: runs the real HAProxy 2.6 (/usr/sbin/haproxy) in the foreground on an inline config, for side-by-side
// and byte-exactness checks. Readiness is read from /proc/net/tcp{,6} (LISTEN state) rather than by connecting, so
// no probe connection is ever forwarded to a test backend (it would shift a round-robin sequence or a byte capture).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliRun, runToExit } from './orcalb-process.js';

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
  /** SIGTERM (hard stop), then SIGKILL after 2 s; resolves once the process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Writes `configText` to a temp file and runs `haproxy -db -f FILE` (with `env` added to its environment). Resolves
 * once `readyPort` (default: the port of the first `bind` line) is listening; rejects with haproxy's stderr if it
 * exits first or is not ready within 5 s.
 */
export async function startHaproxy(
  configText: string,
  opts?: { readyPort?: number; env?: Readonly<Record<string, string>> },
): Promise<HaproxyProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-haproxy-'));
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, configText);
  const readyPort = opts?.readyPort ?? firstBindPort(configText);
  const child = spawn(HAPROXY_BIN, ['-db', '-f', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...opts?.env },
  });
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    err += d;
  });
  let exited = child.exitCode !== null;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
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
    if (exited) throw new Error(`haproxy exited before listening on ${readyPort}:\n${err}`);
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
