// `http-request` / `http-response` / `http-after-response` (manual §4.2): each line checked as haproxy -c checks it
// (its error texts) and, for the actions of the HTTP rule program, parsed into the proxy's HttpRuleSpec lists
// (arguments by http-rule-actions.ts, conditions by acl.ts); set/add/del-header also keep today's HeaderRule lists.
// Every action stays judged by not-implemented.ts until the L7 session runs the program. Main thread, config parsing.

import { parseLogFormat } from '../../core/acl/log-format.js';
import { compileRegex } from '../../core/acl/match-regex.js';
import { Diagnostics } from '../diagnostics.js';
import { placeProblem } from './rule-places.js';
import { actionSuggestion } from '../keyword-suggestion.js';
import type { ConditionSpec, HeaderRule, HttpRuleSpec, LogFormatSpec } from '../model.js';
import { type ProxyLineContext, proxyLabel } from '../sections/proxy-draft.js';
import { parseRuleCondition, readPatternFile, rulePlaces, splitCondition } from './acl.js';
import {
  type ActionLine,
  type ActionParse,
  parseAuth,
  parseNormalizeUri,
  parseRedirect,
  parseReplaceHeader,
  parseReplaceLine,
  parseReply,
  parseSetLine,
  parseSetStatus,
  parseStickCounterAction,
  parseVarAction,
  ruleError,
  ruleFormat,
} from './http-rule-actions.js';
import { parseAddressAction } from './address-actions.js';
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

/**
 * The keys whose rules core/forward/http-rules/ runs (parsed into the HttpRuleSpec lists and compiled by HttpRuleSet),
 * which the HTTP sessions run (core/forward/l7-rules.ts): load-config.ts judges them implemented, so the parsers'
 * notImplemented() calls for them are silent, and config/not-implemented.ts no longer lists them.
 */
export const RULE_PROGRAM_KEYS: readonly string[] = [
  'acl', 'use_backend', 'if/unless <acl condition>', 'log-format expressions in header values',
  ...['allow', 'deny', 'tarpit', 'reject', 'silent-drop', 'auth', 'redirect', 'return', 'replace-header', 'replace-value',
    'replace-path', 'replace-pathq', 'replace-uri', 'set-path', 'set-pathq', 'set-query', 'set-uri', 'set-method',
    'del-header -m', 'track-sc0', 'track-sc1', 'track-sc2', 'sc-inc-gpc0', 'sc-inc-gpc1', 'sc-inc-gpc', 'sc-set-gpt0',
    'sc-set-gpt', 'set-var', 'set-var-fmt', 'unset-var', 'normalize-uri', 'set-src', 'set-src-port', 'set-dst',
    'set-dst-port'].map((a) => `http-request ${a}`),
  ...['allow', 'deny', 'silent-drop', 'redirect', 'return', 'replace-header', 'replace-value', 'set-status',
    'del-header -m', 'track-sc0', 'track-sc1', 'track-sc2', 'sc-inc-gpc0', 'sc-inc-gpc1', 'sc-inc-gpc', 'sc-set-gpt0',
    'sc-set-gpt', 'set-var', 'set-var-fmt', 'unset-var'].map((a) => `http-response ${a}`),
  'http-after-response', 'redirect', 'monitor-uri', 'monitor fail',
];

/**
 * The actions the rule program parses into HttpRuleSpec and runs, per rule keyword (README's action table is held
 * to these lists by tests/acl/readme-contract.test.ts); the other 2.6 actions stay with the fail-closed table.
 */
export const PROGRAM_ACTIONS: Readonly<Record<'http-request' | 'http-response' | 'http-after-response', readonly string[]>> = {
  'http-request': [
    'allow', 'deny', 'tarpit', 'reject', 'silent-drop', 'auth', 'redirect', 'return', 'set-header', 'add-header',
    'del-header', 'replace-header', 'replace-value', 'set-path', 'set-pathq', 'set-query', 'set-uri', 'set-method',
    'replace-path', 'replace-pathq', 'replace-uri', 'track-sc0', 'track-sc1', 'track-sc2', 'sc-inc-gpc0', 'sc-inc-gpc1',
    'sc-inc-gpc', 'sc-set-gpt0', 'sc-set-gpt', 'set-var', 'set-var-fmt', 'unset-var', 'normalize-uri', 'set-src',
    'set-src-port', 'set-dst', 'set-dst-port',
  ],
  'http-response': [
    'allow', 'deny', 'silent-drop', 'redirect', 'return', 'set-header', 'add-header', 'del-header', 'replace-header',
    'replace-value', 'set-status', 'track-sc0', 'track-sc1', 'track-sc2', 'sc-inc-gpc0', 'sc-inc-gpc1', 'sc-inc-gpc',
    'sc-set-gpt0', 'sc-set-gpt', 'set-var', 'set-var-fmt', 'unset-var',
  ],
  'http-after-response': [
    'allow', 'set-header', 'add-header', 'del-header', 'replace-header', 'replace-value', 'set-status', 'set-var',
    'set-var-fmt', 'unset-var',
  ],
};

/** HAProxy 2.6's http-after-response actions, same order as its error text. */
export const AFTER_RESPONSE_ACTIONS: readonly string[] = [
  'ot-group', 'add-header', 'allow', 'capture', 'del-header', 'replace-header', 'replace-value', 'set-header',
  'set-status', 'strict-mode', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)',
];

type RuleKeyword = 'http-request' | 'http-response' | 'http-after-response';

/** The action parsers of the rule program, by action name (header set/add/del are parsed by headerRule below). */
const ACTION_PARSERS: Readonly<Record<string, (line: ActionLine) => ActionParse>> = {
  allow: (l) => ({ ok: true, rule: { action: 'allow' }, next: l.first }),
  reject: (l) => ({ ok: true, rule: { action: 'reject' }, next: l.first }),
  'silent-drop': (l) => ({ ok: true, rule: { action: 'silent-drop' }, next: l.first }),
  deny: (l) => parseReply(l, l.keyword === 'http-response' ? 502 : 403),
  tarpit: (l) => parseReply(l, 500),
  return: (l) => parseReply(l, 200),
  auth: parseAuth,
  redirect: parseRedirect,
  'set-path': parseSetLine,
  'set-pathq': parseSetLine,
  'set-query': parseSetLine,
  'set-uri': parseSetLine,
  'set-method': parseSetLine,
  'replace-path': parseReplaceLine,
  'replace-pathq': parseReplaceLine,
  'replace-uri': parseReplaceLine,
  'replace-header': parseReplaceHeader,
  'replace-value': parseReplaceHeader,
  'set-status': parseSetStatus,
  'normalize-uri': parseNormalizeUri,
  'set-src': parseAddressAction,
  'set-src-port': parseAddressAction,
  'set-dst': parseAddressAction,
  'set-dst-port': parseAddressAction,
};

/** The rule list of the proxy draft a keyword's rules go to. */
function ruleList(ctx: ProxyLineContext, keyword: RuleKeyword): HttpRuleSpec[] {
  const lists = ctx.proxy.httpRuleSpecs;
  return keyword === 'http-request' ? lists.request : keyword === 'http-response' ? lists.response : lists.after;
}

/**
 * The condition words after an action's arguments (from args[next]): HAProxy's "expects either 'if' or 'unless'"
 * for anything else. Returns the condition (undefined: none), or false after an error.
 */
function ruleCondition(ctx: ProxyLineContext, label: string, keyword: string, next: number): ConditionSpec | undefined | false {
  const { args, at, diag } = ctx;
  const word = args[next];
  if (word === undefined || word === '') return undefined;
  if (word !== 'if' && word !== 'unless') {
    diag.badValue(`'${label}' expects either 'if' or 'unless' followed by a condition but found '${word}'.`, at, { found: word });
    return false;
  }
  const condition = parseRuleCondition(ctx, args.slice(next + 1), word === 'unless', keyword, (m) => `error detected while parsing an '${label}' condition : ${m}.`);
  return condition ?? false;
}

/**
 * Parses one program action with its condition and appends it to the proxy's rule list; returns false after an
 * error. The fail-closed table still judges the action (`key`) until the sessions run the rule program.
 */
function parseProgramAction(ctx: ProxyLineContext, keyword: RuleKeyword, action: string, parse: (line: ActionLine) => ActionParse): boolean {
  const parsed = parse({ ctx, keyword, action, first: 2 });
  if (!parsed.ok) return false;
  const condition = ruleCondition(ctx, `${keyword} ${action}`, keyword, parsed.next);
  if (condition === false) return false;
  ruleList(ctx, keyword).push({ ...parsed.rule, source: ctx.at, ...(condition === undefined ? {} : { condition }) } as HttpRuleSpec);
  return true;
}

/** Parses an `http-request`, `http-response` or `http-after-response` line into the proxy's rule lists. */
/**
 * `http-request use-service <name> [if|unless <cond>]`: 2.6's one service, `prometheus-exporter`, answered by the stats
 * thread in a proxy orcalb serves itself (config/validate.ts refuses it in a proxy that forwards traffic).
 */
function parseUseService(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const name = args[2];
  const fail = (text: string): undefined => diag.badValue(`error detected in ${proxyLabel(proxy)} while parsing 'http-request use-service' rule : ${text}.`, at);
  if (name === undefined || name === 'if' || name === 'unless') return void fail("'use-service' expects a service name.");
  if (name !== 'prometheus-exporter') return void fail(`'${name}' unknown service name.`);
  const { condition } = splitCondition(args.slice(3));
  let spec: ConditionSpec | undefined;
  if (condition !== undefined) {
    spec = parseRuleCondition(ctx, condition.words, condition.negate, 'http-request', (m) => `error detected while parsing an 'http-request use-service' condition : ${m}.`);
    if (spec === undefined) return;
  }
  proxy.services.push({ service: 'prometheus-exporter', ...(spec === undefined ? {} : { condition: spec }), source: at });
}

export function parseHttpRuleLine(ctx: ProxyLineContext): void {
  const { args, at, diag } = ctx;
  const keyword: RuleKeyword = args[0] === 'http-response' ? 'http-response' : args[0] === 'http-after-response' ? 'http-after-response' : 'http-request';
  const list = keyword === 'http-request' ? REQUEST_ACTIONS : keyword === 'http-response' ? RESPONSE_ACTIONS : AFTER_RESPONSE_ACTIONS;
  const action = args[1] ?? '';
  // HAProxy reads `track-sc` alone as track-sc0 (strtol of an empty number): the prefix is an action here.
  if (!knownAction(list, action) && (action !== 'track-sc' || keyword === 'http-after-response')) {
    const got = action === '' ? "'' (missing argument)" : `'${action}'`;
    const near = action === '' ? undefined : actionSuggestion(action, list);
    const hint = near === undefined ? '' : ` Did you mean '${near}' maybe ?`;
    diag.badValue(`'${keyword}' expects ${list.map((a) => `'${a}'`).join(', ')}, but got ${got}.${hint}`, at, { found: action });
    return;
  }
  if (keyword === 'http-after-response') {
    parseAfterResponseLine(ctx, action);
    return;
  }
  const side = keyword === 'http-request' ? 'request' : 'response';
  const order = ctx.proxy.httpRuleLines[side]++;
  if (action.startsWith('track-sc')) {
    const before = ctx.proxy.stick.trackRules.length;
    if (parseTrackAction(ctx, keyword, 1, order)) {
      const track = ctx.proxy.stick.trackRules[before];
      // The tracker also takes its place among the stage's rules (the table is resolved at build time).
      if (track !== undefined) ruleList(ctx, keyword).push({ source: at, action: 'track-sc', track: { ...track, table: -1 } });
    }
    return;
  }
  if (/^(set-var|set-var-fmt|unset-var)\(/.test(action)) {
    if (parseProgramAction(ctx, keyword, action, parseVarAction)) diag.notImplemented(`${keyword} ${action.replace(/\(.*$/, '')}`, at);
    return;
  }
  if (action.startsWith('sc-inc-gpc') || action.startsWith('sc-set-gpt')) {
    if (parseProgramAction(ctx, keyword, action, parseStickCounterAction)) diag.notImplemented(`${keyword} ${action.replace(/\(.*$/, '')}`, at);
    return;
  }
  const program = ACTION_PARSERS[action];
  if (program !== undefined) {
    if (parseProgramAction(ctx, keyword, action, program)) diag.notImplemented(`${keyword} ${action}`, at);
    return;
  }
  if (keyword === 'http-request' && action === 'use-service') {
    parseUseService(ctx);
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
  const errorsBefore = diag.errors.length;
  const rule = headerRule(ctx, keyword, action);
  if (rule !== undefined) (side === 'request' ? ctx.proxy.httpRequestRules : ctx.proxy.httpResponseRules).push(rule);
  // The program's form of the same rule, whatever today's header engine refused of it (a condition, -m, an
  // expression): only bad input keeps it out. Parsed again quietly: headerRule reported every problem already.
  if (diag.errors.slice(errorsBefore).some((e) => e.code !== 'ORCA_CONFIG_NOT_IMPLEMENTED')) return;
  parseProgramAction({ ...ctx, diag: new Diagnostics() }, keyword, action, parseHeaderAction);
}

/** `http-after-response <action>`: the program's header and status actions; everything else stays refused. */
function parseAfterResponseLine(ctx: ProxyLineContext, action: string): void {
  const { at, diag } = ctx;
  let parse: ((line: ActionLine) => ActionParse) | undefined = ACTION_PARSERS[action];
  if (action === 'set-header' || action === 'add-header' || action === 'del-header') parse = parseHeaderAction;
  const isVar = /^(set-var|set-var-fmt|unset-var)\(/.test(action);
  if (isVar) parse = parseVarAction;
  if (action !== 'allow' && action !== 'replace-header' && action !== 'replace-value' && action !== 'set-status' && parse !== parseHeaderAction && !isVar) parse = undefined;
  if (parse === undefined) {
    const { condition } = splitCondition(ctx.args.slice(2));
    if (condition !== undefined) {
      const full = `http-after-response ${action}`;
      if (parseRuleCondition(ctx, condition.words, condition.negate, 'http-after-response', (m) => `error detected while parsing an '${full}' condition : ${m}.`) === undefined) return;
    }
    diag.notImplemented('http-after-response', at);
    return;
  }
  if (parseProgramAction(ctx, 'http-after-response', action, parse)) diag.notImplemented('http-after-response', at);
}

/** `set-header|add-header NAME FMT` / `del-header NAME [-m METH]` as program actions (any log-format, any -m). */
function parseHeaderAction(line: ActionLine): ActionParse {
  const { args } = line.ctx;
  const name = args[2];
  if (line.action === 'del-header') {
    if (name === undefined || name === '') return ruleError(line, 'expects at least 1 argument.');
    if (args[3] !== '-m') return { ok: true, rule: { action: 'del-header', name, method: 'str' }, next: 3 };
    const method = args[4] ?? '';
    if (method === '') return ruleError(line, '-m flag expects exactly 1 argument.');
    if (!DEL_METHODS.includes(method)) return ruleError(line, `-m with unsupported matching method '${method}'.`);
    if (method === 'reg') {
      const re = compileRegex(name, false);
      if (typeof re === 'string') return ruleError(line, `${re}.`);
    }
    return { ok: true, rule: { action: 'del-header', name, method: method as 'str' | 'beg' | 'end' | 'sub' | 'reg' }, next: 5 };
  }
  const value = args[3];
  if (name === undefined || name === '' || value === undefined || value === '') return ruleError(line, 'expects exactly 2 arguments.');
  const format = ruleFormat(line, value);
  if (format === undefined) return { ok: false };
  return { ok: true, rule: { action: line.action as 'set-header' | 'add-header', name, value: format }, next: 4 };
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
