// HTTP request-line fetches (manual §7.3.6): method, url, path, query, base, url_param (urlp) and req.ver, read as
// spans of the request's HeadView (core/http1/head-view.ts) with HAProxy's rules for each (path starts at the first
// slash after an absolute URI's authority and stops before `?`; base is the first Host value then the path).
// Forwarder threads, hot path: spans over the head; only base, which joins two spans, copies into the arena.

import type { HeadView } from '../http1/head-view.js';
import { HDR } from '../http1/head-names.js';
import { placeMask, type EvalFetch, type FetchDescriptor } from './descriptor.js';
import type { FetchContext } from './fetch-context.js';
import { NO_ARGS } from './sample-args.js';
import { SMP, type Sample } from './sample.js';

const REQUEST_PLACES = placeMask('..YYYYYYYYY...........');
const METHOD_PLACES = placeMask('..YYYYYYYYYYYYYYYYY...');
const SLASH = 0x2f;
const QMARK = 0x3f;
const COLON = 0x3a;

/** Points `s` at the request target as forwarded; false without a parsed request. */
export function targetSample(head: HeadView | undefined, s: Sample): boolean {
  if (head === undefined || !head.isRequest) return false;
  if (head.targetInExtra) return s.setStr(head.extra, head.targetStart, head.targetEnd);
  return s.setStr(head.buf, head.base + head.targetStart, head.base + head.targetEnd);
}

/**
 * Narrows a target sample to its path with the query (HAProxy's http_get_path): the target itself when it starts
 * with `/`; after `scheme://authority` for an absolute URI (empty when nothing follows); false for `*` or an
 * authority-form target (CONNECT).
 */
function pathAndQuery(s: Sample): boolean {
  const b = s.buf;
  if (s.start < s.end && b[s.start] === SLASH) return true;
  let p = s.start;
  while (p < s.end && b[p] !== COLON) p++;
  if (s.end - p < 3 || b[p + 1] !== SLASH || b[p + 2] !== SLASH) return false;
  p += 3;
  while (p < s.end && b[p] !== SLASH) p++;
  s.start = p;
  return true;
}

/** Cuts a span at its first `?` (the path without the query). */
function cutQuery(s: Sample): void {
  for (let p = s.start; p < s.end; p++) {
    if (s.buf[p] === QMARK) {
      s.end = p;
      return;
    }
  }
}

const url: EvalFetch = (ctx, s) => targetSample(ctx.head, s);

const path: EvalFetch = (ctx, s) => {
  if (!targetSample(ctx.head, s) || !pathAndQuery(s)) return false;
  cutQuery(s);
  return true;
};

const query: EvalFetch = (ctx, s) => {
  if (!targetSample(ctx.head, s)) return false;
  for (let p = s.start; p < s.end; p++) {
    if (s.buf[p] === QMARK) {
      s.start = p + 1;
      return true;
    }
  }
  return false;
};

/** §7.3.6 base: the first Host value, then the path; just the path without a Host (or with an empty one). */
const base: EvalFetch = (ctx, s, it) => {
  const head = ctx.head;
  if (!path(ctx, s, it)) return false;
  if (head === undefined) return false;
  const h = head.firstOf(HDR.HOST);
  if (h < 0) return true;
  const hb = head.valueBuf(h);
  const hs = head.valueStart(h);
  const he = head.valueEnd(h);
  if (he === hs) return true;
  const arena = ctx.arena;
  const n = he - hs + s.end - s.start;
  const at = arena.take(n);
  if (at < 0) return false;
  for (let i = hs; i < he; i++) arena.buf[at + i - hs] = hb[i] ?? 0;
  const pathLen = s.end - s.start;
  for (let i = 0; i < pathLen; i++) arena.buf[at + he - hs + i] = s.buf[s.start + i] ?? 0;
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
  s.setStr(head.buf, head.base + head.methodStart, head.base + head.methodEnd);
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
    if (it.pos === 0) {
      if (!targetSample(ctx.head, s)) return false;
      let p = s.start;
      while (p < s.end && s.buf[p] !== QMARK && s.buf[p] !== delim) p++;
      if (p >= s.end) return false;
      it.pos = p + 1;
      it.count = s.end;
    } else {
      targetSample(ctx.head, s);
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
