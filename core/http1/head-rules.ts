// `http-request|http-response set-header|add-header|del-header NAME [FMT] [if|unless COND]` (HAProxy 2.6 §4.2) applied
// to a HeadEdit instead of a header list: the same order and effects as core/forward/header-rules.ts applyHeaderRules
// (set-header and del-header drop every field of that name, set-header and add-header append), values expanded by its
// expandValue. Forwarder threads, per message with rules; per rule only a drop scan and an append.

import type { HeaderRule } from '../../config/model.js';
import { applyHeaderRules, expandValue, type RuleContext } from '../forward/header-rules.js';
import type { HeadEdit } from './head-edit.js';

/** Whether each rule's condition holds, decided once per rule object by header-rules.ts itself. */
const holds = new WeakMap<HeaderRule, boolean>();
const NO_CONTEXT: RuleContext = {};

/**
 * True when `rule` applies. The conditions are static (TRUE/FALSE and their negations; any other is skipped), so the
 * answer is cached per rule. It is read from header-rules.ts rather than re-implemented there: a probe field named as
 * the rule shows whether its rule ran (del/set replace the probe, add appends after it).
 */
function ruleHolds(rule: HeaderRule): boolean {
  let known = holds.get(rule);
  if (known === undefined) {
    const probe = { name: rule.name, value: '' };
    const out = applyHeaderRules([rule], [probe], NO_CONTEXT);
    known = out.length !== 1 || out[0] !== probe;
    holds.set(rule, known);
  }
  return known;
}

/**
 * Applies `rules` in order to `edit`, as applyHeaderRules does to a header list: set-header removes every field of
 * that name (case-insensitive) and appends one; add-header appends; del-header removes. Never throws.
 */
export function applyRules(edit: HeadEdit, rules: readonly HeaderRule[] | undefined, ctx: RuleContext): void {
  if (rules === undefined) return;
  for (const rule of rules) {
    if (!ruleHolds(rule)) continue;
    if (rule.action === 'del-header' || rule.action === 'set-header') edit.dropNamed(rule.name.toLowerCase());
    if (rule.action !== 'del-header') edit.append(rule.name, expandValue(rule.value ?? '', ctx));
  }
}
