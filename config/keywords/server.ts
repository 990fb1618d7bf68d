// `server <name> <addr>[:<port>] [param*]` and `default-server [param*]` (manual §4.2, §5.2 server options):
// the options orcalb implements are read into ServerSettings, the rest of 2.6's options are known and warned
// about, anything else is an error with a suggestion. HAProxy 2.6's error texts. Main thread, config parsing.

import { expandAddressEnv, parsePortOffset, parsePortRange, splitAddress } from '../address.js';
import type { Diagnostics } from '../diagnostics.js';
import { MAX_WEIGHT } from '../defaults.js';
import { suggestionSuffix } from '../keyword-suggestion.js';
import type { SourceRef } from '../model.js';
import { type ProxyLineContext, type ServerSettings, proxyLabel } from '../sections/proxy-draft.js';
import { parseHaproxyInt, parseHaproxyLimit, parseInteger, parseTime, trailingTimeWarning } from '../units.js';
import { SERVER_TLS_WORDS, applyServerTlsWord } from './server-tls.js';

/** §5.2 options orcalb does not implement → number of values each takes (`source` is handled apart). */
export const KNOWN_OPTIONS: Readonly<Record<string, number>> = {
  'agent-check': 0, 'allow-0rtt': 0, 'check-via-socks4': 0, 'no-agent-check': 0,
  'no-tfo': 0, 'non-stick': 0, stick: 0, tfo: 0, 'agent-addr': 1, 'agent-inter': 1, 'agent-port': 1, 'agent-send': 1, 'check-proto': 1,
  'error-limit': 1, id: 1, 'log-proto': 1, 'max-reuse': 1, minconn: 1, namespace: 1, npn: 1, observe: 1,
  'on-error': 1, 'on-marked-down': 1, 'on-marked-up': 1, 'pool-low-conn': 1, 'pool-max-conn': 1,
  'pool-purge-delay': 1, proto: 1, 'proxy-v2-options': 1, redir: 1, 'resolve-net': 1, 'resolve-opts': 1,
  'resolve-prefer': 1, socks4: 1, 'tcp-ut': 1, track: 1, ws: 1,
};

/** Options without a value that orcalb implements, and what each does to the settings. */
const FLAGS: Readonly<Record<string, (s: ServerSettings) => void>> = {
  check: (s) => (s.check = true),
  'no-check': (s) => (s.check = false),
  backup: (s) => (s.backup = true),
  'no-backup': (s) => (s.backup = false),
  disabled: (s) => (s.disabled = true),
  enabled: (s) => (s.disabled = false),
  'send-proxy': (s) => (s.sendProxy = 'v1'),
  'send-proxy-v2': (s) => (s.sendProxy = 'v2'),
  'no-send-proxy': (s) => {
    if (s.sendProxy === 'v1') s.sendProxy = 'none';
  },
  'no-send-proxy-v2': (s) => {
    if (s.sendProxy === 'v2') s.sendProxy = 'none';
  },
  'check-send-proxy': (s) => (s.checkSendProxy = true),
  // haproxy 2.6 sets the v2 bit with the SSL ones; the `no-` forms clear only their own bit (CN rides on SSL).
  'send-proxy-v2-ssl': (s) => {
    s.sendProxy = 'v2';
    if (s.proxyV2Ssl === undefined) s.proxyV2Ssl = 'ssl';
  },
  'send-proxy-v2-ssl-cn': (s) => {
    s.sendProxy = 'v2';
    s.proxyV2Ssl = 'ssl-cn';
  },
  'no-send-proxy-v2-ssl': (s) => {
    delete s.proxyV2Ssl;
  },
  'no-send-proxy-v2-ssl-cn': (s) => {
    if (s.proxyV2Ssl === 'ssl-cn') s.proxyV2Ssl = 'ssl';
  },
};

/** Options orcalb implements that take one value (`source` takes several and is skipped). */
const VALUED = ['inter', 'fastinter', 'downinter', 'slowstart', 'rise', 'fall', 'weight', 'port', 'addr',
  'maxconn', 'maxqueue', 'cookie', 'init-addr', 'source', 'resolvers'];

const ALL_OPTIONS = [...Object.keys(FLAGS), ...VALUED, ...Object.keys(KNOWN_OPTIONS), ...Object.keys(SERVER_TLS_WORDS)];

/** `server NAME ADDR[:PORT] options...`: adds a ServerDraft (settings = default-server + the line's options). */
export function parseServerLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const name = args[1] ?? '';
  const addr = args[2] ?? '';
  if (name === '' || addr === '') {
    diag.error('ORCA_CONFIG_SYNTAX', "'server' expects <name> and <addr>[:<port>] as arguments.", at);
    return;
  }
  const label = `server ${proxy.name}/${name}`;
  // default-server first, then the line: a later option on the line overrides a preset.
  const settings: ServerSettings = structuredClone(proxy.defaultServer);
  const env = ctx.line.env;
  const optionsOk = parseServerOptions(args.slice(3), settings, { diag, at, label, serverName: name, env, tls: true });
  const target = parseServerAddress(addr, expandAddressEnv(addr, env), diag, at, label);
  if (!uniqueServerName(ctx, name) || target === undefined || !optionsOk) return;
  proxy.servers.push({ source: at, name, settings, ...target });
}

/**
 * False (and HAProxy's error) when the section already has a server named `name`: server names key the stats and
 * the admin commands, so they must be unique within a backend. Also for each server of a `server-template`.
 */
export function uniqueServerName(ctx: ProxyLineContext, name: string): boolean {
  const { at, diag, proxy } = ctx;
  const previous = proxy.servers.find((s) => s.name === name);
  if (previous === undefined) return true;
  diag.error(
    'ORCA_CONFIG_REFERENCE',
    `${proxyLabel(proxy)}, another server named '${name}' was already defined at line ` +
      `${previous.source.line}, please use distinct names.`,
    at,
    { found: name },
  );
  return false;
}

/** `default-server options...`: presets for the section's later server lines (and for proxies using it). */
export function parseDefaultServerLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  // Applied only when the whole line is valid, so a typo does not leave half a preset behind.
  const next = structuredClone(proxy.defaultServer);
  const scope = { diag, at, label: 'default-server', serverName: 'default-server', env: ctx.line.env, tls: true };
  if (parseServerOptions(args.slice(1), next, scope)) {
    proxy.defaultServer = next;
  }
}

/** Where a server line's options are being read, for messages. */
export interface OptionScope {
  readonly diag: Diagnostics;
  readonly at: SourceRef;
  /** What HAProxy quotes after the location: `server b/s1`. */
  readonly label: string;
  readonly serverName: string;
  /** For `${VAR}` in `addr`, which HAProxy expands like every address. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * The caller resolves the TLS words after parsing (config/server-tls-resolve.ts: a configuration file's server and
   * default-server lines). Any other caller (the runtime API's `add server`) gets them refused: kept unresolved, a
   * server with `ssl` would be reached in clear text.
   */
  readonly tls?: boolean;
}

/** Reads server options into `s`; returns false when any of them was in error (all are still reported). */
export function parseServerOptions(words: readonly string[], s: ServerSettings, scope: OptionScope): boolean {
  const { diag, at, label } = scope;
  let ok = true;
  const fail = (message: string): void => {
    diag.badValue(message, at, { keyword: label });
    ok = false;
  };
  for (let i = 0; i < words.length; i++) {
    const option = words[i] ?? '';
    const value = words[i + 1];
    const flag = FLAGS[option];
    if (flag !== undefined) {
      flag(s);
      continue;
    }
    if (option === 'source') {
      // `source <addr>[:<port>] [usesrc <addr>] [interface <name>]`: skip its sub-arguments. `usesrc` would make
      // the server see the client's address, so it is judged apart from a plain local source address.
      i++;
      let usesrc = false;
      while (words[i + 1] === 'usesrc' || words[i + 1] === 'interface') {
        usesrc ||= words[i + 1] === 'usesrc';
        i += 2;
      }
      const key = usesrc ? 'server ... source ... usesrc' : 'server ... source';
      diag.notImplemented(key, at, 'ignored', { label, shown: usesrc ? 'source ... usesrc' : 'source' });
      continue;
    }
    const tlsArity = SERVER_TLS_WORDS[option];
    if (tlsArity !== undefined && scope.tls !== true) {
      diag.error('ORCA_CONFIG_NOT_IMPLEMENTED', `'${option}' : TLS to servers is not available here yet`, at, { keyword: label, found: option });
      return false;
    }
    if (tlsArity !== undefined) {
      const outcome = applyServerTlsWord(s, option, tlsArity === 0 ? '' : (value ?? ''));
      i += tlsArity;
      if (typeof outcome === 'string') fail(outcome);
      else if (outcome !== undefined) {
        diag.notImplemented(`sample ${outcome.notImplemented}`, at, 'the server is refused', { label, shown: outcome.notImplemented });
        ok = false;
      }
      continue;
    }
    const arity = KNOWN_OPTIONS[option];
    if (arity !== undefined) {
      diag.notImplemented(`server ... ${option}`, at, 'ignored', { label, shown: option });
      i += arity;
      continue;
    }
    if (!VALUED.includes(option)) {
      const hint = suggestionSuffix(option, ALL_OPTIONS);
      diag.error('ORCA_CONFIG_UNKNOWN_KEYWORD', `unknown keyword '${option}'${hint === '' ? '.' : hint}`, at, {
        keyword: label,
        found: option,
      });
      // Whether the unknown word takes a value is unknown, so the rest of the line cannot be read reliably.
      return false;
    }
    i++;
    const error = applyValued(option, value, s, scope);
    if (error !== undefined) fail(error);
  }
  return ok;
}

/** Applies one option that takes a value; returns HAProxy's error text when the value is wrong. */
function applyValued(option: string, value: string | undefined, s: ServerSettings, scope: OptionScope): string | undefined {
  const v = value ?? '';
  switch (option) {
    case 'inter':
    case 'fastinter':
    case 'downinter':
    case 'slowstart': {
      const ms = readDelay(option, v, scope);
      if (typeof ms === 'string') return ms;
      s[option] = ms;
      return undefined;
    }
    case 'rise':
    case 'fall': {
      // HAProxy's int (config/units.ts parseHaproxyInt): `rise 4294967298` is 2, an overflowing value is -1 and
      // gets HAProxy's "has to be > 0" (§5.2 rise/fall), as does any negative number.
      const n = parseHaproxyInt(v);
      if (n === undefined) return `'${option}' expects an integer argument.`;
      if (n < 1) return `'${option}' has to be > 0.`;
      s[option] = n;
      return undefined;
    }
    case 'weight': {
      // §5.2 weight: 0 to 256 after HAProxy's int conversion, so `weight 4294967297` is 1 and an overflowing
      // value is reported as -1, the number HAProxy prints.
      const n = parseHaproxyInt(v);
      if (n === undefined) return `'weight' expects an integer argument.`;
      if (n < 0 || n > MAX_WEIGHT) return `weight of server ${scope.serverName} is not within 0 and ${MAX_WEIGHT} (${n}).`;
      s.weight = n;
      return undefined;
    }
    case 'maxconn':
    case 'maxqueue': {
      // §5.2 maxconn/maxqueue: compared unsigned in HAProxy, so -1 or an overflowing value is 4294967295 (`show
      // stat` slim/qlimit), no practical limit; 0 stays "unlimited" (config/units.ts parseHaproxyLimit).
      const n = parseHaproxyLimit(v);
      if (n === undefined) return `'${option}' expects an integer argument.`;
      s[option] = n;
      return undefined;
    }
    case 'port': {
      const n = parseInteger(v);
      if (n === undefined || n > 65535) return `'port' expects a valid TCP port (from range 1 to 65535), got '${v}'.`;
      // `port 0` means "the traffic port" in HAProxy, which is what an unset checkPort already means.
      if (n === 0) delete s.checkPort;
      else s.checkPort = n;
      return undefined;
    }
    case 'addr':
      // Names are resolved with the server addresses after parsing (load-config.ts).
      if (v === '') return `'addr' expects <ipv4|ipv6> as argument.`;
      s.checkAddr = expandAddressEnv(v, scope.env);
      return undefined;
    case 'cookie':
      if (v === '') return `'cookie' expects <value> as argument.`;
      s.cookie = v;
      return undefined;
    case 'init-addr':
      // Only matters when the address does not resolve: a literal IP or `none` then keeps the server.
      if (v === '') return `'init-addr' expects a comma-separated list of 'last', 'libc', 'none' or an address.`;
      s.initAddr = v.split(',');
      return undefined;
    case 'resolvers':
      // The section is checked once every section is read (validate.ts), as haproxy does.
      if (v === '') return `'resolvers' expects <resolvers_id> as argument.`;
      s.resolvers = v;
      return undefined;
    default:
      return undefined;
  }
}

/** A server delay option: HAProxy's messages for missing, malformed, overflowing and zero intervals. */
function readDelay(option: string, v: string, scope: OptionScope): number | string {
  const t = parseTime(v);
  const server = scope.serverName;
  switch (t.kind) {
    case 'empty':
      return `'${option}' expects a delay as argument.`;
    case 'bad-char':
      return `unexpected character '${t.char}' in '${option}' argument of server ${server}.`;
    case 'overflow':
      return `timer overflow in argument <${v}> to <${option}> of server ${server}, maximum value is 2147483647 ms (~24.8 days).`;
    case 'ok':
      if (t.trailing !== undefined) scope.diag.warn(trailingTimeWarning(v, t.trailing), scope.at, scope.label);
      // A zero check interval would spin; HAProxy refuses it (slowstart 0 just means "none").
      if (t.ms === 0 && option !== 'slowstart') return `invalid value 0 for argument '${option}' of server ${server}.`;
      return t.ms;
  }
}

/**
 * The ADDR[:PORT] word of a server line (`word` as written, for messages; `expanded` after `${VAR}` expansion).
 * No port, port 0 and `+N`/`-N` give a portOffset: connections then go to the port the client connected to, moved
 * by the offset (§5.2 server).
 */
export function parseServerAddress(
  word: string,
  expanded: string,
  diag: Diagnostics,
  at: SourceRef,
  label: string,
): { host: string; port: number; portOffset?: number } | undefined {
  const parts = splitAddress(expanded);
  // Unix-socket and other non-IP servers cannot be reached by the TCP forwarders.
  if (parts.kind !== 'inet') {
    const family = parts.kind === 'unix' ? 'unix' : parts.family;
    return diag.badValue(`address family '${family}' in '${word}' is not supported by orcalb`, at, {
      keyword: label,
    });
  }
  if (parts.host === '' || parts.host === '*') {
    return diag.badValue(`invalid address: '${parts.host}' in '${word}'`, at, { keyword: label });
  }
  if (parts.port === undefined || parts.port === '' || parts.port === '0') {
    return { host: parts.host, port: 0, portOffset: 0 };
  }
  const range = parsePortRange(parts.port);
  if (range.kind === 'offset') {
    const offset = parsePortOffset(parts.port);
    if (offset === undefined) return diag.badValue(`invalid port offset '${parts.port}'`, at, { keyword: label });
    return { host: parts.host, port: 0, portOffset: offset };
  }
  if (range.kind === 'ok' && range.low !== range.high) {
    return diag.badValue(`port range not permitted here in '${word}'`, at, { keyword: label });
  }
  if (range.kind !== 'ok') return diag.badValue(`invalid port '${parts.port}'`, at, { keyword: label });
  return { host: parts.host, port: range.low };
}
