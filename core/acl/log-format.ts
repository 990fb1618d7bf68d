// Log-format strings (manual §8.2.4) as header values, dynamic use_backend names and, later, log lines: literal text,
// `%%`, `%[<sample expression>]` and the `%<var>` names orcalb can evaluate (%ci %cp %fi %fp %f %ft %b %fc %bc %bq
// %HM %HU %HP %HPO %HQ %HV %pid %H). Parsed at load into LogFormatSpec with HAProxy 2.6's error texts; compiled per
// thread; evaluate() builds the string (the one allocation a header value needs). A variable HAProxy has and orcalb
// does not evaluate is refused at load, never sent empty. Parse: main thread; evaluate: forwarder threads.

import { hostname } from 'node:os';
import type { LogFormatPart, LogFormatSpec, SampleExprSpec } from '../../config/model.js';
import { formatIPv4, formatIPv6 } from '../net/ip-address.js';
import type { CompileEnv, Compiled } from './descriptor.js';
import type { FetchContext } from './fetch-context.js';
import { Span, fetchUrl } from '../http1/head-fetch.js';
import { compileSampleExpr, parseSampleExpr, type CompiledExpr, type ExprParseOptions } from './sample-expr.js';
import { SMP, Sample, castSample } from './sample.js';
import { LINE_VARS, LOG_OPT, withOptions } from './log-options.js';

/** Every log-format variable of HAProxy 2.6 (§8.2.4's table). */
const HAPROXY_VARS: ReadonlySet<string> = new Set([
  'o', 'B', 'CC', 'CS', 'H', 'HM', 'HP', 'HPO', 'HQ', 'HU', 'HV', 'ID', 'ST', 'T', 'Ta', 'Tc', 'Td', 'Tl', 'Th', 'Ti', 'Tq', 'TR',
  'Tr', 'Ts', 'Tt', 'Tu', 'Tw', 'U', 'ac', 'b', 'bc', 'bi', 'bp', 'bq', 'ci', 'cp', 'f', 'fc', 'fi', 'fp', 'ft', 'lc', 'hr', 'hrl',
  'hs', 'hsl', 'ms', 'pid', 'r', 'rc', 'rt', 's', 'sc', 'si', 'sp', 'sq', 'sslc', 'sslv', 't', 'tr', 'trg', 'trl', 'ts', 'tsc',
]);

/** The variables orcalb evaluates (facts of the connection and the request line). */
const IMPLEMENTED_VARS: ReadonlySet<string> = new Set([
  'ci', 'cp', 'fi', 'fp', 'f', 'ft', 'b', 'fc', 'bc', 'bq', 'HM', 'HU', 'HP', 'HPO', 'HQ', 'HV', 'pid', 'H',
]);

export type LogFormatParseResult =
  | { readonly ok: true; readonly spec: LogFormatSpec }
  | { readonly ok: false; readonly message: string; readonly notImplemented?: string };

/**
 * Parses a log-format string. `check` may refuse an expression where the rule runs (HAProxy's "may not be reliably
 * used here"); it returns the problem text. Never throws.
 */
export function parseLogFormat(
  text: string,
  options: Omit<ExprParseOptions, 'acl' | 'inBrackets'>,
  check: (expr: SampleExprSpec) => string | undefined = () => undefined,
  mode: 'value' | 'line' = 'value',
): LogFormatParseResult {
  const parts: LogFormatPart[] = [];
  const line = mode === 'line';
  let literal = '';
  // `%{+Q}o`: options every later variable takes unless it says otherwise.
  let global = 0;
  const flush = (): void => {
    if (literal !== '') parts.push({ kind: 'text', text: literal });
    literal = '';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' && line) {
      // A log line's spaces are HAProxy's separators: a run of them is one, never written twice in a row.
      flush();
      if (parts.at(-1)?.kind !== 'sep') parts.push({ kind: 'sep' });
      i++;
      continue;
    }
    if (c !== '%') {
      literal += c;
      i++;
      continue;
    }
    let next = text[i + 1];
    if (next === undefined) return { ok: false, message: "truncated line after '%'" };
    if (next === '%') {
      literal += '%';
      i += 2;
      continue;
    }
    let flags = global;
    const at = i;
    if (next === '{') {
      const close = text.indexOf('}', i + 2);
      if (close < 0) return { ok: false, message: `truncated line after '${text.slice(i + 2)}'` };
      flags = logOptions(text.slice(i + 2, close), global);
      i = close;
      next = text[i + 1];
      if (next === undefined || !(next === '[' || /[A-Za-z]/.test(next))) {
        return { ok: false, message: `parse argument modifier without variable name near '${text.slice(at, close + 1)}'` };
      }
    }
    const sample = next === '[' && line ? LINE_SAMPLES.find((s) => text.startsWith(s, i + 1)) : undefined;
    if (sample !== undefined) {
      // The samples log lines read from the record: the session's last DolphinDB error text (option
      // dolphindb-inspect), the connection error of a connection that failed before its stream (error-log-format).
      flush();
      parts.push(flags === 0 ? { kind: 'var', name: sample } : { kind: 'var', name: sample, options: flags });
      i += sample.length + 1;
      continue;
    }
    if (next === '[') {
      if (line) return { ok: false, message: 'sample expressions in log lines are not implemented by orcalb', notImplemented: '%[…]' };
      const close = text.indexOf(']', i + 2);
      const parsed = parseSampleExpr(text, i + 2, { ...options, inBrackets: true });
      if (!parsed.ok) {
        if (parsed.notImplemented !== undefined) return parsed;
        if (close < 0 && /missing '\]'|unexpected/.test(parsed.message)) return { ok: false, message: `missing ']' after '${text.slice(i + 2)}'` };
        return { ok: false, message: `failed to parse sample expression <${text.slice(i + 2)}> : ${parsed.message.replace(/\.$/, '')}` };
      }
      const problem = check(parsed.spec);
      if (problem !== undefined) return { ok: false, message: `sample fetch <${text.slice(i + 2)}> ${problem}` };
      flush();
      parts.push({ kind: 'expr', expr: parsed.spec });
      i = parsed.end + 1;
      continue;
    }
    let j = i + 1;
    while (j < text.length && /[A-Za-z]/.test(text[j] ?? '')) j++;
    const name = text.slice(i + 1, j);
    if (name === '') {
      // `%` before anything else is kept as written (HAProxy 2.6 accepts `a%-b`).
      literal += '%';
      i++;
      continue;
    }
    if (!HAPROXY_VARS.has(name)) {
      return { ok: false, message: `no such format variable '${name}'. If you wanted to emit the '%' character verbatim, you need to use '%%'` };
    }
    if (!(line ? LINE_VARS : IMPLEMENTED_VARS).has(name)) return { ok: false, message: `log-format variable '%${name}' is not implemented by orcalb`, notImplemented: `%${name}` };
    i = j;
    if (name === 'o') {
      global = flags;
      continue;
    }
    flush();
    parts.push(flags === 0 ? { kind: 'var', name } : { kind: 'var', name, options: flags });
  }
  flush();
  return { ok: true, spec: { text, parts } };
}

/** The log-line variable `%[ddb.err]` compiles to (core/log/log-vars.ts reads LogRecord.ddbErr). */
export const DDB_ERR_VAR = '[ddb.err]';

/** The samples a log line may hold, each read as a variable of that name (core/log/log-vars.ts). */
const LINE_SAMPLES = [DDB_ERR_VAR, '[fc_err]', '[fc_err_str]'];

/** `+Q,-X,+E` applied to `from` → LOG_OPT bits; a name HAProxy does not know is ignored, as it ignores it. */
function logOptions(list: string, from: number): number {
  let flags = from;
  for (const word of list.split(',')) {
    const bit = word[1] === 'Q' ? LOG_OPT.Q : word[1] === 'X' ? LOG_OPT.X : word[1] === 'E' ? LOG_OPT.E : 0;
    if (word[0] === '+') flags |= bit;
    else if (word[0] === '-') flags &= ~bit;
  }
  return flags;
}

const target = new Span();

/** Control characters HAProxy escapes in a log-format's output (all but TAB). */
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f]/;
const UNSAFE_ALL = /[\x00-\x08\x0a-\x1f\x7f]/g;

function escapeControl(c: string): string {
  return `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
}

type Piece =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'expr'; readonly expr: CompiledExpr }
  | { readonly kind: 'var'; readonly name: string; readonly options?: number }
  | { readonly kind: 'sep' };

/** A compiled log-format string. */
export class CompiledLogFormat {
  readonly spec: LogFormatSpec;
  private readonly pieces: readonly Piece[];
  private readonly names: { readonly frontends: readonly string[]; readonly backends: readonly string[] };
  private readonly sample = new Sample();

  constructor(spec: LogFormatSpec, pieces: readonly Piece[], names: CompiledLogFormat['names']) {
    this.spec = spec;
    this.pieces = pieces;
    this.names = names;
  }

  /**
   * The string for this request: each expression's value as text (empty when it has none, as HAProxy writes it).
   * With `header` (a header value, a request line part), the control characters of the result but TAB (CR, LF, NUL,
   * 0x01-0x1F, DEL) are written %XX, as HAProxy 2.6.12 writes them (measured: `%[url_param(p),url_dec]` with
   * p=a%0d%0aX:%201 gives `a%0D%0AX: 1`), so a value built from request bytes cannot end the line early.
   * Allocates the string.
   */
  evaluate(ctx: FetchContext, header = false): string {
    let out = '';
    for (const p of this.pieces) {
      if (p.kind === 'text') out += p.text;
      else if (p.kind === 'sep') out += ' ';
      else if (p.kind === 'expr') out += this.exprText(p.expr, ctx);
      else if (p.options === undefined) out += this.varText(p.name, ctx);
      else out += withOptions(p.name, this.varText(p.name, ctx), p.options);
    }
    return header && UNSAFE.test(out) ? out.replace(UNSAFE_ALL, escapeControl) : out;
  }

  private exprText(expr: CompiledExpr, ctx: FetchContext): string {
    const s = this.sample;
    ctx.arena.reset();
    expr.begin(false);
    if (!expr.next(ctx, s)) return '';
    if (!castSample(s, SMP.STR, ctx.arena)) return '';
    return s.text();
  }

  private varText(name: string, ctx: FetchContext): string {
    const state = ctx.state;
    switch (name) {
      case 'ci':
        return ctx.srcFamily === 4 ? formatIPv4(ctx.src) : ctx.srcFamily === 6 ? formatIPv6(ctx.src) : 'unix';
      case 'cp':
        return ctx.srcFamily === 0 ? 'unix' : String(ctx.srcPort);
      case 'fi':
        return ctx.dstFamily === 4 ? formatIPv4(ctx.dst) : ctx.dstFamily === 6 ? formatIPv6(ctx.dst) : 'unix';
      case 'fp':
        return ctx.dstFamily === 0 ? 'unix' : String(ctx.dstPort);
      case 'f':
      case 'ft':
        return this.names.frontends[ctx.frontend] ?? '-';
      case 'b':
        return this.names.backends[ctx.backend] ?? '-';
      case 'fc':
        return state === undefined || ctx.frontend < 0 ? '0' : String(state.frontend(ctx.frontend).load('curConns'));
      case 'bc':
        return state === undefined || ctx.backend < 0 ? '0' : String(state.backend(ctx.backend).load('curConns'));
      case 'bq':
        return state === undefined || ctx.backend < 0 ? '0' : String(state.backend(ctx.backend).load('queued'));
      case 'pid':
        return String(process.pid);
      case 'H':
        return hostname();
      default:
        return this.requestVar(name, ctx);
    }
  }

  /** %HM %HU %HP %HPO %HQ %HV: pieces of the request line ('-' without a request, as HAProxy logs it). */
  private requestVar(name: string, ctx: FetchContext): string {
    const head = ctx.head;
    if (head === undefined || !head.isRequest || !fetchUrl(head, target)) return '-';
    const uri = target.toString();
    const q = uri.indexOf('?');
    switch (name) {
      case 'HM':
        return head.methodString();
      case 'HU':
        return uri;
      case 'HP':
        return q < 0 ? uri : uri.slice(0, q);
      case 'HPO': {
        const path = q < 0 ? uri : uri.slice(0, q);
        const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*(.*)$/.exec(path);
        return m === null ? path : m[1] ?? '';
      }
      case 'HQ':
        return q < 0 ? '' : uri.slice(q);
      case 'HV':
        return `HTTP/${head.version}`;
      default:
        return '';
    }
  }
}

/** Compiles a parsed log-format for `env`. Never throws. */
export function compileLogFormat(spec: LogFormatSpec, env: CompileEnv): Compiled<CompiledLogFormat> {
  const pieces: Piece[] = [];
  for (const part of spec.parts) {
    if (part.kind !== 'expr') {
      pieces.push(part);
      continue;
    }
    const expr = compileSampleExpr(part.expr, env);
    if ('error' in expr) return expr;
    pieces.push({ kind: 'expr', expr });
  }
  return new CompiledLogFormat(spec, pieces, {
    frontends: env.world.frontends.map((f) => f.name),
    backends: env.world.backends.map((b) => b.name),
  });
}
