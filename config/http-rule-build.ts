// The rule program's lists of a proxy draft turned into config/model.ts HttpRuleLists (HAProxy 2.6's order of
// evaluation: a frontend's monitor-uri first, then its http-request rules, then the legacy `redirect` rules), with
// conditions bound to the section's ACLs and track-sc tables resolved. Main thread, config build.

import type { HttpRuleLists, HttpRuleSpec, HttpRules, StickTableConfig, TrackRule } from './model.js';
import { bindRuleDrafts, type ProxyDraft } from './sections/proxy-draft.js';
import { trackRule } from './stick-refs.js';
import type { TrackRuleDraft } from './keywords/stick-draft.js';

/** A track-sc rule with its table resolved (the draft keeps the table's name). */
function resolveTrack(spec: HttpRuleSpec, p: ProxyDraft, tables: readonly StickTableConfig[]): HttpRuleSpec {
  if (spec.action !== 'track-sc') return spec;
  const track: TrackRule = trackRule(spec.track as unknown as TrackRuleDraft, p, tables);
  return { ...spec, track };
}

/**
 * The lists of `p` for one side. `frontend`: the frontend side (monitor-uri runs there only). A listen's two halves
 * both get the lists; core/forward/http-rules/compile-http-rules.ts runs a listen's rules once, as HAProxy does.
 */
export function ruleLists(p: ProxyDraft, tables: readonly StickTableConfig[], frontend: boolean): HttpRuleLists {
  const d = bindRuleDrafts(p.httpRuleSpecs, p.acls);
  const request: HttpRuleSpec[] = [];
  if (frontend && d.monitorUri !== undefined) {
    request.push({ source: p.source, action: 'monitor', uri: d.monitorUri, fail: d.monitorFail });
  }
  request.push(...d.request, ...d.redirects);
  const lists = {
    requestRules: request.map((r) => resolveTrack(r, p, tables)),
    responseRules: d.response.map((r) => resolveTrack(r, p, tables)),
    afterResponseRules: d.after,
  };
  return structuredClone(lists);
}

/** `http` with the lists added (only the non-empty ones). */
export function withRuleLists(http: HttpRules, lists: HttpRuleLists): HttpRules {
  return {
    ...http,
    ...(lists.requestRules?.length ? { requestRules: lists.requestRules } : {}),
    ...(lists.responseRules?.length ? { responseRules: lists.responseRules } : {}),
    ...(lists.afterResponseRules?.length ? { afterResponseRules: lists.afterResponseRules } : {}),
  };
}
