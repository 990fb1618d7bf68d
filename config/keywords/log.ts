// `log <address> [len <n>] [format <f>] [sample <r>:<n>] <facility> [<level> [<minlevel>]]` in global and proxy
// sections, plus `log global` and `no log` in proxies (manual §3.1 "log", §4.2 "log").
// Also `log-tag` (global and proxies) and global `log-send-hostname`. Main thread, config parsing; the targets are
// compiled by core/log/log-targets.ts.

import { expandAddressEnv, isNumericHost, parsePortRange, splitAddress } from '../address.js';
import type { Diagnostics } from '../diagnostics.js';
import type { LogHeaderFormat, LogSample, LogTarget, SourceRef } from '../model.js';
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

/** §3.1 "log" formats haproxy 2.6.12 accepts. */
const FORMATS: ReadonlySet<string> = new Set<LogHeaderFormat>(['local', 'rfc3164', 'rfc5424', 'priority', 'short', 'timed', 'iso', 'raw']);
const isFormat = (f: string): f is LogHeaderFormat => FORMATS.has(f);

/** §3.1 `len`: HAProxy refuses lengths outside 80…65535. */
const MIN_LEN = 80;
const MAX_LEN = 65535;

interface TargetOptions {
  len?: number;
  format?: LogHeaderFormat;
  sample?: LogSample;
}

/** One `len|format|sample <value>` pair into `out`; an error message (HAProxy's words) when the value is bad. */
function readTargetOption(name: string, value: string, out: TargetOptions): string | undefined {
  if (name === 'len') {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(n >= MIN_LEN && n <= MAX_LEN)) return `log : invalid log length '${value}', must be between ${MIN_LEN} and ${MAX_LEN}`;
    out.len = n;
    return undefined;
  }
  if (name === 'format') {
    if (!isFormat(value)) return `log : unknown log format '${value}'`;
    out.format = value;
    return undefined;
  }
  const parsed = parseSample(value);
  if (typeof parsed === 'string') return parsed;
  out.sample = parsed;
  return undefined;
}

/** `sample <ranges>:<size>` (`1-3,5:10`), with HAProxy's complaints. */
function parseSample(value: string): LogSample | string {
  const colon = value.indexOf(':');
  const sizeText = colon < 0 ? '' : value.slice(colon + 1);
  if (!/^\d+$/.test(sizeText) || Number(sizeText) === 0) return 'log : Missing sample size';
  const size = Number(sizeText);
  const ranges: [number, number][] = [];
  let highest = 0;
  for (const part of value.slice(0, colon).split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    const low = Number(m?.[1] ?? NaN);
    const high = m?.[2] === undefined ? low : Number(m[2]);
    if (m === null || low < 1 || high < low) return `log : wrong sample range '${part}'`;
    ranges.push([low, high]);
    highest = Math.max(highest, high);
  }
  if (size < highest) {
    return `log : sample size ${size} should be greater or equal to ${highest} the maximum of the high ranges limits`;
  }
  return { size, ranges };
}

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
  const options: TargetOptions = {};
  while (TARGET_OPTIONS.has(words[i] ?? '')) {
    const problem = readTargetOption(words[i] ?? '', words[i + 1] ?? '', options);
    if (problem !== undefined) return diag.error('ORCA_CONFIG_BAD_VALUE', problem, at, { found: words[i + 1] ?? '' });
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
  if (address.startsWith('ring@')) diag.notImplemented('log ring@', at, 'nothing is sent to it');
  return {
    address,
    facility,
    ...(level === undefined ? {} : { level }),
    ...(minLevel === undefined ? {} : { minLevel }),
    ...options,
  };
}

/** `log-tag <tag>` in global or a proxy: the tag, or HAProxy's error (undefined). */
export function parseLogTag(args: readonly string[], diag: Diagnostics, at: SourceRef): string | undefined {
  const tag = args[1];
  if (tag === undefined || tag === '') return diag.error('ORCA_CONFIG_SYNTAX', "'log-tag' expects a tag for use in syslog.", at);
  return tag;
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

/** A proxy's `log-tag` line (inherited from defaults like the rest of the draft). */
export function parseProxyLogTagLine(ctx: ProxyLineContext): void {
  const tag = parseLogTag(ctx.args, ctx.diag, ctx.at);
  if (tag !== undefined) ctx.proxy.logTag = tag;
}
