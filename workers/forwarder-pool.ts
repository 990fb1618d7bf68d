// The forwarder pool: piscina, owned by the main thread. One task per connection, resolving when it closes; the
// pool's balancer picks the forwarder with the fewest live connections read from the shared buffer. piscina also
// replaces a worker that dies (a crash, or its heap bound: spawn.ts HEAP_LIMITS); we give back the dead one's shared
// counters, log why it died, and close every handed-off fd that no forwarder adopted (its handoff ticket is still
// unclaimed), giving back its admission. Main thread only.

import { Piscina } from 'piscina';
import { discardFd } from '../core/accept/fd-handoff.js';
import type { Logger } from '../core/log.js';
import type { ConnAccounting } from '../core/shared/conn-accounting.js';
import { HandoffTickets } from '../core/shared/handoff-tickets.js';
import type { SharedState } from '../core/shared/state-buffer.js';
import type { Topology } from '../core/shared/topology.js';
import { asReport, type ForwarderData, type Handoff, type ReportMessage } from './messages.js';
import { HEAP_LIMITS, threadExecArgv } from './spawn.js';
import { slotOfThread } from './thread-slot.js';

type PoolOptions = NonNullable<ConstructorParameters<typeof Piscina>[0]>;
/** piscina's view of one worker, as its loadBalancer hook receives it (the type is not exported by name). */
type PiscinaWorker = Parameters<NonNullable<PoolOptions['loadBalancer']>>[1][number];

/** Each forwarder takes every connection it is given: piscina's per-worker cap must never queue a connection. */
const TASKS_PER_FORWARDER = 1 << 24;

/** Why a forwarder died, from the error piscina hands its tasks (or its 'error' event): one line for the log. */
function deathReason(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'code' in e && e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return `V8 heap limit reached (old generation ${HEAP_LIMITS.forwarder.maxOldGenerationSizeMb} MiB)`;
  }
  return String(e).split('\n')[0] ?? 'unknown';
}

export class ForwarderPool {
  readonly pool: Piscina<Handoff, void>;
  private readonly state: SharedState;
  private readonly topology: Topology;
  private readonly accounting: ConnAccounting;
  private readonly tickets: HandoffTickets;
  private readonly logger: Logger;
  private readonly threads: number;
  private readonly restartedAt = new Map<number, number>();
  /** Live forwarders: threadId → slot, from their 'ready' reports. */
  private readonly slotByThreadId = new Map<number, number>();
  /** The last task or pool error: piscina reports a death (workerDestroy) before it hands out its reason. */
  private lastFailure: unknown;
  private closing = false;

  constructor(
    data: ForwarderData,
    state: SharedState,
    topology: Topology,
    accounting: ConnAccounting,
    logger: Logger,
    onReport: (r: ReportMessage) => void,
  ) {
    this.state = state;
    this.topology = topology;
    this.accounting = accounting;
    this.tickets = new HandoffTickets(state);
    this.logger = logger;
    this.threads = data.threads;
    this.pool = new Piscina<Handoff, void>({
      filename: new URL('./forwarder.js', import.meta.url).href,
      minThreads: data.threads,
      maxThreads: data.threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: TASKS_PER_FORWARDER,
      // 'sync' would park an idle forwarder in Atomics.wait, freezing the connections it holds.
      atomics: 'disabled',
      recordTiming: false,
      workerData: data,
      // As spawn.ts: no forwarder starts with an inspector flag.
      execArgv: threadExecArgv(),
      resourceLimits: HEAP_LIMITS.forwarder,
      loadBalancer: (_task, workers) => this.leastLoaded(workers),
    });
    this.pool.on('message', (msg: unknown) => {
      const r = asReport(msg);
      if (r === undefined) return;
      if (r.type === 'ready') {
        // The forwarder wrote its threadId into its slot before reporting: remember the pair while it is alive.
        this.slotByThreadId.set(state.thread(r.thread).load('threadId'), r.thread);
        const since = this.restartedAt.get(r.thread);
        if (since !== undefined) {
          this.restartedAt.delete(r.thread);
          logger.log('notice', `forwarder ${r.thread} restarted in ${Date.now() - since} ms`);
        }
      }
      onReport(r);
    });
    this.pool.on('workerDestroy', (dying: PiscinaWorker) => {
      // A crashed worker still names its thread here, but one Node ended itself (heap limit) already reads -1:
      // so every remembered forwarder that is not among the pool's other threads is dead, and so is the dying
      // one's slot when it still has a name (it may have died after claiming a slot but before reporting 'ready').
      const running = new Set(this.pool.threads.map((w) => w.threadId));
      running.delete(dying.id);
      const dead = new Set<number>();
      for (const [threadId, t] of this.slotByThreadId) {
        if (running.has(threadId)) continue;
        this.slotByThreadId.delete(threadId);
        dead.add(t);
      }
      const named = dying.id === -1 ? undefined : slotOfThread(state, data.threads, dying.id);
      if (named !== undefined) dead.add(named);
      for (const t of dead) this.onDeath(t);
    });
    // A dying worker with no task in flight surfaces as a pool 'error'; the replacement is already on its way.
    this.pool.on('error', (e: unknown) => {
      this.lastFailure = e;
      logger.log('alert', `forwarder failed: ${String(e)}`);
    });
  }

  /** Gives back what dead forwarder slot `t` held (its sockets died with it, so counts and maxconn stay true). */
  private onDeath(t: number): void {
    // piscina starts a replacement, which claims the slot freed here.
    this.accounting.reclaimThread(t, this.topology);
    for (const [threadId, slot] of this.slotByThreadId) if (slot === t) this.slotByThreadId.delete(threadId);
    if (this.closing) return;
    this.restartedAt.set(t, Date.now());
    this.lastFailure = undefined;
    // piscina rejects the dead worker's tasks (or emits 'error') right after workerDestroy, within the same turn.
    setImmediate(() => {
      const why = this.lastFailure === undefined ? 'it exited' : deathReason(this.lastFailure);
      this.logger.log('warning', `forwarder ${t} died: ${why}; its connections are lost, a new forwarder replaces it`);
    });
  }

  /**
   * Hands one connection over; resolves when it is closed or its handoff failed. Never rejects. A handoff that no
   * forwarder adopted (the forwarder died first, the pool is stopping, the task was refused) is cancelled here: its
   * fd is closed, so the client sees the close instead of hanging, and its admission is given back.
   */
  run(handoff: Handoff): Promise<void> {
    return this.pool
      .run(handoff)
      .catch((e: unknown) => {
        this.lastFailure = e;
      })
      .finally(() => this.cancelUnclaimed(handoff));
  }

  /** Main's side of the ticket: a no-op when the forwarder claimed it (the usual case). */
  private cancelUnclaimed(h: Handoff): void {
    if (!this.tickets.claim(h)) return;
    discardFd(h.fd);
    this.accounting.unadmitClient(h.frontend);
  }

  /** The forwarder whose slot shows the fewest live connections (ties: piscina's own count, then order). */
  private leastLoaded(workers: PiscinaWorker[]): PiscinaWorker | null {
    let best: PiscinaWorker | null = null;
    let bestLoad = Infinity;
    for (const w of workers) {
      if (w.terminating || w.destroyed) continue;
      const t = slotOfThread(this.state, this.threads, w.id);
      if (t === undefined) continue;
      // The buffer lags by the handoffs still in flight; piscina's count does not, so take the larger.
      const load = Math.max(this.state.thread(t).load('liveConns'), w.currentUsage);
      if (load < bestLoad) {
        best = w;
        bestLoad = load;
      }
    }
    return best;
  }

  destroy(): Promise<void> {
    this.closing = true;
    return this.pool.destroy();
  }
}
