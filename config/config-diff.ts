// The difference between the running configuration and the one a reload just read (HAProxy has none: its reload is
// a new process; orcalb applies the difference in place, workers/reload.ts). What a reload can change in place is a
// backend's server set (servers added, removed, re-weighted, re-addressed, their maxconn, `disabled`, `backup` and
// check intervals), the proxies' timeouts, the maxconn limits, a backend's `balance` line and a frontend's bind lines
// (added: opened; removed: closed; an unchanged one keeps its socket); anything else that differs (a frontend, a bind, an algorithm, global
// settings…) is named, and the reload is refused whole. Proxies are matched by name: the ones added or removed are
// planned into the spare proxy slots (config/proxies-change.ts), more than there are free ones refused, named.
// Where a line sits in its file (`source`) is not a difference. Pure; main thread (the reload), and tests.

import { getAlgorithm, takesDynamicServers } from '../core/balance/registry.js';
import type { BalanceChange } from './balance-change.js';
import { bindKey, type BindsChange } from './binds-change.js';
import type { BackendConfig, BindConfig, Config, FrontendConfig, ServerConfig } from './model.js';
import { alignedToSlots, planProxiesChange, proxyBinds, type FreedSlot, type ProxiesChange } from './proxies-change.js';
import type { TimeoutsChange } from './timeouts-change.js';

/** A server of the new configuration that the running one does not have (by name, in its backend). */
export interface ServerAdded {
  readonly backend: number;
  readonly server: ServerConfig;
}

/** A running server the new configuration keeps, with what changes on it (nothing changes: not listed). */
export interface ServerKept {
  readonly backend: number;
  /** Its index in the running backend's servers (its slot stays). */
  readonly index: number;
  /** The new configuration's entry, whose `id`/`dynamic` are the running one's. */
  readonly server: ServerConfig;
  readonly weight?: number;
  readonly address?: { readonly host: string; readonly port: number };
  readonly maxconn?: number;
  /** `disabled` added (true: to maintenance) or taken away (false: ready). */
  readonly disabled?: boolean;
}

/** A running server the new configuration no longer has: drained, then its slot freed. */
export interface ServerRemoved {
  readonly backend: number;
  readonly index: number;
  readonly name: string;
}

export interface ReloadPlan {
  readonly ok: true;
  readonly added: readonly ServerAdded[];
  readonly kept: readonly ServerKept[];
  readonly removed: readonly ServerRemoved[];
  /** Proxies whose `timeout` lines changed (config/timeouts-change.ts). */
  readonly timeouts: readonly TimeoutsChange[];
  /** `maxconn` lines changed, as written (0: none written): the global one and each frontend's. */
  readonly limits: { readonly global?: number; readonly frontends: readonly { readonly index: number; readonly maxconn: number }[] };
  /** Frontends whose bind lines changed (config/binds-change.ts), against the running Config's lists. */
  readonly binds: readonly BindsChange[];
  /** Backends whose `balance` line changed (config/balance-change.ts). */
  readonly balances: readonly BalanceChange[];
  /**
   * Frontends and backends added (each in its spare slot) or removed (config/proxies-change.ts). A new frontend's
   * binds, and a removed one's, are in `binds` (opened, closed as any bind line); its limit in `limits`.
   */
  readonly proxies: ProxiesChange;
}

/** Why the reload cannot be applied in place: one line per change, each naming what needs a restart. */
export interface ReloadRefusal {
  readonly ok: false;
  readonly reasons: readonly string[];
}

/**
 * Server fields a reload changes in place; any other field of a kept server that differs refuses the reload. `backup`
 * and the check intervals need only the new entry (the balancers and the checks are rebuilt from it); `rise`/`fall`
 * are not here: the health counter's range follows them, and a running counter has no place in a new range.
 */
const IN_PLACE_SERVER_FIELDS: ReadonlySet<string> = new Set([
  'source', 'weight', 'address', 'port', 'maxconn', 'id', 'dynamic', 'disabled', 'backup', 'inter', 'fastinter', 'downinter',
]);
/** In-place fields that need nothing but the new entry posted to the threads. */
const ENTRY_ONLY_FIELDS = ['backup', 'inter', 'fastinter', 'downinter'] as const;
/**
 * Backend fields diffed on their own (the rest of a backend must be equal): the server set and the timeouts; and its
 * `maxconn`, which follows the global one and only fills the stats' `slim` column (it keeps the start's figure).
 */
const BACKEND_OWN_FIELDS: ReadonlySet<string> = new Set(['source', 'servers', 'serverSlots', 'timeouts', 'maxconn', 'balance']);

/**
 * Plans the reload from `loaded` (the configuration the process was started with or last reloaded to, as read),
 * `running` (the live one: servers added or deleted at run time included, retired entries included) and `next`
 * (just read and validated). `draining` tells a running server already on its way out (removed by an earlier
 * reload): it stays listed as removed unless `next` has it again. `freed` tells the slot of a proxy removed by an
 * earlier reload that holds no connection any more (a new proxy may take it). Pure; never throws.
 */
export function planReload(
  loaded: Config,
  running: Config,
  next: Config,
  draining: (b: number, s: number) => boolean,
  freed: FreedSlot = () => false,
): ReloadPlan | ReloadRefusal {
  const reasons: string[] = [];
  const sections = sectionDifferences(withoutServers(loaded), withoutServers(next)).map((path) => `${describe(path, loaded)} changed`);
  reasons.push(...new Set(sections));
  // Proxies added or removed (config/proxies-change.ts), by name, into the spare proxy slots. The steps below pair
  // the proxies by index: both files are laid out in the running slots first (a new proxy in its slot, a removed or
  // retired one as it runs, so that nothing differs there), wherever each section sits in the file.
  const proxies = planProxiesChange(running, next, reasons, freed);
  if (proxies.frontends.added.some((a) => a.slot < 0) || proxies.backends.added.some((a) => a.slot < 0)) return { ok: false, reasons };
  const was = alignedToSlots(running, loaded, proxies);
  const now = alignedToSlots(running, next, proxies);
  const timeouts = timeoutChanges(was, now, reasons);
  const balances = balanceChanges(was, now, reasons);
  const binds = [...bindChanges(running, now, reasons), ...proxyBinds(running, proxies)];
  const limits = {
    ...(loaded.global.maxconn === next.global.maxconn ? {} : { global: next.global.maxconn }),
    frontends: [
      ...now.frontends.flatMap((fe, f) => (was.frontends[f]?.maxconn === fe.maxconn ? [] : [{ index: f, maxconn: fe.maxconn }])),
      // A new frontend's limit word, as at start (0: the global one, workers/reload.ts).
      ...proxies.frontends.added.map((a) => ({ index: a.slot, maxconn: a.proxy.maxconn })),
    ],
  };
  if (reasons.length > 0) return { ok: false, reasons };
  const added: ServerAdded[] = [];
  const kept: ServerKept[] = [];
  const removed: ServerRemoved[] = [];
  running.backends.forEach((be, b) => {
    const nb = now.backends[b];
    if (nb === undefined || be.retired === true) return;
    const wanted = new Map(nb.servers.map((s) => [s.name, s]));
    be.servers.forEach((srv, s) => {
      if (srv.retired === true) return;
      const want = wanted.get(srv.name);
      if (want === undefined) {
        if (!draining(b, s)) removed.push({ backend: b, index: s, name: srv.name });
        return;
      }
      wanted.delete(srv.name);
      const change = keptChange(be, srv, want, reasons);
      if (change !== undefined || draining(b, s)) kept.push({ backend: b, index: s, ...(change ?? { server: srv }) });
    });
    // Under the running algorithm (the slots were laid out for it) and the new one (which serves them from now on).
    const fixed = [be.balance, nb.balance].find((bal) => !takesDynamicServers(bal));
    if (wanted.size > 0 && fixed !== undefined) {
      reasons.push(`backend '${be.name}': servers added (${[...wanted.keys()].join(', ')}) under 'balance ${fixed.algorithm}', which takes no server at run time`);
    }
    for (const server of wanted.values()) added.push({ backend: b, server });
  });
  return reasons.length > 0 ? { ok: false, reasons } : { ok: true, added, kept, removed, timeouts, limits, binds, balances, proxies };
}

/**
 * The proxies whose timeouts differ. A frontend that serves the stats page is refused (a reason): the stats server
 * takes its limits once, at start, so the change would be half-applied. (An ssl bind's handshake takes `timeout
 * client` when its TLS server is built: the forwarders build them again, workers/forwarder.ts.)
 */
function timeoutChanges(loaded: Config, next: Config, reasons: string[]): TimeoutsChange[] {
  const out: TimeoutsChange[] = [];
  next.frontends.forEach((fe, f) => {
    if (firstDifference(loaded.frontends[f]?.timeouts, fe.timeouts, '') === undefined) return;
    if (takesTimeoutsAtStart(fe)) reasons.push(`frontend '${fe.name}': 'timeouts' changed (its stats page takes them at start)`);
    else out.push({ proxy: 'frontend', index: f, timeouts: fe.timeouts });
  });
  next.backends.forEach((be, b) => {
    if (firstDifference(loaded.backends[b]?.timeouts, be.timeouts, '') !== undefined) out.push({ proxy: 'backend', index: b, timeouts: be.timeouts });
  });
  return out;
}

/**
 * The backends whose `balance` line differs (same list of backends: else refused above). To or from an algorithm that
 * reads the nodes' load (dolphindb-load) is refused: the health thread decides at start which backends it reads.
 */
function balanceChanges(loaded: Config, next: Config, reasons: string[]): BalanceChange[] {
  const out: BalanceChange[] = [];
  next.backends.forEach((nb, b) => {
    const be = loaded.backends[b];
    if (be === undefined || be.name !== nb.name || firstDifference(be.balance, nb.balance, '') === undefined) return;
    const reads = [be.balance, nb.balance].find((bal) => getAlgorithm(bal.algorithm)?.readsLoad === true);
    if (reads !== undefined) reasons.push(`backend '${nb.name}': 'balance' changed to or from '${reads.algorithm}' (its load readings are set up at start)`);
    else out.push({ backend: b, balance: nb.balance });
  });
  return out;
}

function takesTimeoutsAtStart(fe: FrontendConfig): boolean {
  return fe.statsOnly || fe.stats !== undefined;
}

/**
 * Each frontend whose bind lines differ from the running ones (matched by address:port or UNIX path, in order, so an
 * unchanged line keeps its socket and index wherever it moved in the file). A line on the same socket whose `ssl`
 * part changed (certificates re-read from their files, settings) is rebuilt; one with other settings (`accept-proxy`,
 * `backlog`) and a stats-only or disabled frontend (served by the stats thread, or by nothing) are refused (`reasons`).
 */
function bindChanges(running: Config, next: Config, reasons: string[]): BindsChange[] {
  const out: BindsChange[] = [];
  next.frontends.forEach((nf, f) => {
    const fe = running.frontends[f];
    // A new frontend (its binds are proxyBinds'), a removed or retired one (laid out as it runs: nothing to match).
    if (fe === undefined || fe === nf || fe.retired === true) return;
    const binds: BindConfig[] = [...fe.binds];
    const unmatched = new Set(fe.binds.flatMap((b, i) => (b.retired === true ? [] : [i])));
    const added: number[] = [];
    const rebuilt: number[] = [];
    for (const want of nf.binds) {
      const i = [...unmatched].find((j) => bindKey(binds[j] ?? want) === bindKey(want));
      if (i === undefined) {
        added.push(binds.length);
        binds.push(want);
        continue;
      }
      unmatched.delete(i);
      const now = binds[i];
      const d = firstDifference({ ...now, text: undefined, retired: undefined, tls: undefined }, { ...want, text: undefined, tls: undefined }, '');
      if (d !== undefined) reasons.push(`frontend '${fe.name}': '${want.text}': '${d}' changed (a listening socket's settings)`);
      else if (firstDifference(now?.tls, want.tls, 'tls') !== undefined) {
        rebuilt.push(i);
        binds[i] = want;
      }
    }
    const removed = [...unmatched];
    if (added.length + removed.length + rebuilt.length === 0) return;
    if (fe.statsOnly || fe.disabled) reasons.push(`frontend '${fe.name}': bind lines changed on a ${fe.disabled ? 'disabled' : 'stats-only'} proxy`);
    for (const i of removed) binds[i] = { ...(binds[i] as BindConfig), retired: true };
    out.push({ frontend: f, binds, added, removed, rebuilt });
  });
  return out;
}

/** What changes on a server both configurations have, or undefined when nothing does; a refused change goes to `reasons`. */
function keptChange(be: BackendConfig, now: ServerConfig, want: ServerConfig, reasons: string[]): Omit<ServerKept, 'backend' | 'index'> | undefined {
  for (const key of new Set([...Object.keys(now), ...Object.keys(want)])) {
    if (IN_PLACE_SERVER_FIELDS.has(key)) continue;
    if (firstDifference(field(now, key), field(want, key), key) !== undefined) {
      reasons.push(`server '${be.name}/${now.name}': '${key}' changed`);
      return undefined;
    }
  }
  if (now.portOffset !== undefined && (want.address !== now.address || want.port !== now.port)) {
    reasons.push(`server '${be.name}/${now.name}': its address changed and it has no fixed port`);
    return undefined;
  }
  const weight = want.weight !== now.weight ? { weight: want.weight } : {};
  const address = want.address !== now.address || want.port !== now.port ? { address: { host: want.address, port: want.port } } : {};
  const maxconn = want.maxconn !== now.maxconn ? { maxconn: want.maxconn } : {};
  const disabled = want.disabled !== now.disabled ? { disabled: want.disabled } : {};
  const entryOnly = ENTRY_ONLY_FIELDS.some((k) => want[k] !== now[k]);
  if (!entryOnly && Object.keys({ ...weight, ...address, ...maxconn, ...disabled }).length === 0) return undefined;
  const server: ServerConfig = { ...want, ...(now.id === undefined ? {} : { id: now.id }), ...(now.dynamic === undefined ? {} : { dynamic: now.dynamic }) };
  return { server, ...weight, ...address, ...maxconn, ...disabled };
}

function field(o: object, key: string): unknown {
  return (o as Record<string, unknown>)[key];
}

/**
 * The first difference within each top-level part (global, each frontend, each backend, the stick tables…), so that
 * a refusal names every section that changed, not only the first one. Pure.
 */
function sectionDifferences(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[key];
    const y = b[key];
    const lists = (key === 'frontends' || key === 'backends') && Array.isArray(x) && Array.isArray(y);
    if (!lists) {
      const d = firstDifference(x, y, key);
      if (d !== undefined) out.push(d);
      continue;
    }
    // Matched by name (a proxy added, removed or renamed is config/proxies-change.ts's), wherever it sits in the file.
    const byName = new Map(y.map((item: unknown) => [field(item as object, 'name'), item]));
    x.forEach((item: unknown, i) => {
      const other: unknown = byName.get(field(item as object, 'name'));
      const d = other === undefined ? undefined : firstDifference(item, other, `${key}[${i}]`);
      if (d !== undefined) out.push(d);
    });
  }
  return out;
}

/** The configuration without what is diffed on its own: every backend's servers, every proxy's timeouts, the maxconns. */
function withoutServers(config: Config): Record<string, unknown> {
  return {
    ...config,
    // The running layout (reserved at start), not something a file says.
    proxySlots: undefined,
    global: { ...config.global, maxconn: undefined },
    frontends: config.frontends.map((fe) => ({ ...fe, timeouts: undefined, maxconn: undefined, binds: undefined })),
    backends: config.backends.map((be) => Object.fromEntries(Object.entries(be).filter(([k]) => !BACKEND_OWN_FIELDS.has(k)))),
  };
}

/**
 * The path of the first difference between two plain-data values (what structured clone carries: objects, arrays,
 * typed arrays, Map, Set, RegExp, primitives), `source` fields skipped; undefined when they are equal. Pure.
 */
export function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return path;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return path;
    if (a.length !== b.length) return path;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b)) return path;
    return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)) ? undefined : path;
  }
  if (a instanceof RegExp || b instanceof RegExp) return String(a) === String(b) ? undefined : path;
  if (a instanceof Map || b instanceof Map || a instanceof Set || b instanceof Set) {
    return firstDifference([...(a as Map<unknown, unknown>).entries()], [...(b as Map<unknown, unknown>).entries()], path);
  }
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (key === 'source') continue;
    const d = firstDifference(field(a, key), field(b, key), path === '' ? key : `${path}.${key}`);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** A difference's path in the operator's words: `backends[2].balance` → `backend 'ddb': balance`. Pure. */
function describe(path: string, config: Config): string {
  const m = /^(frontends|backends)(?:\[(\d+)\])?(?:\.(.*))?$/.exec(path);
  if (m === null) return path.startsWith('global') ? `the global section ('${path}')` : `'${path}'`;
  const list = m[1] === 'frontends' ? config.frontends : config.backends;
  const kind = m[1] === 'frontends' ? 'frontend' : 'backend';
  if (m[2] === undefined || m[3] === undefined) return `the list of ${kind}s (a ${kind} added, removed or renamed)`;
  const name = list[Number(m[2])]?.name ?? `#${m[2]}`;
  if (m[3] === 'name') return `the list of ${kind}s (a ${kind} added, removed or renamed)`;
  return `${kind} '${name}': '${m[3]}'`;
}
