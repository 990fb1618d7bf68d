// `bind <addr>[,<addr>...] [param*]` (manual §4.2 "bind", §5.1 bind options): one BindDraft per address and
// port of the line, or per UNIX socket path (`/path`, `unix@path`). Implemented options: `accept-proxy`, `backlog`,
// the socket file's `mode`/`user`/`group`/`uid`/`gid`, and the TLS words (bind-ssl.ts); every other 2.6 bind option
// is known and judged by config/not-implemented.ts.
// Main thread, config parsing.

import { parseInteger } from '../units.js';
import { expandAddressEnv, parsePortRange, splitAddress } from '../address.js';
import type { Diagnostics } from '../diagnostics.js';
import { suggestionSuffix } from '../keyword-suggestion.js';
import type { BindTls, GlobalTls, SourceRef } from '../model.js';
import { BIND_TLS_WORDS, applyBindTlsOption, finishBindTls, newBindTlsDraft, type BindTlsDraft } from './bind-ssl.js';
import type { BindDraft, ProxyLineContext } from '../sections/proxy-draft.js';
import { lookupGroupId, lookupUserId } from '../system-accounts.js';

/** §5.1 bind options → number of values each takes. */
export const BIND_OPTIONS: Readonly<Record<string, number>> = {
  'accept-netscaler-cip': 1, 'accept-proxy': 0, 'allow-0rtt': 0, alpn: 1, backlog: 1, 'ca-file': 1,
  'ca-ignore-err': 1, 'ca-sign-file': 1, 'ca-sign-pass': 1, 'ca-verify-file': 1, ciphers: 1, ciphersuites: 1,
  'crl-file': 1, crt: 1, 'crt-ignore-err': 1, 'crt-list': 1, curves: 1, 'defer-accept': 0, ecdhe: 1,
  'expose-fd': 1, 'force-sslv3': 0, 'force-tlsv10': 0, 'force-tlsv11': 0, 'force-tlsv12': 0, 'force-tlsv13': 0,
  'generate-certificates': 0, gid: 1, group: 1, id: 1, interface: 1, level: 1, maxconn: 1, mode: 1, mss: 1,
  name: 1, namespace: 1, nice: 1, 'no-ca-names': 0, 'no-sslv3': 0, 'no-tls-tickets': 0, 'no-tlsv10': 0,
  'no-tlsv11': 0, 'no-tlsv12': 0, 'no-tlsv13': 0, npn: 1, 'prefer-client-ciphers': 0, process: 1, proto: 1,
  'quic-cc-algo': 1, 'quic-force-retry': 0, 'severity-output': 1, shards: 1, ssl: 0, 'ssl-max-ver': 1,
  'ssl-min-ver': 1, 'strict-sni': 0, 'tcp-ut': 1, tfo: 0, thread: 1, 'tls-ticket-keys': 1, transparent: 0,
  uid: 1, user: 1, v4v6: 0, v6only: 0, verify: 1,
};

/**
 * The longest UNIX socket path a bind may name: sun_path holds 108 bytes with its NUL, and the socket is first
 * bound under `<path>.<pid>.tmp` then renamed (HAProxy's scheme, which keeps the same 97-byte limit).
 */
export const MAX_UNIX_PATH = 97;

/** Options of one bind line that apply to every address of it. */
interface LineOptions {
  acceptProxy: boolean;
  /** `name`: what the connection error lines say in place of the listener's number. */
  name?: string;
  backlog?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  /** `ssl` and its certificates, once the line's TLS words are read and loaded. */
  tls?: BindTls;
}

/** Parses a bind line into the proxy's binds; reports every bad address and option of the line. */
export function parseBindLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const spec = args[1];
  if (spec === undefined || spec === '') {
    diag.error(
      'ORCA_CONFIG_SYNTAX',
      "'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.",
      at,
    );
    return;
  }
  const where = `'bind ${spec}' in section '${proxy.kind}'`;
  const options = parseOptions(args, where, diag, at, ctx.globalTls, { proxy: proxy.name, spec, at });
  const text = args.join(' ');
  const drafts: BindDraft[] = [];
  for (const word of spec.split(',')) {
    const parts = splitAddress(expandAddressEnv(word, ctx.line.env));
    if (parts.kind === 'unsupported') {
      diag.badValue(`address family '${parts.family}' in '${word}' is not supported by orcalb`, at, { keyword: 'bind' });
      return;
    }
    if (parts.kind === 'unix') {
      if (parts.path === '') return void diag.badValue(`missing socket path in '${word}'`, at, { keyword: 'bind' });
      if (parts.path.length > MAX_UNIX_PATH) {
        diag.badValue(`socket path '${parts.path}' too long (max ${MAX_UNIX_PATH})`, at, { keyword: 'bind' });
        return;
      }
      drafts.push({ ...common(options, at, word, text), host: '', port: 0, unix: unixOf(parts.path, options) });
      continue;
    }
    if (parts.port === undefined || parts.port === '') {
      diag.badValue(`missing port specification in '${word}'`, at, { keyword: 'bind' });
      return;
    }
    // A port range opens one listener per port, as HAProxy does; offsets only mean something on server lines.
    const range = parsePortRange(parts.port);
    if (range.kind !== 'ok') {
      const what =
        range.kind === 'offset'
          ? `port offset not permitted here in '${word}'`
          : `${range.kind === 'bad-range' ? 'invalid port range' : 'invalid port'} '${parts.port}'`;
      diag.badValue(what, at, { keyword: 'bind', found: parts.port });
      return;
    }
    // `*:80` and `:80` listen on every IPv4 address, as in HAProxy.
    const host = parts.host === '' || parts.host === '*' ? '0.0.0.0' : parts.host;
    for (let port = range.low; port <= range.high; port++) drafts.push({ ...common(options, at, word, text), host, port });
  }
  // All or nothing: half a bind line is never opened.
  if (options !== undefined) proxy.binds.push(...drafts);
}

function common(
  options: LineOptions | undefined,
  source: SourceRef,
  spec: string,
  text: string,
): Pick<BindDraft, 'source' | 'acceptProxy' | 'spec' | 'text' | 'backlog' | 'tls' | 'name'> {
  const backlog = options?.backlog;
  const name = options?.name;
  const tls = options?.tls;
  return {
    source, acceptProxy: options?.acceptProxy ?? false, spec, text,
    ...(backlog === undefined ? {} : { backlog }),
    ...(tls === undefined ? {} : { tls }),
    ...(name === undefined ? {} : { name }),
  };
}

function unixOf(path: string, o: LineOptions | undefined): NonNullable<BindDraft['unix']> {
  return {
    path,
    ...(o?.mode === undefined ? {} : { mode: o.mode }),
    ...(o?.uid === undefined ? {} : { uid: o.uid }),
    ...(o?.gid === undefined ? {} : { gid: o.gid }),
  };
}

/** Reads the options after the address list; undefined when any of them is in error (all are reported). */
function parseOptions(
  args: readonly string[],
  where: string,
  diag: Diagnostics,
  at: SourceRef,
  globalTls: GlobalTls | undefined,
  place: { readonly proxy: string; readonly spec: string; readonly at: SourceRef },
): LineOptions | undefined {
  const o: LineOptions = { acceptProxy: false };
  const tlsDraft: BindTlsDraft = newBindTlsDraft(globalTls);
  let ok = true;
  for (let i = 2; i < args.length; i++) {
    const option = args[i] ?? '';
    const arity = BIND_OPTIONS[option];
    if (arity === undefined) {
      const hint = suggestionSuffix(option, Object.keys(BIND_OPTIONS));
      diag.error('ORCA_CONFIG_UNKNOWN_KEYWORD', `${where}: unknown keyword '${option}'${hint}`, at, { found: option });
      ok = false;
      continue;
    }
    const value = args[i + 1] ?? '';
    // A missing value would make the next option read as this one's value; report it instead.
    if (arity > 0 && value === '') {
      diag.error('ORCA_CONFIG_SYNTAX', `${where} : '${option}' : missing value`, at);
      ok = false;
      continue;
    }
    const tlsWord = BIND_TLS_WORDS.has(option);
    const problem = tlsWord ? applyBindTlsOption(tlsDraft, option, value, globalTls) : applyOption(o, option, value);
    if (problem !== undefined) {
      // The TLS texts name their word themselves where HAProxy's do ('verify' : …, 'crt-list' : …).
      diag.badValue(tlsWord ? `${where} : ${problem}` : `${where} : '${option}' : ${problem}`, at, { found: value });
      ok = false;
    }
    i += arity;
  }
  if (!ok) return undefined;
  const tls = finishBindTls(tlsDraft, place, diag, globalTls);
  if (tls === null) return undefined;
  if (tls !== undefined) o.tls = tls;
  // Silently dropping `ssl` or `v6only` would change what clients see: each one is named, and those that secure
  // or restrict the listener refuse the start (config/not-implemented.ts).
  for (let i = 2; i < args.length; i++) {
    const option = args[i] ?? '';
    if (!IMPLEMENTED.has(option)) diag.notImplemented(`bind ... ${option}`, at, 'the option is ignored');
    i += BIND_OPTIONS[option] ?? 0;
  }
  return o;
}

/**
 * Options orcalb honours. mode/user/group/uid/gid set the socket file of a UNIX bind; like HAProxy, they are
 * accepted and have no effect on an IP bind.
 */
const IMPLEMENTED = new Set(['accept-proxy', 'backlog', 'name', 'mode', 'user', 'group', 'uid', 'gid', ...[...BIND_TLS_WORDS].filter((w) => w !== 'npn')]);

/** Stores one implemented option's value in `o`; returns HAProxy's complaint when the value is bad. */
function applyOption(o: LineOptions, option: string, value: string): string | undefined {
  switch (option) {
    case 'accept-proxy':
      o.acceptProxy = true;
      return undefined;
    case 'name':
      o.name = value;
      return undefined;
    case 'backlog': {
      const n = /^-?\d+$/.test(value) ? Number(value) : undefined;
      if (n === undefined || n < 0) return `invalid value ${value}, must be > 0`;
      // 0 means "the default" (the frontend's maxconn), as HAProxy reads it.
      if (n > 0) o.backlog = n;
      return undefined;
    }
    case 'mode': {
      if (!/^[0-7]{1,4}$/.test(value)) return `missing or invalid mode '${value}' (octal integer expected)`;
      o.mode = parseInt(value, 8);
      return undefined;
    }
    case 'user':
    case 'group': {
      const id = option === 'user' ? lookupUserId(value) : lookupGroupId(value);
      if (id === undefined) return `unknown ${option} name '${value}'`;
      if (option === 'user') o.uid = id;
      else o.gid = id;
      return undefined;
    }
    case 'uid':
    case 'gid': {
      // HAProxy reads these with atol(), so a typo means root (0); orcalb refuses the typo instead.
      const n = parseInteger(value);
      if (n === undefined) return `'${value}' is not a numeric ${option === 'uid' ? 'user' : 'group'} id`;
      if (option === 'uid') o.uid = n;
      else o.gid = n;
      return undefined;
    }
    default:
      return undefined;
  }
}
