// `[no|default] option <name> [args]` (manual §4.1 "option ..." rows, §4.2 entries): the options orcalb models
// in ProxyOptions, the health-check type options, and every other 2.6 option as known-but-not-implemented.
// Main thread, config parsing.

import { parseNetwork } from '../../core/net/network.js';
import type { IpNetwork } from '../model.js';
import { DEFAULT_FORWARDFOR_HEADER, DEFAULT_ORIGINALTO_HEADER } from '../defaults.js';
import { suggestionSuffix } from '../keyword-suggestion.js';
import { hasBackendCap, hasFrontendCap, type ProxyLineContext } from '../sections/proxy-draft.js';
import { parseInteger } from '../units.js';
import { parseDolphinDbCheck } from './dolphindb-check.js';
import { parseHttpchkOption } from './option-httpchk.js';
import { DOLPHINDB_SESSION_OPTIONS, parseDolphinDbSessionOption } from './option-dolphindb.js';

/** Which side uses the option (§4.1 frontend/backend columns) and whether `no option` may invert it ("(*)"). */
type OptionSpec = readonly [side: 'F' | 'B' | 'FB', negatable: boolean];

export const OPTIONS: Readonly<Record<string, OptionSpec>> = {
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
  transparent: ['B', true], 'idle-close-on-response': ['F', true],
  // orcalb's own protocol check, named like HAProxy's mysql-check/pgsql-check.
  'dolphindb-check': ['B', false],
  // orcalb's own DolphinDB session options (option-dolphindb.ts, issue 16).
  'dolphindb-inspect': ['B', true], 'dolphindb-drain-idle': ['B', true], 'dolphindb-rebalance': ['B', false],
  'dolphindb-json-affinity': ['B', true],
};

/** Options that choose the health-check protocol; the last one set wins, as in HAProxy. */
const CHECK_OPTIONS = new Set([
  'tcp-check', 'httpchk', 'ssl-hello-chk', 'mysql-check', 'pgsql-check', 'redis-check', 'smtpchk', 'ldap-check',
  'spop-check', 'external-check', 'dolphindb-check',
]);

/** Boolean options kept in ProxyOptions. */
const FLAGS: Readonly<Record<string, 'redispatch' | 'allbackups' | 'dontlognull' | 'persist' | 'dontlogNormal' | 'logasap' | 'logSeparateErrors'>> = {
  redispatch: 'redispatch',
  allbackups: 'allbackups',
  dontlognull: 'dontlognull',
  persist: 'persist',
  // The traffic log's options (core/log/traffic-lines.ts reads them).
  'dontlog-normal': 'dontlogNormal',
  logasap: 'logasap',
  'log-separate-errors': 'logSeparateErrors',
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
  } else if (name === 'tcplog' || name === 'httplog' || name === 'httpslog') {
    setLogOption(ctx, name, rest);
  } else if (name === 'forwardfor' || name === 'originalto') {
    parseHeaderOption(ctx, name, rest);
  } else if (CHECK_OPTIONS.has(name)) {
    parseCheckOption(ctx, name, rest);
  } else if ((DOLPHINDB_SESSION_OPTIONS as readonly string[]).includes(name)) {
    parseDolphinDbSessionOption(ctx, name, rest, on);
  } else if (name === 'log-health-checks') {
    ctx.proxy.options.logHealthChecks = on;
  } else if (!on) {
    // `no option X` / `default option X` asks for HAProxy's default, which for every option orcalb does not
    // implement is "off": what orcalb does already.
  } else if (name === 'http-restrict-req-hdr-names' && rest[0] === 'preserve' && rest.length === 1) {
    // `preserve` is HAProxy's default (header names are left as they are), which is what orcalb does.
  } else {
    diag.notImplemented(`option ${name}`, at);
  }
}

function capabilityWarning(ctx: ProxyLineContext, name: string, missing: 'frontend' | 'backend'): void {
  const { proxy } = ctx;
  ctx.diag.warn(`'${name}' ignored because ${proxy.kind} '${proxy.name}' has no ${missing} capability.`, ctx.at);
}

/**
 * `option tcplog` / `option httplog [clf]` / `option httpslog`: one log format per proxy (a later one, or a
 * `log-format`, overrides with a warning). httpslog is httplog plus TLS fields orcalb has no TLS for: warned, and
 * logged as httplog.
 */
function setLogOption(ctx: ProxyLineContext, name: 'tcplog' | 'httplog' | 'httpslog', rest: readonly string[]): void {
  const { proxy, diag, at } = ctx;
  if (name === 'httplog' && rest.length > 0 && (rest[0] !== 'clf' || rest.length > 1)) {
    diag.error('ORCA_CONFIG_SYNTAX', "keyword 'httplog' only supports option 'clf'.", at);
    return;
  }
  if (name !== 'httplog' && diag.tooManyArgs(ctx.args, 0, at, 2)) return;
  const text = ['option', name, ...rest].join(' ');
  // HAProxy only complains when both are written in the same section, not when a proxy overrides its defaults.
  if (proxy.logOption !== undefined && proxy.logOption.section === proxy.source) {
    diag.warn(`'option ${name}' overrides previous '${proxy.logOption.text}' in '${proxy.kind}' section.`, at);
  }
  proxy.logOption = { text, section: proxy.source, at };
  proxy.options.tcplog = name === 'tcplog';
  proxy.options.httplog = name !== 'tcplog';
  proxy.logLine.kind = name === 'tcplog' ? 'tcplog' : rest[0] === 'clf' ? 'clf' : 'httplog';
  proxy.logLine.format = undefined;
  if (name === 'httpslog') diag.notImplemented('option httpslog', at, 'lines are logged as option httplog writes them (no TLS fields)');
}

/** Remembers a check-type option (the last one wins, as in HAProxy) after reading its arguments. */
function parseCheckOption(ctx: ProxyLineContext, name: string, rest: readonly string[]): void {
  const { at, diag, proxy } = ctx;
  if (name === 'httpchk') {
    if (!parseHttpchkOption(ctx, rest)) return;
  } else if (name === 'dolphindb-check') {
    const settings = parseDolphinDbCheck(ctx, rest);
    if (settings === undefined) return;
    proxy.dolphindbCheck = settings;
  } else if (name !== 'tcp-check') {
    // Remembered even when not implemented, so a later `option tcp-check` can still win.
    diag.notImplemented(`option ${name}`, at, 'servers get plain TCP connect checks instead');
  }
  proxy.checkOption = { name, source: at };
}

/**
 * `option forwardfor [except <network>] [header <name>] [if-none]` and `option originalto [except <network>]
 * [header <name>]` (§4.2): the parts come in any order; `except` is parsed here, once
 * (core/net/network.ts), and the model carries the network.
 */
function parseHeaderOption(ctx: ProxyLineContext, name: 'forwardfor' | 'originalto', rest: readonly string[]): void {
  let except: IpNetwork | undefined;
  let header = name === 'forwardfor' ? DEFAULT_FORWARDFOR_HEADER : DEFAULT_ORIGINALTO_HEADER;
  let ifNone = false;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i];
    const value = rest[i + 1] ?? '';
    if (word === 'if-none' && name === 'forwardfor') {
      ifNone = true;
    } else if (word === 'except') {
      const network = parseNetwork(value);
      if (network === undefined) {
        ctx.diag.badValue(`'option ${name} except' expects <address>[/mask] as argument.`, ctx.at, { found: value });
        return;
      }
      except = network;
      i++;
    } else if (word === 'header') {
      if (value === '') {
        ctx.diag.badValue(`'option ${name} header' expects <header_name> as argument.`, ctx.at);
        return;
      }
      header = value;
      i++;
    } else {
      const supported = name === 'forwardfor' ? "'except', 'header' and 'if-none'" : "'except' and 'header'";
      ctx.diag.badValue(`'option ${name}' only supports optional values: ${supported}.`, ctx.at, { found: word ?? '' });
      return;
    }
  }
  const options = ctx.proxy.options;
  if (name === 'forwardfor') options.forwardfor = except === undefined ? { header, ifNone } : { except, header, ifNone };
  else options.originalto = except === undefined ? { header } : { except, header };
}
