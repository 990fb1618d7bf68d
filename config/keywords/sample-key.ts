// A sample expression used as a stick key or pattern (§7.3: `src`, `req.hdr(x-id,1),lower`, `base32+src`): its
// syntax as HAProxy 2.6's sample_parse_expr reads one word — a fetch name, its arguments in parentheses, then
// converters after commas (an empty one skipped) — and the fetch and converter names HAProxy knows. The arguments
// are kept as written: their types are checked by the sample compiler of core/acl/ when the rules are wired.
// HAProxy 2.6's error texts. Main thread, config parsing.

import type { StickKeyExpr } from '../model.js';
import { HAPROXY_CONVERTERS, HAPROXY_FETCHES } from './sample-names.js';

/** Characters of a fetch or converter name (HAProxy's is_idchar, plus the `+` of `base32+src`). */
const NAME = /^[a-zA-Z0-9_.+-]+/;

/** `name(args)` at text[at…]: the name, the arguments and where it ends; or the error text. */
function readCall(text: string, at: number, what: 'fetch' | 'converter'): { name: string; args: string[]; end: number } | string {
  const name = NAME.exec(text.slice(at))?.[0] ?? '';
  let end = at + name.length;
  const args: string[] = [];
  if (text.charAt(end) === '(') {
    let depth = 1;
    let i = end + 1;
    for (; i < text.length && depth > 0; i++) {
      if (text.charAt(i) === '(') depth++;
      else if (text.charAt(i) === ')') depth--;
    }
    if (depth > 0) {
      return what === 'fetch' ? `fetch method '${name}' : expected ')'` : `invalid arg 1 in converter '${name}' : expected ')'`;
    }
    const inner = text.slice(end + 1, i - 1);
    if (inner !== '') args.push(...inner.split(','));
    end = i;
  }
  return { name, args, end };
}

/**
 * Parses one word as a sample expression. Returns the expression, or HAProxy's error text (without its prefix):
 * `missing fetch method`, `unknown fetch method 'x'`, `fetch method 'src' : expected ')'`, `missing comma after
 * fetch keyword 'src'`, `unknown converter 'x'`. Pure.
 */
export function parseSampleKey(word: string | undefined): StickKeyExpr | string {
  const text = word ?? '';
  const fetch = readCall(text, 0, 'fetch');
  if (typeof fetch === 'string') return fetch;
  if (fetch.name === '') return 'missing fetch method';
  if (!HAPROXY_FETCHES.has(fetch.name)) return `unknown fetch method '${fetch.name}'`;
  let at = fetch.end;
  if (at < text.length && text.charAt(at) !== ',') return `missing comma after fetch keyword '${fetch.name}'`;
  const converters: { name: string; args: string[] }[] = [];
  while (at < text.length) {
    // text[at] is a comma; an empty converter (`src,`, `a,,b`) is skipped, as HAProxy does.
    at++;
    if (at >= text.length) break;
    if (text.charAt(at) === ',') continue;
    const conv = readCall(text, at, 'converter');
    if (typeof conv === 'string') return conv;
    if (!HAPROXY_CONVERTERS.has(conv.name)) return `unknown converter '${conv.name === '' ? text.slice(at) : conv.name}'`;
    converters.push({ name: conv.name, args: conv.args });
    at = conv.end;
    if (at < text.length && text.charAt(at) !== ',') return `missing comma after converter '${conv.name}'`;
  }
  return { text, fetch: fetch.name, args: fetch.args, converters };
}
