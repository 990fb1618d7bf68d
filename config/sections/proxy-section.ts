// One line of a defaults/frontend/backend/listen section: looks the keyword up in the §4.1 matrix, applies
// HAProxy 2.6's capability rules (errors in defaults, "ignored because ... has no backend capability" warnings),
// then runs the keyword's handler or warns that orcalb does not implement it yet. Main thread, config parsing.

import { parseBalanceLine, parseHashTypeLine } from '../keywords/balance.js';
import { parseBindLine } from '../keywords/bind.js';
import { parseCookieLine } from '../keywords/cookie.js';
import { parseErrorfileLine } from '../keywords/errorfile.js';
import { parseHttpCheckLine } from '../keywords/http-check.js';
import { parseHttpRuleLine } from '../keywords/http-rules.js';
import { parseRedirect } from '../keywords/http-rule-actions.js';
import type { ConditionSpec, HttpRuleSpec } from '../model.js';
import { parseRetryOnLine } from '../keywords/retry-on.js';
import { parseProxyLogLine, parseProxyLogTagLine } from '../keywords/log.js';
import { parseOptionLine } from '../keywords/option.js';
import { parseCaptureLine, parseLogFormatLine, parseSideFormatLine, parseUniqueIdHeaderLine } from '../keywords/log-line.js';
import { type KeywordMatch, PROXY_FIRST_WORDS, matchProxyKeyword } from '../keywords/proxy-keywords.js';
import { parseDefaultServerLine, parseServerLine } from '../keywords/server.js';
import { parseServerTemplateLine } from '../keywords/server-template.js';
import { parseDolphinDbDiscoveryLine } from '../keywords/dolphindb-discovery.js';
import { parseTcpCheckLine } from '../keywords/tcp-check.js';
import { parseStatsLine } from '../keywords/stats.js';
import { parseStickLine } from '../keywords/stick-rules.js';
import { parseStickTableLine } from '../keywords/stick-table.js';
import { parseLegacyTimeoutLine, parseTimeoutLine } from '../keywords/timeout.js';
import { suggestionSuffix } from '../keyword-suggestion.js';
import { parseAclLine, parseRuleCondition, splitCondition } from '../keywords/acl.js';
import { parseTcpRequestLine } from '../keywords/tcp-request.js';
import { parseUseBackendLine } from '../keywords/use-backend.js';
import { parseHaproxyInt, parseHaproxyLimit } from '../units.js';
import type { ProxyLineContext } from './proxy-draft.js';

type Handler = (ctx: ProxyLineContext) => void;

/** Keywords orcalb acts on (a two-word key such as `tcp-check send` falls back to its first word). */
const HANDLERS: Readonly<Record<string, Handler>> = {
  mode: parseMode,
  maxconn: (ctx) => setCount(ctx, 'maxconn'),
  fullconn: (ctx) => setCount(ctx, 'fullconn'),
  retries: (ctx) => setCount(ctx, 'retries'),
  default_backend: parseDefaultBackend,
  use_backend: parseUseBackendLine,
  'tcp-request': parseTcpRequestLine,
  redirect: parseLegacyRedirectLine,
  monitor: parseMonitorFailLine,
  'monitor-uri': parseMonitorUriLine,
  'use-server': (ctx) => conditionalRule(ctx, 'use-server', (m) => `error detected while parsing switching rule : ${m}.`),
  'force-persist': (ctx) => conditionalRule(ctx, 'force-persist', (m) => `error detected while parsing a 'force-persist' rule : ${m}.`),
  'ignore-persist': (ctx) => conditionalRule(ctx, 'ignore-persist', (m) => `error detected while parsing a 'ignore-persist' rule : ${m}.`),
  bind: parseBindLine,
  server: parseServerLine,
  'server-template': parseServerTemplateLine,
  'dolphindb-discovery': parseDolphinDbDiscoveryLine,
  'default-server': parseDefaultServerLine,
  balance: parseBalanceLine,
  'hash-type': parseHashTypeLine,
  timeout: parseTimeoutLine,
  contimeout: parseLegacyTimeoutLine,
  clitimeout: parseLegacyTimeoutLine,
  srvtimeout: parseLegacyTimeoutLine,
  option: parseOptionLine,
  log: parseProxyLogLine,
  'log-tag': parseProxyLogTagLine,
  'log-format': parseLogFormatLine,
  'log-format-sd': parseSideFormatLine,
  'error-log-format': parseSideFormatLine,
  'unique-id-format': parseSideFormatLine,
  'unique-id-header': parseUniqueIdHeaderLine,
  'capture cookie': parseCaptureLine,
  'capture request': parseCaptureLine,
  'capture response': parseCaptureLine,
  'tcp-check': parseTcpCheckLine,
  'http-check': parseHttpCheckLine,
  'http-request': parseHttpRuleLine,
  'http-response': parseHttpRuleLine,
  'http-after-response': parseHttpRuleLine,
  errorfile: parseErrorfileLine,
  cookie: parseCookieLine,
  'retry-on': parseRetryOnLine,
  // The table lives in the shared buffer; what feeds it is judged rule by rule (track-sc*, sc-*, stick …).
  'stick-table': parseStickTableLine,
  stick: parseStickLine,
  disabled: (ctx) => setDisabled(ctx, true),
  enabled: (ctx) => setDisabled(ctx, false),
  description: (ctx) => {
    ctx.proxy.description = ctx.args.slice(1).join(' ');
  },
  stats: parseStatsLine,
  filter: parseFilter,
  source: (ctx) => {
    if ((ctx.args[1] ?? '') === '') {
      ctx.diag.badValue("'source' expects <addr>[:<port>], and optionally 'usesrc' <addr>, and 'interface' <name>.", ctx.at);
      return;
    }
    // `usesrc` makes servers see the client's address (transparent proxying); a plain source only picks the
    // local address, which the system choosing instead opens nothing wider.
    const key = ctx.args.includes('usesrc') ? 'source ... usesrc' : 'source';
    ctx.diag.notImplemented(key, ctx.at, 'connections to servers use the system-chosen source address');
  },
  acl: parseAclLine,
};

/** The filters of a HAProxy 2.6 build (`filter <name>`, §9), as its "Registered keywords" list shows them. */
const FILTERS = ['cache', 'compression', 'fcgi-app', 'opentracing', 'spoe', 'trace'];

/**
 * The config/not-implemented.ts key of a keyword without a handler: `http-reuse never` is judged apart, since it
 * forbids what orcalb does (reuse idle server connections across clients).
 */
function notImplementedKey(key: string, args: readonly string[]): string {
  return key === 'http-reuse' && args[1] === 'never' ? 'http-reuse never' : key;
}

/**
 * `filter <name> [args]`: an unknown name is HAProxy's error; a known one is judged by its name in the
 * not-implemented table (spoe hands traffic to an inspecting agent; compression or trace change nothing it protects).
 */
function parseFilter(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const name = args[1] ?? '';
  if (name === '') {
    diag.error('ORCA_CONFIG_SYNTAX', `missing argument for 'filter' in proxy '${proxy.name}'.`, at);
  } else if (!FILTERS.includes(name)) {
    diag.error('ORCA_CONFIG_UNKNOWN_KEYWORD', `'filter' : unknown keyword '${name}'. Registered keywords : ${FILTERS.join(', ')}`, at, {
      found: name,
    });
  } else {
    diag.notImplemented(`filter ${name}`, at);
  }
}

/** Parses one line of a proxy section into `ctx.proxy`. Never throws; problems go to `ctx.diag`. */
export function parseProxyLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const first = args[0] ?? '';
  // `no`/`default` are prefixes, not keywords: only options and `no log` accept them in 2.6.
  if (first === 'no' || first === 'default') {
    if (args[1] === 'option') return checkedRun(ctx, args.slice(1), parseOptionLine);
    if (args[1] === 'log' && first === 'no') return checkedRun(ctx, args.slice(1), parseProxyLogLine);
    diag.error('ORCA_CONFIG_SYNTAX', `negation/default is not supported for '${args[1] ?? ''}'.`, at);
    return;
  }
  if (first === 'block') {
    // Gone since HAProxy 2.1, with HAProxy 2.6's own words (measured with haproxy -c).
    diag.badValue("The 'block' directive is not supported anymore since HAProxy 2.1. Use 'http-request deny' which uses the exact same syntax.", at, { found: first });
    return;
  }
  const match = matchProxyKeyword(args);
  if (match === undefined) {
    const hint = suggestionSuffix(first, PROXY_FIRST_WORDS);
    diag.error('ORCA_CONFIG_UNKNOWN_KEYWORD', `unknown keyword '${first}' in '${proxy.kind}' section${hint}`, at, {
      found: first,
    });
    return;
  }
  // HAProxy refuses `retry-on` in a frontend rather than ignoring it with a warning.
  if (first === 'retry-on' && proxy.kind === 'frontend') return parseRetryOnLine(ctx);
  // It also refuses a frontend-only tcp-request rule set in a backend (parseTcpRequestLine words it).
  if (first === 'tcp-request' && proxy.kind === 'backend') return parseTcpRequestLine(ctx);
  if (!allowedHere(ctx, match)) return;
  // Two-word keywords (`tcp-check send`) share their family's handler.
  const handler = HANDLERS[match.key] ?? HANDLERS[first];
  if (handler !== undefined) handler(ctx);
  else diag.notImplemented(notImplementedKey(match.key, args), at);
}

/** Runs `handler` for `no option ...` / `no log` after the same capability check the plain keyword gets. */
function checkedRun(ctx: ProxyLineContext, keywordArgs: readonly string[], handler: Handler): void {
  const match = matchProxyKeyword(keywordArgs);
  if (match !== undefined && !allowedHere(ctx, match)) return;
  handler(ctx);
}

/** HAProxy's placement rules for a matched keyword; false when the line must not be applied. */
function allowedHere(ctx: ProxyLineContext, match: KeywordMatch): boolean {
  const { at, diag, proxy } = ctx;
  const [inDefaults, frontend, backend] = match.caps;
  if (proxy.kind === 'defaults') {
    if (inDefaults === '-') {
      // HAProxy words this one refusal its own way.
      const text = match.key === 'stick-table' ? "'stick-table' is not supported in 'defaults' section." : `'${match.key}' not allowed in 'defaults' section.`;
      diag.error('ORCA_CONFIG_SYNTAX', text, at);
      return false;
    }
    if (inDefaults === '!' && proxy.name === '') {
      diag.error('ORCA_CONFIG_SYNTAX', `'${match.key}' not allowed in anonymous 'defaults' section.`, at);
      return false;
    }
    return true;
  }
  const word = match.key.split(' ')[0] ?? match.key;
  // A keyword the section's side lacks: a frontend-only keyword in a backend, or the other way round.
  const missing =
    proxy.kind === 'frontend' && frontend === '-' ? 'backend'
    : proxy.kind === 'backend' && backend === '-' ? 'frontend'
    : undefined;
  if (missing === undefined) return true;
  const who = `${proxy.kind} '${proxy.name}'`;
  // Servers in a frontend would be silently useless, so HAProxy refuses them instead of warning.
  if (word === 'server' || word === 'default-server') {
    diag.error('ORCA_CONFIG_SYNTAX', `'${word}' not allowed because ${who} has no backend capability.`, at);
    return false;
  }
  // HAProxy points at the keyword people usually meant.
  const hint = word === 'maxconn' ? " Maybe you want 'fullconn' instead ?" : word === 'fullconn' ? " Maybe you want 'maxconn' instead ?" : '';
  diag.warn(`'${word}' ignored because ${who} has no ${missing} capability.${hint}`, at);
  return false;
}

function parseMode(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  if (diag.tooManyArgs(args, 1, at)) return;
  const mode = args[1];
  if (mode !== 'tcp' && mode !== 'http') {
    diag.badValue(`unknown proxy mode '${mode ?? ''}'.`, at, { found: mode ?? '' });
    return;
  }
  proxy.mode = mode;
  proxy.modeSource = at;
}

/**
 * maxconn / fullconn / retries: one integer, with the value HAProxy 2.6 ends up using (config/units.ts
 * parseHaproxyInt). §4.2 "maxconn"/"fullconn": the limit is compared unsigned, so `maxconn -1` (or an overflowing
 * number) is 4294967295, no practical limit, and a value whose low 32 bits are 0 means "not set". §4.2 "retries":
 * a negative count means no retry (measured: `retries -1` gives wretr 0 and one econ). Words that are not a
 * number (`10k`, `abc`) are refused where HAProxy's atol() would silently read 10 or 0.
 */
function setCount(ctx: ProxyLineContext, field: 'maxconn' | 'fullconn' | 'retries'): void {
  const { args, at, diag, proxy } = ctx;
  if (diag.tooManyArgs(args, 1, at)) return;
  const n = field === 'retries' ? parseHaproxyInt(args[1] ?? '') : parseHaproxyLimit(args[1] ?? '');
  if (n === undefined) {
    diag.badValue(`'${args[0] ?? ''}' expects an integer argument.`, at, { found: args[1] ?? '' });
    return;
  }
  proxy[field] = Math.max(0, n);
}

function parseDefaultBackend(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const name = args[1] ?? '';
  if (name === '') {
    diag.error('ORCA_CONFIG_SYNTAX', "'default_backend' expects a backend name.", at);
    return;
  }
  if (diag.tooManyArgs(args, 1, at)) return;
  proxy.defaultBackend = { name, source: at };
}

/**
 * A rule keyword orcalb does not implement yet whose condition HAProxy checks at parse time (redirect, monitor fail,
 * use-server, force-persist, ignore-persist): the condition is parsed for its errors, then the keyword is judged by
 * config/not-implemented.ts.
 */
function conditionalRule(ctx: ProxyLineContext, rule: string, label: (problem: string) => string): void {
  const { condition } = splitCondition(ctx.args.slice(1));
  if (condition !== undefined && parseRuleCondition(ctx, condition.words, condition.negate, rule, label) === undefined) return;
  ctx.diag.notImplemented(rule === 'monitor fail' && ctx.args[1] !== 'fail' ? ctx.args.slice(0, 2).join(' ') : rule, ctx.at);
}

/** The legacy `redirect …` keyword: one rule of the program, run after the http-request rules (§4.2 redirect). */
function parseLegacyRedirectLine(ctx: ProxyLineContext): void {
  const parsed = parseRedirect({ ctx, keyword: 'redirect', action: 'redirect', first: 1 });
  if (!parsed.ok) return;
  const words = ctx.args.slice(parsed.next + 1);
  let condition: ConditionSpec | undefined;
  const word = ctx.args[parsed.next];
  if (word === 'if' || word === 'unless') {
    condition = parseRuleCondition(ctx, words, word === 'unless', 'redirect', (m) => `error detected in ${proxyLabelOf(ctx)} while parsing redirect rule : error in condition: ${m}.`);
    if (condition === undefined) return;
  }
  ctx.proxy.httpRuleSpecs.redirects.push({ ...parsed.rule, source: ctx.at, ...(condition === undefined ? {} : { condition }) } as HttpRuleSpec);
  ctx.diag.notImplemented('redirect', ctx.at);
}

/** `monitor-uri <uri>` (§4.2): the URI answered 200 (or 503 under `monitor fail`) before any rule. */
function parseMonitorUriLine(ctx: ProxyLineContext): void {
  const uri = ctx.args[1] ?? '';
  if (uri === '') {
    ctx.diag.badValue("'monitor-uri' expects an URI.", ctx.at);
    return;
  }
  ctx.proxy.httpRuleSpecs.monitorUri = uri;
  ctx.diag.notImplemented('monitor-uri', ctx.at);
}

/** `monitor fail if|unless <cond>` (§4.2). */
function parseMonitorFailLine(ctx: ProxyLineContext): void {
  const { args, at, diag } = ctx;
  if (args[1] !== 'fail') {
    diag.badValue("'monitor' only supports 'fail'.", at);
    return;
  }
  const word = args[2];
  if (word !== 'if' && word !== 'unless') {
    diag.badValue("'monitor fail' requires either 'if' or 'unless' followed by a condition.", at);
    return;
  }
  const condition = parseRuleCondition(ctx, args.slice(3), word === 'unless', 'monitor fail', (m) => `error detected while parsing a 'monitor fail' condition : ${m}.`);
  if (condition === undefined) return;
  ctx.proxy.httpRuleSpecs.monitorFail.push(condition);
  diag.notImplemented('monitor fail', at);
}

/** How HAProxy names the proxy of a line in messages (`frontend 'f'`, `proxy 'l'`). */
function proxyLabelOf(ctx: ProxyLineContext): string {
  return `${ctx.proxy.kind === 'listen' ? 'proxy' : ctx.proxy.kind} '${ctx.proxy.name}'`;
}

function setDisabled(ctx: ProxyLineContext, disabled: boolean): void {
  if (!ctx.diag.tooManyArgs(ctx.args, 0, ctx.at)) ctx.proxy.disabled = disabled;
}

