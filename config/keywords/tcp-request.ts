// `tcp-request connection|session|content <action> [{if | unless} <condition>]` and `tcp-request inspect-delay
// <time>` (manual §4.2): the rule sets are checked as HAProxy 2.6 checks them (its action lists and messages, the
// frontend-only rule sets refused in a backend, conditions by keywords/acl.ts, `track-sc*` by keywords/track-sc.ts
// into the stick model); the actions themselves are judged by config/not-implemented.ts until the sessions run them.
// Main thread, config parsing.

import { parseTime } from '../units.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { parseRuleCondition, splitCondition } from './acl.js';
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
    diag.notImplemented('tcp-request inspect-delay', at);
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
    if (parseTrackAction(ctx, `tcp-request ${set}`, 2, order)) diag.notImplemented(`tcp-request ${set}`, at);
    return;
  }
  const rest = args.slice(3);
  const { before, condition } = splitCondition(rest);
  if (BARE_ACTIONS.has(action) && before.length > 0) {
    diag.badValue(`'tcp-request ${set} ${action}' only accepts 'if' or 'unless', in ${where} (got '${before[0] ?? ''}')`, at);
    return;
  }
  if (condition !== undefined) {
    const rule = `tcp-request ${set}`;
    const spec = parseRuleCondition(ctx, condition.words, condition.negate, rule, (m) =>
      `'${rule} ${action}' : error detected in ${where} while parsing '${condition.keyword}' condition : ${m}`,
    );
    if (spec === undefined) return;
  }
  diag.notImplemented(`tcp-request ${set}`, at);
}
