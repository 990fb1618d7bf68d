// The `global` section (manual §3): process-wide settings orcalb uses (log, maxconn, user/group, nbthread,
// hard-stop-after, daemon, pidfile, quiet, master-worker, tune.bufsize, ulimit-n, fd-hard-limit, unix-bind, stats
// socket/timeout/maxconn, the TLS defaults through keywords/tls-global.ts) and every other 2.6 global keyword as
// known-but-not-implemented.
// Main thread, config parsing. The section may appear several times; its lines accumulate.

import type { Diagnostics } from '../diagnostics.js';
import { DEFAULT_BUFSIZE, DEFAULT_GLOBAL_MAXCONN, DEFAULT_STATS_MAXCONN, DEFAULT_STATS_TIMEOUT_MS, MAX_NBTHREAD } from '../defaults.js';
import { suggestionSuffix } from '../keyword-suggestion.js';
import { parseLogTag, parseLogTarget } from '../keywords/log.js';
import type { GlobalConfig, SourceRef } from '../model.js';
import { lookupGroupId, lookupUserId } from '../system-accounts.js';
import { parseGlobalStats } from '../keywords/stats-socket.js';
import { parseGlobalTlsLine } from '../keywords/tls-global.js';
import type { ConfigLine } from '../tokenize.js';
import { parseHaproxyInt, parseHaproxyLimit, parseInteger, parseSize, parseTime, trailingTimeWarning } from '../units.js';

/** §3 "The following keywords are supported in the global section", plus §3.3 debugging keywords. */
export const GLOBAL_KEYWORDS: readonly string[] = `51degrees-cache-size 51degrees-data-file 51degrees-property-name-list
51degrees-property-separator busy-polling ca-base chroot cluster-secret cpu-map crt-base daemon debug default-path
description deviceatlas-json-file deviceatlas-log-level deviceatlas-properties-cookie deviceatlas-separator
expose-experimental-directives external-check fd-hard-limit gid grace group h1-accept-payload-with-any-method
h1-case-adjust h1-case-adjust-file h2-workaround-bogus-websocket-clients hard-stop-after httpclient.resolvers.id
httpclient.resolvers.prefer httpclient.ssl.ca-file httpclient.ssl.verify insecure-fork-wanted
insecure-setuid-wanted issuers-chain-path localpeer log log-send-hostname log-tag lua-load lua-load-per-thread
lua-prepend-path master-worker max-spread-checks maxcompcpuusage maxcomprate maxconn maxconnrate maxpipes
maxsessrate maxsslconn maxsslrate maxzlibmem mworker-max-reloads nbthread no-memory-trimming node noepoll
noevports nogetaddrinfo nokqueue nopoll noreuseport nosplice numa-cpu-mapping pidfile pp2-never-send-local
presetenv profiling.tasks quiet resetenv server-state-base server-state-file set-dumpable set-var setenv
spread-checks ssl-default-bind-ciphers ssl-default-bind-ciphersuites ssl-default-bind-curves
ssl-default-bind-options ssl-default-server-ciphers ssl-default-server-ciphersuites ssl-default-server-options
ssl-dh-param-file ssl-engine ssl-mode-async ssl-propquery ssl-provider ssl-provider-path ssl-server-verify
ssl-skip-self-issued-ca stats strict-limits tune.buffers.limit tune.buffers.reserve tune.bufsize
tune.comp.maxlevel tune.fail-alloc tune.fd.edge-triggered tune.h2.header-table-size tune.h2.initial-window-size
tune.h2.max-concurrent-streams tune.http.cookielen tune.http.logurilen tune.http.maxhdr tune.idle-pool.shared
tune.idletimer tune.lua.forced-yield tune.lua.maxmem tune.lua.service-timeout tune.lua.session-timeout
tune.lua.task-timeout tune.maxaccept tune.maxpollevents tune.maxrewrite tune.pattern.cache-size
tune.peers.max-updates-at-once tune.pipesize tune.pool-high-fd-ratio tune.pool-low-fd-ratio
tune.quic.frontend.conn-tx-buffers.limit tune.quic.frontend.max-idle-timeout tune.quic.frontend.max-streams-bidi
tune.quic.retry-threshold tune.rcvbuf.client tune.rcvbuf.server tune.recv_enough tune.runqueue-depth
tune.sched.low-latency tune.sndbuf.client tune.sndbuf.server tune.ssl.cachesize tune.ssl.capture-buffer-size
tune.ssl.capture-cipherlist-size tune.ssl.default-dh-param tune.ssl.force-private-cache tune.ssl.hard-maxrecord
tune.ssl.keylog tune.ssl.lifetime tune.ssl.maxrecord tune.ssl.ssl-ctx-cache-size tune.vars.global-max-size
tune.vars.proc-max-size tune.vars.reqres-max-size tune.vars.sess-max-size tune.vars.txn-max-size
tune.zlib.memlevel tune.zlib.windowsize uid ulimit-n unix-bind unsetenv user wurfl-cache-size wurfl-data-file
wurfl-information-list wurfl-information-list-separator zero-warning`.split(/\s+/);

/** A fresh GlobalConfig with HAProxy's defaults, before any global line. */
export function initialGlobal(source: SourceRef): GlobalConfig {
  return {
    source, maxconn: DEFAULT_GLOBAL_MAXCONN, log: [], daemon: false, bufsize: DEFAULT_BUFSIZE,
    statsSockets: [], statsTimeoutMs: DEFAULT_STATS_TIMEOUT_MS, statsMaxconn: DEFAULT_STATS_MAXCONN,
  };
}

/** Applies one line of a `global` section to `g`, reporting errors and warnings into `diag`. */
export function parseGlobalLine(g: GlobalConfig, line: ConfigLine, diag: Diagnostics): void {
  const { args, source: at } = line;
  const keyword = args[0] ?? '';
  const value = args[1] ?? '';
  switch (keyword) {
    case 'log': {
      // Global targets also serve every proxy that says `log global` (resolved in build-config.ts).
      const target = parseLogTarget(args.slice(1), diag, at, line.env);
      if (target !== undefined) g.log.push(target);
      return;
    }
    case 'log-tag': {
      const tag = parseLogTag(args, diag, at);
      if (tag !== undefined) g.logTag = tag;
      return;
    }
    case 'log-send-hostname':
      // §3.1: without a name, the system's host name (os.hostname(), read when the targets are compiled).
      // haproxy 2.6.12 ignores words after the name.
      g.logSendHostname = value;
      return;
    case 'daemon':
      // §3.1 daemon: as -D (workers/daemonize.ts re-spawns detached); -db on the command line overrides it.
      if (!diag.tooManyArgs(args, 0, at)) g.daemon = true;
      return;
    case 'master-worker':
      // §3.1 master-worker: as -W. orcalb is one process whose threads are the workers; what changes is SIGHUP, which
      // reloads as a master's does. haproxy 2.6.12 also takes the obsolete `no-exit-on-failure` word here.
      if (args[1] !== undefined && args[1] !== 'no-exit-on-failure') {
        diag.badValue(`'master-worker' only supports 'no-exit-on-failure' option.`, at, { found: args[1] });
      } else g.masterWorker = true;
      return;
    case 'quiet':
      // §3.3 quiet: as -q (only alerts on stderr during start).
      if (!diag.tooManyArgs(args, 0, at)) g.quiet = true;
      return;
    case 'localpeer':
      // §3.1 localpeer: the name this process has in the `peers` sections, as -L (which wins).
      if (value === '') diag.badValue("'localpeer' expects a name as an argument.", at);
      else if (!diag.tooManyArgs(args, 1, at)) g.localPeer = value;
      return;
    case 'pidfile':
      // §3.1 pidfile: as -p (workers/pid-file.ts), which wins when both are given.
      if (value === '') diag.badValue("'pidfile' expects a file name as an argument.", at);
      else if (!diag.tooManyArgs(args, 1, at)) g.pidfile = value;
      return;
    case 'maxconn': {
      // §3.2 maxconn: HAProxy compares it unsigned, so -1 or an overflowing number is 4294967295 (`show info`
      // Maxconn), and a value whose low 32 bits are 0 leaves it unset (config/units.ts parseHaproxyLimit).
      const n = readInteger(args, diag, at, parseHaproxyLimit);
      if (n !== undefined) g.maxconn = n;
      return;
    }
    case 'nbthread': {
      // The default forwarder count when --threads is absent; HAProxy's MAX_THREADS bounds it.
      const n = readInteger(args, diag, at, parseHaproxyInt);
      if (n === undefined) return;
      if (n < 1 || n > MAX_NBTHREAD) {
        diag.badValue(`'nbthread' value must be between 1 and ${MAX_NBTHREAD} (was ${n})`, at, { found: value });
        return;
      }
      g.nbthread = n;
      return;
    }
    case 'hard-stop-after':
      readHardStopAfter(g, args, diag, at);
      return;
    case 'tune.bufsize': {
      // HAProxy 2.6 reads this with atol() ("32k" would be 32 bytes); orcalb takes the suffix at its word.
      if (diag.tooManyArgs(args, 1, at)) return;
      const n = parseSize(value);
      if (n === undefined || n === 0) {
        diag.badValue("'tune.bufsize' expects a positive integer argument (k, m or g suffix allowed).", at, {
          found: value,
        });
        return;
      }
      g.bufsize = n;
      return;
    }
    case 'user':
    case 'group':
      readAccount(g, keyword, args, diag, at);
      return;
    case 'uid':
    case 'gid': {
      const n = readInteger(args, diag, at);
      if (n !== undefined) g[keyword] = n;
      return;
    }
    case 'ulimit-n':
    case 'fd-hard-limit': {
      // HAProxy reads both with atol(); orcalb wants a number. 0 leaves the setting unset (HAProxy's meaning too).
      const n = readInteger(args, diag, at);
      if (n === undefined || n === 0) return;
      if (keyword === 'ulimit-n') g.ulimitN = n;
      else g.fdHardLimit = n;
      return;
    }
    case 'unix-bind':
      readUnixBind(g, args, diag, at);
      return;
    case 'stats':
      // `stats socket` opens the runtime API (core/cli/); `stats timeout/maxconn` tune it.
      parseGlobalStats(g, line, diag);
      return;
    case 'expose-experimental-directives':
      // Lets the experimental actions orcalb runs through (http-request normalize-uri); checked by their parsers.
      // HAProxy 2.6.12 takes words after it without a word of warning.
      g.exposeExperimental = true;
      return;
    case 'zero-warning':
      // §3.1: refuse to start when any warning was emitted; load-config.ts applies it once every warning is in.
      if (!diag.tooManyArgs(args, 0, at)) g.zeroWarning = true;
      return;
    default:
      // The TLS words (ssl-default-*, ssl-server-verify, ca-base, crt-base, tune.ssl.lifetime …) have their reader.
      if (parseGlobalTlsLine(g, line, diag)) return;
      // config/not-implemented.ts judges the other 2.6 keywords: most are warnings, those that protect are errors.
      if (GLOBAL_KEYWORDS.includes(keyword)) {
        diag.notImplemented(`global ${keyword}`, at, 'ignored', { shown: keyword });
        return;
      }
      diag.error(
        'ORCA_CONFIG_UNKNOWN_KEYWORD',
        `unknown keyword '${keyword}' in 'global' section${suggestionSuffix(keyword, GLOBAL_KEYWORDS)}`,
        at,
        { found: keyword },
      );
  }
}

/** One integer argument read by `parse`; HAProxy's "'maxconn' expects an integer argument." otherwise. */
function readInteger(
  args: readonly string[],
  diag: Diagnostics,
  at: SourceRef,
  parse: (text: string) => number | undefined = parseInteger,
): number | undefined {
  if (diag.tooManyArgs(args, 1, at)) return undefined;
  const n = parse(args[1] ?? '');
  if (n === undefined) {
    return diag.badValue(`'${args[0] ?? ''}' expects an integer argument.`, at, { found: args[1] ?? '' });
  }
  return n;
}

/** `hard-stop-after <time>`: how long a stopping process waits for live connections before cutting them. */
function readHardStopAfter(g: GlobalConfig, args: readonly string[], diag: Diagnostics, at: SourceRef): void {
  const value = args[1] ?? '';
  if (diag.tooManyArgs(args, 1, at)) return;
  const t = parseTime(value);
  if (t.kind === 'empty') {
    diag.badValue("'hard-stop-after' expects <time> as argument.", at);
  } else if (t.kind === 'bad-char') {
    diag.badValue(`unexpected character '${t.char}' in argument to <hard-stop-after>.`, at, { found: value });
  } else if (t.kind === 'overflow') {
    diag.badValue(`timer overflow in argument <${value}> to <hard-stop-after> (maximum value is 2147483647 ms or ~24.8 days)`, at);
  } else {
    if (t.trailing !== undefined) diag.warn(trailingTimeWarning(value, t.trailing), at);
    g.hardStopAfter = t.ms;
  }
}

/** `unix-bind [prefix P] [mode M] [user U] [uid N] [group G] [gid N]`: defaults for UNIX socket binds (§3.1). */
function readUnixBind(g: GlobalConfig, args: readonly string[], diag: Diagnostics, at: SourceRef): void {
  const out: { prefix?: string; mode?: number; uid?: number; gid?: number } = { ...g.unixBind };
  for (let i = 1; i < args.length; i += 2) {
    const option = args[i] ?? '';
    const value = args[i + 1];
    if (!['prefix', 'mode', 'uid', 'gid', 'user', 'group'].includes(option)) {
      diag.badValue("'unix-bind' only supports the 'prefix', 'mode', 'uid', 'gid', 'user' and 'group' options.", at, {
        found: option,
      });
      return;
    }
    if (value === undefined || value === '') {
      diag.badValue(`unix_bind '${option}' expects ${option === 'prefix' ? 'a path' : 'a value'} as an argument.`, at);
      return;
    }
    if (option === 'prefix') {
      out.prefix = value;
    } else if (option === 'mode') {
      // HAProxy takes strtol(..., 8) and a typo means mode 0; a socket mode is access control, so refuse it.
      if (!/^[0-7]{1,4}$/.test(value)) return void diag.badValue(`'unix-bind' : invalid mode '${value}' (octal integer expected)`, at);
      out.mode = parseInt(value, 8);
    } else if (option === 'user' || option === 'group') {
      const id = option === 'user' ? lookupUserId(value) : lookupGroupId(value);
      if (id === undefined) return void diag.error('ORCA_CONFIG_USER', `'unix-bind' : '${value}' unknown ${option}.`, at, { found: value });
      if (option === 'user') out.uid = id;
      else out.gid = id;
    } else {
      const n = parseInteger(value);
      if (n === undefined) return void diag.badValue(`'unix-bind' : '${option}' expects a numeric id, got '${value}'`, at);
      if (option === 'uid') out.uid = n;
      else out.gid = n;
    }
  }
  g.unixBind = out;
}

/** `user NAME` / `group NAME`: resolved through /etc/passwd and /etc/group now, as HAProxy does at parse time. */
function readAccount(
  g: GlobalConfig,
  keyword: 'user' | 'group',
  args: readonly string[],
  diag: Diagnostics,
  at: SourceRef,
): void {
  const name = args[1] ?? '';
  if (diag.tooManyArgs(args, 1, at)) return;
  if (name === '') {
    diag.error('ORCA_CONFIG_SYNTAX', `'${keyword}' expects a ${keyword} name as argument.`, at);
    return;
  }
  const id = keyword === 'user' ? lookupUserId(name) : lookupGroupId(name);
  if (id === undefined) {
    diag.error('ORCA_CONFIG_USER', `cannot find ${keyword} id for '${name}'`, at, { found: name });
    return;
  }
  if (keyword === 'user') {
    g.user = name;
    g.uid = id;
  } else {
    g.group = name;
    g.gid = id;
  }
}
