// The rule program's lists of a proxy draft turned into config/model.ts HttpRuleLists (HAProxy 2.6's order of
// evaluation: a frontend's monitor-uri first, then its http-request rules, then the legacy `redirect` rules), with
// conditions bound to the section's ACLs and track-sc tables resolved. Main thread, config build.

import type { HttpRuleLists, HttpRuleSpec, HttpRules, LogFormatSpec, SampleExprSpec, StickTableConfig, TrackRule } from './model.js';
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

/** The log-formats and sample expressions of a rule, for the reference checks of config/acl-references.ts. */
export function rulePieces(spec: HttpRuleSpec): { formats: LogFormatSpec[]; exprs: SampleExprSpec[] } {
  const formats: LogFormatSpec[] = [];
  const exprs: SampleExprSpec[] = [];
  switch (spec.action) {
    case 'deny':
    case 'tarpit':
    case 'return':
      formats.push(...spec.reply.headers.map((h) => h.value));
      if (spec.reply.kind === 'log-format') formats.push(spec.reply.body);
      break;
    case 'redirect':
      formats.push(spec.redirect.target);
      break;
    case 'set-header':
    case 'add-header':
    case 'set-path':
    case 'set-pathq':
    case 'set-query':
    case 'set-uri':
    case 'set-method':
      formats.push(spec.value);
      break;
    case 'replace-header':
    case 'replace-value':
    case 'replace-path':
    case 'replace-pathq':
    case 'replace-uri':
      formats.push(spec.replace);
      break;
    case 'set-var-fmt':
      formats.push(spec.format);
      break;
    case 'set-var':
      exprs.push(spec.expr);
      break;
    case 'sc-set-gpt':
      if (typeof spec.value !== 'number') exprs.push(spec.value);
      break;
    default:
      break;
  }
  return { formats, exprs };
}
