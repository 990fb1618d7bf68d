// The servers a reload removed, on their way out: each is in maintenance (no new session picks it, the ones it has
// carry on: a WebSocket, a DolphinDB binary session, a keep-alive request in flight) until it holds no connection and
// nobody is queued for it; then its slot is freed (core/shared/server-slots.ts retire, as `del server`), so a later
// reload or `add server` can take it. A reload that has the server again takes it back instead (forget). Main thread.

import type { SharedState } from '../core/shared/state-buffer.js';
import { AdminFlag } from '../core/stats/status-text.js';
import { serverSlotIndex, type Topology } from '../core/shared/topology.js';
import { DrainPoll } from './drain-poll.js';

interface Draining {
  readonly backend: number;
  readonly index: number;
}

export class ServerDrain {
  readonly #state: SharedState;
  readonly #topology: Topology;
  readonly #retire: (backend: number, index: number) => void;
  readonly #back: (backend: number, index: number) => void;
  readonly #poll = new DrainPoll<Draining>((d) => this.#settled(d));

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
    this.#poll.add(key(backend, index), { backend, index });
  }

  /** True while the server is draining. */
  has(backend: number, index: number): boolean {
    return this.#poll.has(key(backend, index));
  }

  /** The server is wanted again (a later reload has it): it stays. */
  forget(backend: number, index: number): void {
    this.#poll.delete(key(backend, index));
  }

  /** How many servers are still draining (the reload's log line, tests). */
  get size(): number {
    return this.#poll.size;
  }

  /** Back in service (told), or empty (retired): done either way; still holding connections: not yet. */
  #settled(d: Draining): boolean {
    const slot = this.#state.server(serverSlotIndex(this.#topology, d.backend, d.index));
    if ((slot.load('adminState') & AdminFlag.MAINT) === 0) {
      this.#back(d.backend, d.index);
      return true;
    }
    if (slot.load('curConns') > 0 || slot.load('queued') > 0) return false;
    this.#retire(d.backend, d.index);
    return true;
  }
}

function key(backend: number, index: number): string {
  return `${backend}/${index}`;
}
