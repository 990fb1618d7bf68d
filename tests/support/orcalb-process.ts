// Runs the real orcalb CLI (dist/workers/main.js) as a child process for end-to-end tests: temp config file,
// wait for the `orcalb ready` line, read stderr, write test-hook commands on stdin, stop by PID; or run it to
// completion (`-c`, a start that must refuse) and collect its exit status and output.
// Runs on the test runner's main thread; the child runs under the runner's own Node (process.execPath).

import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchStderr } from './child-stderr.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const ORCALB_MAIN = resolve(REPO_ROOT, 'dist/workers/main.js');
const READY_LINE = /orcalb ready/;
const READY_TIMEOUT_MS = 15_000;
const KILL_AFTER_MS = 5_000;

export interface OrcalbOptions {
  /** --threads N (forwarder count); omitted from the command line when undefined. */
  readonly threads?: number;
  readonly accept?: 'acceptor' | 'reuseport';
  /** Added to the runner's environment, e.g. { ORCALB_TEST_HOOKS: '1' }. */
  readonly env?: Record<string, string>;
  /** Extra arguments after the generated ones. */
  readonly args?: readonly string[];
  /** Node's own flags before the script: e.g. ['--inspect=127.0.0.1:0'] for the inspector guard's tests, or
   * ['--import', preload] (a test-only preload runs in every thread). */
  readonly nodeArgs?: readonly string[];
  /** Called with the PID as soon as the child is spawned, long before it is ready (start-up signal tests). */
  readonly onSpawn?: (pid: number) => void;
  /** Name of the temp config file (shows in `[file:line]` messages); default orcalb.cfg. */
  readonly fileName?: string;
  /** `prlimit --nofile=<nofile>` around orcalb, e.g. '1024:4096' (soft:hard RLIMIT_NOFILE); prlimit execs it, same PID. */
  readonly nofile?: string;
  /** `ip netns exec <netns>` around it all (tests/support/netns-lab.ts); ip execs it, same PID. */
  readonly netns?: string;
}

export interface OrcalbProcess {
  readonly pid: number;
  /** Everything written on stderr so far. */
  stderr(): string;
  /**
   * Resolves with the first stderr line (from the very start of the process, not from the call) matching `re`;
   * rejects after timeoutMs or when the process exits first, with the stderr text in the message.
   */
  waitForStderr(re: RegExp, timeoutMs: number): Promise<string>;
  /** Writes `line\n` on the child's stdin (test hooks read it when ORCALB_TEST_HOOKS=1). */
  send(line: string): void;
  /** Sends a signal by PID without waiting (SIGUSR1 soft stop, SIGHUP dump…: workers/signals.ts). */
  signal(sig: NodeJS.Signals): void;
  /** Resolves with the exit code (null when ended by a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Resolves with the signal that ended the process (null when it exited with a code) once it has exited. */
  readonly exitSignal: Promise<NodeJS.Signals | null>;
  /**
   * SIGTERM (HAProxy's hard stop: the process ends killed by it), SIGKILL after 5 s if still alive; resolves with the
   * exit code (null when ended by a signal). Safe to call twice or after exit.
   */
  stop(): Promise<number | null>;
}

// Children still running when the runner exits (a test crashed before its cleanup) are killed by their PID.
const live = new Set<number>();
process.once('exit', () => {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * Writes configText to a temp file and starts `node [nodeArgs] dist/workers/main.js -f FILE [--threads N] [--accept M] …`.
 * Resolves once stderr shows `orcalb ready`; rejects (after killing the child) if it exits or stays silent for 15 s,
 * with its stderr in the error message. Test-thread only.
 */
export async function startOrcalb(configText: string, opts: OrcalbOptions = {}): Promise<OrcalbProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'orcalb-test-'));
  // Readable by all: orcalb may drop to `user haproxy` before a thread re-reads anything.
  await chmod(dir, 0o755);
  const file = join(dir, opts.fileName ?? 'orcalb.cfg');
  await writeFile(file, configText, { mode: 0o644 });

  const args = [...(opts.nodeArgs ?? []), ORCALB_MAIN, '-f', file];
  if (opts.threads !== undefined) args.push('--threads', String(opts.threads));
  if (opts.accept !== undefined) args.push('--accept', opts.accept);
  args.push(...(opts.args ?? []));
  const [inner, innerArgv] = opts.nofile === undefined
    ? [process.execPath, args]
    : ['prlimit', [`--nofile=${opts.nofile}`, process.execPath, ...args]];
  const [command, argv] = opts.netns === undefined ? [inner, innerArgv] : ['ip', ['netns', 'exec', opts.netns, inner, ...innerArgv]];
  const child = spawn(command, argv, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`orcalb: spawn failed: ${process.execPath} ${args.join(' ')}`);
  }
  live.add(pid);
  opts.onSpawn?.(pid);

  let exitCode: number | null | undefined;
  let resolveSignal: (sig: NodeJS.Signals | null) => void = () => undefined;
  const exitSignal = new Promise<NodeJS.Signals | null>((r) => {
    resolveSignal = r;
  });
  // 'close' comes after 'exit' once stderr is drained: what the process wrote last is in stderr() by then.
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('close', (code: number | null, sig: NodeJS.Signals | null) => {
      exitCode = code;
      live.delete(pid);
      void rm(dir, { recursive: true, force: true });
      resolveExit(code);
      resolveSignal(sig);
    });
  });
  const stderr = watchStderr(child, 'orcalb');
  // A child that dies early closes its stdin: writes must not crash the runner.
  child.stdin.on('error', () => undefined);
  const waitForStderr = stderr.waitFor;

  const signal = (sig: NodeJS.Signals): void => {
    if (exitCode !== undefined) return;
    try {
      process.kill(pid, sig);
    } catch {
      // exited between the check and the kill
    }
  };

  let stopping: Promise<number | null> | undefined;
  const stop = (): Promise<number | null> => {
    stopping ??= (async () => {
      if (exitCode !== undefined) return exitCode;
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), KILL_AFTER_MS);
      const code = await exited;
      clearTimeout(timer);
      return code;
    })();
    return stopping;
  };

  try {
    await waitForStderr(READY_LINE, READY_TIMEOUT_MS);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    pid,
    stderr: stderr.text,
    waitForStderr,
    send(line) {
      child.stdin.write(`${line}\n`);
    },
    signal,
    exited,
    exitSignal,
    stop,
  };
}

/** What a CLI run that ran to its end left behind. */
export interface CliRun {
  /** Exit status; -1 when killed (by the time limit or a signal). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to completion with `env` added to the runner's environment, killing it after `timeoutMs`
 * (code -1 then). Never rejects. Test-thread only; shared by runOrcalbCli and haproxy-process.ts runHaproxyCli.
 */
export function runToExit(
  file: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  timeoutMs = 15_000,
): Promise<CliRun> {
  return new Promise((resolveRun) => {
    execFile(file, [...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolveRun({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `node dist/workers/main.js ARGS` to completion (`-c -f FILE`, or a start expected to refuse). A start that
 * does not refuse is killed after `timeoutMs` and reported with code -1.
 */
export function runOrcalbCli(args: readonly string[], env: Readonly<Record<string, string>> = {}, timeoutMs = 15_000): Promise<CliRun> {
  return runToExit(process.execPath, [ORCALB_MAIN, ...args], env, timeoutMs);
}
