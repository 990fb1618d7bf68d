// The list of proxies a reload changes (config/config-diff.ts): frontends and backends matched by name between the
// running configuration and the new file, each one the file adds placed in a free spare slot of the shared buffer
// (Config.proxySlots, reserved at start: core/shared/topology.ts reserveProxySlots), each one it drops listed by its
// running index. A renamed proxy is one removed and one added. More new proxies than free slots, and the kinds a
// running process cannot take or let go of (dolphindb-load backends, whose load readings the health thread sets up at
// start; proxies serving the stats page, which the stats thread sets up at start), are refused, named. Pure; main
// thread (the reload), and tests.

import { getAlgorithm } from '../core/balance/registry.js';
import type { BackendConfig, Config, FrontendConfig } from './model.js';

/** A proxy of the new file the running configuration does not have, with the slot it takes. */
export interface ProxyAdded<P> {
  /** Its index in the new file's list (where its section is read from). */
  readonly next: number;
  /** The shared-buffer slot (its index in the running lists from now on); -1 past the free ones (refused). */
  readonly slot: number;
  readonly proxy: P;
}

/** A running proxy the new file no longer has. */
export interface ProxyRemoved {
  readonly index: number;
  readonly name: string;
}

export interface ProxiesChange {
  readonly frontends: { readonly added: readonly ProxyAdded<FrontendConfig>[]; readonly removed: readonly ProxyRemoved[] };
  readonly backends: { readonly added: readonly ProxyAdded<BackendConfig>[]; readonly removed: readonly ProxyRemoved[] };
}

/** True when the change adds or removes nothing. Pure. */
export function noProxyChange(c: ProxiesChange): boolean {
  return c.frontends.added.length + c.frontends.removed.length + c.backends.added.length + c.backends.removed.length === 0;
}

/**
 * The proxies `next` adds to or removes from `running`, by name, each new one in the lowest free slot; what cannot be
 * done in place goes to `reasons` (one line each, naming the proxy). Pure.
 */
export function planProxiesChange(running: Config, next: Config, reasons: string[]): ProxiesChange {
  const slots = running.proxySlots;
  const frontends = listChange('frontend', running.frontends, next.frontends, slots?.frontends ?? running.frontends.length, reasons);
  const backends = listChange('backend', running.backends, next.backends, slots?.backendServerSlots.length ?? running.backends.length, reasons);
  for (const a of frontends.added) unsupportedFrontend(a.proxy, 'added', reasons);
  for (const r of frontends.removed) unsupportedFrontend(running.frontends[r.index], 'removed', reasons);
  for (const a of backends.added) {
    unsupportedBackend(a.proxy, 'added', reasons);
    const room = slots?.backendServerSlots[a.slot] ?? 0;
    if (a.slot >= 0 && a.proxy.servers.length > room) reasons.push(`backend '${a.proxy.name}' added: ${a.proxy.servers.length} servers, a spare backend slot holds ${room}`);
  }
  for (const r of backends.removed) unsupportedBackend(running.backends[r.index], 'removed', reasons);
  return { frontends, backends };
}

interface Named {
  readonly name: string;
  readonly retired?: boolean;
}

function listChange<P extends Named>(kind: string, running: readonly P[], next: readonly P[], capacity: number, reasons: string[]): { added: ProxyAdded<P>[]; removed: ProxyRemoved[] } {
  const live = new Set(running.flatMap((p) => (p.retired === true ? [] : [p.name])));
  const wanted = new Set(next.map((p) => p.name));
  const removed = running.flatMap((p, index) => (p.retired !== true && !wanted.has(p.name) ? [{ index, name: p.name }] : []));
  const fresh = next.flatMap((proxy, i) => (live.has(proxy.name) ? [] : [{ next: i, proxy }]));
  // Unused slots past the list first, then the slots of proxies retired by an earlier reload (drained, freed).
  const free = [...Array.from({ length: Math.max(0, capacity - running.length) }, (_, i) => running.length + i), ...running.flatMap((p, i) => (p.retired === true ? [i] : []))];
  if (fresh.length > free.length) {
    const names = fresh.map((f) => `'${f.proxy.name}'`).join(', ');
    reasons.push(`${fresh.length} ${kind}(s) added (${names}), ${free.length} free spare ${kind} slot(s) (reserved at start)`);
  }
  const added = fresh.map((f, i) => ({ ...f, slot: free[i] ?? -1 }));
  return { added, removed };
}

function unsupportedFrontend(fe: FrontendConfig | undefined, how: string, reasons: string[]): void {
  if (fe === undefined) return;
  if (fe.statsOnly || fe.stats !== undefined) reasons.push(`frontend '${fe.name}' ${how}: it serves the stats page (the stats thread sets it up at start)`);
}

function unsupportedBackend(be: BackendConfig | undefined, how: string, reasons: string[]): void {
  if (be === undefined) return;
  if (getAlgorithm(be.balance.algorithm)?.readsLoad === true) {
    reasons.push(`backend '${be.name}' ${how}: 'balance ${be.balance.algorithm}' (its load readings are set up at start)`);
  }
}
