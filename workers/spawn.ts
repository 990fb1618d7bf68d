// Starts the thread kinds with their workerData and V8 heap bounds, and turns their first report into a promise.
// Main thread only.

import { Worker, type ResourceLimits, type TransferListItem } from 'node:worker_threads';
import { OrcaError } from '../core/errors.js';
import { inspectorAllowed, workerExecArgv } from '../core/inspector-policy.js';
import { asReport, type ReportMessage, type ThreadKind } from './messages.js';

/**
 * The young generation of every thread, in MiB (measured in native-bench/README.md, "Memory"). Left alone, V8 sizes
 * it from the machine's memory (192 MiB per isolate with 16 GiB or more), and a thread that once saw a burst keeps
 * its 128 MiB new space resident for good: Node runs no idle-time GC. V8 makes the new space two thirds of this
 * (two semi-spaces of 16 MiB): at 48, 32 MiB per thread, for ≤ 2 % more forwarder CPU per request than unbounded
 * in steady load and ~8 % in a 1,000-connection storm (at 24: ~27 %). The main thread gets the same semi-space
 * from main.ts's shebang (`--max-semi-space-size=16`); a test holds the two together.
 */
export const YOUNG_GENERATION_MB = 48;

/**
 * Each thread's V8 heap bounds (Worker `resourceLimits`). Old generation: a bound, not a target, far above what the
 * thread holds at its busiest (a forwarder: ~6.4 KiB per idle connection, so 1 GiB is ~160,000 of them, or ~30,000
 * with a full 16 KiB request head each), so that only a runaway heap reaches it. Node then ends the thread
 * (ERR_WORKER_OUT_OF_MEMORY) and it is replaced like a crashed one (forwarder-pool.ts, supervisor.ts), long before
 * V8's default (~4 GiB per thread) would exhaust the machine. Node's process-wide flags (--max-semi-space-size,
 * --max-old-space-size, e.g. from NODE_OPTIONS) override these.
 */
export const HEAP_LIMITS = {
  forwarder: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB, maxOldGenerationSizeMb: 1024 },
  acceptor: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB, maxOldGenerationSizeMb: 256 },
  'health-checker': { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB, maxOldGenerationSizeMb: 128 },
  // The stats thread renders pages of a few hundred KiB at most per request.
  stats: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB, maxOldGenerationSizeMb: 256 },
  // The peers thread holds a shadow copy of each replicated table (core/peers/change-scan.ts): as big as the table.
  peers: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB, maxOldGenerationSizeMb: 2048 },
} as const satisfies Record<ThreadKind, ResourceLimits>;

/** V8 heap-size flags: process-wide (they already bound every thread), and Node refuses them in a Worker's execArgv. */
const PROCESS_WIDE_FLAG = /^--max-(?:semi-space|old-space|young-generation)-size(?:=.*)?$/;

/**
 * execArgv for any thread (spawnThread): the main thread's flags without
 * inspector flags (unless ORCALB_ALLOW_INSPECTOR=1), so no thread is started with a way to open the inspector, and
 * without the heap-size flags of the bin's shebang, which Node rejects there (ERR_WORKER_INVALID_EXEC_ARGV).
 */
export function threadExecArgv(): string[] {
  return workerExecArgv(process.execArgv, inspectorAllowed(process.env)).filter((a) => !PROCESS_WIDE_FLAG.test(a));
}

/**
 * A Worker running workers/<kind>.js within its HEAP_LIMITS, with threadExecArgv(). `name` (default: the kind) is
 * also the OS thread's name (Node 24 sets it), what `top -H` and `ps -L` show: "forwarder 3", "acceptor"…; Linux
 * keeps 15 bytes of it. trackUnmanagedFds is off: the
 * threads open no files with fs.open, and the fds they close (a handed-off connection nobody adopted, a dup of a
 * listening socket) come from accept4() or dup(), which Node would otherwise warn about on every close.
 */
export function spawnThread(kind: ThreadKind, data: unknown, transfer: readonly TransferListItem[] = [], name: string = kind): Worker {
  return new Worker(new URL(`./${kind}.js`, import.meta.url), {
    workerData: data,
    transferList: [...transfer],
    name,
    execArgv: threadExecArgv(),
    resourceLimits: HEAP_LIMITS[kind],
    trackUnmanagedFds: false,
  });
}

/**
 * Resolves on the first report of type `want` (or on 'ready'/'bound' as asked); rejects on 'bind-error', on an
 * early exit, or after `timeoutMs`.
 */
export function waitFor(worker: Worker, want: ReportMessage['type'], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new OrcaError('ORCA_INTERNAL', `thread did not report '${want}' within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (msg: unknown): void => {
      const r = asReport(msg);
      if (r === undefined) return;
      if (r.type === want) {
        cleanup();
        resolve();
      } else if (r.type === 'bind-error') {
        cleanup();
        reject(new OrcaError(r.error.code, r.error.message));
      }
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new OrcaError('ORCA_INTERNAL', `thread exited with code ${code} before reporting '${want}'`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('exit', onExit);
  });
}
