// Stick tables across the whole configuration (HAProxy's check_config_validity for tables): table names are proxy
// names and must be unique; every `track-sc*` and `stick` rule must name an existing table (its own proxy's when it
// names none), with HAProxy 2.6's texts; and the built model: Config.stickTables in config order, rules pointing at
// them by index, each rule on the side of the proxy that runs it. Main thread, after parsing.

import { bindCondition } from './keywords/acl-bind.js';
import type { Diagnostics } from './diagnostics.js';
import type { StickRule, StickTableConfig, TrackRule } from './model.js';
import type { StickRuleDraft, TrackRuleDraft } from './keywords/stick-draft.js';
import type { PeersDraft } from './sections/peers.js';
import type { ProxyDraft } from './sections/proxy-draft.js';

/**
 * The tables in config order, first of each name (a later one of the same name is an error): the proxies', then the
 * peers sections' `table` lines (named `SECTION/NAME`).
 */
export function stickTables(proxies: readonly ProxyDraft[], peers: readonly PeersDraft[]): StickTableConfig[] {
  const seen = new Set<string>();
  const out: StickTableConfig[] = [];
  for (const t of [...proxies.map((p) => p.stick.table), ...peers.flatMap((d) => d.tables)]) {
    if (t === undefined || seen.has(t.name)) continue;
    seen.add(t.name);
    out.push(t);
  }
  return out;
}

/**
 * Reports duplicate table names, tables naming a `peers` section that does not exist, and rules naming no table.
 * Never throws.
 */
export function validateStickRefs(proxies: readonly ProxyDraft[], peers: readonly PeersDraft[], peersSections: ReadonlySet<string>, diag: Diagnostics): void {
  const tables = new Map<string, { kind: string; source: { file: string; line: number } }>();
  // A peers section's tables are `SECTION/NAME`: no proxy name holds a '/' that could meet them.
  for (const d of peers) for (const t of d.tables) tables.set(t.name, { kind: 'peers', source: t.source });
  for (const p of proxies) {
    const t = p.stick.table;
    if (t === undefined) continue;
    if (t.peers !== undefined && !peersSections.has(t.peers)) {
      diag.error('ORCA_CONFIG_REFERENCE', `Proxy '${p.name}': unable to find sync peers '${t.peers}'.`, t.source, { found: t.peers });
    }
    const first = tables.get(t.name);
    if (first !== undefined) {
      diag.badValue(
        `stick-table name '${t.name}' conflicts with table declared in ${first.kind} '${t.name}' at ${first.source.file}:${first.source.line}.`,
        t.source,
      );
      continue;
    }
    tables.set(t.name, { kind: p.kind, source: t.source });
  }
  for (const p of proxies) {
    for (const r of p.stick.trackRules) {
      const name = r.tableName ?? p.name;
      if (!tables.has(name)) {
        diag.error('ORCA_CONFIG_REFERENCE', `Proxy '${p.name}': unable to find table '${name}' referenced by track-sc${r.counter}.`, r.source, {
          found: name,
        });
      }
    }
    for (const r of p.stick.stickRules) {
      const name = r.tableName ?? p.name;
      if (!tables.has(name)) {
        diag.error('ORCA_CONFIG_REFERENCE', `Proxy '${p.name}': unable to find stick-table '${name}'.`, r.source, { found: name });
      }
    }
  }
}

/** Stages a frontend (or the frontend half of a listen) runs; a listen runs its http-* rules on its backend half. */
const FRONTEND_STAGES = new Set(['tcp-request connection', 'tcp-request session', 'tcp-request content']);

function tableIndex(tables: readonly StickTableConfig[], name: string): number {
  return tables.findIndex((t) => t.name === name);
}

export function trackRule(r: TrackRuleDraft, p: ProxyDraft, tables: readonly StickTableConfig[]): TrackRule {
  const { tableName, ...rest } = r;
  // Conditions bound to the section's ACLs, as the other rules' are: the compiled rule needs no name lookup.
  const bound = rest.condition === undefined ? rest : { ...rest, condition: bindCondition(rest.condition, p.acls) };
  return { ...structuredClone(bound), table: tableIndex(tables, tableName ?? p.name) };
}

function stickRule(r: StickRuleDraft, p: ProxyDraft, tables: readonly StickTableConfig[]): StickRule {
  const { tableName, ...rest } = r;
  return { ...structuredClone(rest), table: tableIndex(tables, tableName ?? p.name) };
}

/** The track rules the frontend side of `p` runs (call only after validateStickRefs reported no error). */
export function frontendTrackRules(p: ProxyDraft, tables: readonly StickTableConfig[]): TrackRule[] {
  return p.stick.trackRules
    .filter((r) => p.kind === 'frontend' || FRONTEND_STAGES.has(r.stage))
    .map((r) => trackRule(r, p, tables));
}

/** The track rules the backend side of `p` runs. */
export function backendTrackRules(p: ProxyDraft, tables: readonly StickTableConfig[]): TrackRule[] {
  return p.stick.trackRules
    .filter((r) => (p.kind === 'backend' ? true : !FRONTEND_STAGES.has(r.stage)))
    .map((r) => trackRule(r, p, tables));
}

/** The `stick` rules of backend `p`, in order. */
export function stickRules(p: ProxyDraft, tables: readonly StickTableConfig[]): StickRule[] {
  return p.stick.stickRules.map((r) => stickRule(r, p, tables));
}
