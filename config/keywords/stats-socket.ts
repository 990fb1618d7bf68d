// The global section's `stats` keywords (manual §3.1): `stats socket <path|addr:port> [bind options]` opens the
// runtime API (core/cli/), `stats timeout` cuts idle CLI clients, `stats maxconn` bounds how many are served at
// once. A socket's options: `level` (user|operator|admin, default operator as 2.6), the socket file's
// `mode`/`user`/`group`/`uid`/`gid`, `backlog` and `maxconn`; every other bind option is judged by
// config/not-implemented.ts as on a `bind` line (TLS refused, `expose-fd listeners` and `severity-output` warned).
// Main thread, config parsing.

import { expandAddressEnv, isNumericHost, splitAddress } from '../address.js';
import type { Diagnostics } from '../diagnostics.js';
import type { GlobalConfig, SourceRef, StatsSocketConfig, StatsSocketLevel } from '../model.js';
import type { ConfigLine } from '../tokenize.js';
import { parseHaproxyInt, parseInteger, parseTime } from '../units.js';
import { lookupGroupId, lookupUserId } from '../system-accounts.js';
import { BIND_OPTIONS, MAX_UNIX_PATH } from './bind.js';

const LEVELS: readonly StatsSocketLevel[] = ['user', 'operator', 'admin'];

/** One `stats …` line of the global section; reports every problem of the line. Never throws. */
export function parseGlobalStats(g: GlobalConfig, line: ConfigLine, diag: Diagnostics): void {
  const { args, source: at } = line;
  const sub = args[1] ?? '';
  switch (sub) {
    case 'socket':
      readSocket(g, line, diag);
      return;
    case 'timeout': {
      const t = parseTime(args[2] ?? '');
      // HAProxy 2.6.12: 0, a missing or a malformed value are all "expects a positive value".
      if (t.kind !== 'ok' || t.ms === 0) return void diag.badValue("'stats timeout' expects a positive value", at, { found: args[2] ?? '' });
      g.statsTimeoutMs = t.ms;
      return;
    }
    case 'maxconn': {
      const n = parseHaproxyInt(args[2] ?? '');
      if (n === undefined || n <= 0) return void diag.badValue("'stats maxconn' expects a positive value", at, { found: args[2] ?? '' });
      g.statsMaxconn = n;
      return;
    }
    case 'bind-process':
      diag.notImplemented('global stats bind-process', at, 'ignored', { shown: 'stats bind-process' });
      return;
    default:
      diag.error(
        'ORCA_CONFIG_UNKNOWN_KEYWORD',
        "'stats' only supports 'socket', 'maxconn', 'bind-process' and 'timeout' (got '" + sub + "')",
        at,
        { found: sub },
      );
  }
}

interface SocketOptions {
  level: StatsSocketLevel;
  mode?: number;
  uid?: number;
  gid?: number;
  backlog?: number;
  maxconn?: number;
}

function readSocket(g: GlobalConfig, line: ConfigLine, diag: Diagnostics): void {
  const { args, source: at } = line;
  const spec = args[2] ?? '';
  if (spec === '') return void diag.badValue("'stats socket' requires a path or an address:port", at);
  const options = readOptions(args, diag, at);
  const parts = splitAddress(expandAddressEnv(spec, line.env));
  if (options === undefined) return;
  const base = { source: at, level: options.level, ...optional('backlog', options.backlog), ...optional('maxconn', options.maxconn) };
  if (parts.kind === 'unsupported') {
    return void diag.badValue(`'stats socket' : address family '${parts.family}' in '${spec}' is not supported by orcalb`, at);
  }
  if (parts.kind === 'unix') {
    if (parts.path === '') return void diag.badValue(`'stats socket' : missing socket path in '${spec}'`, at);
    if (parts.path.length > MAX_UNIX_PATH) {
      return void diag.badValue(`'stats socket' : socket path '${parts.path}' too long (max ${MAX_UNIX_PATH})`, at);
    }
    const unix = { path: parts.path, ...optional('mode', options.mode), ...optional('uid', options.uid), ...optional('gid', options.gid) };
    g.statsSockets.push({ ...base, address: '', port: 0, unix });
    return;
  }
  const port = parts.port === undefined ? undefined : parseInteger(parts.port);
  if (port === undefined || port < 1 || port > 65535) {
    return void diag.badValue(`'stats socket' : missing or invalid port in '${spec}'`, at, { found: parts.port ?? '' });
  }
  const host = parts.host === '' || parts.host === '*' ? '0.0.0.0' : parts.host;
  // Names are not resolved here: an admin socket listens where the line says, nowhere a resolver would choose.
  if (!isNumericHost(host)) return void diag.badValue(`'stats socket' : orcalb needs a numeric address in '${spec}'`, at, { found: host });
  const socket: StatsSocketConfig = { ...base, address: host, port };
  g.statsSockets.push(socket);
}

/** The options after the address; undefined when any is in error (all are reported). */
function readOptions(args: readonly string[], diag: Diagnostics, at: SourceRef): SocketOptions | undefined {
  const o: SocketOptions = { level: 'operator' };
  let ok = true;
  for (let i = 3; i < args.length; i++) {
    const option = args[i] ?? '';
    const arity = BIND_OPTIONS[option];
    if (arity === undefined) {
      diag.error('ORCA_CONFIG_UNKNOWN_KEYWORD', `'stats socket' : unknown keyword '${option}'`, at, { found: option });
      ok = false;
      continue;
    }
    const value = args[i + 1] ?? '';
    i += arity;
    if (arity > 0 && value === '') {
      diag.error('ORCA_CONFIG_SYNTAX', `'stats socket' : '${option}' : missing value`, at);
      ok = false;
      continue;
    }
    const problem = applyOption(o, option, value);
    if (problem === 'not-here') {
      // As on a bind line: TLS and what restricts the listener refuse the start, the rest warns.
      diag.notImplemented(`bind ... ${option}`, at, 'the option is ignored', { shown: `stats socket ... ${option}` });
    } else if (problem !== undefined) {
      diag.badValue(`'stats socket' : ${problem}`, at, { found: value });
      ok = false;
    }
  }
  return ok ? o : undefined;
}

/** Stores one option; HAProxy's complaint for a bad value, 'not-here' for an option the CLI does not honour. */
function applyOption(o: SocketOptions, option: string, value: string): string | undefined {
  switch (option) {
    case 'level':
      if (!(LEVELS as readonly string[]).includes(value)) return `''level' only supports 'user', 'operator', and 'admin' (got '${value}')'`;
      o.level = value as StatsSocketLevel;
      return undefined;
    case 'mode':
      // A socket mode is access control: a typo must not become mode 0 or 0777.
      if (!/^[0-7]{1,4}$/.test(value)) return `'mode' : missing or invalid mode '${value}' (octal integer expected)`;
      o.mode = parseInt(value, 8);
      return undefined;
    case 'user':
    case 'group': {
      const id = option === 'user' ? lookupUserId(value) : lookupGroupId(value);
      if (id === undefined) return `'${option}' : unknown ${option} name '${value}'`;
      if (option === 'user') o.uid = id;
      else o.gid = id;
      return undefined;
    }
    case 'uid':
    case 'gid': {
      const n = parseInteger(value);
      if (n === undefined) return `'${option}' : '${value}' is not a numeric id`;
      if (option === 'uid') o.uid = n;
      else o.gid = n;
      return undefined;
    }
    case 'backlog':
    case 'maxconn': {
      const n = /^\d+$/.test(value) ? Number(value) : undefined;
      if (n === undefined || n < 1) return `'${option}' : invalid value ${value}, must be > 0`;
      o[option] = n;
      return undefined;
    }
    default:
      return 'not-here';
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
