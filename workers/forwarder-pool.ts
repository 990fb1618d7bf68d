// The forwarder pool: piscina, owned by the main thread. One task per connection, resolving when it closes; the
// pool's balancer picks the forwarder with the fewest live connections read from the shared buffer. piscina also
// replaces a worker that dies; we give back the dead one's shared counters, and close every handed-off fd that no
// forwarder adopted (its handoff ticket is still unclaimed), giving back its admission. Main thread only.

import { Piscina } from 'piscina';
import { discardFd } from '../core/forward/fd-handoff.js';
import type { Logger } from '../core/log.js';
import type { ConnAccounting } from '../core/shared/conn-accounting.js';
import { HandoffTickets } from '../core/shared/handoff-tickets.js';
import type { SharedState } from '../core/shared/state-buffer.js';
import type { Topology } from '../core/shared/topology.js';
import { asReport, type ForwarderData, type Handoff, type ReportMessage } from './messages.js';
import { slotOfThread } from './thread-slot.js';

type PoolOptions = NonNullable<ConstructorParameters<typeof Piscina>[0]>;
/** piscina's view of one worker, as its loadBalancer hook receives it (the type is not exported by name). */
type PiscinaWorker = Parameters<NonNullable<PoolOptions['loadBalancer']>>[1][number];

/** Each forwarder takes every connection it is given: piscina's per-worker cap must never queue a connection. */
const TASKS_PER_FORWARDER = 1 << 24;

export class ForwarderPool {
  readonly pool: Piscina<Handoff, void>;
  private readonly state: SharedState;
  private readonly accounting: ConnAccounting;
  private readonly tickets: HandoffTickets;
  private readonly threads: number;
  private readonly restartedAt = new Map<number, number>();
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
    this.accounting = accounting;
    this.tickets = new HandoffTickets(state);
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
      loadBalancer: (_task, workers) => this.leastLoaded(workers),
    });
    this.pool.on('message', (msg: unknown) => {
      const r = asReport(msg);
      if (r === undefined) return;
      if (r.type === 'ready') {
        const since = this.restartedAt.get(r.thread);
        if (since !== undefined) {
          this.restartedAt.delete(r.thread);
          logger.log('notice', `forwarder ${r.thread} restarted in ${Date.now() - since} ms`);
        }
      }
      onReport(r);
    });
    this.pool.on('workerDestroy', (worker: PiscinaWorker) => {
      const t = slotOfThread(state, data.threads, worker.id);
      if (t === undefined) return;
      // Its sockets died with it: give back what it held so counts and maxconn stay true. piscina starts a
      // replacement, which claims the slot freed here.
      accounting.reclaimThread(t, topology);
      if (this.closing) return;
      this.restartedAt.set(t, Date.now());
      logger.log('warning', `forwarder ${t} died; its connections are lost, a new forwarder replaces it`);
    });
    // A dying worker with no task in flight surfaces as a pool 'error'; the replacement is already on its way.
    this.pool.on('error', (e: unknown) => logger.log('alert', `forwarder failed: ${String(e)}`));
  }

  /**
   * Hands one connection over; resolves when it is closed or its handoff failed. Never rejects. A handoff that no
   * forwarder adopted (the forwarder died first, the pool is stopping, the task was refused) is cancelled here: its
   * fd is closed, so the client sees the close instead of hanging, and its admission is given back.
   */
  run(handoff: Handoff): Promise<void> {
    return this.pool
      .run(handoff)
      .catch(() => undefined)
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
