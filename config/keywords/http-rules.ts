// `http-request` / `http-response` (manual §4.2 "http-request", "http-response"): the set-header, add-header and
// del-header actions become config/model.ts HeaderRule lists (values parsed as log-formats, conditions by
// keywords/acl.ts); every other 2.6 action is known, its condition checked, and judged by not-implemented.ts.
// HAProxy 2.6's error texts. Main thread, config parsing.

import { parseLogFormat } from '../../core/acl/log-format.js';
import { exprFetch } from '../../core/acl/sample-expr.js';
import type { ConditionSpec, HeaderRule, LogFormatSpec, SampleExprSpec } from '../model.js';
import { type ProxyLineContext, proxyLabel } from '../sections/proxy-draft.js';
import { fetchAllowed, fetchImplemented, parseRuleCondition, readPatternFile, rulePlaces, splitCondition } from './acl.js';
import { parseTrackAction } from './track-sc.js';

/** HAProxy 2.6's http-request actions, in the order its "expects ..." error lists them. */
export const REQUEST_ACTIONS: readonly string[] = [
  'wait-for-handshake', 'ot-group', 'set-log-level', 'set-nice', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)',
  'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'cache-use',
  'add-acl(*)', 'add-header', 'allow', 'auth', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny',
  'disable-l7-retry', 'early-hint', 'normalize-uri', 'redirect', 'reject', 'replace-header', 'replace-path',
  'replace-pathq', 'replace-uri', 'replace-value', 'return', 'set-header', 'set-map(*)', 'set-method',
  'set-path', 'set-pathq', 'set-query', 'set-uri', 'strict-mode', 'tarpit', 'track-sc(*)', 'set-timeout',
  'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-dst', 'set-dst-port', 'set-mark',
  'set-src', 'set-src-port', 'set-tos', 'silent-drop', 'set-priority-class', 'set-priority-offset',
];

/** HAProxy 2.6's http-response actions, same order as its error text. */
export const RESPONSE_ACTIONS: readonly string[] = [
  'ot-group', 'set-log-level', 'set-nice', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)',
  'sc-set-gpt0(*)', 'send-spoe-group', 'cache-store', 'add-acl(*)', 'add-header', 'allow', 'capture',
  'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'redirect', 'replace-header', 'replace-value', 'return',
  'set-header', 'set-map(*)', 'set-status', 'strict-mode', 'track-sc(*)', 'wait-for-body', 'set-var-fmt(*)',
  'set-var(*)', 'unset-var(*)', 'set-mark', 'set-tos', 'silent-drop',
];

/** `del-header -m <meth>` matching methods (§4.2 http-request del-header). */
const DEL_METHODS = ['str', 'beg', 'end', 'sub', 'reg'];

/**
 * True when `word` names an action of `list`. A `(*)` entry is HAProxy's prefix keyword: `set-var(*)` takes
 * `set-var(txn.x)`, `track-sc(*)` takes `track-sc0`, `sc-inc-gpc0(*)` takes `sc-inc-gpc0(1)`; the bare prefix
 * alone is not an action.
 */
function knownAction(list: readonly string[], word: string): boolean {
  return list.some((a) => a === word || (a.endsWith('(*)') && word.startsWith(a.slice(0, -3)) && word.length > a.length - 3));
}

/** Parses an `http-request` or `http-response` line; header rules are appended to the proxy's lists. */
export function parseHttpRuleLine(ctx: ProxyLineContext): void {
  const { args, at, diag } = ctx;
  const keyword = args[0] === 'http-response' ? 'http-response' : 'http-request';
  const list = keyword === 'http-request' ? REQUEST_ACTIONS : RESPONSE_ACTIONS;
  const action = args[1] ?? '';
  // HAProxy reads `track-sc` alone as track-sc0 (strtol of an empty number): the prefix is an action here.
  if (!knownAction(list, action) && action !== 'track-sc') {
    const got = action === '' ? "'' (missing argument)" : `'${action}'`;
    diag.badValue(`'${keyword}' expects ${list.map((a) => `'${a}'`).join(', ')}, but got ${got}.`, at, { found: action });
    return;
  }
  const side = keyword === 'http-request' ? 'request' : 'response';
  const order = ctx.proxy.httpRuleLines[side]++;
  if (action.startsWith('track-sc')) {
    // Run by the HTTP sessions (core/forward/l7-rules.ts) at their place among the rules (TrackRule.order).
    parseTrackAction(ctx, keyword, 1, order);
    return;
  }
  if (action !== 'set-header' && action !== 'add-header' && action !== 'del-header') {
    const name = action.replace(/\(.*$/, '');
    // The action itself is not implemented, but its condition is checked as HAProxy checks it.
    const { condition } = splitCondition(args.slice(2));
    if (condition !== undefined) {
      const full = `${keyword} ${action}`;
      const ok = parseRuleCondition(ctx, condition.words, condition.negate, keyword, (m) => `error detected while parsing an '${full}' condition : ${m}.`);
      if (ok === undefined) return;
    }
    diag.notImplemented(`${keyword} ${name}`, at);
    return;
  }
  const rule = headerRule(ctx, keyword, action);
  if (rule === undefined) return;
  (side === 'request' ? ctx.proxy.httpRequestRules : ctx.proxy.httpResponseRules).push(rule);
}

/** `set-header|add-header NAME FMT [cond]` / `del-header NAME [-m METH] [cond]`; undefined after an error. */
function headerRule(
  ctx: ProxyLineContext,
  keyword: 'http-request' | 'http-response',
  action: 'set-header' | 'add-header' | 'del-header',
): HeaderRule | undefined {
  const { args, at, diag, proxy } = ctx;
  const full = `${keyword} ${action}`;
  const inRule = (text: string): undefined =>
    diag.badValue(`error detected in ${proxyLabel(proxy)} while parsing '${full}' rule : ${text}`, at);
  const name = args[2];
  let next = 3;
  let value: string | undefined;
  let format: LogFormatSpec | undefined;
  let method = 'str';
  // HAProxy reads the arguments by position, and an empty word counts as a missing one.
  if (action === 'del-header') {
    if (name === undefined || name === '') return inRule('expects at least 1 argument.');
    if (args[3] === '-m') {
      method = args[4] ?? '';
      if (method === '') return inRule('-m flag expects exactly 1 argument.');
      if (!DEL_METHODS.includes(method)) return inRule(`-m with unsupported matching method '${method}'.`);
      next = 5;
    }
  } else {
    value = args[3];
    if (name === undefined || name === '' || value === undefined || value === '') {
      return inRule('expects exactly 2 arguments.');
    }
    const places = rulePlaces(keyword, proxy.kind);
    const parsed = parseLogFormat(value, { readFile: readPatternFile }, (expr) => placeProblem(expr, places));
    if (!parsed.ok) {
      if (parsed.notImplemented !== undefined) {
        diag.notImplemented(`log-format ${parsed.notImplemented}`, at, 'the rule is ignored', { shown: parsed.notImplemented });
        return undefined;
      }
      return inRule(`${parsed.message}.`);
    }
    format = parsed.spec;
    next = 4;
  }
  const condWord = args[next];
  if (condWord !== undefined && condWord !== 'if' && condWord !== 'unless') {
    return diag.badValue(`'${full}' expects either 'if' or 'unless' followed by a condition but found '${condWord}'.`, at, {
      found: condWord,
    });
  }
  const words = args.slice(next + 1);
  let condition: ConditionSpec | undefined;
  if (condWord !== undefined) {
    condition = parseRuleCondition(ctx, words, condWord === 'unless', keyword, (m) => `error detected while parsing an '${full}' condition : ${m}.`);
    if (condition === undefined) return undefined;
  }
  if (method !== 'str') {
    // Only exact names are matched by orcalb's engine; a prefix/regex deletion would silently delete less.
    diag.notImplemented(`${keyword} del-header -m`, at, 'the rule is ignored', { shown: `${full} -m ${method}` });
    return undefined;
  }
  if (format !== undefined && !legacyFormat(format)) {
    // core/forward/header-rules.ts expands only these; any other expression would reach the server as written.
    diag.notImplemented('log-format expressions in header values', at, 'the rule is ignored', { shown: value ?? '' });
    return undefined;
  }
  const rule: HeaderRule = {
    source: at,
    action,
    name: name ?? '',
    ...(value === undefined ? {} : { value }),
    ...(format === undefined ? {} : { valueFormat: format }),
  };
  if (condition === undefined) return rule;
  // Nothing after the keyword: `unless` alone always holds (the rule is unconditional), `if` alone never does, which
  // core/forward/header-rules.ts gets from the empty text it does not know (it skips such a rule). Measured on 2.6.12.
  if (words.length === 0) return condition.negate ? rule : { ...rule, condition };
  // The engine (core/forward/header-rules.ts) evaluates only the constant conditions; any other one would
  // apply the rule to the wrong requests, e.g. keep a header that should have been deleted.
  if (!isConstantCondition(words)) {
    diag.notImplemented('if/unless <acl condition>', at, 'the rule is ignored', {
      label: full,
      shown: `${condWord} ${words.join(' ')}`,
    });
    return undefined;
  }
  return { ...rule, condition };
}

/** HAProxy's "may not be reliably used here" check of a log-format expression; undefined when it may run there. */
export function placeProblem(expr: SampleExprSpec, places: number): string | undefined {
  if (fetchAllowed(expr, places)) {
    return fetchImplemented(expr, places) ? undefined : `is not implemented by orcalb where this rule runs`;
  }
  const source = exprFetch(expr)?.source ?? 'internal state';
  return `may not be reliably used here because it needs '${source}' which is not available here`;
}

/** The log-format pieces core/forward/header-rules.ts expands today: %[src] %[dst] %[src_port] %[dst_port] and %ci %cp %fi %fp. */
function legacyFormat(format: LogFormatSpec): boolean {
  return format.parts.every(
    (p) =>
      p.kind === 'text' ||
      (p.kind === 'var' && ['ci', 'cp', 'fi', 'fp'].includes(p.name)) ||
      (p.kind === 'expr' && p.expr.converters.length === 0 && p.expr.fetch.args.length === 0 && ['src', 'dst', 'src_port', 'dst_port'].includes(p.expr.fetch.name)),
  );
}

/**
 * True for the conditions orcalb evaluates today without the ACL engine: the single pre-defined ACL `TRUE` or
 * `FALSE` (so `if TRUE`, `unless FALSE`, and the never-true `if FALSE`, `unless TRUE`). core/forward/header-rules.ts
 * evaluates exactly these.
 */
function isConstantCondition(words: readonly string[]): boolean {
  return words.length === 1 && (words[0] === 'TRUE' || words[0] === 'FALSE');
}
