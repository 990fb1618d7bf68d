// Maps the typed Config onto shared-buffer slots: servers are numbered backend by backend, in config order, each
// backend holding its fixed number of slots (BackendConfig.serverSlots: its servers plus the spares `add server`
// fills), so every thread derives the same slot index from the same Config whatever was added or deleted since;
// the stick tables are placed the same way (stick-layout.ts). The proxy records are laid out the same way from
// Config.proxySlots when main reserved spares at start (reserveProxySlots): the configured proxies, then spare
// frontend and backend slots a reload fills, so a thread restarted after a reload that added a proxy derives the
// same layout as the threads started before it. Pure; any thread.

import type { BackendConfig, Config, ProxySlots } from '../../config/model.js';
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
  const perBackend = config.proxySlots?.backendServerSlots ?? config.backends.map(serverSlotsOf);
  for (const n of perBackend) {
    firstServerSlot.push(servers);
    servers += n;
  }
  // The peers thread applies its peers' updates as a writer of its own: one more pin and track column, after the
  // forwarders' (its index is `threads`, core/peers/), only when there is a peers section to run.
  const stick = stickRegionLayout(config.stickTables ?? [], threads + (peersThreadNeeded(config) ? 1 : 0));
  return {
    counts: {
      servers,
      backends: perBackend.length,
      frontends: config.proxySlots?.frontends ?? config.frontends.length,
      threads,
      ...(stick.words === 0 ? {} : { stickWords: stick.words }),
    },
    firstServerSlot,
    stick,
  };
}

/** Spare frontend records reserved at start for a reload's new frontends (README, "Reload in place"). */
export const SPARE_FRONTEND_SLOTS = 4;
/** Spare backend records reserved at start for a reload's new backends. */
export const SPARE_BACKEND_SLOTS = 4;
/** Server slots of each spare backend: a new backend's servers and the spares `add server` may fill there. */
export const SPARE_BACKEND_SERVER_SLOTS = 16;

/**
 * The proxy slots to reserve for `config` at start: its frontends and backends as configured (each backend its
 * serverSlotsOf), then the spares, appended so that no configured proxy's records move. Pure.
 */
export function reserveProxySlots(config: Config): ProxySlots {
  return {
    frontends: config.frontends.length + SPARE_FRONTEND_SLOTS,
    backendServerSlots: [...config.backends.map(serverSlotsOf), ...Array.from({ length: SPARE_BACKEND_SLOTS }, () => SPARE_BACKEND_SERVER_SLOTS)],
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
