// `log <address> [len <n>] [format <f>] [sample <r>:<n>] <facility> [<level> [<minlevel>]]` in global and proxy
// sections, plus `log global` and `no log` in proxies (manual §3.1 "log", §4.2 "log").
// Main thread, config parsing; the log targets are used by core/log.ts.

import { expandAddressEnv, isNumericHost, parsePortRange, splitAddress } from '../address.js';
import type { Diagnostics } from '../diagnostics.js';
import type { LogTarget, SourceRef } from '../model.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';

/** §3.1: "the 24 standard syslog facilities". */
const FACILITIES = new Set([
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'auth2', 'ftp', 'ntp', 'audit',
  'alert', 'cron2', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
]);

/** §8.1 log levels. */
const LEVELS = new Set(['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug']);

/** Options between the address and the facility, each with one value. */
const TARGET_OPTIONS = new Set(['len', 'format', 'sample']);

/**
 * Parses the words after `log` (address first) into a LogTarget, or reports HAProxy's error and returns
 * undefined. Used for both global and proxy `log` lines.
 */
export function parseLogTarget(
  words: readonly string[],
  diag: Diagnostics,
  at: SourceRef,
  env: Readonly<Record<string, string | undefined>>,
): LogTarget | undefined {
  // HAProxy expands `${VAR}` in the address whatever its quoting (config/address.ts).
  const address = expandAddressEnv(words[0] ?? '', env);
  let i = 1;
  while (TARGET_OPTIONS.has(words[i] ?? '')) {
    diag.notImplemented(`log ... ${words[i] ?? ''}`, at, 'the option is ignored');
    i += 2;
  }
  const facility = words[i];
  if (address === '' || facility === undefined || facility === '') {
    return diag.error('ORCA_CONFIG_SYNTAX', 'log : expects <address> and <facility>  as arguments', at);
  }
  const addressProblem = checkLogAddress(address);
  if (addressProblem !== undefined) return diag.badValue(`log : ${addressProblem}`, at, { found: address });
  if (!FACILITIES.has(facility)) {
    return diag.badValue(`log : unknown log facility '${facility}'`, at, { found: facility });
  }
  const level = words[i + 1];
  const minLevel = words[i + 2];
  if (level !== undefined && !LEVELS.has(level)) {
    return diag.badValue(`log : unknown optional log level '${level}'`, at, { found: level });
  }
  if (minLevel !== undefined && !LEVELS.has(minLevel)) {
    return diag.badValue(`log : unknown optional minimum log level '${minLevel}'`, at, { found: minLevel });
  }
  const extra = words[i + 3];
  if (extra !== undefined) {
    return diag.error('ORCA_CONFIG_SYNTAX', `'log' cannot handle unexpected argument '${extra}'.`, at);
  }
  if (minLevel !== undefined) {
    diag.notImplemented('log ... <minlevel>', at, 'the minimum level is ignored');
  }
  return level === undefined ? { address, facility } : { address, facility, level };
}

/** Forms that are not network addresses (§3.1 "log"): a unix socket path, a file descriptor, a ring buffer. */
const LOCAL_TARGET = /^(\/|fd@|ring@|stdout$|stderr$)/;

/** Prefixes that name the transport of a network log target. */
const NET_PREFIX = /^(udp@|udp4@|udp6@|ipv4@|ipv6@)/;

/** HAProxy's complaint about a log address's form, or undefined when it is acceptable (names resolve later). */
function checkLogAddress(address: string): string | undefined {
  if (LOCAL_TARGET.test(address)) return undefined;
  const parts = splitAddress(address.replace(NET_PREFIX, ''));
  // `unix@` log targets keep the verdict they had before bind lines learnt UNIX sockets.
  if (parts.kind !== 'inet') return `invalid address: '${address}' in '${address}'`;
  if (parts.port !== undefined && parsePortRange(parts.port).kind !== 'ok') return `invalid port '${parts.port}'`;
  return undefined;
}

/**
 * The host name of a network log target that must be resolved before the config is accepted (HAProxy rejects an
 * unresolvable one), or undefined for IPs and local targets.
 */
export function logHostToResolve(address: string): string | undefined {
  if (LOCAL_TARGET.test(address)) return undefined;
  const parts = splitAddress(address.replace(NET_PREFIX, ''));
  if (parts.kind !== 'inet' || isNumericHost(parts.host)) return undefined;
  return parts.host;
}

/** A proxy's `log` line: `log global`, `log <target>`, or (with the `no` prefix) `no log` clearing the list. */
export function parseProxyLogLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  if (args[0] === 'no') {
    if (!diag.tooManyArgs(args, 0, at, 2)) proxy.logs = [];
    return;
  }
  if (args[1] === 'global') {
    if (diag.tooManyArgs(args, 1, at)) return;
    // §4.2: "Only one log global statement may be used per instance": a second one (typically the proxy
    // repeating what its defaults section said) adds nothing.
    if (!proxy.logs.some((l) => l.kind === 'global')) proxy.logs.push({ kind: 'global', source: at });
    return;
  }
  const target = parseLogTarget(args.slice(1), diag, at, ctx.line.env);
  if (target !== undefined) proxy.logs.push({ kind: 'target', target });
}
