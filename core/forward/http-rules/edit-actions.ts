// The rewriting actions of the http rules (HAProxy 2.6 §4.2): header set/add/del/replace on the outgoing head
// (HeadEdit) and mirrored into the parsed head, the request line and status line on the parsed head itself
// (HeadView.setTargetText / setMethodText / setStatusText), so that later rules read the message as rewritten, as
// HAProxy's do (measured on 2.6.12: `set-path /after` then `if { path /after }` matches; `set-header X-A new` then
// `%[req.hdr(x-a)]` gives `new`). Also measured there: a replace-* regex is searched (not anchored) and the whole
// value becomes the replacement with its \1…\9 filled in; replace-value rejoins the values with "," (a replaced one
// loses its leading blanks); set-query with an empty value leaves a bare "?"; set-header evaluates its value before
// deleting the old fields. Forwarder threads, per request: the header set/add/del path allocates only the value.

import type { FetchContext } from '../../acl/fetch-context.js';
import type { CompiledLogFormat } from '../../acl/log-format.js';
import type { HeadEdit } from '../../http1/head-edit.js';
import type { HeadView } from '../../http1/head-view.js';
import { Span, fetchUrl } from '../../http1/head-fetch.js';
import { headerIdOf, type HdrId } from '../../http1/head-names.js';
import { statusReason } from '../../http1/status-reason.js';

/**
 * HAProxy's exp_replace: `replace` with `\0`…`\9` taken from the match, `\\` a backslash, `\xHH` a byte; any other
 * backslash is kept. Allocates the result.
 */
export function expandReplacement(replace: string, m: RegExpExecArray): string {
  if (replace.indexOf('\\') < 0) return replace;
  let out = '';
  for (let i = 0; i < replace.length; i++) {
    const c = replace[i];
    if (c !== '\\' || i + 1 >= replace.length) {
      out += c;
      continue;
    }
    const n = replace.charCodeAt(i + 1);
    if (n >= 0x30 && n <= 0x39) {
      out += m[n - 0x30] ?? '';
      i++;
    } else if (n === 0x5c) {
      out += '\\';
      i++;
    } else if (n === 0x78 && /^[0-9a-fA-F]{2}$/.test(replace.slice(i + 2, i + 4))) {
      out += String.fromCharCode(parseInt(replace.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      out += c;
    }
  }
  return out;
}

/** The regex applied to `text`: the replacement when it matches somewhere, else undefined. */
export function replaceMatch(re: RegExp, text: string, replace: string): string | undefined {
  re.lastIndex = 0;
  const m = re.exec(text);
  return m === null ? undefined : expandReplacement(replace, m);
}

/** A header name compiled once: lower case and its known id. */
export class RuleHeaderName {
  readonly name: string;
  readonly lower: string;
  readonly id: HdrId;
  constructor(name: string) {
    this.name = name;
    this.lower = name.toLowerCase();
    this.id = headerIdOf(this.lower);
  }
}

/**
 * The head the edit rewrites, when its fields and the edit's are still numbered alike: header rewrites are mirrored
 * into it so that the fetches of later rules read the message as rewritten (HAProxy edits the message in place;
 * measured: `set-header X-A new` then `%[req.hdr(x-a)]` gives `new`). A field the session appended to the edit
 * before the rules (it should not: HAProxy adds X-Forwarded-For after them) breaks the numbering; the rewrites then
 * still go out, and fetches see the received head.
 */
function mirrorOf(edit: HeadEdit): HeadView | undefined {
  const v = edit.source;
  return v !== undefined && v.count === edit.count ? v : undefined;
}

/** `set-header` (drop every field of that name, append one) or `add-header`. */
export function setHeader(edit: HeadEdit, name: RuleHeaderName, value: string, replace: boolean): void {
  if (replace) dropNamed(edit, name);
  const mirror = mirrorOf(edit);
  // Appended in lower case, as HAProxy's HTX writes every name: HeadEdit folds an appended name at each write(),
  // which costs a string per request unless it is lower case already.
  edit.append(name.lower, value);
  mirror?.appendField(name.lower, value, name.id);
}

/** Drops every live field called `name` (case-insensitive). Allocates nothing. */
export function dropNamed(edit: HeadEdit, name: RuleHeaderName): void {
  const mirror = mirrorOf(edit);
  const n = edit.count;
  for (let i = 0; i < n; i++) {
    if (!edit.isLive(i) || !edit.nameIs(i, name.lower, name.id)) continue;
    edit.drop(i);
    mirror?.dropField(i);
  }
}

/** `del-header NAME -m beg|end|sub|reg`: names compared in lower case, as HAProxy's HTX keeps them. */
export function dropMatching(edit: HeadEdit, test: (lowerName: string) => boolean): void {
  const mirror = mirrorOf(edit);
  const n = edit.count;
  for (let i = 0; i < n; i++) {
    if (!edit.isLive(i) || !test(edit.name(i).toLowerCase())) continue;
    edit.drop(i);
    mirror?.dropField(i);
  }
}

/** `replace-header` / `replace-value` on every field called `name`. */
export function replaceHeader(edit: HeadEdit, name: RuleHeaderName, re: RegExp, replace: string, perValue: boolean): void {
  const mirror = mirrorOf(edit);
  const n = edit.count;
  for (let i = 0; i < n; i++) {
    if (!edit.isLive(i) || !edit.nameIs(i, name.lower, name.id)) continue;
    const value = edit.value(i);
    if (!perValue) {
      const out = replaceMatch(re, value, replace);
      if (out === undefined) continue;
      edit.setValue(i, out);
      mirror?.setValueText(i, out);
      continue;
    }
    // Measured on 2.6.12: a value that matches becomes the replacement (its leading blanks gone), the others stay
    // as they were, blanks included ("a, c, b" with ^(a|b)$ → "[a], c,[b]").
    let changed = false;
    const parts = value.split(',').map((v) => {
      const out = replaceMatch(re, v.trim(), replace);
      if (out === undefined) return v;
      changed = true;
      return out;
    });
    if (!changed) continue;
    const joined = parts.join(',');
    edit.setValue(i, joined);
    mirror?.setValueText(i, joined);
  }
}

const target = new Span();

/** The request target as forwarded now (after earlier rules). Allocates the string. */
export function currentUri(head: HeadView): string | undefined {
  return fetchUrl(head, target) ? target.toString() : undefined;
}

/** The target split as HAProxy's path actions see it: [scheme://authority][path][?query]. */
function splitUri(uri: string): { readonly before: string; readonly path: string; readonly query: string } {
  let start = 0;
  if (!uri.startsWith('/')) {
    const sep = uri.indexOf('://');
    if (sep >= 0) {
      const slash = uri.slice(sep + 3).search(/[/?]/);
      start = slash < 0 ? uri.length : sep + 3 + slash;
    }
  }
  const q = uri.indexOf('?', start);
  return q < 0 ? { before: uri.slice(0, start), path: uri.slice(start), query: '' } : { before: uri.slice(0, start), path: uri.slice(start, q), query: uri.slice(q) };
}

/** Which part of the request line a set-/replace- action writes. */
export const LINE = { PATH: 0, PATHQ: 1, QUERY: 2, URI: 3, METHOD: 4 } as const;
export type LinePart = (typeof LINE)[keyof typeof LINE];

/** The current text of a part (the query without its "?"). */
export function linePart(head: HeadView, part: LinePart): string | undefined {
  if (!head.isRequest) return undefined;
  if (part === LINE.METHOD) return head.methodString();
  const uri = currentUri(head);
  if (uri === undefined) return undefined;
  if (part === LINE.URI) return uri;
  const s = splitUri(uri);
  if (part === LINE.PATH) return s.path;
  if (part === LINE.PATHQ) return s.path + s.query;
  return s.query.slice(1);
}

/** Writes `value` as the part of the request line (set-path, set-pathq, set-query, set-uri, set-method). */
export function setLinePart(head: HeadView, part: LinePart, value: string): void {
  if (!head.isRequest) return;
  if (part === LINE.METHOD) {
    // An empty method would make the request line unparsable downstream: HAProxy refuses the rewrite too.
    if (value !== '') head.setMethodText(value);
    return;
  }
  const uri = currentUri(head);
  if (uri === undefined) return;
  if (part === LINE.URI) {
    if (value !== '') head.setTargetText(value);
    return;
  }
  const s = splitUri(uri);
  let next: string;
  if (part === LINE.PATH) next = s.before + value + s.query;
  else if (part === LINE.PATHQ) next = s.before + value;
  else next = `${s.before}${s.path}?${value}`;
  if (next !== '') head.setTargetText(next);
}

/** `set-status N [reason R]` on a response head (the reason defaults to HAProxy's phrase for N). */
export function setStatus(head: HeadView, status: number, reason: string | undefined): void {
  if (head.isRequest) return;
  head.setStatusText(status, reason ?? statusReason(status));
}

/** A compiled log-format's value as a header value (CR, LF, NUL left out). */
export function headerValue(format: CompiledLogFormat, ctx: FetchContext): string {
  return format.evaluate(ctx, true);
}
