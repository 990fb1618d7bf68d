// The list of proxies a reload changes (config/config-diff.ts): frontends and backends matched by name between the
// running configuration and the new file, each one the file adds placed in a free spare slot of the shared buffer
// (Config.proxySlots, reserved at start: core/shared/topology.ts reserveProxySlots), each one it drops listed by its
// running index. A renamed proxy is one removed and one added. More new proxies than free slots, and the kinds a
// running process cannot take or let go of (dolphindb-load backends, whose load readings the health thread sets up at
// start, and the other DolphinDB options and DNS-resolved servers set up at start; proxies serving the stats page,
// which the stats thread sets up at start; disabled frontends), are refused, named. Pure; main
// thread (the reload), and tests.

import { getAlgorithm } from '../core/balance/registry.js';
import type { BindsChange } from './binds-change.js';
import type { BackendConfig, BindConfig, Config, FrontendConfig } from './model.js';

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

/**
 * The proxy entries a reload puts in the running Config, by slot: a new proxy in a spare slot, or a removed one's
 * entry marked `retired` at its index. Posted by main to every thread that holds a Config (workers/messages.ts).
 */
export interface ProxySlotChange {
  readonly frontends: readonly { readonly index: number; readonly frontend: FrontendConfig }[];
  readonly backends: readonly { readonly index: number; readonly backend: BackendConfig }[];
}

/**
 * Puts the change's entries in this thread's Config, in place (the arrays every structure holds see them). Returns
 * false, changing nothing, when an index would leave a hole past the end of its list. Any thread; a control message.
 */
export function applyProxySlotChange(config: Config, change: ProxySlotChange): boolean {
  const fits = <T>(list: readonly T[], indexes: readonly number[]): boolean => {
    let end = list.length;
    for (const i of [...indexes].sort((a, b) => a - b)) {
      if (i < 0 || i > end) return false;
      if (i === end) end++;
    }
    return true;
  };
  if (!fits(config.frontends, change.frontends.map((f) => f.index)) || !fits(config.backends, change.backends.map((b) => b.index))) return false;
  // The Config is readonly to its readers; this, binds-change.ts, timeouts-change.ts and core/shared/server-slots.ts
  // are its run-time writers.
  for (const f of [...change.frontends].sort((a, b) => a.index - b.index)) (config.frontends as FrontendConfig[])[f.index] = f.frontend;
  for (const b of [...change.backends].sort((a, b) => a.index - b.index)) (config.backends as BackendConfig[])[b.index] = b.backend;
  return true;
}

/** True for a proxy that runs (not one a reload removed). Pure. */
export function isLiveProxy(p: { readonly retired?: boolean }): boolean {
  return p.retired !== true;
}

/** True when the slot of a proxy a reload removed holds no connection any more (workers/proxy-drain.ts). */
export type FreedSlot = (kind: 'frontend' | 'backend', index: number) => boolean;

/** True when the change adds or removes nothing. Pure. */
export function noProxyChange(c: ProxiesChange): boolean {
  return c.frontends.added.length + c.frontends.removed.length + c.backends.added.length + c.backends.removed.length === 0;
}

/**
 * The proxies `next` adds to or removes from `running`, by name, each new one in the lowest free slot; what cannot be
 * done in place goes to `reasons` (one line each, naming the proxy). Pure.
 */
export function planProxiesChange(running: Config, next: Config, reasons: string[], freed: FreedSlot = () => false): ProxiesChange {
  const slots = running.proxySlots;
  const frontends = listChange('frontend', running.frontends, next.frontends, slots?.frontends ?? running.frontends.length, (i) => freed('frontend', i), reasons);
  const backends = listChange('backend', running.backends, next.backends, slots?.backendServerSlots.length ?? running.backends.length, (i) => freed('backend', i), reasons);
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

function listChange<P extends Named>(kind: string, running: readonly P[], next: readonly P[], capacity: number, freed: (i: number) => boolean, reasons: string[]): { added: ProxyAdded<P>[]; removed: ProxyRemoved[] } {
  const live = new Set(running.flatMap((p) => (p.retired === true ? [] : [p.name])));
  const wanted = new Set(next.map((p) => p.name));
  const removed = running.flatMap((p, index) => (p.retired !== true && !wanted.has(p.name) ? [{ index, name: p.name }] : []));
  const fresh = next.flatMap((proxy, i) => (live.has(proxy.name) ? [] : [{ next: i, proxy }]));
  // The slots of removed proxies that hold no connection any more, then the unused ones past the list, lowest first.
  // A removed proxy's slot is not taken while a session of it runs (a DolphinDB binary session may last hours).
  const reusable = running.flatMap((p, i) => (p.retired === true && freed(i) ? [i] : []));
  const free = [...reusable, ...Array.from({ length: Math.max(0, capacity - running.length) }, (_, i) => running.length + i)];
  if (fresh.length > free.length) {
    const names = fresh.map((f) => `'${f.proxy.name}'`).join(', ');
    reasons.push(`${fresh.length} ${kind}(s) added (${names}), ${free.length} free spare ${kind} slot(s) (reserved at start; a removed one's once its sessions ended)`);
  }
  const added = fresh.map((f, i) => ({ ...f, slot: free[i] ?? -1 }));
  return { added, removed };
}

function unsupportedFrontend(fe: FrontendConfig | undefined, how: string, reasons: string[]): void {
  if (fe === undefined) return;
  if (fe.statsOnly || fe.stats !== undefined) reasons.push(`frontend '${fe.name}' ${how}: it serves the stats page (the stats thread sets it up at start)`);
  else if (fe.disabled) reasons.push(`frontend '${fe.name}' ${how}: it is disabled (no listener to open or close)`);
}

function unsupportedBackend(be: BackendConfig | undefined, how: string, reasons: string[]): void {
  if (be === undefined) return;
  if (getAlgorithm(be.balance.algorithm)?.readsLoad === true) {
    reasons.push(`backend '${be.name}' ${how}: 'balance ${be.balance.algorithm}' (its load readings are set up at start)`);
  }
  // Set up once at start: the health thread's node discovery and DNS resolution, the forwarders' DolphinDB session board.
  const o = be.options;
  const atStart = [
    o.dolphindbDiscovery === undefined ? undefined : 'option dolphindb-discovery',
    o.dolphindbInspect === undefined ? undefined : 'option dolphindb-inspect',
    o.dolphindbDrainIdle === undefined ? undefined : 'option dolphindb-drain-idle',
    o.dolphindbRebalance === undefined ? undefined : 'option dolphindb-rebalance',
    be.servers.some((s) => s.resolvers !== undefined) ? "servers with 'resolvers'" : undefined,
  ].filter((x) => x !== undefined);
  if (atStart.length > 0) reasons.push(`backend '${be.name}' ${how}: ${atStart.join(', ')} (set up at start)`);
}

/**
 * `config`'s frontends and backends laid out in the running slots: a proxy both have at its running index, a new one
 * in its slot, and a removed or retired one as it runs (so that no step finds a difference there). Pure.
 */
export function alignedToSlots(running: Config, config: Config, change: ProxiesChange): Config {
  const lay = <P extends Named>(live: readonly P[], mine: readonly P[], added: readonly ProxyAdded<P>[]): P[] => {
    const byName = new Map(mine.map((p) => [p.name, p]));
    const out = live.map((p) => (p.retired === true ? p : (byName.get(p.name) ?? p)));
    for (const a of added) out[a.slot] = a.proxy;
    return out;
  };
  return {
    ...config,
    frontends: lay(running.frontends, config.frontends, change.frontends.added),
    backends: lay(running.backends, config.backends, change.backends.added),
  };
}

/**
 * The bind changes of the frontends a reload adds (every bind line opened, the entry posted first with none) and
 * removes (every live bind closed, as a removed bind line is: config/binds-change.ts). Pure.
 */
export function proxyBinds(running: Config, change: ProxiesChange): BindsChange[] {
  const added = change.frontends.added.map((a) => ({ frontend: a.slot, binds: a.proxy.binds, added: a.proxy.binds.map((_b, i) => i), removed: [], rebuilt: [] }));
  const removed = change.frontends.removed.flatMap((r) => {
    const binds = running.frontends[r.index]?.binds ?? [];
    const live = binds.flatMap((b, i) => (b.retired === true ? [] : [i]));
    return [{ frontend: r.index, binds: binds.map((b): BindConfig => (b.retired === true ? b : { ...b, retired: true })), added: [], removed: live, rebuilt: [] }];
  });
  return [...added, ...removed];
}
