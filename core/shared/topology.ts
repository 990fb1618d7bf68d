// Maps the typed Config onto shared-buffer slots: servers are numbered backend by backend, in config order, each
// backend holding its fixed number of slots (BackendConfig.serverSlots: its servers plus the spares `add server`
// fills), so every thread derives the same slot index from the same Config whatever was added or deleted since;
// the stick tables are placed the same way (stick-layout.ts). Pure; any thread.

import type { BackendConfig, Config } from '../../config/model.js';
import type { LayoutCounts } from './layout.js';
import { stickRegionLayout, type StickRegionLayout } from './stick-layout.js';

export interface Topology {
  readonly counts: LayoutCounts;
  /** firstServerSlot[b] = slot index of backend b's first server. */
  readonly firstServerSlot: readonly number[];
  /** Where each stick table lives in the buffer's stick region (empty without `stick-table` lines). */
  readonly stick: StickRegionLayout;
}

/** Slot layout for a config and a forwarder count. */
export function topologyOf(config: Config, threads: number): Topology {
  const firstServerSlot: number[] = [];
  let servers = 0;
  for (const b of config.backends) {
    firstServerSlot.push(servers);
    servers += serverSlotsOf(b);
  }
  // The peers thread applies its peers' updates as a writer of its own: one more pin and track column, after the
  // forwarders' (its index is `threads`, core/peers/), only when there is a peers section to run.
  const stick = stickRegionLayout(config.stickTables ?? [], threads + (peersThreadNeeded(config) ? 1 : 0));
  return {
    counts: {
      servers,
      backends: config.backends.length,
      frontends: config.frontends.length,
      threads,
      ...(stick.words === 0 ? {} : { stickWords: stick.words }),
    },
    firstServerSlot,
    stick,
  };
}

/** True when the config replicates a stick table: then the peers thread runs (workers/peers.ts). */
export function peersThreadNeeded(config: Config): boolean {
  const sections = new Set((config.peers ?? []).map((p) => p.name));
  return (config.stickTables ?? []).some((t) => t.peers !== undefined && sections.has(t.peers));
}

/** Slot of server `s` of backend `b`. */
export function serverSlotIndex(topology: Topology, b: number, s: number): number {
  return (topology.firstServerSlot[b] ?? 0) + s;
}

/**
 * The server slots backend `be` holds in the buffer: BackendConfig.serverSlots, or its servers' count for a
 * hand-built config (never fewer than its servers). Pure.
 */
export function serverSlotsOf(be: BackendConfig): number {
  return Math.max(be.serverSlots ?? 0, be.servers.length);
}
