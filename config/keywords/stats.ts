// The `stats` keywords of a proxy (HAProxy 2.6 manual §4.2 `stats admin` … `stats uri`): every line sets part of
// the proxy's stats page (HAProxy's uri_auth), and any of them enables it. A defaults section's settings pass on to
// the proxies that follow (§4: a proxy starts as a copy of its defaults). Main thread, config parsing.

import type { StatsHttpRule } from '../model.js';
import { freshStatsDraft } from './stats-draft.js';
import { suggestionSuffix } from '../keyword-suggestion.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { parseTime } from '../units.js';
import { parseRuleCondition } from './acl.js';


/** 2.6's sub-keywords, as its error message lists them (orcalb's own `dashboard` is accepted beside them). */
const STATS_WORDS = [
  'admin', 'auth', 'enable', 'hide-version', 'http-request', 'realm', 'refresh', 'scope', 'show-desc',
  'show-legends', 'show-modules', 'show-node', 'uri',
];

/**
 * One `stats …` line of a defaults/frontend/listen section: checks it as HAProxy 2.6 does and records it in
 * `ctx.proxy.stats` (created by the first line), and in `statsLines` (own lines decide "stats only"). Never throws.
 */
export function parseStatsLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const sub = args[1] ?? '';
  if (!STATS_WORDS.includes(sub) && sub !== 'dashboard') {
    const list = STATS_WORDS.map((w) => `'${w}'`).join(', ');
    diag.badValue(`'stats' expects one of ${list}${suggestionSuffix(sub, STATS_WORDS)}`, at, { found: sub });
    return;
  }
  const rest = args.slice(2);
  const problem = statsArgumentProblem(sub, rest);
  if (problem !== undefined) {
    diag.badValue(problem, at);
    return;
  }
  const draft = proxy.stats ?? freshStatsDraft();
  if (!applyStats(ctx, draft, sub, rest)) return;
  proxy.stats = draft;
  proxy.statsLines.push(at);
}

/** Records one checked line into `draft`; false when a condition or rule in it is refused (already reported). */
function applyStats(ctx: ProxyLineContext, draft: NonNullable<ProxyLineContext['proxy']['stats']>, sub: string, rest: readonly string[]): boolean {
  const value = rest[0] ?? '';
  switch (sub) {
    case 'uri':
      draft.uri = value;
      return true;
    case 'realm':
      // HAProxy keeps the realm's words joined by spaces (a quoted realm is one word already).
      draft.realm = rest.join(' ');
      return true;
    case 'auth': {
      // HAProxy 2.6 accepts a word without ':' (measured): a user whose password is empty.
      const colon = value.indexOf(':');
      draft.users.push(colon < 0 ? { user: value, password: '' } : { user: value.slice(0, colon), password: value.slice(colon + 1) });
      return true;
    }
    case 'refresh': {
      const t = parseTime(value, 's');
      if (t.kind === 'ok') draft.refreshMs = t.ms;
      return true;
    }
    case 'scope':
      draft.scopes.push(value);
      return true;
    case 'hide-version':
      draft.hideVersion = true;
      return true;
    case 'show-legends':
      draft.showLegends = true;
      return true;
    case 'show-modules':
      draft.showModules = true;
      return true;
    case 'dashboard':
      draft.dashboard = true;
      return true;
    case 'show-node':
      draft.showNode = value;
      return true;
    case 'show-desc':
      draft.showDesc = rest.join(' ');
      return true;
    case 'admin': {
      const spec = parseRuleCondition(ctx, rest.slice(1), value === 'unless', 'stats admin', (m) => `error detected while parsing a 'stats admin' rule : ${m}.`);
      if (spec === undefined) return false;
      draft.admin.push(spec);
      return true;
    }
    case 'http-request': {
      const rule = parseStatsHttpRequest(ctx, rest);
      if (rule === undefined) return false;
      draft.rules.push(rule);
      return true;
    }
    default:
      // `enable`: the draft's existence is the switch.
      return true;
  }
}

/** `stats http-request { allow | deny | auth [realm <realm>] } [ { if | unless } <condition> ]`. */
function parseStatsHttpRequest(ctx: ProxyLineContext, rest: readonly string[]): StatsHttpRule | undefined {
  const action = rest[0] ?? '';
  if (action !== 'allow' && action !== 'deny' && action !== 'auth') {
    ctx.diag.badValue(`'stats http-request' expects 'allow', 'deny', 'auth', but got '${action}'.`, ctx.at);
    return undefined;
  }
  let i = 1;
  let realm: string | undefined;
  if (action === 'auth' && rest[i] === 'realm') {
    realm = rest[i + 1] ?? '';
    i += 2;
  }
  const word = rest[i];
  if (word === undefined) return { action, ...(realm === undefined ? {} : { realm }) };
  if (word !== 'if' && word !== 'unless') {
    ctx.diag.badValue(`'stats http-request ${action}' expects 'if' or 'unless' followed by a condition, but got '${word}'.`, ctx.at);
    return undefined;
  }
  const condition = parseRuleCondition(ctx, rest.slice(i + 1), word === 'unless', 'stats http-request', (m) => `error detected while parsing a 'stats http-request' rule : ${m}.`);
  if (condition === undefined) return undefined;
  return { action, ...(realm === undefined ? {} : { realm }), condition };
}

/** What each stats sub-keyword needs after it, in HAProxy 2.6's words; undefined when the line is complete. */
function statsArgumentProblem(sub: string, rest: readonly string[]): string | undefined {
  const value = rest[0] ?? '';
  switch (sub) {
    case 'uri':
      return value === '' ? "'uri' needs an URI prefix." : undefined;
    case 'realm':
      return value === '' ? "'realm' needs an realm name." : undefined;
    case 'auth':
      return value === '' ? "'auth' needs a user:password account." : undefined;
    case 'scope':
      return value === '' ? "'scope' needs a proxy name." : undefined;
    case 'refresh': {
      const t = parseTime(value, 's');
      if (t.kind === 'empty') return "'refresh' needs a time value.";
      return t.kind === 'bad-char' ? `unexpected character '${t.char}' in argument to stats refresh interval.` : undefined;
    }
    case 'admin':
      // The condition itself is parsed by applyStats (keywords/acl.ts), as HAProxy checks it.
      return value !== 'if' && value !== 'unless' ? "'stats admin' requires either 'if' or 'unless' followed by a condition." : undefined;
    default:
      return undefined;
  }
}
