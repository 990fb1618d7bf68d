// The answers of the http rules, compiled once per rule set (HAProxy 2.6 §4.2 "http-request return" and the deny,
// tarpit, auth and redirect actions; src/http_htx.c http_reply, src/http_act.c redirect): a static answer is built
// into Buffers at compile time; one with log-format pieces (hdr values, lf-string, a redirect target) builds its head
// per request. Byte layouts measured on haproxy 2.6.12: error pages `content-length, cache-control, content-type`;
// return `hdr… , content-length, content-type`; redirect `content-length, location, [cache-control], [set-cookie]`.
// Forwarder threads: compile at start, fill() only for a request that is answered.

import type { HttpReplySpec, HttpRules, RedirectSpec } from '../../../config/model.js';
import type { CompileEnv, Compiled } from '../../acl/descriptor.js';
import type { FetchContext } from '../../acl/fetch-context.js';
import { compileLogFormat, type CompiledLogFormat } from '../../acl/log-format.js';
import { Span, fetchHost, fetchUrl } from '../../http1/head-fetch.js';
import type { HeaderField } from '../../http1/header-list.js';
import { statusReason } from '../../http1/status-reason.js';
import { errorfileReply, errorReply, type ErrorReply } from '../http-errors.js';
import type { RuleAnswer } from './rule-answer.js';

const EMPTY = Buffer.alloc(0);

/** A compiled answer: fills `answer` for the request of `ctx`. */
export interface CompiledReply {
  fill(ctx: FetchContext, answer: RuleAnswer): void;
}

/** The head bytes (no Connection, no final empty line) of a parsed error page or errorfile. */
function headBytes(reply: ErrorReply, extra = ''): Buffer {
  const h = reply.head;
  const status = h.statusText ?? String(h.status).padStart(3, '0');
  let text = `HTTP/${h.version} ${status} ${h.reason}\r\n`;
  for (const f of h.headers) text += `${f.name.toLowerCase()}: ${f.value}\r\n`;
  return Buffer.from(text + extra, 'latin1');
}

/** An answer fixed at compile time. */
class StaticReply implements CompiledReply {
  private readonly status: number;
  private readonly head: Buffer;
  private readonly body: Buffer;
  private readonly raw: boolean;

  constructor(status: number, head: Buffer, body: Buffer, raw: boolean) {
    this.status = status;
    this.head = head;
    this.body = body;
    this.raw = raw;
  }

  fill(_ctx: FetchContext, answer: RuleAnswer): void {
    answer.set(this.status, this.head, this.body, false, this.raw);
  }
}

/** The proxy's page for `status` (its errorfile first), `extra` header lines appended (auth's challenge). */
export function errorPage(status: number, errorRules: readonly (HttpRules | undefined)[], extra = ''): CompiledReply {
  return fromErrorReply(status, errorReply(status, errorRules), extra);
}

function fromErrorReply(status: number, reply: ErrorReply | { raw: Buffer }, extra = ''): CompiledReply {
  if ('raw' in reply) return new StaticReply(status, reply.raw, EMPTY, true);
  return new StaticReply(reply.head.status, headBytes(reply, extra), Buffer.from(reply.body), false);
}

/** A return/deny answer with per-request pieces: hdr values, a log-format body. */
class DynamicReply implements CompiledReply {
  private readonly status: number;
  private readonly headers: readonly { readonly name: string; readonly value: CompiledLogFormat }[];
  private readonly contentType: string | undefined;
  private readonly staticBody: Buffer;
  private readonly body: CompiledLogFormat | undefined;

  constructor(status: number, headers: DynamicReply['headers'], contentType: string | undefined, staticBody: Buffer, body: CompiledLogFormat | undefined) {
    this.status = status;
    this.headers = headers;
    this.contentType = contentType;
    this.staticBody = staticBody;
    this.body = body;
  }

  fill(ctx: FetchContext, answer: RuleAnswer): void {
    let head = `HTTP/1.1 ${this.status} ${statusReason(this.status)}\r\n`;
    for (let i = 0; i < this.headers.length; i++) {
      const h = this.headers[i];
      if (h !== undefined) head += `${h.name}: ${h.value.evaluate(ctx, true)}\r\n`;
    }
    const body = this.body === undefined ? this.staticBody : Buffer.from(this.body.evaluate(ctx), 'latin1');
    head += `content-length: ${body.length}\r\n`;
    if (this.contentType !== undefined) head += `content-type: ${this.contentType}\r\n`;
    answer.set(this.status, Buffer.from(head, 'latin1'), body);
  }
}

/** Compiles a deny/tarpit/return answer for a proxy whose error pages are `errorRules` (its own first). */
export function compileReply(spec: HttpReplySpec, env: CompileEnv, errorRules: readonly (HttpRules | undefined)[]): Compiled<CompiledReply> {
  if (spec.kind === 'default') return errorPage(spec.status, errorRules);
  if (spec.kind === 'errorfile') return fromErrorReply(spec.status, errorfileReply(spec.raw, 'latin1'));
  const headers: { name: string; value: CompiledLogFormat }[] = [];
  for (const h of spec.headers) {
    const value = compileLogFormat(h.value, env);
    if ('error' in value) return value;
    headers.push({ name: h.name.toLowerCase(), value });
  }
  if (spec.kind === 'log-format') {
    const body = compileLogFormat(spec.body, env);
    if ('error' in body) return body;
    return new DynamicReply(spec.status, headers, spec.contentType, EMPTY, body);
  }
  const body = Buffer.from(spec.body, 'latin1');
  if (headers.length > 0) return new DynamicReply(spec.status, headers, spec.contentType, body, undefined);
  const fields: HeaderField[] = [{ name: 'content-length', value: String(body.length) }];
  if (spec.contentType !== undefined) fields.push({ name: 'content-type', value: spec.contentType });
  const reply: ErrorReply = { head: { version: '1.1', status: spec.status, reason: statusReason(spec.status), headers: fields }, body };
  return fromErrorReply(spec.status, reply);
}

/** HAProxy's redirect reasons (they differ from http_get_reason: 302 is "Found" here). */
const REDIRECT_REASONS: Readonly<Record<number, string>> = {
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
};

const url = new Span();
const host = new Span();

/**
 * The path part of the request target with its query (`/a?b`), from the first `/` after an absolute form's
 * authority; '' when the target has none (`*`, `http://h`). Allocates the string.
 */
function pathAndQuery(ctx: FetchContext): string {
  const head = ctx.head;
  if (head === undefined || !fetchUrl(head, url)) return '';
  const t = url.toString();
  if (t.startsWith('/')) return t;
  const sep = t.indexOf('://');
  if (sep < 0) return '';
  const slash = t.indexOf('/', sep + 3);
  return slash < 0 ? '' : t.slice(slash);
}

/** A compiled `redirect` (the http-request/http-response action and the legacy keyword). */
export class CompiledRedirect implements CompiledReply {
  private readonly fixed: string;
  private readonly spec: RedirectSpec;
  private readonly target: CompiledLogFormat;

  constructor(spec: RedirectSpec, target: CompiledLogFormat) {
    this.spec = spec;
    this.target = target;
    const c = spec.code;
    // Measured: 301 and 308 go without Cache-Control, 302, 303 and 307 with `no-cache`.
    this.fixed = (c === 301 || c === 308 ? '' : 'cache-control: no-cache\r\n') + (spec.cookie === undefined ? '' : `set-cookie: ${spec.cookie}\r\n`);
  }

  /** The Location value, or undefined when the rule does not apply (an empty target with `ignore-empty`). */
  location(ctx: FetchContext): string | undefined {
    const s = this.spec;
    const target = this.target.evaluate(ctx, true);
    if (target === '' && s.ignoreEmpty) return undefined;
    if (s.type === 'location') return target;
    let path = pathAndQuery(ctx);
    if (s.dropQuery) {
      const q = path.indexOf('?');
      if (q >= 0) path = path.slice(0, q);
    }
    if (s.appendSlash && !path.endsWith('/')) path += '/';
    if (s.type === 'prefix') {
      // A prefix of "/" adds nothing (HAProxy avoids the "//path" it would give).
      return target === '/' ? path : target + path;
    }
    const h = ctx.head !== undefined && fetchHost(ctx.head, host) ? host.toString() : '';
    return `${target}://${h}${path}`;
  }

  fill(ctx: FetchContext, answer: RuleAnswer): void {
    this.fillWith(this.location(ctx) ?? '', answer);
  }

  /** Fills `answer` with the redirect to `location`. */
  fillWith(location: string, answer: RuleAnswer): void {
    const code = this.spec.code;
    const head = `HTTP/1.1 ${code} ${REDIRECT_REASONS[code] ?? statusReason(code)}\r\ncontent-length: 0\r\nlocation: ${location}\r\n${this.fixed}`;
    answer.set(code, Buffer.from(head, 'latin1'), EMPTY);
  }
}

/** Compiles a redirect. */
export function compileRedirect(spec: RedirectSpec, env: CompileEnv): Compiled<CompiledRedirect> {
  const target = compileLogFormat(spec.target, env);
  if ('error' in target) return target;
  return new CompiledRedirect(spec, target);
}
