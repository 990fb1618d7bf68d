// The URI normalizers of `http-request normalize-uri` (HAProxy 2.6 §4.2, experimental there): each a pure function
// from a request target to its normalized form, or NORMALIZE_BAD when a `strict` normalizer meets a bad percent
// sequence (the session answers 400). Behaviour measured on haproxy 2.6.12 byte by byte (tests/http1/
// uri-normalize.test.ts, tests/fixtures/acl-corpus.ts group normalize-uri). Any forwarder thread, on the hot path
// only for a proxy with such a rule: each call allocates the strings it returns.

import type { NormalizerName } from '../../config/model.js';

export type { NormalizerName } from '../../config/model.js';

/** What a strict normalizer returns for a bad percent sequence. */
export const NORMALIZE_BAD = null;

/** What query-sort-by-name returns past its parameter limit (HAProxy answers 500). */
export const NORMALIZE_FAILED = false;

/**
 * The target split as HAProxy's http_get_path does: `before` is scheme://authority of an absolute-form target (or
 * all of a target without a path, such as `*`), `path` runs to the query, `query` from "?" to the fragment (its
 * "?" included), `fragment` from "#" (included).
 */
function split(uri: string): { before: string; path: string; query: string; fragment: string } {
  let start = 0;
  if (!uri.startsWith('/')) {
    const sep = uri.indexOf('://');
    if (sep < 0) return { before: uri, path: '', query: '', fragment: '' };
    const slash = uri.indexOf('/', sep + 3);
    if (slash < 0) return { before: uri, path: '', query: '', fragment: '' };
    start = slash;
  }
  const hash = uri.indexOf('#', start);
  const end = hash < 0 ? uri.length : hash;
  const q = uri.indexOf('?', start);
  const qs = q < 0 || q > end ? end : q;
  return { before: uri.slice(0, start), path: uri.slice(start, qs), query: uri.slice(qs, end), fragment: uri.slice(end) };
}

/** The target with `normalizer` applied; NORMALIZE_BAD when `option` is `strict` and a percent sequence is bad. */
export function normalizeUri(
  uri: string,
  normalizer: NormalizerName,
  option: boolean,
  paramLimit = Infinity,
): string | typeof NORMALIZE_BAD | typeof NORMALIZE_FAILED {
  const s = split(uri);
  if (s.path === '' && s.query === '' && s.fragment === '') return uri;
  switch (normalizer) {
    case 'path-merge-slashes':
      return s.before + s.path.replace(/\/{2,}/g, '/') + s.query + s.fragment;
    case 'path-strip-dot':
      return s.before + stripDot(s.path) + s.query + s.fragment;
    case 'path-strip-dotdot':
      return s.before + stripDotDot(s.path, option) + s.query + s.fragment;
    case 'query-sort-by-name': {
      const sorted = sortQuery(s.query, paramLimit);
      return sorted === NORMALIZE_FAILED ? NORMALIZE_FAILED : s.before + s.path + sorted + s.fragment;
    }
    case 'fragment-strip':
      return s.before + s.path + s.query;
    case 'fragment-encode':
      return s.before + s.path + s.query + s.fragment.replaceAll('#', '%23');
    case 'percent-decode-unreserved':
    case 'percent-to-uppercase': {
      // HAProxy runs both over everything from the path on (query and fragment included).
      const rest = percent(s.path + s.query + s.fragment, normalizer === 'percent-decode-unreserved', option);
      return rest === NORMALIZE_BAD ? NORMALIZE_BAD : s.before + rest;
    }
  }
}

/** `/./` segments out; a final `/.` leaves its slash (`/a/.` is `/a/`). */
function stripDot(path: string): string {
  if (!path.includes('/.')) return path;
  const segs = path.split('/');
  const out: string[] = [];
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] ?? '';
    if (i > 0 && seg === '.') {
      if (i === segs.length - 1) out.push('');
      continue;
    }
    out.push(seg);
  }
  return out.join('/');
}

/**
 * Each `..` segment takes out the segment before it, whatever it is (an empty one of `//`, a `.`); a `..` with
 * nothing before it stays, or goes with `full`. A final `..` leaves its slash (`/foo/..` is `/`, `/..` is `/../`).
 */
function stripDotDot(path: string, full: boolean): string {
  if (!path.includes('/..')) return path;
  const segs = path.split('/');
  // segs[0] is the empty text before the first slash.
  const stack: string[] = [];
  let kept = 0; // leading `..` segments kept (not full)
  const last = segs.length - 1;
  for (let i = 1; i <= last; i++) {
    const seg = segs[i] ?? '';
    if (seg === '..') {
      if (stack.length > kept) stack.pop();
      else if (!full) {
        stack.push('..');
        kept++;
      }
      if (i === last) stack.push('');
      continue;
    }
    stack.push(seg);
  }
  return stack.length === 0 ? '/' : `/${stack.join('/')}`;
}

/** Parameters sorted by name (bytes before `=`), stable; a final empty parameter (`a=1&`) goes. */
function sortQuery(query: string, limit: number): string | typeof NORMALIZE_FAILED {
  if (query.length <= 1) return query;
  const params: string[] = [];
  let i = 1;
  while (i < query.length) {
    if (params.length >= limit) return NORMALIZE_FAILED;
    const amp = query.indexOf('&', i);
    const end = amp < 0 ? query.length : amp;
    params.push(query.slice(i, end));
    i = end + 1;
  }
  const keyed = params.map((p, index) => {
    const eq = p.indexOf('=');
    return { p, name: eq < 0 ? p : p.slice(0, eq), index };
  });
  keyed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.index - b.index));
  return `?${keyed.map((k) => k.p).join('&')}`;
}

const HEX = '0123456789ABCDEF';

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** RFC 3986 unreserved: ALPHA DIGIT - . _ ~ */
function unreserved(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e;
}

/**
 * percent-decode-unreserved (`decode`) or percent-to-uppercase over `text`. A `%` without two hex digits after it
 * is copied as it is, or makes the whole target bad with `strict`.
 */
function percent(text: string, decode: boolean, strict: boolean): string | typeof NORMALIZE_BAD {
  if (!text.includes('%')) return text;
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== 0x25) continue;
    const hi = hexValue(text.charCodeAt(i + 1));
    const lo = hexValue(text.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) {
      if (strict) return NORMALIZE_BAD;
      continue;
    }
    const code = hi * 16 + lo;
    out += text.slice(from, i);
    out += decode && unreserved(code) ? String.fromCharCode(code) : decode ? text.slice(i, i + 3) : `%${HEX[hi] ?? ''}${HEX[lo] ?? ''}`;
    from = i + 3;
    i += 2;
  }
  return out + text.slice(from);
}
