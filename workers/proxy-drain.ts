// The frontends and backends a reload removed, on their way out (workers/reload.ts): each keeps its entry, retired,
// while its sessions finish; once its slot holds no connection (a backend: no session on it or its servers, nobody
// queued), a second or more after the reload, the slot is free and a later reload's new proxy may take it
// (config/proxies-change.ts, core/shared/proxy-slots.ts). As reload-drain.ts does for servers. Main thread.

import { backendSlotEmpty, frontendSlotEmpty } from '../core/shared/proxy-slots.js';
import type { SharedState } from '../core/shared/state-buffer.js';
import type { Topology } from '../core/shared/topology.js';
import { DrainPoll } from './drain-poll.js';

export type ProxyKind = 'frontend' | 'backend';

interface Draining {
  readonly kind: ProxyKind;
  readonly index: number;
  /** A backend's server slots (its range of server records). */
  readonly servers: number;
}

export class ProxyDrain {
  readonly #state: SharedState;
  readonly #topology: Topology;
  readonly #drained: (kind: ProxyKind, index: number) => void;
  readonly #poll = new DrainPoll<Draining>((d) => this.#settled(d));
  readonly #free = new Set<string>();

  /** `drained` is told once per proxy whose slot became free (the reload logs it). */
  constructor(state: SharedState, topology: Topology, drained: (kind: ProxyKind, index: number) => void) {
    this.#state = state;
    this.#topology = topology;
    this.#drained = drained;
  }

  /** A removed proxy: its slot is free once it holds no connection. */
  add(kind: ProxyKind, index: number, servers: number): void {
    this.#poll.add(`${kind}/${index}`, { kind, index, servers });
  }

  /** True once the slot of a removed proxy is free (drained and not taken again). */
  isFree(kind: ProxyKind, index: number): boolean {
    return this.#free.has(`${kind}/${index}`);
  }

  /** A new proxy took the slot. */
  taken(kind: ProxyKind, index: number): void {
    this.#free.delete(`${kind}/${index}`);
  }

  /** How many removed proxies still hold connections (the reload's log line, tests). */
  get size(): number {
    return this.#poll.size;
  }

  /** The slot holds no connection any more: it is free, and the reload hears of it. */
  #settled(d: Draining): boolean {
    const empty = d.kind === 'backend' ? backendSlotEmpty(this.#state, this.#topology, d.index, d.servers) : frontendSlotEmpty(this.#state, d.index);
    if (!empty) return false;
    this.#free.add(`${d.kind}/${d.index}`);
    this.#drained(d.kind, d.index);
    return true;
  }
}
