// A frontend's bind lines changed by a reload (workers/reload.ts, config/config-diff.ts): the running frontend's new
// list, where a removed bind keeps its index marked `retired` (the connections already handed over read their bind by
// index: accept-proxy, the TLS context) and an added one is appended. Every thread that reads binds applies it to its
// own copy of the Config; the acceptor opens and closes the listeners apart (workers/supervisor.ts). Any thread; a
// control message, no hot path.

import type { BindConfig, Config } from './model.js';

export interface BindsChange {
  /** Index in config.frontends. */
  readonly frontend: number;
  /** The frontend's whole new bind list, retired entries included. */
  readonly binds: readonly BindConfig[];
  /** Indices in `binds` of the lines added (to open). */
  readonly added: readonly number[];
  /** Indices in `binds` of the lines removed (to close; now `retired`). */
  readonly removed: readonly number[];
  /**
   * Indices in `binds` of the lines kept on their socket whose `ssl` part changed (certificates, settings, ssl added
   * or taken away): the forwarders build their TLS server again for the next handshakes.
   */
  readonly rebuilt: readonly number[];
}

/** Gives the frontend its new bind list, in place. Returns false for an index out of range. Never throws. */
export function applyBindsChange(config: Config, change: BindsChange): boolean {
  const fe = config.frontends[change.frontend];
  if (fe === undefined) return false;
  // The Config is readonly to its readers; this, timeouts-change.ts and core/shared/server-slots.ts are its run-time writers.
  (fe as { binds: readonly BindConfig[] }).binds = change.binds.map((b) => ({ ...b }));
  return true;
}

/** What identifies a listening socket: the UNIX path, or the address and port. Pure. */
export function bindKey(b: BindConfig): string {
  return b.unix !== undefined ? `unix:${b.unix.path}` : `${b.address}:${b.port}`;
}
