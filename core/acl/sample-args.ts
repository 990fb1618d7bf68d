// The argument list of a sample fetch or converter, `name(arg1,arg2)` (manual §7.3: "arguments are passed between
// parenthesis and are delimited by commas"), cut and typed as HAProxy 2.6 does: a second level of quoting inside the
// list ('…' keeps everything, "…" unescapes \" and \\), typed arguments checked at load, with its error texts
// ("missing arguments (got 1/2), type 'integer' expected", "failed to parse 'b' as type 'integer' at position 2").
// Main thread, config loading (core/acl/sample-expr.ts); pure.

import type { SampleArg } from '../../config/model.js';
import { parseNetwork } from '../net/network.js';

/** HAProxy's argument types (ARGT_*), named as its messages and `-dKsmp` name them. */
export type ArgType =
  | 'string'
  | 'integer'
  | 'backend'
  | 'frontend'
  | 'server'
  | 'user list'
  | 'IPv4 mask'
  | 'IPv6 mask'
  | 'regex'
  | 'table';

/** What a keyword takes: argument types in order, the first `mandatory` of them required. */
export interface ArgsSpec {
  readonly types: readonly ArgType[];
  readonly mandatory: number;
}

export const NO_ARGS: ArgsSpec = { types: [], mandatory: 0 };

export type ArgsResult =
  | { readonly ok: true; readonly args: readonly SampleArg[]; readonly end: number }
  | { readonly ok: false; readonly message: string };

const QUOTE = 0x27;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Reads the raw words of a list starting just after `(` at text[start]: each argument up to a top-level `,` or `)`,
 * quotes removed. Returns the words and the position after `)`, or undefined when `)` never comes.
 */
function cutWords(text: string, start: number): { words: string[]; end: number } | undefined {
  const words: string[] = [];
  let word = '';
  let quote = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote === QUOTE) {
      if (c === QUOTE) quote = 0;
      else word += text[i];
      continue;
    }
    if (quote === DQUOTE) {
      // Inside "…" a backslash escapes `"` and `\` only; before anything else it stays (`"\2:\1"` keeps its
      // back-references), as haproxy 2.6.12 reads it (measured).
      if (c === DQUOTE) quote = 0;
      else if (c === BACKSLASH && (text[i + 1] === '"' || text[i + 1] === '\\')) word += text[++i];
      else word += text[i];
      continue;
    }
    if (c === QUOTE || c === DQUOTE) quote = c;
    else if (c === 0x2c) {
      words.push(word);
      word = '';
    } else if (c === 0x29) {
      words.push(word);
      return { words, end: i + 1 };
    } else word += text[i];
  }
  return undefined;
}

/** `255.255.255.0` or `24` (IPv4), `ffff:ffff::` or `64` (IPv6) as a prefix length; -1 when not a mask. */
function maskPrefix(word: string, v6: boolean): number {
  if (/^\d{1,3}$/.test(word)) {
    const n = Number(word);
    return n <= (v6 ? 128 : 32) ? n : -1;
  }
  // A contiguous netmask written as an address: the network code reads it as a /N network of all ones.
  const net = parseNetwork(`${v6 ? '::' : '0.0.0.0'}/${word}`);
  if (net !== undefined && !v6) return net.prefix;
  if (v6) {
    const bytes = parseNetwork(word);
    if (bytes === undefined || bytes.bytes.length !== 16) return -1;
    let prefix = 0;
    let ended = false;
    for (const b of bytes.bytes) {
      for (let bit = 7; bit >= 0; bit--) {
        const one = ((b >> bit) & 1) === 1;
        if (one && ended) return -1;
        if (one) prefix++;
        else ended = true;
      }
    }
    return prefix;
  }
  return -1;
}

/** Types one word; a string on failure (HAProxy's "failed to parse" is built by the caller). */
function typed(word: string, type: ArgType): SampleArg | undefined {
  switch (type) {
    case 'string':
      return { kind: 'str', text: word };
    case 'regex':
      return { kind: 'regex', source: word, ignoreCase: false };
    case 'integer': {
      // strtoll-like: an optional sign and digits, nothing else.
      if (!/^[-+]?\d+$/.test(word)) return undefined;
      return { kind: 'int', value: Number(word) };
    }
    case 'backend':
    case 'frontend':
      return word === '' ? undefined : { kind: type, name: word };
    case 'user list':
      return word === '' ? undefined : { kind: 'userlist', name: word };
    case 'table':
      return word === '' ? undefined : { kind: 'table', name: word };
    case 'server': {
      if (word === '') return undefined;
      const slash = word.indexOf('/');
      return slash < 0 ? { kind: 'server', server: word } : { kind: 'server', backend: word.slice(0, slash), server: word.slice(slash + 1) };
    }
    case 'IPv4 mask':
    case 'IPv6 mask': {
      const prefix = maskPrefix(word, type === 'IPv6 mask');
      return prefix < 0 ? undefined : { kind: 'mask', prefix };
    }
  }
}

/**
 * Parses the argument list of keyword `who` (`fetch method 'x'`, `converter 'y'`) at text[start]: with `(` there,
 * the list up to its `)`; otherwise no argument. Checks the count and the types against `spec`. Pure; never throws.
 */
export function parseArgs(text: string, start: number, spec: ArgsSpec): ArgsResult {
  let words: string[] = [];
  let end = start;
  if (text[start] === '(') {
    const cut = cutWords(text, start + 1);
    if (cut === undefined) return { ok: false, message: `missing closing ')' after arguments to '${text.slice(0, start)}'` };
    // `name()` is an empty list, not one empty argument.
    words = cut.words.length === 1 && cut.words[0] === '' ? [] : cut.words;
    end = cut.end;
  }
  // HAProxy reads the arguments in order: a bad type is reported before a surplus argument.
  const args: SampleArg[] = [];
  for (let i = 0; i < words.length && i < spec.types.length; i++) {
    const type = spec.types[i] ?? 'string';
    const word = words[i] ?? '';
    const arg = typed(word, type);
    if (arg === undefined) return { ok: false, message: `failed to parse '${word}' as type '${type}' at position ${i + 1}` };
    args.push(arg);
  }
  if (words.length > spec.types.length) {
    // HAProxy stops after the last argument it expects and wants the closing parenthesis there.
    return { ok: false, message: `expected ')' before '${restAfter(text, start + 1, spec.types.length)}'` };
  }
  if (words.length < spec.mandatory) {
    const want = spec.types[words.length] ?? 'string';
    if (text[start] !== '(') return { ok: false, message: `expected type '${want}' at position ${words.length + 1}, but got nothing` };
    return { ok: false, message: `missing arguments (got ${words.length}/${spec.mandatory}), type '${want}' expected` };
  }
  return { ok: true, args, end };
}

/** The text of the list from its n-th top-level comma on (what HAProxy quotes after "expected ')' before"). */
function restAfter(text: string, start: number, n: number): string {
  if (n === 0) return text.slice(start);
  let seen = 0;
  let quote = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
      else if (quote === DQUOTE && c === BACKSLASH) i++;
      continue;
    }
    if (c === QUOTE || c === DQUOTE) quote = c;
    else if (c === 0x2c && ++seen === n) return text.slice(i);
  }
  return text.slice(start);
}
