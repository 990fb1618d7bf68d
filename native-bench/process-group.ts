// The bench runner's child processes: every proxy, backend and load generator is started here, pinned with
// `taskset`, with a raised `ulimit -n` where asked, tracked by PID and stopped by PID; `leftovers()` proves none
// remain. What is measured about them (RSS, fds) is process-figures.ts. Bench runner main thread (run.ts).

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { childrenOf } from './process-tree.js';

export interface SpawnOptions {
  /** Shown in errors and in the leftover check. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** taskset CPU list, e.g. "1" or "0,2-3"; undefined: not pinned. */
  readonly cpus?: string | undefined;
  /** Raise the open-file limit before exec, clamped to the hard limit (containers may forbid raising it). */
  readonly nofile?: number;
  readonly env?: Record<string, string>;
  readonly cwd?: string;
}

export interface BenchChild {
  readonly pid: number;
  readonly name: string;
  /** stdout + stderr so far. */
  output(): string;
  /**
   * Resolves with the first output line matching re, looking from character offset `from` (default: the start);
   * rejects on exit or after timeoutMs.
   */
  waitFor(re: RegExp, timeoutMs: number, from?: number): Promise<string>;
  /** Resolves with the exit code (null: killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Writes a line on the child's stdin (generators wait for `stop`). */
  send(line: string): void;
  /** `signal` (default SIGTERM), SIGKILL after graceMs; resolves once exited. Safe to call twice. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

let hardLimit: number | undefined;

/** The hard open-file limit children inherit (`ulimit -Hn`); 1,048,576 for "unlimited". Cached. */
export function hardFdLimit(): number {
  if (hardLimit === undefined) {
    const text = execFileSync('/bin/sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
    hardLimit = text === 'unlimited' ? 1_048_576 : Number(text);
  }
  return hardLimit;
}

function alive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return false;
  try {
    // A zombie (state Z) is gone for our purposes: its parent has not reaped it yet.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export class ProcessGroup {
  private readonly started: { pid: number; name: string; descendants: Set<number> }[] = [];
  private readonly live = new Map<number, BenchChild>();
  private stopped = false;

  /**
   * Starts `command args` as `sh -c 'ulimit -n N; exec taskset -c CPUS command args'`; the exec chain keeps one PID,
   * which is the program's own. Never throws for a missing binary: the child exits 127 and `exited` says so.
   */
  spawn(opts: SpawnOptions): BenchChild {
    // After stopAll (the runner interrupted): a scenario still running must not start what nobody will stop.
    if (this.stopped) throw new Error(`${opts.name}: not started, the bench is stopping`);
    const limit = opts.nofile === undefined ? '' : `ulimit -n ${Math.min(opts.nofile, hardFdLimit())} || exit 126; `;
    const pin = opts.cpus === undefined ? '' : `taskset -c ${opts.cpus} `;
    const child: ChildProcess = spawn('/bin/sh', ['-c', `${limit}exec ${pin}"$0" "$@"`, opts.command, ...opts.args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
      ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${opts.name}: spawn failed`);
    const record = { pid, name: opts.name, descendants: new Set<number>() };
    this.started.push(record);
    let text = '';
    let code: number | null | undefined;
    const waiters = new Set<() => void>();
    const onData = (d: Buffer): void => {
      text += d.toString('utf8');
      // Keep the tail only: wrk and generators print little, proxies may log a lot under load.
      if (text.length > 1_000_000) text = text.slice(-500_000);
      for (const w of waiters) w();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.stdin?.on('error', () => undefined);
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (c) => {
        code = c;
        this.live.delete(pid);
        for (const w of waiters) w();
        resolve(c);
      });
    });
    const waitFor = (re: RegExp, timeoutMs: number, from = 0): Promise<string> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const line = text.slice(from).split('\n').find((l) => re.test(l));
          if (line !== undefined) return finish(() => resolve(line));
          if (code !== undefined) finish(() => reject(new Error(`${opts.name} exited (${code}) before ${String(re)}:\n${text.slice(-2000)}`)));
        };
        const finish = (f: () => void): void => {
          clearTimeout(timer);
          waiters.delete(check);
          f();
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`${opts.name}: no ${String(re)} in ${timeoutMs} ms:\n${text.slice(-2000)}`))), timeoutMs);
        waiters.add(check);
        check();
      });
    let stopping: Promise<number | null> | undefined;
    const handle: BenchChild = {
      pid,
      name: opts.name,
      output: () => text,
      waitFor,
      exited,
      send: (line) => void child.stdin?.write(`${line}\n`),
      stop: (signal = 'SIGTERM', graceMs = 5000) => {
        stopping ??= (async () => {
          if (code !== undefined) return code;
          // Remember the descendants before the parent goes: the leftover check looks for them too.
          for (const c of childrenOf(pid)) record.descendants.add(c);
          kill(pid, signal);
          const timer = setTimeout(() => kill(pid, 'SIGKILL'), graceMs);
          const c = await exited;
          clearTimeout(timer);
          return c;
        })();
        return stopping;
      },
    };
    this.live.set(pid, handle);
    return handle;
  }

  /** Stops every child still running (SIGTERM, then SIGKILL after graceMs); spawn() refuses from then on. */
  async stopAll(graceMs = 3000): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.live.values()].map((c) => c.stop('SIGTERM', graceMs)));
  }

  /** Started processes (or their remembered descendants) that are still alive: should be empty at the end. */
  leftovers(): string[] {
    const out: string[] = [];
    for (const r of this.started) {
      if (alive(r.pid)) out.push(`${r.name} (pid ${r.pid})`);
      for (const d of r.descendants) if (alive(d)) out.push(`${r.name} child (pid ${d})`);
    }
    return out;
  }

  /** How many processes this group started. */
  get count(): number {
    return this.started.length;
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already exited
  }
}
