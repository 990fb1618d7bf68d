// Main thread's handle on the peers thread (workers/peers.ts): starts it when the config replicates a table and
// waits for its start-up resync before traffic is taken (HAProxy's resync before a new process serves), relays
// `show peers` to it, restarts it when it dies, stops it. Main thread.

import type { Worker } from 'node:worker_threads';
import type { Logger } from '../core/log.js';
import { RESYNC_TIMEOUT_MS } from '../core/peers/peers-engine.js';
import { asPeersShowDone, asReport, type HealthData, type PeersShowMessage, type ReportMessage } from './messages.js';
import { spawnThread, waitFor } from './spawn.js';

/** Longest wait for a `show peers` answer. */
const SHOW_TIMEOUT_MS = 2000;

export class PeersThread {
  private worker: Worker | undefined;
  private stopping = false;
  private nextId = 1;
  private readonly waiting = new Map<number, (text: string) => void>();
  private readonly data: HealthData;
  private readonly logger: Logger;
  private readonly onReport: (r: ReportMessage) => void;

  constructor(data: HealthData, logger: Logger, onReport: (r: ReportMessage) => void) {
    this.data = data;
    this.logger = logger;
    this.onReport = onReport;
  }

  /** Starts the thread; resolves once its start-up resync is over (at most HAProxy's 5 s, plus the start). */
  async start(): Promise<void> {
    await waitFor(this.spawn(), 'ready', RESYNC_TIMEOUT_MS + 5000);
  }

  private spawn(): Worker {
    const w = spawnThread('peers', this.data);
    this.worker = w;
    w.on('message', (msg: unknown) => {
      const done = asPeersShowDone(msg);
      if (done !== undefined) {
        this.waiting.get(done.id)?.(done.text);
        this.waiting.delete(done.id);
        return;
      }
      const r = asReport(msg);
      if (r?.type === 'memory') this.onReport(r);
    });
    w.on('error', (e) => this.logger.log('alert', `peers thread failed: ${String(e)}`));
    w.on('exit', () => {
      for (const settle of this.waiting.values()) settle('');
      this.waiting.clear();
      if (this.worker !== w) return;
      this.worker = undefined;
      if (this.stopping) return;
      this.logger.log('warning', 'peers thread exited; restarting it');
      this.spawn();
    });
    return w;
  }

  /** The `show peers` text (empty when the thread is not running or does not answer in time). */
  show(section: string | undefined): Promise<string> {
    const w = this.worker;
    if (w === undefined) return Promise.resolve('');
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve('');
      }, SHOW_TIMEOUT_MS);
      this.waiting.set(id, (text) => {
        clearTimeout(timer);
        resolve(text);
      });
      const msg: PeersShowMessage = { type: 'peers-show', id, ...(section === undefined ? {} : { section }) };
      w.postMessage(msg);
    });
  }

  /** Posts a memory report request (SIGQUIT) when the thread runs; false otherwise. */
  post(msg: unknown): boolean {
    this.worker?.postMessage(msg);
    return this.worker !== undefined;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const w = this.worker;
    if (w === undefined) return;
    w.postMessage({ type: 'stop' });
    await Promise.race([new Promise((resolve) => w.once('exit', resolve)), new Promise((resolve) => setTimeout(resolve, 1000))]);
    await w.terminate().catch(() => undefined);
  }
}
