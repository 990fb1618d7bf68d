// HTTP request-line fetches (manual §7.3.6): method, url, path, query, base, url_param (urlp) and req.ver, read as
// spans of the request's HeadView through core/http1/head-fetch.ts (path starts at the first slash after an absolute
// URI's authority and stops before `?`; base is the first Host value then the path), measured against haproxy 2.6.12.
// Forwarder threads, hot path: spans over the head; only base, which joins two spans, copies into the arena.

import { Span, fetchHost, fetchMethod, fetchPath, fetchQuery, fetchUrl } from '../http1/head-fetch.js';
import { placeMask, type EvalFetch, type FetchDescriptor } from './descriptor.js';
import type { FetchContext } from './fetch-context.js';
import { NO_ARGS } from './sample-args.js';
import { SMP, type Sample } from './sample.js';

const REQUEST_PLACES = placeMask('..YYYYYYYYY...........');
const METHOD_PLACES = placeMask('..YYYYYYYYYYYYYYYYY...');
const QMARK = 0x3f;

// The spans core/http1/head-fetch.ts fills (the one reader of the request line as HAProxy's rules see it).
const span = new Span();
const host = new Span();

/** Copies a head-fetch result into the sample. */
function spanSample(found: boolean, s: Sample): boolean {
  return found && s.setStr(span.buf, span.start, span.end);
}

const url: EvalFetch = (ctx, s) => ctx.head !== undefined && ctx.head.isRequest && spanSample(fetchUrl(ctx.head, span), s);
const path: EvalFetch = (ctx, s) => ctx.head !== undefined && ctx.head.isRequest && spanSample(fetchPath(ctx.head, span), s);
const query: EvalFetch = (ctx, s) => ctx.head !== undefined && ctx.head.isRequest && spanSample(fetchQuery(ctx.head, span), s);

/**
 * §7.3.6 base: the first Host value, then the path; the path alone without a Host (or with an empty one), the Host
 * alone when the target has no path (`GET http://h.com`: measured on 2.6.12).
 */
const base: EvalFetch = (ctx, s) => {
  const head = ctx.head;
  if (head === undefined || !head.isRequest) return false;
  const hasPath = fetchPath(head, span);
  if (!fetchHost(head, host) || host.length === 0) return spanSample(hasPath, s);
  const pathLen = hasPath ? span.length : 0;
  const arena = ctx.arena;
  const n = host.length + pathLen;
  const at = arena.take(n);
  if (at < 0) return false;
  host.buf.copy(arena.buf, at, host.start, host.end);
  if (pathLen > 0) span.buf.copy(arena.buf, at + host.length, span.start, span.end);
  return s.setStr(arena.buf, at, at + n);
};

/** §7.3.6 req.ver: "1.0" or "1.1", the version as HAProxy forwards it. */
const V10 = Buffer.from('1.0');
const V11 = Buffer.from('1.1');
const reqVer: EvalFetch = (ctx, s) => {
  const head = ctx.head;
  if (head === undefined || !head.isRequest) return false;
  const v = head.version === '1.0' ? V10 : V11;
  return s.setStr(v, 0, v.length);
};

/** §7.3.6 method: the METHOD id and the method's bytes. */
const method: EvalFetch = (ctx, s) => {
  const head = ctx.head;
  if (head === undefined || !head.isRequest) return false;
  fetchMethod(head, span);
  s.setStr(span.buf, span.start, span.end);
  s.type = SMP.METH;
  s.int = head.method;
  return true;
};

/**
 * §7.3.6 url_param(<name>[,<delim>]): the value of the first parameter called `name` (case-sensitive) in the
 * query, which starts after `?` or `delim`; parameters are separated by `&`, `;` or `delim` (measured on 2.6.12:
 * `?a=1;b=2` has b=2; with delim `;`, `/p;c=3?a=1` has c=`3?a=1`). A parameter without `=` has no value. Without a
 * name, any parameter: the first one, or in an ACL each in turn.
 */
function urlParam(name: Buffer | undefined, delim: number): EvalFetch {
  return (ctx: FetchContext, s: Sample, it) => {
    const head = ctx.head;
    if (head === undefined || !head.isRequest) return false;
    fetchUrl(head, span);
    s.setStr(span.buf, span.start, span.end);
    if (it.pos === 0) {
      let p = s.start;
      while (p < s.end && s.buf[p] !== QMARK && s.buf[p] !== delim) p++;
      if (p >= s.end) return false;
      it.pos = p + 1;
      it.count = s.end;
    }
    const b = s.buf;
    const end = it.count;
    // Bounded: each turn moves it.pos past one parameter.
    while (it.pos < end) {
      const start = it.pos;
      let p = start;
      while (p < end && b[p] !== 0x26 && b[p] !== 0x3b && b[p] !== delim) p++;
      it.pos = p + 1;
      let eq = start;
      while (eq < p && b[eq] !== 0x3d) eq++;
      if (eq >= p) continue;
      if (name !== undefined) {
        if (eq - start !== name.length) continue;
        let k = 0;
        while (k < name.length && b[start + k] === name[k]) k++;
        if (k !== name.length) continue;
      }
      s.setStr(b, eq + 1, p);
      s.notLast = it.all && name === undefined && it.pos < end;
      return true;
    }
    return false;
  };
}

function urlParamDescriptor(name: string): FetchDescriptor {
  return {
    name,
    args: { types: ['string', 'string'], mandatory: 0 },
    out: SMP.STR,
    use: REQUEST_PLACES,
    source: 'HTTP request headers',
    compile(args) {
      const n = args[0]?.kind === 'str' && args[0].text !== '' ? Buffer.from(args[0].text, 'utf8') : undefined;
      // Without a delimiter only `?` starts the query (-1 matches no byte).
      const d = args[1]?.kind === 'str' && args[1].text !== '' ? args[1].text.charCodeAt(0) : -1;
      return urlParam(n, d);
    },
  };
}

function simple(name: string, out: FetchDescriptor['out'], fn: EvalFetch, use = REQUEST_PLACES): FetchDescriptor {
  return { name, args: NO_ARGS, out, use, impl: use & REQUEST_PLACES, source: 'HTTP request headers', compile: () => fn };
}

export const REQUEST_FETCHES: readonly FetchDescriptor[] = [
  simple('method', SMP.METH, method, METHOD_PLACES),
  simple('url', SMP.STR, url),
  simple('path', SMP.STR, path),
  simple('query', SMP.STR, query),
  simple('base', SMP.STR, base),
  simple('req.ver', SMP.STR, reqVer),
  simple('req_ver', SMP.STR, reqVer),
  urlParamDescriptor('url_param'),
  urlParamDescriptor('urlp'),
];
