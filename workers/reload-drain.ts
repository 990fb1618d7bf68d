// The servers a reload removed, on their way out: each is in maintenance (no new session picks it, the ones it has
// carry on: a WebSocket, a DolphinDB binary session, a keep-alive request in flight) until it holds no connection and
// nobody is queued for it; then its slot is freed (core/shared/server-slots.ts retire, as `del server`), so a later
// reload or `add server` can take it. A reload that has the server again takes it back instead (forget). Main thread.

import type { SharedState } from '../core/shared/state-buffer.js';
import { AdminFlag } from '../core/stats/status-text.js';
import { serverSlotIndex, type Topology } from '../core/shared/topology.js';

/** How often the draining servers' counts are read; a reload is rare and the check is a few Atomics.load. */
const DRAIN_POLL_MS = 250;
/**
 * A server is freed no sooner than this after it went to maintenance: a forwarder that picked it just before it
 * read the new state counts the connection a moment later (the pick and the count are two steps).
 */
const DRAIN_GRACE_MS = 1000;

interface Draining {
  readonly backend: number;
  readonly index: number;
  readonly since: number;
}

export class ServerDrain {
  readonly #state: SharedState;
  readonly #topology: Topology;
  readonly #retire: (backend: number, index: number) => void;
  readonly #back: (backend: number, index: number) => void;
  readonly #entries = new Map<string, Draining>();
  #timer: NodeJS.Timeout | undefined;

  /**
   * `retire` frees the slot and tells every thread (workers/reload.ts); called once per drained server. `back` is
   * told of a draining server the runtime API put back in service (`set server … state ready`): it is no longer
   * drained, never freed under a balancer that picks it again.
   */
  constructor(state: SharedState, topology: Topology, retire: (backend: number, index: number) => void, back: (backend: number, index: number) => void) {
    this.#state = state;
    this.#topology = topology;
    this.#retire = retire;
    this.#back = back;
  }

  /** Server `index` of backend `backend` is now in maintenance: free it once it is empty. */
  add(backend: number, index: number): void {
    this.#entries.set(key(backend, index), { backend, index, since: Date.now() });
    // unref: a drain never keeps a stopping process alive.
    this.#timer ??= setInterval(() => this.#poll(), DRAIN_POLL_MS).unref();
  }

  /** True while the server is draining. */
  has(backend: number, index: number): boolean {
    return this.#entries.has(key(backend, index));
  }

  /** The server is wanted again (a later reload has it): it stays. */
  forget(backend: number, index: number): void {
    this.#entries.delete(key(backend, index));
    this.#stopIfIdle();
  }

  /** How many servers are still draining (the reload's log line, tests). */
  get size(): number {
    return this.#entries.size;
  }

  #poll(): void {
    const now = Date.now();
    for (const [k, d] of this.#entries) {
      if (now - d.since < DRAIN_GRACE_MS) continue;
      const slot = this.#state.server(serverSlotIndex(this.#topology, d.backend, d.index));
      if ((slot.load('adminState') & AdminFlag.MAINT) === 0) {
        this.#entries.delete(k);
        this.#back(d.backend, d.index);
        continue;
      }
      if (slot.load('curConns') > 0 || slot.load('queued') > 0) continue;
      this.#entries.delete(k);
      this.#retire(d.backend, d.index);
    }
    this.#stopIfIdle();
  }

  #stopIfIdle(): void {
    if (this.#entries.size > 0 || this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

function key(backend: number, index: number): string {
  return `${backend}/${index}`;
}
