// The ACL language in proxy sections (manual §7): `acl <name> <criterion> [flags] <patterns…>` lines, and the
// `if|unless <condition>` of every rule that takes one, parsed by core/acl/ into the plain data of config/model.ts,
// with HAProxy 2.6's errors ("error detected while parsing ACL 'x' : …", "no such ACL : 'y'") and its warnings for
// an ACL that can never match where a rule runs. Pattern and map files are read here, once, at load.
// Main thread, config parsing.

import { readFileSync } from 'node:fs';
import { parseAclTest } from '../../core/acl/acl-parse.js';
import { parseCondition } from '../../core/acl/condition.js';
import { PLACE, PLACE_NAMES } from '../../core/acl/descriptor.js';
import { exprFetch } from '../../core/acl/sample-expr.js';
import type { AclTestSpec, ConditionSpec, ConditionTerm, SampleExprSpec } from '../model.js';
import type { ProxyDraft, ProxyLineContext, SectionKind } from '../sections/proxy-draft.js';

/** §7: "ACL names must be formed from upper and lower case letters, digits, '-', '_', '.' and ':'." */
const ACL_NAME_CHAR = /[^A-Za-z0-9_.:-]/;

/**
 * Reads a pattern or map file named in the configuration (relative to the working directory, as HAProxy reads it),
 * with HAProxy's text when it cannot. Main thread, at load only.
 */
export function readPatternFile(path: string): string | { readonly error: string } {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return { error: `failed to open pattern file <${path}>` };
  }
}

const FILES = { readFile: readPatternFile };

/** `acl <name> <criterion> …`: one more test OR'ed into the proxy's ACL of that name. */
export function parseAclLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const name = args[1] ?? '';
  if (name === '') {
    diag.error('ORCA_CONFIG_SYNTAX', "'acl' expects an ACL name and a criterion.", at);
    return;
  }
  const bad = ACL_NAME_CHAR.exec(name);
  if (bad !== null) {
    diag.error('ORCA_CONFIG_SYNTAX', `character '${bad[0]}' is not permitted in acl name '${name}'.`, at, { found: name });
    return;
  }
  const words = args.slice(2);
  if ((words[0] ?? '') === '') {
    diag.badValue(`error detected while parsing ACL '${name}' : missing fetch method in ACL expression ''.`, at);
    return;
  }
  const parsed = parseAclTest(words, at, FILES);
  if (!parsed.ok) {
    if (parsed.notImplemented !== undefined) {
      diag.notImplemented(`sample ${parsed.notImplemented}`, at, 'the ACL cannot be evaluated', { shown: parsed.notImplemented });
      return;
    }
    diag.badValue(`error detected while parsing ACL '${name}' : ${parsed.message}.`, at, { found: name });
    return;
  }
  for (const w of parsed.warnings) diag.warn(w, at);
  const tests = proxy.acls.get(name);
  if (tests === undefined) proxy.acls.set(name, [parsed.spec]);
  else tests.push(parsed.spec);
  // An ACL alone opens or closes nothing: each rule that uses one is judged by its own keyword (fail closed there).
}

/** Rule keywords that take a condition, and the places (core/acl/descriptor.ts PLACE) they run at per side. */
const RULE_PLACES: Readonly<Record<string, readonly [frontend: number, backend: number]>> = {
  'tcp-request connection': [PLACE.FE_TCP_CONN, -1],
  'tcp-request session': [PLACE.FE_TCP_SESS, -1],
  'tcp-request content': [PLACE.FE_TCP_CONTENT, PLACE.BE_TCP_CONTENT],
  'tcp-response content': [-1, PLACE.BE_TCP_RES],
  'http-request': [PLACE.FE_HTTP_REQ, PLACE.BE_HTTP_REQ],
  'http-response': [PLACE.FE_HTTP_RES, PLACE.BE_HTTP_RES],
  'http-after-response': [PLACE.FE_HTTP_RES, PLACE.BE_HTTP_RES],
  redirect: [PLACE.FE_HTTP_REQ, PLACE.BE_HTTP_REQ],
  'monitor fail': [PLACE.FE_HTTP_REQ, -1],
  'stats admin': [PLACE.FE_HTTP_REQ, PLACE.BE_HTTP_REQ],
  use_backend: [PLACE.FE_USE_BACKEND, -1],
  'use-server': [-1, PLACE.BE_USE_SERVER],
  'force-persist': [-1, PLACE.BE_HTTP_REQ],
  'ignore-persist': [-1, PLACE.BE_HTTP_REQ],
  // stick match/on/store-request run when the server is chosen, store-response on the response (§4.2 stick).
  stick: [-1, PLACE.BE_USE_SERVER],
  'stick store-response': [-1, PLACE.BE_STICK_STORE],
};

/** The place mask where a rule keyword runs in a section of this kind (a listen or defaults runs on both sides). */
export function rulePlaces(rule: string, kind: SectionKind): number {
  const [fe, be] = RULE_PLACES[rule] ?? [PLACE.FE_HTTP_REQ, PLACE.BE_HTTP_REQ];
  let mask = 0;
  if (kind !== 'backend' && fe >= 0) mask |= 1 << fe;
  if (kind !== 'frontend' && be >= 0) mask |= 1 << be;
  return mask;
}

/** The first place name of a mask, as HAProxy's warnings print it. */
function placeName(mask: number): string {
  for (let i = 0; i < PLACE_NAMES.length; i++) if ((mask & (1 << i)) !== 0) return PLACE_NAMES[i] ?? '';
  return '';
}

/** Whether an expression's fetch may run at `places` (HAProxy allows it there). */
export function fetchAllowed(expr: SampleExprSpec, places: number): boolean {
  return ((exprFetch(expr)?.use ?? 0) & places) !== 0;
}

/** Whether orcalb evaluates the fetch there (a fetch HAProxy allows on the response side may not be yet). */
export function fetchImplemented(expr: SampleExprSpec, places: number): boolean {
  const f = exprFetch(expr);
  return ((f?.impl ?? f?.use ?? 0) & places) !== 0;
}

/** How a rule names itself in condition errors, per keyword (HAProxy words each differently). */
export type ConditionLabel = (problem: string) => string;

/**
 * Parses `words` (after `if`/`unless`) as the condition of `rule`. Reports errors (with `label`) and HAProxy's
 * never-match warnings; returns the spec, or undefined after an error.
 */
export function parseRuleCondition(
  ctx: ProxyLineContext,
  words: readonly string[],
  negate: boolean,
  rule: string,
  label: ConditionLabel,
): ConditionSpec | undefined {
  const { at, diag, proxy } = ctx;
  const parsed = parseCondition(words, negate, {
    declared: (name) => proxy.acls.has(name),
    parseAnonymous: (inner) => parseAclTest(inner, at, FILES),
  });
  if (!parsed.ok) {
    if (parsed.notImplemented !== undefined) {
      diag.notImplemented(`sample ${parsed.notImplemented}`, at, 'the condition cannot be evaluated', { shown: parsed.notImplemented });
      return undefined;
    }
    diag.badValue(label(parsed.message), at);
    return undefined;
  }
  const places = rulePlaces(rule, proxy.kind);
  const inRule = rule.startsWith('tcp-') ? ` in '${rule}'` : '';
  for (const group of parsed.spec.terms ?? []) {
    for (const term of group) {
      const tests = termTests(term, proxy);
      if (tests.length === 0) continue;
      const usable = tests.filter((t) => fetchAllowed(t.expr, places));
      if (usable.length === 0) {
        const who = 'anonymous' in term ? 'anonymous acl' : `acl '${term.acl}'`;
        const why =
          'anonymous' in term
            ? `uses keyword '${term.anonymous.keyword.replace(/[(,].*$/, '')}' which is incompatible with '${placeName(places)}'`
            : `only involves keywords that are incompatible with '${placeName(places)}'`;
        diag.warn(`${who} will never match${inRule} because it ${why}`, at);
        continue;
      }
      const missing = usable.find((t) => !fetchImplemented(t.expr, places));
      if (missing !== undefined) {
        diag.notImplemented(`sample ${missing.expr.fetch.name} in ${rule}`, at, 'the condition cannot be evaluated', {
          shown: `${missing.expr.fetch.name}' in '${rule}`,
        });
        return undefined;
      }
    }
  }
  return parsed.spec;
}

/** The tests a term stands for: its anonymous test, or the proxy's ACL of that name (none for a predefined one). */
function termTests(term: ConditionTerm, proxy: ProxyDraft): readonly AclTestSpec[] {
  if ('anonymous' in term) return [term.anonymous];
  return proxy.acls.get(term.acl) ?? [];
}

/** Splits `words` at the first `if`/`unless`: [before, condition words, negate] (no condition: undefined). */
export function splitCondition(words: readonly string[]): {
  readonly before: readonly string[];
  readonly condition?: { readonly words: readonly string[]; readonly negate: boolean; readonly keyword: string };
} {
  const i = words.findIndex((w) => w === 'if' || w === 'unless');
  if (i < 0) return { before: words };
  return { before: words.slice(0, i), condition: { words: words.slice(i + 1), negate: words[i] === 'unless', keyword: words[i] ?? '' } };
}
