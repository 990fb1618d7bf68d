// `[no|default] option <name> [args]` (manual §4.1 "option ..." rows, §4.2 entries): the options orcalb models
// in ProxyOptions, the health-check type options, and every other 2.6 option as known-but-not-implemented.
// Main thread, config parsing.

import { isIP } from 'node:net';
import type { DolphinDbCheckConfig } from '../model.js';
import { DEFAULT_FORWARDFOR_HEADER } from '../defaults.js';
import { suggestionSuffix } from '../keyword-suggestion.js';
import { hasBackendCap, hasFrontendCap, type ProxyLineContext } from '../sections/proxy-draft.js';
import { parseInteger } from '../units.js';

/** Which side uses the option (§4.1 frontend/backend columns) and whether `no option` may invert it ("(*)"). */
type OptionSpec = readonly [side: 'F' | 'B' | 'FB', negatable: boolean];

const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  abortonclose: ['B', true], 'accept-invalid-http-request': ['F', true], 'accept-invalid-http-response': ['B', true],
  allbackups: ['B', true], checkcache: ['B', true], clitcpka: ['F', true], contstats: ['F', true],
  'disable-h2-upgrade': ['F', true], 'dontlog-normal': ['F', true], dontlognull: ['F', true],
  forwardfor: ['FB', false], 'h1-case-adjust-bogus-client': ['F', true], 'h1-case-adjust-bogus-server': ['B', true],
  'http-buffer-request': ['FB', true], 'http-ignore-probes': ['F', true], 'http-keep-alive': ['FB', true],
  'http-no-delay': ['FB', true], 'http-pretend-keepalive': ['B', true], 'http-restrict-req-hdr-names': ['FB', false],
  'http-server-close': ['FB', true], 'http-use-proxy-header': ['F', true], httpchk: ['B', false],
  httpclose: ['FB', true], httplog: ['F', false], httpslog: ['F', false], 'independent-streams': ['FB', true],
  'ldap-check': ['B', false], 'external-check': ['B', false], 'log-health-checks': ['B', true],
  'log-separate-errors': ['F', true], logasap: ['F', true], 'mysql-check': ['B', false], nolinger: ['FB', true],
  originalto: ['FB', false], persist: ['B', true], 'pgsql-check': ['B', false], 'prefer-last-server': ['B', true],
  redispatch: ['B', true], 'redis-check': ['B', false], smtpchk: ['B', false], 'socket-stats': ['F', true],
  'splice-auto': ['FB', true], 'splice-request': ['FB', true], 'splice-response': ['FB', true],
  'spop-check': ['B', false], srvtcpka: ['B', true], 'ssl-hello-chk': ['B', false], 'tcp-check': ['B', false],
  'tcp-smart-accept': ['F', true], 'tcp-smart-connect': ['B', true], tcpka: ['FB', false], tcplog: ['FB', false],
  transparent: ['B', true], 'idle-close-on-response': ['F', true], 'dolphindb-check': ['B', false],
};

/** Options that choose the health-check protocol; the last one set wins, as in HAProxy. */
const CHECK_OPTIONS = new Set([
  'tcp-check', 'httpchk', 'ssl-hello-chk', 'mysql-check', 'pgsql-check', 'redis-check', 'smtpchk', 'ldap-check',
  'spop-check', 'external-check', 'dolphindb-check',
]);

/** Boolean options kept in ProxyOptions. */
const FLAGS: Readonly<Record<string, 'redispatch' | 'allbackups' | 'dontlognull'>> = {
  redispatch: 'redispatch',
  allbackups: 'allbackups',
  dontlognull: 'dontlognull',
};

/** The three HTTP connection modes are one setting in HAProxy: choosing one clears the others (§4 matrix). */
const HTTP_MODES: Readonly<Record<string, 'httpServerClose' | 'httpKeepAlive' | 'httpClose'>> = {
  'http-server-close': 'httpServerClose',
  'http-keep-alive': 'httpKeepAlive',
  httpclose: 'httpClose',
};

/** Handles an `option`, `no option` or `default option` line. */
export function parseOptionLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const prefix = args[0] === 'option' ? undefined : args[0];
  const offset = prefix === undefined ? 1 : 2;
  const name = args[offset] ?? '';
  const spec = OPTIONS[name];
  // HAProxy checks negation before knowing the option, so `no option bogus` reads as a negation error too.
  if (prefix !== undefined && spec?.[1] !== true) {
    diag.error('ORCA_CONFIG_SYNTAX', `negation/default is not supported for option '${name}'.`, at);
    return;
  }
  if (spec === undefined) {
    const hint = suggestionSuffix(name, Object.keys(OPTIONS));
    diag.error('ORCA_CONFIG_UNKNOWN_KEYWORD', `unknown option '${name}'${hint === '' ? '.' : hint}`, at, {
      found: name,
    });
    return;
  }
  const [side, negatable] = spec;
  if (side === 'F' && !hasFrontendCap(proxy.kind)) return capabilityWarning(ctx, name, 'frontend');
  if (side === 'B' && !hasBackendCap(proxy.kind)) return capabilityWarning(ctx, name, 'backend');
  const rest = args.slice(offset + 1);
  // `no option x` clears; `default option x` restores HAProxy's built-in value (all modelled options are off).
  const on = prefix === undefined;
  // Boolean options take no argument; `option redispatch <interval>` is the one exception in 2.6.
  if (negatable && rest.length > 0 && name !== 'redispatch') {
    diag.tooManyArgs(args, 0, at, offset + 1);
    return;
  }
  const flag = FLAGS[name];
  const mode = HTTP_MODES[name];
  if (flag !== undefined) {
    if (name === 'redispatch' && rest.length > 0 && parseInteger(rest[0] ?? '', true) === undefined) {
      diag.badValue(`'option redispatch' expects an integer interval, got '${rest[0] ?? ''}'.`, at);
      return;
    }
    proxy.options[flag] = on;
  } else if (mode !== undefined) {
    proxy.options.httpServerClose = false;
    proxy.options.httpKeepAlive = false;
    proxy.options.httpClose = false;
    proxy.options[mode] = on;
  } else if (name === 'tcplog' || name === 'httplog') {
    setLogOption(ctx, name, rest);
  } else if (name === 'forwardfor') {
    parseForwardfor(ctx, rest);
  } else if (name === 'dolphindb-check') {
    const dolphindb = parseDolphinDbCheck(ctx, rest);
    if (dolphindb !== undefined) proxy.checkOption = { name, source: at, dolphindb };
  } else if (CHECK_OPTIONS.has(name)) {
    // Remembered even when not implemented, so a later `option tcp-check` can still win (last one wins).
    proxy.checkOption = { name, source: at };
    if (name !== 'tcp-check') {
      diag.notImplemented(`option ${name}`, at, 'servers get plain TCP connect checks instead');
    }
  } else {
    diag.notImplemented(`option ${name}`, at);
  }
}

/** `option dolphindb-check [user <u> password <p>] [script <s>]` (orcalb's own check option). */
function parseDolphinDbCheck(ctx: ProxyLineContext, rest: readonly string[]): DolphinDbCheckConfig | undefined {
  let user: string | undefined;
  let password: string | undefined;
  let script = 'version()';
  for (let i = 0; i < rest.length; i += 2) {
    const word = rest[i] ?? '';
    const value = rest[i + 1];
    if ((word !== 'user' && word !== 'password' && word !== 'script') || value === undefined) {
      ctx.diag.badValue(`'option dolphindb-check' expects 'user <name> password <password>' and/or 'script <text>', got '${word}'.`, ctx.at);
      return undefined;
    }
    if (word === 'user') user = value;
    else if (word === 'password') password = value;
    else script = value;
  }
  if (password !== undefined && user === undefined) {
    ctx.diag.badValue(`'option dolphindb-check': 'password' needs a 'user'.`, ctx.at);
    return undefined;
  }
  return { ...(user === undefined ? {} : { user }), ...(password === undefined ? {} : { password }), script };
}

function capabilityWarning(ctx: ProxyLineContext, name: string, missing: 'frontend' | 'backend'): void {
  const { proxy } = ctx;
  ctx.diag.warn(`'${name}' ignored because ${proxy.kind} '${proxy.name}' has no ${missing} capability.`, ctx.at);
}

/** `option tcplog` / `option httplog [clf]`: one log format per proxy; a later one overrides (with a warning). */
function setLogOption(ctx: ProxyLineContext, name: 'tcplog' | 'httplog', rest: readonly string[]): void {
  const { proxy, diag, at } = ctx;
  if (name === 'httplog' && rest.length > 0 && rest[0] !== 'clf') {
    diag.tooManyArgs(ctx.args, 0, at, 2);
    return;
  }
  if (name === 'tcplog' && diag.tooManyArgs(ctx.args, 0, at, 2)) return;
  const text = ['option', name, ...rest].join(' ');
  // HAProxy only complains when both are written in the same section, not when a proxy overrides its defaults.
  if (proxy.logOption !== undefined && proxy.logOption.section === proxy.source) {
    diag.warn(`'option ${name}' overrides previous '${proxy.logOption.text}' in '${proxy.kind}' section.`, at);
  }
  proxy.logOption = { text, section: proxy.source };
  proxy.options.tcplog = name === 'tcplog';
  proxy.options.httplog = name === 'httplog';
  diag.notImplemented(`option ${name}`, at, 'per-connection logging comes later');
}

/** `option forwardfor [except <network>] [header <name>] [if-none]` (§4.2): kept for the HTTP mode. */
function parseForwardfor(ctx: ProxyLineContext, rest: readonly string[]): void {
  let except: string | undefined;
  let header = DEFAULT_FORWARDFOR_HEADER;
  let ifNone = false;
  // The three parts may come in any order (§4.2 "option forwardfor").
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i];
    const value = rest[i + 1] ?? '';
    if (word === 'if-none') {
      ifNone = true;
    } else if (word === 'except') {
      if (!isNetwork(value)) {
        ctx.diag.badValue("'option forwardfor except' expects <address>[/mask] as argument.", ctx.at, { found: value });
        return;
      }
      except = value;
      i++;
    } else if (word === 'header') {
      if (value === '') {
        ctx.diag.badValue("'option forwardfor header' expects <header_name> as argument.", ctx.at);
        return;
      }
      header = value;
      i++;
    } else {
      ctx.diag.badValue("'option forwardfor' only supports optional values: 'except', 'header' and 'if-none'.", ctx.at, {
        found: word ?? '',
      });
      return;
    }
  }
  ctx.proxy.options.forwardfor = except === undefined ? { header, ifNone } : { except, header, ifNone };
}

/** `<address>[/mask]` with an IPv4/IPv6 address and a prefix length or (IPv4) a dotted netmask. */
function isNetwork(text: string): boolean {
  const [address = '', mask, extra] = text.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (mask === undefined) return true;
  if (/^\d+$/.test(mask)) return Number(mask) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(mask) === 4;
}
