// One ACL test as written (manual §7.1): `<criterion> [-i] [-f <file>] [-m <method>] [-n] [-u <id>] [--]
// [<operator>] <patterns…>`, parsed at load into config/model.ts AclTestSpec: the criterion's sample expression, the
// match method (from -m, the ACL keyword, or the sample type), and every pattern from the line and from -f files
// with the -i flag in force where it was read, each checked for its method (integers, ranges, addresses, hex, regexes).
// HAProxy 2.6's error texts. Main thread, config loading; pure apart from reading files through the options.

import type { AclTestSpec, MatchMethod, PatternSpec, SourceRef } from '../../config/model.js';
import { isMatchMethod } from './registry.js';
import { parseIntPattern, type IntOperator } from './match-int.js';
import { parseIpPattern } from './match-ip.js';
import { compileRegex } from './match-regex.js';
import { exprType, parseSampleExpr, type ExprParseOptions } from './sample-expr.js';
import { SMP, type SmpType } from './sample.js';

export type AclParseResult =
  | { readonly ok: true; readonly spec: AclTestSpec; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly message: string; readonly notImplemented?: string };

const OPERATORS: ReadonlySet<string> = new Set(['eq', 'ge', 'gt', 'le', 'lt']);

/** §7.1: the default method of a sample type; undefined for binary ("use -m"). */
function defaultMethod(type: SmpType): MatchMethod | undefined {
  switch (type) {
    case SMP.BOOL:
      return 'bool';
    case SMP.SINT:
      return 'int';
    case SMP.IPV4:
    case SMP.IPV6:
      return 'ip';
    case SMP.STR:
    case SMP.METH:
      return 'str';
    case SMP.BIN:
      return undefined;
  }
}

/** Reads a -f file as HAProxy does: leading blanks stripped, empty and `#` lines skipped, the rest kept verbatim. */
export function patternFileLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').replace(/^[ \t]+/, '');
    if (line === '' || line.startsWith('#')) continue;
    out.push(line);
  }
  return out;
}

/** Checks one pattern for its method; HAProxy's error text, or undefined when it is fine. */
function patternProblem(method: MatchMethod, text: string, ignoreCase: boolean, operator: IntOperator | undefined): string | undefined {
  switch (method) {
    case 'int':
    case 'len': {
      const r = parseIntPattern(text, operator);
      return typeof r === 'string' ? r : undefined;
    }
    case 'ip': {
      const r = parseIpPattern(text);
      return typeof r === 'string' ? r : undefined;
    }
    case 'bin': {
      const bad = /[^0-9a-fA-F]/.exec(text);
      if (bad !== null) return `an hex digit is expected (found '${bad[0]}')`;
      return text.length % 2 === 0 ? undefined : 'an even number of hex digit is expected';
    }
    case 'reg': {
      const re = compileRegex(text, ignoreCase);
      return typeof re === 'string' ? re : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Parses the words of an ACL test (`words[0]` is the criterion). `source` is where it was written. Reads -f files
 * through `options.readFile`. Never throws.
 */
export function parseAclTest(words: readonly string[], source: SourceRef, options: Omit<ExprParseOptions, 'acl' | 'inBrackets'>): AclParseResult {
  const criterion = words[0] ?? '';
  const parsed = parseSampleExpr(criterion, 0, { ...options, acl: true });
  if (!parsed.ok) {
    // HAProxy names the expression after the problems of a fetch (not after those of an ACL-only keyword).
    const where = /^(unknown fetch method|fetch method)/.test(parsed.message) ? ` in ACL expression '${criterion}'` : '';
    return parsed.notImplemented === undefined
      ? { ok: false, message: `${parsed.message}${where}` }
      : { ok: false, message: parsed.message, notImplemented: parsed.notImplemented };
  }
  let method: MatchMethod | undefined;
  let ignoreCase = false;
  let sawFileOrPattern = false;
  const patterns: PatternSpec[] = [];
  const files: { path: string; ignoreCase: boolean }[] = [];
  let i = 1;
  // Flags come first; the first word not starting with '-' (or the word after `--`) starts the patterns.
  for (; i < words.length; i++) {
    const w = words[i] ?? '';
    if (!w.startsWith('-')) break;
    if (w === '--') {
      i++;
      break;
    }
    if (w === '-i') ignoreCase = true;
    else if (w === '-n') continue;
    // -M reads -f files as maps (patterns from their first column): not done by orcalb, refused rather than misread.
    else if (w === '-M') return { ok: false, message: "ACL flag '-M' is not implemented by orcalb", notImplemented: '-M' };
    else if (w === '-u') i++;
    else if (w === '-f') {
      const path = words[++i] ?? '';
      files.push({ path, ignoreCase });
      sawFileOrPattern = true;
    } else if (w === '-m') {
      if (sawFileOrPattern) return { ok: false, message: "'-m' must only be specified before patterns and files in parsing ACL expression" };
      const m = words[++i] ?? '';
      if (!isMatchMethod(m)) return { ok: false, message: `unknown matching method '${m}' when parsing ACL expression` };
      method = m;
    } else {
      return { ok: false, message: `'${w}' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'` };
    }
  }
  method ??= parsed.aclMethod ?? defaultMethod(exprType(parsed.spec));
  if (method === undefined) {
    return { ok: false, message: `matching method must be specified first (using '-m') when using a sample fetch of this type ('${parsed.spec.fetch.name}')` };
  }
  const takesInt = method === 'int' || method === 'len';
  let operator: IntOperator | undefined;
  const add = (text: string, icase: boolean): string | undefined => {
    if (takesInt && OPERATORS.has(text)) {
      operator = text as IntOperator;
      return undefined;
    }
    const problem = patternProblem(method ?? 'str', text, icase, operator);
    if (problem !== undefined) return problem;
    patterns.push(operator === undefined || !takesInt ? { text, ignoreCase: icase } : { text, ignoreCase: icase, operator });
    return undefined;
  };
  for (const f of files) {
    const text = options.readFile(f.path);
    if (typeof text !== 'string') return { ok: false, message: text.error };
    for (const line of patternFileLines(text)) {
      const problem = add(line, f.ignoreCase);
      if (problem !== undefined) return { ok: false, message: problem };
    }
  }
  for (; i < words.length; i++) {
    const problem = add(words[i] ?? '', ignoreCase);
    if (problem !== undefined) return { ok: false, message: problem };
  }
  const warnings: string[] = [];
  if (patterns.length === 0 && files.length === 0 && method !== 'found' && method !== 'bool' && !words.includes('--')) {
    warnings.push(
      `parsing acl keyword '${criterion.replace(/[(,].*$/, '')}' :\n  no pattern to match against were provided, so this ACL will never match.\n` +
        "  If this is what you intended, please add '--' to get rid of this warning.\n  If you intended to match only for existence, please use '-m found'.\n" +
        "  If you wanted to force an int to match as a bool, please use '-m bool'.",
    );
  }
  const spec: AclTestSpec = { source, keyword: criterion, expr: parsed.spec, method, patterns };
  return { ok: true, spec, warnings };
}
