// The arguments of every http-request / http-response / http-after-response action orcalb's rule program runs
// (manual §4.2; HAProxy 2.6's parse_http_reply, http_parse_redirect_rule, parse_set_req_line, parse_replace_uri,
// parse_http_set_status…), each parsed into a config/model.ts HttpRuleSpec with HAProxy 2.6.12's error texts
// (measured with haproxy -c). The condition that follows is parsed by the caller. Main thread, config parsing.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseLogFormat } from '../../core/acl/log-format.js';
import { compileRegex } from '../../core/acl/match-regex.js';
import { parseSampleExpr } from '../../core/acl/sample-expr.js';
import { parseVarName } from '../../core/acl/vars.js';
import type { HttpReplySpec, HttpRuleSpec, LogFormatSpec, NormalizerName, RedirectSpec, VarScopeName } from '../model.js';
import { type ProxyLineContext, proxyLabel } from '../sections/proxy-draft.js';
import { readPatternFile, rulePlaces } from './acl.js';
import { ERRORFILE_CODES, responseProblem } from './errorfile.js';
import { placeProblem } from './rule-places.js';

/** What an action parser returns: the rule without its condition and where the condition words start, or an error. */
export type ActionParse =
  | { readonly ok: true; readonly rule: DistributiveOmit<HttpRuleSpec, 'source' | 'condition'>; readonly next: number }
  | { readonly ok: false };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** HAProxy keeps a reply within one buffer (tune.bufsize), and warns past the part tune.maxrewrite leaves free. */
const BUFSIZE = 16384;
const MAXREWRITE = 1024;

/** One action's parse context: its line, the rule label (`http-request deny`), where its arguments start. */
export interface ActionLine {
  readonly ctx: ProxyLineContext;
  /** `http-request`, `http-response`, `http-after-response`, or `redirect` (the legacy keyword). */
  readonly keyword: string;
  readonly action: string;
  /** Index in ctx.args of the action's first argument. */
  readonly first: number;
}

/** HAProxy's "error detected in <proxy> while parsing '<rule>' rule : <text>" alert; returns { ok: false }. */
export function ruleError(line: ActionLine, text: string): { readonly ok: false } {
  const label = line.keyword === 'redirect' ? 'redirect rule' : `'${line.keyword} ${line.action}' rule`;
  line.ctx.diag.badValue(`error detected in ${proxyLabel(line.ctx.proxy)} while parsing ${label} : ${text}`, line.ctx.at);
  return { ok: false };
}

const ok = (rule: DistributiveOmit<HttpRuleSpec, 'source' | 'condition'>, next: number): ActionParse => ({ ok: true, rule, next });

/** True for a word that ends the arguments (the condition keyword) or nothing. */
function isEnd(word: string | undefined): boolean {
  return word === undefined || word === '' || word === 'if' || word === 'unless';
}

/** A log-format argument parsed for where the rule runs; undefined after reporting HAProxy's error. */
export function ruleFormat(line: ActionLine, text: string, wrap = (m: string): string => m): LogFormatSpec | undefined {
  const { ctx } = line;
  const places = rulePlaces(line.keyword === 'redirect' ? 'http-request' : line.keyword, ctx.proxy.kind);
  const parsed = parseLogFormat(text, { readFile: readPatternFile }, (expr) => placeProblem(expr, places));
  if (parsed.ok) return parsed.spec;
  if (parsed.notImplemented !== undefined) {
    ctx.diag.notImplemented(`log-format ${parsed.notImplemented}`, ctx.at, 'the rule is ignored', { shown: parsed.notImplemented });
    return undefined;
  }
  ruleError(line, wrap(`${parsed.message}.`));
  return undefined;
}

/** `set-path|set-pathq|set-query|set-uri|set-method <fmt>`. */
export function parseSetLine(line: ActionLine): ActionParse {
  const { args } = line.ctx;
  const value = args[line.first];
  if (value === undefined || value === '' || !isEnd(args[line.first + 1])) return ruleError(line, 'expects exactly 1 argument <format>.');
  const format = ruleFormat(line, value);
  if (format === undefined) return { ok: false };
  const action = line.action as 'set-path' | 'set-pathq' | 'set-query' | 'set-uri' | 'set-method';
  return ok({ action, value: format }, line.first + 1);
}

/** HAProxy 2.6's URI normalizers (core/http1/uri-normalize.ts runs them), in its manual's order. */
const NORMALIZERS: readonly NormalizerName[] = [
  'fragment-encode', 'fragment-strip', 'path-merge-slashes', 'path-strip-dot', 'path-strip-dotdot',
  'percent-decode-unreserved', 'percent-to-uppercase', 'query-sort-by-name',
];

/** The normalizers that take an option word, and that word. */
const NORMALIZER_OPTION: Readonly<Partial<Record<NormalizerName, string>>> = {
  'path-strip-dotdot': 'full',
  'percent-decode-unreserved': 'strict',
  'percent-to-uppercase': 'strict',
};

/**
 * `normalize-uri <normalizer> [full|strict]` (§4.2; experimental in 2.6: refused without the global
 * `expose-experimental-directives` before it, with HAProxy 2.6.12's text).
 */
export function parseNormalizeUri(line: ActionLine): ActionParse {
  const { args, ctx } = { args: line.ctx.args, ctx: line.ctx };
  if (ctx.experimental !== true) {
    ctx.diag.badValue("'normalize-uri' action is experimental, must be allowed via a global 'expose-experimental-directives'", ctx.at);
    return { ok: false };
  }
  const word = args[line.first];
  if (word === undefined || word === '') return ruleError(line, 'missing argument <normalizer>.');
  if (!(NORMALIZERS as readonly string[]).includes(word)) return ruleError(line, `unknown normalizer '${word}'.`);
  const normalizer = word as NormalizerName;
  const optionWord = NORMALIZER_OPTION[normalizer];
  const next = args[line.first + 1];
  if (optionWord !== undefined && (next === 'if' || next === 'unless')) {
    // HAProxy 2.6.12 leaves the action of these three unset when a condition follows without the option word, and
    // the unset action is path-merge-slashes (measured: `path-strip-dotdot if TRUE` merges `//`, strips no `..`).
    // orcalb runs what haproxy runs, and says so.
    ctx.diag.warn(
      `'${line.keyword} normalize-uri ${normalizer}' followed by a condition without '${optionWord}' runs path-merge-slashes in HAProxy 2.6 (and so in orcalb); write '${normalizer} ${optionWord}' or put the rule without a condition`,
      ctx.at,
    );
    return ok({ action: 'normalize-uri', normalizer: 'path-merge-slashes', option: false }, line.first + 1);
  }
  if (normalizer === 'query-sort-by-name') {
    // HAProxy keeps the parameters' places in its trash buffer (tune.bufsize bytes, 16 per parameter): measured on
    // 2.6.12 at 16384, 1024 parameters sort and 1025 are a 500.
    return ok({ action: 'normalize-uri', normalizer, option: false, paramLimit: Math.floor((ctx.bufsize ?? 16384) / 16) }, line.first + 1);
  }
  if (optionWord === undefined || isEnd(next)) return ok({ action: 'normalize-uri', normalizer, option: false }, line.first + 1);
  if (next !== optionWord) return ruleError(line, `unknown argument '${next ?? ''}' for '${normalizer}' normalizer.`);
  return ok({ action: 'normalize-uri', normalizer, option: true }, line.first + 2);
}

/** `replace-path|replace-pathq|replace-uri <regex> <fmt>`. */
export function parseReplaceLine(line: ActionLine): ActionParse {
  const { args } = line.ctx;
  const regex = args[line.first];
  const replace = args[line.first + 1];
  if (regex === undefined || regex === '' || replace === undefined || replace === '' || !isEnd(args[line.first + 2])) {
    return ruleError(line, 'expects exactly 2 arguments <match-regex> and <replace-format>.');
  }
  const re = compileRegex(regex, false);
  if (typeof re === 'string') return ruleError(line, `failed to parse the regex : ${re}.`);
  const format = ruleFormat(line, replace);
  if (format === undefined) return { ok: false };
  const action = line.action as 'replace-path' | 'replace-pathq' | 'replace-uri';
  return ok({ action, regex: { source: regex }, replace: format }, line.first + 2);
}

/** `replace-header|replace-value <name> <regex> <fmt>`. */
export function parseReplaceHeader(line: ActionLine): ActionParse {
  const { args } = line.ctx;
  const [name, regex, replace] = [args[line.first], args[line.first + 1], args[line.first + 2]];
  if (name === undefined || name === '' || regex === undefined || regex === '' || replace === undefined || replace === '' || !isEnd(args[line.first + 3])) {
    return ruleError(line, 'expects exactly 3 arguments.');
  }
  const re = compileRegex(regex, false);
  if (typeof re === 'string') return ruleError(line, `${re}.`);
  const format = ruleFormat(line, replace);
  if (format === undefined) return { ok: false };
  const action = line.action as 'replace-header' | 'replace-value';
  return ok({ action, name, regex: { source: regex }, replace: format }, line.first + 3);
}

/** `set-status <status> [reason <str>]` (responses). */
export function parseSetStatus(line: ActionLine): ActionParse {
  const { args } = line.ctx;
  const word = args[line.first];
  if (word === undefined || word === '') return ruleError(line, 'expects 1 argument: <status>; or 3 arguments: <status> reason <fmt>.');
  const status = /^\d+$/.test(word) ? Number(word) : 0;
  if (status < 100 || status > 999) return ruleError(line, 'expects an integer status code between 100 and 999.');
  // `reason` takes the next word; without one it is left for the condition check (which refuses it).
  const reason = args[line.first + 1] === 'reason' && args[line.first + 2] !== undefined && args[line.first + 2] !== '' ? args[line.first + 2] : undefined;
  return ok({ action: 'set-status', status, ...(reason === undefined ? {} : { reason }) }, line.first + (reason === undefined ? 1 : 3));
}

/** `auth [realm <realm>]`. */
export function parseAuth(line: ActionLine): ActionParse {
  const { args } = line.ctx;
  if (args[line.first] !== 'realm') return ok({ action: 'auth' }, line.first);
  const realm = args[line.first + 1];
  if (realm === undefined || realm === '') return ruleError(line, 'missing realm value.');
  return ok({ action: 'auth', realm }, line.first + 2);
}

/** `sc-inc-gpc0(N)`, `sc-inc-gpc1(N)`, `sc-inc-gpc(idx,N)`, `sc-set-gpt0(N) <int|expr>`, `sc-set-gpt(idx,N) …`. */
export function parseStickCounterAction(line: ActionLine): ActionParse {
  const m = /^sc-(inc-gpc|set-gpt)([01]?)\((?:(\d+),)?(\d+)\)$/.exec(line.action);
  if (m === null) return ruleError(line, 'invalid stick table track ID.');
  const counter = Number(m[4]);
  if (counter > 2) return ruleError(line, 'invalid stick table track ID. The max allowed ID is 2.');
  const index = m[3] !== undefined ? Number(m[3]) : m[2] === '1' ? 1 : 0;
  const n = counter as 0 | 1 | 2;
  if (m[1] === 'inc-gpc') return ok({ action: 'sc-inc-gpc', counter: n, index }, line.first);
  const { args } = line.ctx;
  const word = args[line.first];
  if (isEnd(word)) return ok({ action: 'sc-set-gpt', counter: n, index, value: 0 }, line.first);
  const text = word ?? '';
  if (/^-?\d+$/.test(text)) return ok({ action: 'sc-set-gpt', counter: n, index, value: Number(text) }, line.first + 1);
  const expr = parseSampleExpr(text, 0, { readFile: readPatternFile });
  if (!expr.ok) return ruleError(line, `${expr.message}.`);
  return ok({ action: 'sc-set-gpt', counter: n, index, value: expr.spec }, line.first + 1);
}

/** The file `path` as Latin-1 text, or undefined after HAProxy's "error opening file" alert. */
function readReplyFile(line: ActionLine, path: string, suffix = ''): string | undefined {
  try {
    if (!existsSync(path) || !statSync(path).isFile()) throw new Error('missing');
    return readFileSync(path, 'latin1');
  } catch {
    ruleError(line, `error opening file '${path}'.${suffix}`);
    return undefined;
  }
}

const BODY_WORDS = ['errorfile', 'errorfiles', 'default-errorfiles', 'file', 'lf-file', 'string', 'lf-string'];

/**
 * The answer of deny, tarpit and return (parse_http_reply): `[status N] [content-type T] [default-errorfiles |
 * errorfile F | errorfiles N | file F | lf-file F | string S | lf-string S] [hdr N FMT]…`; deny and tarpit also take
 * the legacy `deny_status N`. `status` is the action's default (403, 500, 200, 502 for http-response deny).
 */
export function parseReply(line: ActionLine, defaultStatus: number): ActionParse {
  const { args, diag, at } = line.ctx;
  const deny = line.action === 'deny' || line.action === 'tarpit';
  let status = defaultStatus;
  let contentType: string | undefined;
  let body: { kind: string; text: string; path?: string } | undefined;
  const headers: { name: string; value: LogFormatSpec }[] = [];
  let i = line.first;
  for (;;) {
    const word = args[i];
    if (word === 'status' || (deny && word === 'deny_status')) {
      const v = args[i + 1];
      if (v === undefined || v === '') return ruleError(line, "'status' expects <status_code> as argument.");
      status = /^\d+/.test(v) ? parseInt(v, 10) : 0;
      if (status < 200 || status > 599) return ruleError(line, `Unexpected status code '${status}'.`);
      i += 2;
    } else if (word === 'content-type') {
      const v = args[i + 1];
      if (v === undefined || v === '') return ruleError(line, "'content-type' expects <ctype> as argument.");
      contentType = v;
      i += 2;
    } else if (word !== undefined && BODY_WORDS.includes(word)) {
      if (body !== undefined) return ruleError(line, `unexpected '${word}' argument, '${body.kind}' already defined.`);
      if (word === 'default-errorfiles') {
        body = { kind: word, text: '' };
        i += 1;
        continue;
      }
      const v = args[i + 1];
      if (v === undefined || v === '') {
        const what = word === 'errorfiles' ? '<name>' : word.endsWith('string') ? (word === 'string' ? '<str>' : '<fmt>') : '<file>';
        return ruleError(line, `'${word}' expects ${what} as argument.`);
      }
      if (word === 'errorfiles') {
        // orcalb has no http-errors sections (they are refused), so no name can resolve.
        diag.badValue(`Proxy '${line.ctx.proxy.name}': unknown http-errors section '${v}' referenced by an http reply .`, at);
        return { ok: false };
      }
      if (word === 'string' || word === 'lf-string') body = { kind: word, text: v };
      else {
        const text = readReplyFile(line, v, word === 'errorfile' ? '.' : '');
        if (text === undefined) return { ok: false };
        body = { kind: word, text, path: v };
      }
      i += 2;
    } else if (word === 'hdr') {
      const name = args[i + 1];
      const value = args[i + 2];
      if (name === undefined || name === '' || value === undefined || value === '') return ruleError(line, "'hdr' expects <name> and <value> as arguments.");
      i += 3;
      const lower = name.toLowerCase();
      if (lower === 'content-length' || lower === 'content-type' || lower === 'transfer-encoding') {
        diag.warn(`header '${lower}' always ignored by the http reply.`, at);
        continue;
      }
      const format = ruleFormat(line, value);
      if (format === undefined) return { ok: false };
      headers.push({ name, value: format });
    } else {
      break;
    }
  }
  const reply = replyOf(line, status, contentType, body, headers);
  if (reply === undefined) return { ok: false };
  const action = line.action as 'deny' | 'tarpit' | 'return';
  return ok({ action, reply }, i);
}

/** The reply spec from parseReply's pieces; undefined after an error. */
function replyOf(
  line: ActionLine,
  status: number,
  contentType: string | undefined,
  body: { kind: string; text: string; path?: string } | undefined,
  headers: { name: string; value: LogFormatSpec }[],
): HttpReplySpec | undefined {
  const deny = line.action !== 'return';
  if (body === undefined && deny && contentType === undefined && headers.length === 0) body = { kind: 'default-errorfiles', text: '' };
  if (body?.kind === 'default-errorfiles') {
    if (!ERRORFILE_CODES.includes(status)) {
      ruleError(line, `status code '${status}' not handled by default with 'default-errorfiles' argument..`);
      return undefined;
    }
    return { status, headers: [], kind: 'default' };
  }
  if (body?.kind === 'errorfile') {
    const problem = responseProblem(Buffer.from(body.text, 'latin1'));
    if (problem !== undefined || body.text === '') {
      ruleError(line, `'${body.path ?? ''}': ${problem ?? 'unable to parse headers (error offset: -2)'}.`);
      return undefined;
    }
    return { status, headers: [], kind: 'errorfile', raw: body.text };
  }
  const text = body?.text ?? '';
  if (text !== '' && (status === 204 || status === 304)) {
    ruleError(line, `No body expected for ${status} responses.`);
    return undefined;
  }
  if (text !== '' && contentType === undefined) {
    ruleError(line, 'a content type must be defined when non-empty payload is configured.');
    return undefined;
  }
  if (body?.path !== undefined && text.length > BUFSIZE) {
    ruleError(line, `file '${body.path}' exceeds the buffer size (${text.length} > ${BUFSIZE}).`);
    return undefined;
  }
  if (text.length > BUFSIZE - MAXREWRITE) {
    line.ctx.diag.warn('http reply payload runs over the buffer space reserved to headers rewriting. It may lead to internal errors if strict rewriting mode is enabled.', line.ctx.at);
  }
  if (body?.kind === 'lf-string' || body?.kind === 'lf-file') {
    const format = ruleFormat(line, text);
    if (format === undefined) return undefined;
    return { status, headers, kind: 'log-format', contentType: contentType ?? '', body: format };
  }
  return { status, headers, kind: 'static', ...(contentType === undefined ? {} : { contentType }), body: text };
}

const REDIRECT_CODES = [301, 302, 303, 307, 308];

/** `redirect location|prefix|scheme <fmt> [code N] [drop-query] [append-slash] [ignore-empty] [set-cookie N[=V]] [clear-cookie N]`. */
export function parseRedirect(line: ActionLine): ActionParse {
  const { args } = line.ctx;
  let type: RedirectSpec['type'] | undefined;
  let target = '';
  let code = 302;
  let dropQuery = false;
  let appendSlash = false;
  let ignoreEmpty = false;
  let cookie: string | undefined;
  let i = line.first;
  for (; !isEnd(args[i]); i++) {
    const word = args[i] ?? '';
    if (word === 'location' || word === 'prefix' || word === 'scheme' || word === 'code' || word === 'set-cookie' || word === 'clear-cookie') {
      const v = args[i + 1];
      if (v === undefined || v === '') return ruleError(line, `missing argument for '${word}'.`);
      i++;
      if (word === 'code') {
        code = /^\d+$/.test(v) ? Number(v) : 0;
        if (!REDIRECT_CODES.includes(code)) return ruleError(line, `'code': unsupported HTTP code '${v}' (must be one of 301, 302, 303, 307 or 308).`);
      } else if (word === 'set-cookie') cookie = `${v}; path=/;`;
      else if (word === 'clear-cookie') cookie = `${v}; path=/; Max-Age=0;`;
      else {
        type = word;
        target = v;
      }
    } else if (word === 'drop-query') dropQuery = true;
    else if (word === 'append-slash') appendSlash = true;
    else if (word === 'ignore-empty') ignoreEmpty = true;
    else {
      return ruleError(line, `expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was '${word}').`);
    }
  }
  if (type === undefined) return ruleError(line, "redirection type expected ('prefix', 'location', or 'scheme').");
  const format = ruleFormat(line, target);
  if (format === undefined) return { ok: false };
  const redirect: RedirectSpec = { type, target: format, code, dropQuery, appendSlash, ignoreEmpty, ...(cookie === undefined ? {} : { cookie }) };
  return ok({ action: 'redirect', redirect }, i);
}

/** `set-var(<var>) <expr>`, `set-var-fmt(<var>) <fmt>`, `unset-var(<var>)` (§4.2; HAProxy 2.6.12's texts). */
export function parseVarAction(line: ActionLine): ActionParse {
  const m = /^(set-var|set-var-fmt|unset-var)\((.*)\)$/.exec(line.action);
  const text = m?.[2] ?? '';
  const parsed = parseVarName(text, ')');
  if ('error' in parsed) return ruleError(line, `${parsed.error}.`);
  if (parsed.scope === 'proc') {
    // Process-wide in HAProxy; orcalb's forwarder threads share no such store, so each would see its own value.
    line.ctx.diag.notImplemented(`${line.keyword} set-var(proc.*)`, line.ctx.at, 'the rule is ignored', { shown: `proc.${parsed.name}` });
    return { ok: false };
  }
  const { scope, name } = parsed as { scope: VarScopeName; name: string };
  const kind = m?.[1];
  const { args } = line.ctx;
  if (kind === 'unset-var') return ok({ action: 'unset-var', scope, name }, line.first);
  const word = args[line.first];
  if (kind === 'set-var-fmt') {
    if (isEnd(word)) return ok({ action: 'set-var-fmt', scope, name, format: { text: '', parts: [] } }, line.first);
    const format = ruleFormat(line, word ?? '');
    if (format === undefined) return { ok: false };
    return ok({ action: 'set-var-fmt', scope, name, format }, line.first + 1);
  }
  if (isEnd(word)) return ruleError(line, 'missing fetch method.');
  const expr = parseSampleExpr(word ?? '', 0, { readFile: readPatternFile });
  if (!expr.ok) {
    if (expr.notImplemented !== undefined) {
      line.ctx.diag.notImplemented(`sample ${expr.notImplemented}`, line.ctx.at, 'the rule is ignored', { shown: expr.notImplemented });
      return { ok: false };
    }
    return ruleError(line, `${expr.message.replace(/\.$/, '')}.`);
  }
  const places = rulePlaces(line.keyword, line.ctx.proxy.kind);
  const problem = placeProblem(expr.spec, places);
  if (problem !== undefined) return ruleError(line, `fetch method '${word ?? ''}' ${problem}.`);
  return ok({ action: 'set-var', scope, name, expr: expr.spec }, line.first + 1);
}
