// `tcp-request connection|session|content <action> [{if | unless} <condition>]` and `tcp-request inspect-delay
// <time>` (manual §4.2): the rule sets are checked as HAProxy 2.6 checks them (its action lists and messages, the
// frontend-only rule sets refused in a backend, conditions by keywords/acl.ts, `track-sc*` by keywords/track-sc.ts
// into the stick model); the actions sessions run (accept, reject, silent-drop, expect-proxy layer4, switch-mode http,
// sc-inc-gpc*, sc-set-gpt* with an integer, set-src/set-dst and their ports, capture as a no-op) become config/model.ts TcpRule, the others are judged
// by config/not-implemented.ts. Main thread, config parsing.

import { getFetch } from '../../core/acl/registry.js';
import type { ConditionSpec, TcpAction, TcpRuleSet } from '../model.js';
import { parseTime } from '../units.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { parseRuleCondition, splitCondition } from './acl.js';
import { parseAddressExpr } from './address-actions.js';
import { parseTrackAction } from './track-sc.js';

/** HAProxy 2.6's actions per rule set, in the order of its "expects" message (`(*)`: takes a suffix). */
const CONNECTION_ACTIONS = [
  'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', 'track-sc*', 'sc-inc-gpc(*)',
  'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)',
  'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop',
];
const CONTENT_ACTIONS = [
  'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', 'track-sc*', 'ot-group',
  'set-log-level', 'set-nice', 'switch-mode', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)',
  'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)',
  'set-src', 'set-src-port', 'set-dst', 'set-dst-port', 'set-mark', 'set-tos', 'silent-drop', 'set-priority-class',
  'set-priority-offset',
];

/** True when `word` is one of `list` (`track-sc0..2`, and `name(*)` entries take `name(...)` or `name0`). */
function knownAction(list: readonly string[], word: string): boolean {
  if (/^track-sc[0-2]$/.test(word)) return true;
  return list.some((a) => a === word || (a.endsWith('(*)') && word.startsWith(a.slice(0, -3)) && word.length > a.length - 3));
}

/** Actions that take no argument: anything but a condition after them is an error. */
const BARE_ACTIONS = new Set(['accept', 'reject', 'silent-drop']);

/** Parses a `tcp-request` line. Never throws; problems go to ctx.diag. */
export function parseTcpRequestLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const set = args[1] ?? '';
  const where = `${proxy.kind === 'listen' ? 'proxy' : proxy.kind} '${proxy.name}'`;
  if (set === 'inspect-delay') {
    const t = parseTime(args[2] ?? '', 'ms');
    if (t.kind === 'empty') return void diag.badValue(`'tcp-request inspect-delay' expects a positive delay in milliseconds, in ${where}`, at);
    if (t.kind === 'bad-char') {
      return void diag.badValue(`'tcp-request inspect-delay' expects a positive delay in milliseconds, in ${where} (unexpected character '${t.char}')`, at);
    }
    if (t.kind !== 'ok') return void diag.badValue(`'tcp-request inspect-delay' : timer overflow in ${where}`, at);
    proxy.inspectDelay = t.ms;
    return;
  }
  if (set !== 'connection' && set !== 'session' && set !== 'content') {
    diag.badValue(`'tcp-request' expects 'inspect-delay', 'connection', or 'content' in ${where} (got '${set}')`, at, { found: set });
    return;
  }
  if (set !== 'content' && proxy.kind === 'backend') {
    diag.badValue(`tcp-request ${set} is not allowed because backend ${proxy.name} is not a frontend`, at);
    return;
  }
  const action = args[2] ?? '';
  // Each rule's place in its set: the order a track rule runs in among the set's other rules.
  const order = proxy.stick.tcpRuleLines[set]++;
  const list = set === 'content' ? CONTENT_ACTIONS : CONNECTION_ACTIONS;
  if (!knownAction(list, action)) {
    const expects = list.map((a) => (a === 'track-sc*' ? "'track-sc0' ... 'track-sc2'" : `'${a}'`)).join(', ');
    diag.badValue(`'tcp-request ${set}' expects ${expects} in ${where} (got '${action}').`, at, { found: action });
    return;
  }
  if (action.startsWith('track-sc')) {
    parseTrackAction(ctx, `tcp-request ${set}`, 2, order);
    return;
  }
  const parsed = parseAction(ctx, set, action, where);
  if (parsed === undefined) return;
  const rest = args.slice(3 + parsed.words);
  const { before, condition } = splitCondition(rest);
  if (before.length > 0) {
    diag.badValue(`'tcp-request ${set} ${action}' only accepts 'if' or 'unless', in ${where} (got '${before[0] ?? ''}')`, at);
    return;
  }
  let spec: ConditionSpec | undefined;
  if (condition !== undefined) {
    const rule = `tcp-request ${set}`;
    spec = parseRuleCondition(ctx, condition.words, condition.negate, rule, (m) =>
      `'${rule} ${action}' : error detected in ${where} while parsing '${condition.keyword}' condition : ${m}`,
    );
    if (spec === undefined) return;
  }
  if (parsed.action === undefined) return;
  proxy.tcpRules.push({ source: at, set, order, action: parsed.action, ...(spec === undefined ? {} : { condition: spec }) });
}

/** scN of `sc-inc-gpc0(N)` (no parentheses: 0); undefined after an error. */
function trackId(ctx: ProxyLineContext, inner: string | undefined, action: string): 0 | 1 | 2 | undefined {
  if (inner === undefined) return 0;
  if (!/^\d+$/.test(inner)) return void ctx.diag.badValue(`invalid stick table track ID. Expects ${action}(<Track ID>)`, ctx.at);
  const n = Number(inner);
  if (n > 2) return void ctx.diag.badValue('invalid stick table track ID. The max allowed ID is 2', ctx.at);
  return n as 0 | 1 | 2;
}

/**
 * The action at args[2] and how many argument words it took; `action` undefined when the rule is accepted but not
 * run (capture) or refused (reported). Undefined after an error.
 */
function parseAction(
  ctx: ProxyLineContext,
  set: TcpRuleSet,
  action: string,
  where: string,
): { readonly action: TcpAction | undefined; readonly words: number } | undefined {
  const { args, at, diag } = ctx;
  if (BARE_ACTIONS.has(action)) return { action: { kind: action as 'accept' | 'reject' | 'silent-drop' }, words: 0 };
  if (action === 'expect-proxy') {
    if (set !== 'connection') return void diag.badValue(`'expect-proxy layer4' is not allowed in 'tcp-request ${set}' rules in ${where}`, at);
    if (args[3] !== 'layer4') {
      return void diag.badValue(`'tcp-request connection expect-proxy' only supports 'layer4' in ${where} (got '${args[3] ?? ''}')`, at);
    }
    return { action: { kind: 'expect-proxy' }, words: 1 };
  }
  if (action === 'switch-mode') {
    if (ctx.proxy.kind === 'backend') {
      return void diag.badValue(`'tcp-request switch-mode' not allowed because backend '${ctx.proxy.name}' has no frontend capability`, at);
    }
    const mode = args[3];
    if (mode === undefined || mode === '' || mode === 'if' || mode === 'unless') return void diag.badValue("'tcp-request switch-mode' expects a mode as argument.", at);
    if (mode !== 'http') return void diag.badValue(`'tcp-request switch-mode' expects a valid mode (got '${mode}').`, at);
    if (args[4] !== 'proto') return { action: { kind: 'switch-mode' }, words: 1 };
    const proto = args[5] ?? '';
    if (proto === 'h1') return { action: { kind: 'switch-mode' }, words: 3 };
    if (proto === 'h2' || proto === 'fcgi') {
      // HTTP/2 from clients is not served by orcalb's HTTP engine: a switch to it could not be honoured.
      diag.notImplemented('tcp-request content switch-mode http proto h2', at, 'the rule is ignored', { shown: `switch-mode http proto ${proto}` });
      return { action: undefined, words: 3 };
    }
    return void diag.badValue(`'tcp-request switch-mode': 'proto' expects a valid MUX protocol, if specified (got '${proto}')`, at);
  }
  if (action === 'capture') {
    if (set !== 'content') return void diag.badValue(`'capture ${args[3] ?? ''}' is not allowed in 'tcp-request ${set}' rules in ${where}`, at);
    // capture <sample> len <n>: logging only (warned by the fail-closed table).
    diag.notImplemented('tcp-request content capture', at, 'the rule is ignored', { shown: 'tcp-request content capture' });
    return { action: undefined, words: Math.min(3, Math.max(0, args.length - 3)) };
  }
  const gpc = /^sc-inc-gpc([01]?)(?:\((.*)\))?$/.exec(action);
  if (gpc !== null) {
    let idx = gpc[1] === '' ? -1 : Number(gpc[1]);
    let inner = gpc[2];
    if (idx < 0) {
      const parts = (inner ?? '').split(',');
      if (parts.length !== 2) return void diag.badValue(`Missing gpc ID '${action}'. Expects sc-inc-gpc(<GPC ID>,<Track ID>)`, at);
      idx = Number(parts[0]);
      inner = parts[1];
      if (!Number.isInteger(idx) || idx < 0 || idx > 99) return void diag.badValue(`invalid gpc ID '${parts[0] ?? ''}'. Expects sc-inc-gpc(<GPC ID>,<Track ID>)`, at);
    }
    const counter = trackId(ctx, inner, action);
    return counter === undefined ? undefined : { action: { kind: 'sc-inc-gpc', counter, idx }, words: 0 };
  }
  const gpt = /^sc-set-gpt(0?)(?:\((.*)\))?$/.exec(action);
  if (gpt !== null) {
    let idx = 0;
    let inner = gpt[2];
    if (gpt[1] === '') {
      const parts = (inner ?? '').split(',');
      if (parts.length !== 2) return void diag.badValue(`Missing gpt ID '${action}'. Expects sc-set-gpt(<GPT ID>,<Track ID>)`, at);
      idx = Number(parts[0]);
      inner = parts[1];
      if (!Number.isInteger(idx) || idx < 0 || idx > 99) return void diag.badValue(`invalid gpt ID '${parts[0] ?? ''}'. Expects sc-set-gpt(<GPT ID>,<Track ID>)`, at);
    }
    const counter = trackId(ctx, inner, action);
    if (counter === undefined) return undefined;
    const word = args[3] ?? '';
    if (/^-?\d+$/.test(word)) return { action: { kind: 'sc-set-gpt', counter, idx, value: Number(word) | 0 }, words: 1 };
    const name = word.split(/[(,]/)[0] ?? '';
    if (getFetch(name) === undefined) return void diag.badValue(`unknown fetch method '${word}'`, at);
    // The value from a sample expression is not run yet: refused as an unknown tagging would be.
    diag.notImplemented(`tcp-request ${set} sc-set-gpt expression`, at, 'the rule is ignored', { shown: `${action} ${word}` });
    return undefined;
  }
  if (action === 'set-src' || action === 'set-src-port' || action === 'set-dst' || action === 'set-dst-port') {
    // haproxy 2.6.12 words these errors without its "error detected" prefix (measured with haproxy -c).
    const expr = parseAddressExpr(ctx, args[3], (m) => m);
    return expr === undefined ? undefined : { action: { kind: action, expr }, words: 1 };
  }
  // Known to HAProxy, not run by orcalb: set-var, use-service, do-resolve, ... (judged by the table).
  const base = action.split('(')[0] ?? action;
  diag.notImplemented(`tcp-request ${set} ${base}`, at, 'the rule is ignored', { shown: `tcp-request ${set} ${base}` });
  return undefined;
}
