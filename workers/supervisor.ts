// The main thread's supervisor: starts the health checker, the forwarder pool and the acceptor, restarts any of
// them that dies (the others' connections untouched), runs the graceful / hard stop, and gathers every thread's
// memory figures for SIGQUIT. Main thread only.

import { BroadcastChannel, type Worker } from 'node:worker_threads';
import type { Config } from '../config/model.js';
import { threadMemory, type MemoryDump, type MemoryFigures, type ThreadMemory } from '../core/diagnostics/memory-usage.js';
import { OrcaError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { ConnAccounting } from '../core/shared/conn-accounting.js';
import type { SharedState } from '../core/shared/state-buffer.js';
import type { Topology } from '../core/shared/topology.js';
import { ForwarderPool } from './forwarder-pool.js';
import {
  CONTROL_CHANNEL, asHandoff, asReport, type AcceptMode, type AcceptorData, type ControlMessage, type HealthData,
  type ReportMessage,
} from './messages.js';

type MemoryAnswer = Extract<ReportMessage, { type: 'memory' }>;
import { spawnThread, waitFor } from './spawn.js';

const START_TIMEOUT_MS = 10_000;

export class Supervisor {
  private pool: ForwarderPool | undefined;
  private acceptor: Worker | undefined;
  private health: Worker | undefined;
  private stopping = false;
  private readonly drained = new Set<number>();
  private readonly ready = new Set<number>();
  private readonly bound = new Set<number>();
  private onChange: (() => void) | undefined;
  private firstError: OrcaError | undefined;
  private readonly control = new BroadcastChannel(CONTROL_CHANNEL);
  /** Open memory reports: id → collector of the answers. */
  private readonly memoryWaiters = new Map<number, (r: MemoryAnswer) => void>();
  private nextMemoryId = 1;

  private readonly config: Config;
  private readonly state: SharedState;
  private readonly topology: Topology;
  private readonly threads: number;
  private readonly accept: AcceptMode;
  private readonly logger: Logger;

  constructor(config: Config, state: SharedState, topology: Topology, threads: number, accept: AcceptMode, logger: Logger) {
    this.config = config;
    this.state = state;
    this.topology = topology;
    this.threads = threads;
    this.accept = accept;
    this.logger = logger;
    this.control.unref();
  }

  /** Starts every thread; resolves once all listeners are bound. Rejects (OrcaError) on a bind failure. */
  async start(): Promise<void> {
    this.startHealth();
    this.pool = new ForwarderPool(
      { config: this.config, buffer: this.state.buffer, threads: this.threads, accept: this.accept },
      this.state, this.topology, new ConnAccounting(this.state), this.logger, (r) => this.onReport(r),
    );
    // Every forwarder must hold its slot (and, in reuseport mode, its listeners) before we say ready.
    const want = this.accept === 'reuseport' ? this.bound : this.ready;
    await this.until(() => want.size >= this.threads, 'forwarders');
    if (this.accept === 'acceptor') {
      const a = this.startAcceptor();
      await waitFor(a, 'bound', START_TIMEOUT_MS);
    }
  }

  private onReport(r: ReportMessage): void {
    if (r.type === 'memory') return void this.memoryWaiters.get(r.id)?.(r);
    if (r.type === 'ready') this.ready.add(r.thread);
    else if (r.type === 'bound') this.bound.add(r.thread);
    else if (r.type === 'drained') this.drained.add(r.thread);
    else if (r.type === 'bind-error') this.firstError ??= new OrcaError(r.error.code, r.error.message);
    // In reuseport mode a forwarder is ready before it has bound: 'bound' is what start() waits for.
    if (r.type === 'ready' && this.accept === 'reuseport') return;
    this.onChange?.();
  }

  /** Resolves when `cond` holds (re-checked on each report), rejects on a reported error or after a timeout. */
  private until(cond: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new OrcaError('ORCA_INTERNAL', `${what} did not start in time`)), START_TIMEOUT_MS);
      this.onChange = () => {
        if (this.firstError !== undefined) reject(this.firstError);
        else if (!cond()) return;
        else resolve();
        clearTimeout(timer);
        this.onChange = undefined;
      };
      this.onChange();
    });
  }

  private startHealth(): void {
    const data: HealthData = { config: this.config, buffer: this.state.buffer, threads: this.threads };
    const w = spawnThread('health-checker', data);
    this.health = w;
    w.on('message', (msg: unknown) => {
      const r = asReport(msg);
      if (r?.type === 'memory') this.onReport(r);
    });
    w.on('error', (e) => this.logger.log('alert', `health-check thread failed: ${String(e)}`));
    w.on('exit', () => {
      if (this.stopping) return;
      this.logger.log('warning', 'health-check thread exited; restarting it');
      this.startHealth();
    });
  }

  private startAcceptor(): Worker {
    const data: AcceptorData = { config: this.config, buffer: this.state.buffer };
    const w = spawnThread('acceptor', data);
    this.acceptor = w;
    w.on('message', (msg: unknown) => {
      const h = asHandoff(msg);
      if (h !== undefined) return void this.pool?.run(h);
      const r = asReport(msg);
      if (r?.type === 'drained') this.onChange?.();
      else if (r?.type === 'memory') this.onReport(r);
    });
    w.on('error', (e) => this.logger.log('alert', `acceptor thread failed: ${String(e)}`));
    w.on('exit', () => {
      if (this.stopping || this.acceptor !== w) return;
      this.logger.log('warning', 'acceptor thread exited; restarting it');
      this.startAcceptor();
    });
    return w;
  }

  private broadcast(msg: ControlMessage): void {
    this.control.postMessage(msg);
  }

  /** Test hook: make forwarder t throw an uncaught exception. */
  crashForwarder(t: number): void {
    this.broadcast({ type: 'crash', thread: t });
  }

  /**
   * SIGQUIT: asks every thread for its memory figures and resolves with what came back within `timeoutMs` (a
   * thread that does not answer is listed as such). Never rejects. Forwarders' live connections are read from the
   * shared buffer, not asked for, so they are there even for a wedged thread.
   */
  async memoryReport(timeoutMs: number): Promise<MemoryDump> {
    const id = this.nextMemoryId++;
    const names = ['acceptor', 'health-checker'].filter((n) => (n === 'acceptor' ? this.acceptor : this.health) !== undefined);
    for (let t = 0; t < this.threads; t++) names.push(`forwarder ${t}`);
    const answers = new Map<string, MemoryFigures>();
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.memoryWaiters.delete(id);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.memoryWaiters.set(id, (r) => {
        answers.set(r.kind === 'forwarder' ? `forwarder ${r.thread}` : r.kind, r.figures);
        if (names.every((n) => answers.has(n))) done();
      });
      const ask: ControlMessage = { type: 'memory-report', id };
      this.broadcast(ask);
      this.acceptor?.postMessage(ask);
      this.health?.postMessage(ask);
    });
    const threads: ThreadMemory[] = [{ name: 'main', figures: threadMemory() }];
    for (const name of names) {
      const t = /^forwarder (\d+)$/.exec(name);
      const liveConns = t === null ? {} : { liveConns: this.state.thread(Number(t[1])).load('liveConns') };
      threads.push({ name, figures: answers.get(name), ...liveConns });
    }
    return { rss: process.memoryUsage.rss(), threads, liveConns: this.state.loadGlobal('curConns'), waitedMs: Date.now() - started };
  }

  /** Graceful stop: no new connections; resolves when no forwarder has a live connection left. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.state.storeGlobal('stopping', 1);
    this.acceptor?.postMessage({ type: 'stop' });
    this.drained.clear();
    this.broadcast({ type: 'stop' });
    await new Promise<void>((resolve) => {
      this.onChange = () => {
        if (this.drained.size >= this.threads) resolve();
      };
      this.onChange();
    });
  }

  /** Cuts every live connection and ends all threads. */
  async hardStop(): Promise<void> {
    this.stopping = true;
    this.broadcast({ type: 'hard-stop' });
    await Promise.all([
      this.pool?.destroy().catch(() => undefined),
      this.acceptor?.terminate().catch(() => undefined),
      this.health?.terminate().catch(() => undefined),
    ]);
    this.control.close();
  }
}
