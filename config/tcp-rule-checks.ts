// Fail-closed checks on what orcalb's tcp-request rules read (issue 11). The rules run, but some of what they may read
// is fed by parts orcalb does not run yet: http-request/http-response track-sc* and sc-* lines that are ignored,
// which would leave sticky counters short; http-request add-acl/set-map lines, which would leave ACL files and maps
// stale. A rule that reads such a
// value would decide on a wrong one, so it is refused at its line instead. Main thread, after parsing (validate.ts).

import { predefinedAcl } from '../core/acl/predefined.js';
import type { Diagnostics } from './diagnostics.js';
import type { AclTestSpec, ConditionSpec, SourceRef } from './model.js';
import type { ProxyDraft } from './sections/proxy-draft.js';

/** Stick fetches (sc_*, sc0_*…, src_*, table_*). The HTTP sessions feed their HTTP counters and bytes (l7-rules.ts). */
const STICK_FETCH = /^(sc[0-2]?_|src_|table_)/;

/** The fetch names a condition reads, its named ACLs resolved against the proxy's (or the pre-defined ones). */
function conditionFetches(spec: ConditionSpec | undefined, acls: ReadonlyMap<string, readonly AclTestSpec[]>): string[] {
  const out: string[] = [];
  for (const group of spec?.terms ?? []) {
    for (const term of group) {
      let tests: readonly AclTestSpec[];
      if ('anonymous' in term) tests = [term.anonymous];
      else {
        const pre = predefinedAcl(term.acl);
        tests = term.tests ?? acls.get(term.acl) ?? (pre === undefined || 'notImplemented' in pre ? [] : pre.tests);
      }
      for (const t of tests) out.push(t.expr.fetch.name);
    }
  }
  return out;
}

/**
 * A TCP frontend that reads a PROXY header (bind `accept-proxy`, `expect-proxy layer4`) and hands connections to the
 * HTTP engine (`switch-mode http`, or an HTTP backend): the HTTP session would not know the client the header
 * announced (X-Forwarded-For, logs, fetches would show the proxy's address). Refused at the rule or bind until the
 * carried connection brings the header's addresses. Never throws.
 */
export function checkProxyHeaderUpgrades(proxies: readonly ProxyDraft[], diag: Diagnostics): void {
  const httpBackends = new Set(proxies.filter((p) => p.kind !== 'frontend' && p.kind !== 'defaults' && p.mode === 'http').map((p) => p.name));
  for (const p of proxies) {
    if (p.kind === 'defaults' || p.kind === 'backend' || p.mode !== 'tcp') continue;
    const header = p.binds.find((b) => b.acceptProxy)?.source ?? p.tcpRules.find((r) => r.action.kind === 'expect-proxy')?.source;
    if (header === undefined) continue;
    const names = [p.defaultBackend?.name, ...p.backendRules.map((r) => (r.backend.kind === 'name' ? r.backend.name : undefined))];
    const upgrades =
      p.tcpRules.some((r) => r.action.kind === 'switch-mode') ||
      p.backendRules.some((r) => r.backend.kind === 'dynamic') ||
      names.some((n) => n !== undefined && httpBackends.has(n));
    if (!upgrades) continue;
    diag.notImplemented('tcp-request rules reading what orcalb does not feed', header, 'the rule is ignored', {
      shown: 'a PROXY header on a TCP frontend that hands connections to the HTTP engine',
    });
  }
}

/** Refuses the tcp-request rules (and TCP use_backend rules) that would read values nothing feeds. Never throws. */
export function checkTcpRuleFeeds(proxies: readonly ProxyDraft[], diag: Diagnostics): void {
  const ignored = diag.ignoredKeys;
  const httpCounters = ignored.some((k) => /^http-(request|response) (track-sc|sc-)/.test(k));
  const httpAclsOrMaps = ignored.some((k) => /^http-(request|response) (add-acl|del-acl|set-map|del-map)/.test(k));
  for (const p of proxies) {
    if (p.kind === 'defaults') continue;
    const rules: { condition?: ConditionSpec; source: SourceRef; key?: string }[] = [
      ...p.tcpRules,
      ...p.stick.trackRules.filter((r) => r.stage.startsWith('tcp-request')).map((r) => ({ ...r, key: r.key.fetch.name })),
      ...(p.mode === 'tcp' ? p.backendRules : []),
    ];
    for (const r of rules) {
      const fetches = [...conditionFetches(r.condition, p.acls), ...(r.key === undefined ? [] : [r.key])];
      const stick = fetches.filter((f) => STICK_FETCH.test(f));
      let why: string | undefined;
      if (httpCounters && stick.length > 0) why = 'counters fed by http-request/http-response rules orcalb ignores';
      else if (httpAclsOrMaps && r.condition !== undefined) why = 'ACL files or maps changed by http-request rules orcalb ignores';
      if (why === undefined) continue;
      diag.notImplemented('tcp-request rules reading what orcalb does not feed', r.source, 'the rule is ignored', {
        shown: `a condition on ${why}`,
      });
    }
  }
}
