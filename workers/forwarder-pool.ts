// The forwarder threads, owned by the main thread: one Worker per slot (0 … threads-1), each replaced when it dies (a
// crash, or its heap bound: spawn.ts HEAP_LIMITS). On a death we cancel every handoff still in flight to it (its
// tickets: the fd closed, the admission given back), give back its shared counters, log why it died, and start a
// replacement in the same slot. In acceptor mode the pool also makes the handoff ports: one MessageChannel per
// (acceptor, forwarder) pair, the forwarder's end sent to it, the acceptor's end to the acceptor (ForwarderLink).
// Why not piscina (as before issue 10): a task per connection that resolved at its close cost ~36 µs of CPU and ~7 KiB
// per connection plus a hop through this thread (../shared/perf/README.md §3, §4); what piscina still did here, keep
// N workers alive and replace a dead one, is this file. Main thread only.

import { MessageChannel, type Worker } from 'node:worker_threads';
import { discardFd } from '../core/accept/fd-handoff.js';
import type { Logger } from '../core/log.js';
import type { ConnAccounting } from '../core/shared/conn-accounting.js';
import { HandoffTickets } from '../core/shared/handoff-tickets.js';
import type { SharedState } from '../core/shared/state-buffer.js';
import type { Topology } from '../core/shared/topology.js';
import {
  asReport, type ControlMessage, type ForwarderCommon, type ForwarderData, type ForwarderLink, type HandoffPortMessage,
  type ReportMessage,
} from './messages.js';
import { HEAP_LIMITS, spawnThread } from './spawn.js';

/** Why a forwarder died, from its 'error' event (none: it exited): one line for the log. */
function deathReason(e: unknown): string {
  if (e === undefined) return 'it exited';
  if (typeof e === 'object' && e !== null && 'code' in e && e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return `V8 heap limit reached (old generation ${HEAP_LIMITS.forwarder.maxOldGenerationSizeMb} MiB)`;
  }
  return String(e).split('\n')[0] ?? 'unknown';
}

export interface PoolHooks {
  /** Every report of every forwarder ('ready', 'bound', 'drained', memory…). */
  readonly onReport: (r: ReportMessage) => void;
  /** acceptor mode: a new forwarder's link for the running acceptor; undefined when none runs (it gets links later). */
  readonly linkTo: () => ((link: ForwarderLink) => void) | undefined;
}

interface Slot {
  worker: Worker;
  /** Its threadId, read at spawn: Worker.threadId reads -1 once the thread has stopped (a heap-limit death). */
  readonly threadId: number;
  /** The 'error' the worker died of, if any (emitted before 'exit'). */
  failure: unknown;
}

export class ForwarderPool {
  private readonly data: ForwarderCommon;
  private readonly accounting: ConnAccounting;
  private readonly tickets: HandoffTickets;
  private readonly topology: Topology;
  private readonly logger: Logger;
  private readonly hooks: PoolHooks;
  private readonly slots: (Slot | undefined)[];
  /** Slot → when its replacement was started (until it reports 'ready'). */
  private readonly restartedAt = new Map<number, number>();
  private closing = false;

  constructor(
    data: ForwarderCommon,
    state: SharedState,
    accounting: ConnAccounting,
    topology: Topology,
    logger: Logger,
    hooks: PoolHooks,
  ) {
    this.data = data;
    this.accounting = accounting;
    this.tickets = new HandoffTickets(state);
    this.topology = topology;
    this.logger = logger;
    this.hooks = hooks;
    this.slots = Array.from({ length: data.threads }, () => undefined);
  }

  /** Starts every forwarder; they report 'ready' (and 'bound' in reuseport mode) through onReport. */
  start(): void {
    for (let t = 0; t < this.data.threads; t++) this.spawn(t);
  }

  /**
   * acceptor mode, for an acceptor being started: a new handoff port to every running forwarder (the forwarder's end
   * is posted to it now; the returned ends go in the acceptor's workerData and transfer list).
   */
  links(): ForwarderLink[] {
    const out: ForwarderLink[] = [];
    this.slots.forEach((s, t) => {
      if (s === undefined) return;
      const { port1, port2 } = new MessageChannel();
      const msg: HandoffPortMessage = { type: 'handoff-port', port: port2 };
      s.worker.postMessage(msg, [port2]);
      out.push({ slot: t, threadId: s.threadId, port: port1 });
    });
    return out;
  }

  /** Sends a control message to every running forwarder. */
  post(msg: ControlMessage): void {
    for (const s of this.slots) s?.worker.postMessage(msg);
  }

  /** Ends every forwarder (hard stop); none is replaced any more. */
  async destroy(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s?.worker.terminate().catch(() => undefined)));
  }

  private spawn(t: number): void {
    const linkTo = this.data.accept === 'acceptor' ? this.hooks.linkTo() : undefined;
    const channel = linkTo === undefined ? undefined : new MessageChannel();
    const data: ForwarderData = { ...this.data, slot: t };
    const worker = spawnThread('forwarder', data, [], `forwarder ${t}`);
    const slot: Slot = { worker, threadId: worker.threadId, failure: undefined };
    this.slots[t] = slot;
    if (channel !== undefined && linkTo !== undefined) {
      const msg: HandoffPortMessage = { type: 'handoff-port', port: channel.port2 };
      worker.postMessage(msg, [channel.port2]);
      linkTo({ slot: t, threadId: slot.threadId, port: channel.port1 });
    }
    worker.on('message', (m: unknown) => {
      const r = asReport(m);
      if (r === undefined) return;
      if (r.type === 'ready') {
        const since = this.restartedAt.get(t);
        if (since !== undefined) {
          this.restartedAt.delete(t);
          this.logger.log('notice', `forwarder ${t} restarted in ${Date.now() - since} ms`);
        }
      }
      this.hooks.onReport(r);
    });
    // 'error' comes before 'exit' for a thread that threw or ran out of heap; 'exit' does the bookkeeping.
    worker.on('error', (e: unknown) => {
      slot.failure = e;
      this.logger.log('alert', `forwarder failed: ${String(e)}`);
    });
    worker.on('exit', () => this.onExit(t, slot));
  }

  /**
   * A forwarder thread ended: nothing of it runs any more, so every ticket still in flight to it can be cancelled
   * (the acceptor does the same when its port to it closes: each ticket goes to one of them), and what it held is
   * given back (its sockets died with it, so counts and maxconn stay true). Then a replacement takes the slot.
   */
  private onExit(t: number, slot: Slot): void {
    if (this.slots[t] !== slot) return;
    this.tickets.cancelTarget(slot.threadId, (fd, frontend) => {
      discardFd(fd);
      this.accounting.unadmitClient(frontend);
    });
    this.accounting.reclaimThread(t, this.topology);
    if (this.closing) {
      this.slots[t] = undefined;
      return;
    }
    this.logger.log(
      'warning',
      `forwarder ${t} died: ${deathReason(slot.failure)}; its connections are lost, a new forwarder replaces it`,
    );
    this.restartedAt.set(t, Date.now());
    this.spawn(t);
  }
}
