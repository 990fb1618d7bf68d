// `http-request|http-response set-header|add-header|del-header NAME [FMT] [if|unless COND]` (HAProxy 2.6 §4.2,
// §4.3 actions), applied in order to a message's header list. Forwarder threads; pure over header arrays.
// Values are HAProxy log-format strings: literal text plus the fetches %[src] %[dst] %[src_port] %[dst_port]
// (and %ci %cp %fi %fp). Conditions: only the always-true/false ACLs `TRUE`, `FALSE`; any other rule is skipped.

import type { HeaderRule } from '../../config/model.js';
import type { HeaderField } from '../http1/header-list.js';

/** What a value's sample fetches may read (undefined: unknown, expands to nothing; may be getters read on demand). */
export interface RuleContext {
  readonly src?: string | undefined;
  readonly srcPort?: number | undefined;
  readonly dst?: string | undefined;
  readonly dstPort?: number | undefined;
}

const FETCH = /%\[(src|dst|src_port|dst_port)\]|%(ci|cp|fi|fp)|%%/g;

/** Expands the supported fetches of a log-format value; unknown `%[...]` stay as written. Pure. */
export function expandValue(value: string, ctx: RuleContext): string {
  return value.replace(FETCH, (all: string, fetch: string | undefined, short: string | undefined) => {
    if (all === '%%') return '%';
    const what = fetch ?? { ci: 'src', cp: 'src_port', fi: 'dst', fp: 'dst_port' }[short ?? ''] ?? '';
    if (what === 'src') return ctx.src ?? '';
    if (what === 'dst') return ctx.dst ?? '';
    if (what === 'src_port') return ctx.srcPort === undefined ? '' : String(ctx.srcPort);
    if (what === 'dst_port') return ctx.dstPort === undefined ? '' : String(ctx.dstPort);
    return all;
  });
}

/** True/false for the conditions this engine evaluates; undefined for one it cannot (the rule is then skipped). */
function conditionHolds(rule: HeaderRule): boolean | undefined {
  if (rule.condition === undefined) return true;
  const text = rule.condition.text.trim();
  let value: boolean;
  if (text === 'TRUE' || text === 'always_true') value = true;
  else if (text === 'FALSE' || text === 'always_false') value = false;
  else return undefined;
  return rule.condition.negate ? !value : value;
}

/**
 * Applies `rules` in order to `headers` and returns the new list (the input is not modified). set-header removes
 * every field of that name (case-insensitive) and appends one; add-header appends; del-header removes. Pure.
 */
export function applyHeaderRules(
  rules: readonly HeaderRule[] | undefined,
  headers: readonly HeaderField[],
  ctx: RuleContext,
): HeaderField[] {
  let out = headers.slice();
  if (rules === undefined) return out;
  for (const rule of rules) {
    if (conditionHolds(rule) !== true) continue;
    const lower = rule.name.toLowerCase();
    if (rule.action === 'del-header' || rule.action === 'set-header') {
      out = out.filter((h) => h.name.toLowerCase() !== lower);
    }
    if (rule.action !== 'del-header') out.push({ name: rule.name, value: expandValue(rule.value ?? '', ctx) });
  }
  return out;
}

/** HAProxy's HTX stores header names in lower case and its HTTP/1 output writes them so. Pure; new array. */
export function lowerNames(headers: readonly HeaderField[]): HeaderField[] {
  return headers.map((h) => ({ name: h.name.toLowerCase(), value: h.value }));
}

/** The list without any field called `name` (case-insensitive). Pure; new array. */
export function withoutHeader(headers: readonly HeaderField[], name: string): HeaderField[] {
  const lower = name.toLowerCase();
  return headers.filter((h) => h.name.toLowerCase() !== lower);
}
