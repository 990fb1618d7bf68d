// Starts the thread kinds with their workerData and turns their first report into a promise. Main thread only.

import { Worker, type TransferListItem } from 'node:worker_threads';
import { OrcaError } from '../core/errors.js';
import { inspectorAllowed, workerExecArgv } from '../core/inspector-policy.js';
import { asReport, type ReportMessage, type ThreadKind } from './messages.js';

/**
 * A Worker running workers/<kind>.js. Its execArgv is the main thread's without inspector flags (unless
 * ORCALB_ALLOW_INSPECTOR=1), so no thread is started with a way to open the inspector.
 */
export function spawnThread(kind: ThreadKind, data: unknown, transfer: readonly TransferListItem[] = []): Worker {
  return new Worker(new URL(`./${kind}.js`, import.meta.url), {
    workerData: data,
    transferList: [...transfer],
    name: kind,
    execArgv: workerExecArgv(process.execArgv, inspectorAllowed(process.env)),
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
