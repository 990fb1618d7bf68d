// Regular expressions of ACL patterns (`-m reg`, manual §7.1.4) and of regsub/map_reg, compiled once at load so that
// V8's linear-time engine can always take over: a client's header can never make a match backtrack for hours, as it
// could with a plain backtracking engine and a pattern like `^(a+)+$` (HAProxy bounds PCRE2 with a match limit; V8
// has none). Each pattern must compile for the linear engine (the `l` flag); it then runs on V8's fast backtracking
// engine, which V8 switches to the linear one after 50 000 backtracks in one match
// (--enable-experimental-regexp-engine-on-excessive-backtracks): 30 ns for a header match, 1 ms for an attack.
// Patterns run over Latin-1 text so they compare bytes as PCRE2 (non-UTF mode) does. What the linear engine lacks is
// supplied or refused: `-i` becomes explicit ASCII case classes (PCRE2's C-locale folding), `\A` `\z` `\Z` become
// `^` `$` (no multi-line mode is ever used), a leading `(?i)` becomes -i, and a pattern that needs backtracking
// (back-references, look-ahead) is refused at load, never accepted to wedge a forwarder later.
// Main thread at load, forwarder threads per match (a sample is turned into a string first: regex matches allocate).

import { setFlagsFromString } from 'node:v8';

// V8's linear engine and the fallback to it sit behind flags; flags are process-wide and this runs before any regex
// is compiled (every thread imports this module first). Setting them twice is harmless.
setFlagsFromString('--enable-experimental-regexp-engine');
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

/** The UTF-8 bytes of `text` as a Latin-1 string (one char per byte). */
function bytesAsLatin1(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

const isLower = (c: string): boolean => c >= 'a' && c <= 'z';
const isUpper = (c: string): boolean => c >= 'A' && c <= 'Z';
const otherCase = (c: string): string => (isLower(c) ? c.toUpperCase() : isUpper(c) ? c.toLowerCase() : c);

/** Escapes whose letter is not a literal: classes, anchors, control and code escapes (their payload follows). */
const ESCAPE_PAYLOAD: Readonly<Record<string, number>> = { x: 2, u: 4, c: 1 };

/**
 * The pattern with PCRE's anchors rewritten and, with `fold`, every ASCII letter made case-insensitive by hand:
 * `a` → `[aA]` outside a class, and a class gets the other case of its letters and letter ranges. Escapes are kept.
 */
function rewrite(source: string, fold: boolean): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i] ?? '';
    if (c === '\\') {
      const n = source[i + 1] ?? '';
      if (n === 'A') out += '^';
      else if (n === 'z' || n === 'Z') out += '$';
      else out += `\\${n}${source.slice(i + 2, i + 2 + (ESCAPE_PAYLOAD[n] ?? 0))}`;
      i += 2 + (ESCAPE_PAYLOAD[n] ?? 0);
      continue;
    }
    if (c === '[') {
      const end = classEnd(source, i);
      // An unterminated class is left as written, for the engine to refuse it.
      if (end < 0) return out + source.slice(i);
      // PCRE reads a `]` first in a class as a member; JavaScript would end the class there: escape it.
      const cls = source.slice(i, end).replace(/^\[(\^?)\]/, '[$1\\]');
      out += fold ? foldClass(cls) : cls;
      i = end;
      continue;
    }
    out += fold && (isLower(c) || isUpper(c)) ? `[${c}${otherCase(c)}]` : c;
    i++;
  }
  return out;
}

/** Where the class starting at `[` ends (after its `]`), -1 without one; a `]` right after `[` or `[^` is a member. */
function classEnd(source: string, start: number): number {
  let i = start + 1;
  if (source[i] === '^') i++;
  if (source[i] === ']') i++;
  while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
  return i < source.length ? i + 1 : -1;
}

/** A class with the other case of its ASCII letters and letter ranges appended. */
function foldClass(cls: string): string {
  const body = cls.slice(1, -1);
  let extra = '';
  let i = body.startsWith('^') ? 1 : 0;
  while (i < body.length) {
    if (body[i] === '\\') {
      i += 2 + (ESCAPE_PAYLOAD[body[i + 1] ?? ''] ?? 0);
      continue;
    }
    const lo = body[i] ?? '';
    if (body[i + 1] === '-' && i + 2 < body.length && body[i + 2] !== '\\') {
      const hi = body[i + 2] ?? '';
      extra += foldRange(lo, hi);
      i += 3;
      continue;
    }
    if (isLower(lo) || isUpper(lo)) extra += otherCase(lo);
    i++;
  }
  return `[${body}${extra}]`;
}

/** The other-case counterpart of the letters a range lo-hi covers. */
function foldRange(lo: string, hi: string): string {
  let out = '';
  const span = (a: string, b: string, first: string, last: string, to: (s: string) => string): void => {
    const from = a > first ? a : first;
    const upto = b < last ? b : last;
    if (from <= upto) out += `${to(from)}-${to(upto)}`;
  };
  span(lo, hi, 'a', 'z', (s) => s.toUpperCase());
  span(lo, hi, 'A', 'Z', (s) => s.toLowerCase());
  return out;
}

/**
 * Compiles an ACL or converter regex for the linear engine. `ignoreCase` is `-i` (or regsub's `i`); `global` makes it
 * usable with exec() loops (lastIndex). Returns the RegExp, or the reason it is refused ("regex '…' is invalid
 * (error=…)", as HAProxy words an invalid one). Never throws.
 */
export function compileRegex(source: string, ignoreCase: boolean, global = false): RegExp | string {
  let body = source;
  let icase = ignoreCase;
  // PCRE's leading option setting.
  if (body.startsWith('(?i)')) {
    body = body.slice(4);
    icase = true;
  }
  const text = rewrite(bytesAsLatin1(body), icase);
  try {
    new RegExp(text);
  } catch (e) {
    // V8 words it `Invalid regular expression: /(abc/: Unterminated group`: the reason is what follows the source.
    const why = e instanceof Error ? e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(e);
    return `regex '${source}' is invalid (error=${why})`;
  }
  try {
    // Only a pattern the linear engine accepts can fall back to it: that one is the check; the fast engine runs it.
    new RegExp(text, 'l');
    return new RegExp(text, global ? 'g' : '');
  } catch {
    return `regex '${source}' needs back-references or look-ahead, which orcalb does not run (only linear-time regexes: a client's input could make it backtrack without end)`;
  }
}
