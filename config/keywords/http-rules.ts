// `http-request` / `http-response` (manual §4.2 "http-request", "http-response"): the set-header, add-header and
// del-header actions become config/model.ts HeaderRule lists; every other 2.6 action is known and warned about.
// HAProxy 2.6's error texts. Main thread, config parsing.

import type { HeaderRule } from '../model.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { isConstantCondition, unknownAcl } from './acl-names.js';
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
  const { args, at, diag, proxy } = ctx;
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
  const order = proxy.httpRuleLines[side]++;
  if (action.startsWith('track-sc') && !parseTrackAction(ctx, keyword, 1, order)) return;
  if (action !== 'set-header' && action !== 'add-header' && action !== 'del-header') {
    const name = action.replace(/\(.*$/, '');
    diag.notImplemented(`${keyword} ${name}`, at);
    return;
  }
  const rule = headerRule(ctx, keyword, action);
  if (rule === undefined) return;
  (side === 'request' ? proxy.httpRequestRules : proxy.httpResponseRules).push(rule);
}

/** `set-header|add-header NAME FMT [cond]` / `del-header NAME [-m METH] [cond]`; undefined after an error. */
function headerRule(
  ctx: ProxyLineContext,
  keyword: string,
  action: 'set-header' | 'add-header' | 'del-header',
): HeaderRule | undefined {
  const { args, at, diag, proxy } = ctx;
  const full = `${keyword} ${action}`;
  const inRule = (text: string): undefined =>
    diag.badValue(`error detected in proxy '${proxy.name}' while parsing '${full}' rule : ${text}`, at);
  const name = args[2];
  let next = 3;
  let value: string | undefined;
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
    const problem = logFormatProblem(value);
    if (problem !== undefined) return inRule(problem);
    next = 4;
  }
  const condWord = args[next];
  if (condWord !== undefined && condWord !== 'if' && condWord !== 'unless') {
    return diag.badValue(`'${full}' expects either 'if' or 'unless' followed by a condition but found '${condWord}'.`, at, {
      found: condWord,
    });
  }
  const condition = args.slice(next + 1);
  const unknown = condWord === undefined ? undefined : unknownAcl(condition, proxy.aclNames);
  if (unknown !== undefined) {
    return diag.badValue(`error detected while parsing an '${full}' condition : no such ACL : '${unknown}'.`, at, {
      found: unknown,
    });
  }
  if (method !== 'str') {
    // Only exact names are matched by orcalb's engine; a prefix/regex deletion would silently delete less.
    diag.notImplemented(`${keyword} del-header -m`, at, 'the rule is ignored', { shown: `${full} -m ${method}` });
    return undefined;
  }
  const rule: HeaderRule = { source: at, action, name: name ?? '', ...(value === undefined ? {} : { value }) };
  // HAProxy accepts a bare `if` as "always"; only a written condition is kept.
  if (condWord === undefined || condition.length === 0) return rule;
  // The engine (core/forward/header-rules.ts) evaluates only the constant conditions; any other one would
  // apply the rule to the wrong requests, e.g. keep a header that should have been deleted.
  if (!isConstantCondition(condition)) {
    diag.notImplemented('if/unless <acl condition>', at, 'the rule is ignored', {
      label: full,
      shown: `${condWord} ${condition.join(' ')}`,
    });
    return undefined;
  }
  return { ...rule, condition: { negate: condWord === 'unless', text: condition.join(' ') } };
}

/**
 * The log-format check orcalb can make without HAProxy's sample-fetch table: every `%[` has its `]`. Returns
 * HAProxy's text for the first unterminated expression, or undefined.
 */
function logFormatProblem(format: string): string | undefined {
  let i = format.indexOf('%[');
  while (i !== -1) {
    const end = format.indexOf(']', i + 2);
    if (end === -1) return `missing ']' after '${format.slice(i + 2)}'.`;
    i = format.indexOf('%[', end + 1);
  }
  return undefined;
}
