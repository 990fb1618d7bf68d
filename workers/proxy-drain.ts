// The frontends and backends a reload removed, on their way out (workers/reload.ts): each keeps its entry, retired,
// while its sessions finish; once its slot holds no connection (a backend: no session on it or its servers, nobody
// queued), a second or more after the reload, the slot is free and a later reload's new proxy may take it
// (config/proxies-change.ts, core/shared/proxy-slots.ts). As reload-drain.ts does for servers. Main thread.

import { backendSlotEmpty, frontendSlotEmpty } from '../core/shared/proxy-slots.js';
import type { SharedState } from '../core/shared/state-buffer.js';
import type { Topology } from '../core/shared/topology.js';

/** How often the draining proxies' counts are read. */
const DRAIN_POLL_MS = 250;
/** A slot is freed no sooner than this after its removal: a session picked just before counts a moment later. */
const DRAIN_GRACE_MS = 1000;

export type ProxyKind = 'frontend' | 'backend';

interface Draining {
  readonly kind: ProxyKind;
  readonly index: number;
  /** A backend's server slots (its range of server records). */
  readonly servers: number;
  readonly since: number;
}

export class ProxyDrain {
  readonly #state: SharedState;
  readonly #topology: Topology;
  readonly #drained: (kind: ProxyKind, index: number) => void;
  readonly #entries = new Map<string, Draining>();
  readonly #free = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  /** `drained` is told once per proxy whose slot became free (the reload logs it). */
  constructor(state: SharedState, topology: Topology, drained: (kind: ProxyKind, index: number) => void) {
    this.#state = state;
    this.#topology = topology;
    this.#drained = drained;
  }

  /** A removed proxy: its slot is free once it holds no connection. */
  add(kind: ProxyKind, index: number, servers: number): void {
    this.#entries.set(`${kind}/${index}`, { kind, index, servers, since: Date.now() });
    // unref: a drain never keeps a stopping process alive.
    this.#timer ??= setInterval(() => this.#poll(), DRAIN_POLL_MS).unref();
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
    return this.#entries.size;
  }

  #poll(): void {
    const now = Date.now();
    for (const [k, d] of this.#entries) {
      if (now - d.since < DRAIN_GRACE_MS) continue;
      const empty = d.kind === 'backend' ? backendSlotEmpty(this.#state, this.#topology, d.index, d.servers) : frontendSlotEmpty(this.#state, d.index);
      if (!empty) continue;
      this.#entries.delete(k);
      this.#free.add(k);
      this.#drained(d.kind, d.index);
    }
    if (this.#entries.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
