// The keywords that shape a frontend's traffic log line (manual §4.2): `log-format`, `log-format-sd`,
// `error-log-format`, `capture request|response header NAME len N`, `capture cookie NAME len N`, `declare capture`,
// `unique-id-format`, `unique-id-header`, with HAProxy 2.6.12's error texts (measured with haproxy -c). The named
// formats (option tcplog/httplog) are set by config/keywords/option.ts. Main thread, config parsing.

import { parseLogFormat } from '../../core/acl/log-format.js';
import type { LogFormatSpec } from '../model.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { readPatternFile } from './acl.js';

/** HAProxy reads a capture length with atol(): leading digits, anything else 0. */
function atol(text: string): number {
  const m = /^\s*[+-]?\d+/.exec(text);
  return m === null ? 0 : Math.max(0, Number.parseInt(m[0], 10));
}

/** A log-format argument for a log line, or undefined after reporting HAProxy's error. */
function lineFormat(ctx: ProxyLineContext, keyword: string): LogFormatSpec | undefined {
  const { args, at, diag } = ctx;
  const text = args[1];
  if (text === undefined) {
    diag.error('ORCA_CONFIG_SYNTAX', `${keyword} expects an argument.`, at);
    return undefined;
  }
  if (args.length > 2) {
    diag.error('ORCA_CONFIG_SYNTAX', `${keyword} expects only one argument, don't forget to escape spaces!`, at);
    return undefined;
  }
  const parsed = parseLogFormat(text, { readFile: readPatternFile }, undefined, 'line');
  if (parsed.ok) return parsed.spec;
  if (parsed.notImplemented !== undefined) {
    diag.notImplemented(`log-format ${parsed.notImplemented}`, at, 'the line is not logged', { shown: parsed.notImplemented });
    return undefined;
  }
  diag.badValue(`failed to parse log-format : ${parsed.message}.`, at);
  return undefined;
}

/** `log-format FMT`: the frontend's own line (it replaces option tcplog/httplog, as HAProxy's last one wins). */
export function parseLogFormatLine(ctx: ProxyLineContext): void {
  const spec = lineFormat(ctx, 'log-format');
  if (spec === undefined) return;
  ctx.proxy.logLine.kind = 'log-format';
  ctx.proxy.logLine.format = spec;
  ctx.proxy.logLine.formatAt = ctx.at;
}

/** `log-format-sd FMT` (RFC 5424 structured data), `error-log-format FMT`, `unique-id-format FMT`. */
export function parseSideFormatLine(ctx: ProxyLineContext): void {
  const keyword = ctx.args[0] ?? '';
  const spec = lineFormat(ctx, keyword);
  if (spec === undefined) return;
  if (keyword === 'unique-id-format') {
    // Made per request (HTTP, and added as unique-id-header) or per logged TCP session: core/log/traffic-lines.ts.
    ctx.proxy.logLine.uniqueId = spec;
    ctx.proxy.logLine.uniqueIdAt = ctx.at;
    return;
  }
  // log-format-sd goes with each line to the TrafficLog: its rfc5424 targets write it in the header's STRUCTURED-DATA.
  if (keyword === 'log-format-sd') {
    ctx.proxy.logLine.sd = spec;
    ctx.proxy.logLine.sdAt = ctx.at;
    return;
  }
  // The line of a connection that fails before its first stream (core/log/traffic-lines.ts connectionError).
  ctx.proxy.logLine.errorFormat = spec;
  ctx.proxy.logLine.errorFormatAt = ctx.at;
}

/** `unique-id-header NAME`. */
export function parseUniqueIdHeaderLine(ctx: ProxyLineContext): void {
  const name = ctx.args[1];
  if (name === undefined) {
    ctx.diag.error('ORCA_CONFIG_SYNTAX', 'unique-id-header expects an argument.', ctx.at);
    return;
  }
  ctx.proxy.logLine.uniqueIdHeader = name;
}

/** `capture cookie NAME len N`, `capture request header NAME len N`, `capture response header NAME len N`. */
export function parseCaptureLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const what = args[1];
  if (what === 'cookie') {
    if (args[2] === undefined || args[3] !== 'len' || args[4] === undefined) {
      diag.error('ORCA_CONFIG_SYNTAX', "'capture' expects 'cookie' <cookie_name> 'len' <len>.", at);
      return;
    }
    if (diag.tooManyArgs(args, 3, at, 2)) return;
    // One cookie capture per proxy: a later line replaces it without a word (haproxy 2.6.12 -c says nothing).
    proxy.logLine.captureCookie = { name: args[2], len: atol(args[4]) };
    return;
  }
  if ((what !== 'request' && what !== 'response') || args[2] !== 'header') {
    diag.error('ORCA_CONFIG_SYNTAX', "'capture' expects 'cookie' or 'request header' or 'response header'.", at);
    return;
  }
  if (args[3] === undefined || args[4] !== 'len' || args[5] === undefined) {
    diag.error('ORCA_CONFIG_SYNTAX', `'capture ${what}' expects 'header' <header_name> 'len' <len>.`, at);
    return;
  }
  if (diag.tooManyArgs(args, 4, at, 2)) return;
  const list = what === 'request' ? proxy.logLine.captureRequest : proxy.logLine.captureResponse;
  list.push({ name: args[3], len: atol(args[5]) });
}
