// Cuts one configuration line into words the way HAProxy 2.6 does (manual §2.2 quoting and escaping, §2.3
// environment variables): unprotected '#' starts a comment, "..." is weak quoting, '...' strong quoting.
// Works on the line's bytes so `\xHH` yields that exact byte and UTF-8 text passes through untouched. Main thread.

import type { SourceRef } from './model.js';

/** One word of a line: its text (UTF-8 decoded) and its exact bytes (for `tcp-check send` payloads). */
export interface Word {
  readonly text: string;
  readonly bytes: Uint8Array;
}

/** A tokenized, non-empty configuration line as every section parser receives it. */
export interface ConfigLine {
  readonly source: SourceRef;
  readonly words: readonly Word[];
  /** The words' texts: `args[0]` is the keyword, as in HAProxy's cfg_parse_*() functions. */
  readonly args: readonly string[];
  /**
   * The environment as it stands at this line (`setenv` and friends in `global` change it for later lines), for
   * the `${VAR}` expansion HAProxy also applies to addresses whatever their quoting (config/address.ts).
   */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface TokenizeContext {
  /** Values for `$NAME` / `${NAME}` inside double quotes (normally process.env). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Values of HAProxy's pseudo-variables `.FILE`, `.LINE`, `.SECTION`. */
  readonly file: string;
  readonly line: number;
  readonly section: string;
}

export type TokenizeResult =
  | { readonly ok: true; readonly words: readonly Word[] }
  | { readonly ok: false; readonly message: string; readonly column: number };

const SPACE = 0x20;
const TAB = 0x09;
const HASH = 0x23;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const BACKSLASH = 0x5c;
const DOLLAR = 0x24;

/** After a backslash: characters that stand for themselves, and the C-style control escapes (§2.2). */
const SELF_ESCAPES = new Set([SPACE, TAB, BACKSLASH, DQUOTE, SQUOTE, HASH, DOLLAR]);
const CONTROL_ESCAPES: ReadonlyMap<number, number> = new Map([
  [0x6e, 0x0a], // \n
  [0x72, 0x0d], // \r
  [0x74, 0x09], // \t
]);

/** HAProxy 2.6 keeps at most this many words of a line (MAX_LINE_ARGS); a longer line is an error. */
export const MAX_LINE_WORDS = 64;

/**
 * The most bytes a line may hold once its variables are expanded. HAProxy sets no bound and hangs on a file that
 * doubles a variable line after line (`setenv A "${A}${A}"`); orcalb refuses the line instead.
 */
export const MAX_EXPANDED_LINE_BYTES = 16 * 1024 * 1024;

// ignoreBOM keeps a leading U+FEFF in the word: HAProxy does not skip a byte order mark either, and dropping it
// here would accept a file HAProxy refuses.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();

/**
 * Splits one line (without its line terminator) into words. Errors carry a 1-based byte column, as HAProxy's
 * "unmatched quote at position N" does. Pure apart from reading `ctx.env`; never throws.
 */
export function tokenizeLine(line: Uint8Array, ctx: TokenizeContext): TokenizeResult {
  // HAProxy reads lines as C strings and refuses one holding a NUL byte (a binary or corrupted file).
  const nul = line.indexOf(0);
  if (nul >= 0) return { ok: false, message: `Stray NUL character at position ${nul + 1}.`, column: nul + 1 };
  const words: Word[] = [];
  // Where each word starts (1-based byte column), for the too-many-words error.
  const starts: number[] = [];
  // Bytes of the finished words, to bound what expansion may add.
  let produced = 0;
  // `cur` is null between words: a word exists as soon as any character or quote starts it, so `""` is a word.
  let cur: WordBuilder | null = null;
  let quote = 0;
  let quoteAt = 0;
  const flush = (): void => {
    if (cur !== null) {
      produced += cur.length;
      words.push(cur.toWord());
    }
    cur = null;
  };
  let i = 0;
  while (i < line.length) {
    const c = line[i] ?? 0;
    if (cur === null && quote === 0 && c !== SPACE && c !== TAB && c !== HASH) starts.push(i + 1);
    if (quote === SQUOTE) {
      // Strong quoting: nothing is interpreted until the closing quote.
      if (c === SQUOTE) quote = 0;
      else (cur ??= new WordBuilder()).push(c);
      i++;
      continue;
    }
    if (quote === 0 && (c === SPACE || c === TAB)) {
      flush();
      i++;
      continue;
    }
    if (quote === 0 && c === HASH) break;
    cur ??= new WordBuilder();
    if (c === BACKSLASH) {
      const step = readEscape(line, i, cur, quote === DQUOTE);
      if (typeof step === 'string') return { ok: false, message: step, column: i + 1 };
      i += step;
    } else if (quote === 0 && (c === DQUOTE || c === SQUOTE)) {
      quote = c;
      quoteAt = i;
      i++;
    } else if (quote === DQUOTE && c === DQUOTE) {
      quote = 0;
      i++;
    } else if (quote === DQUOTE && c === DOLLAR) {
      const expanded = expandVariable(line, i, ctx);
      if (typeof expanded === 'string') return { ok: false, message: expanded, column: i + 2 };
      const adding = expanded.values.reduce((n, v) => n + v.length, 0);
      if (produced + cur.length + adding > MAX_EXPANDED_LINE_BYTES) {
        return {
          ok: false,
          message: `line too long: more than ${MAX_EXPANDED_LINE_BYTES} bytes once the variable at position ${i + 1} is expanded`,
          column: i + 1,
        };
      }
      const [first, ...more] = expanded.values;
      // Copied as a block: spreading a long value as call arguments (push(...value)) overflows the stack.
      if (first !== undefined) cur.append(first);
      // `${VAR[*]}` spreads a list over several words: each further item starts a new word.
      for (const item of more) {
        flush();
        starts.push(i + 1);
        cur = new WordBuilder();
        cur.append(item);
      }
      i = expanded.end;
    } else {
      cur.push(c);
      i++;
    }
  }
  if (quote !== 0) return { ok: false, message: `unmatched quote at position ${quoteAt + 1}`, column: quoteAt + 1 };
  flush();
  if (words.length > MAX_LINE_WORDS) {
    // HAProxy refuses the line rather than run with its end cut off; so does orcalb.
    const column = starts[MAX_LINE_WORDS] ?? 0;
    const extra = words[MAX_LINE_WORDS]?.text ?? '';
    return {
      ok: false,
      message: `too many words (HAProxy's limit is ${MAX_LINE_WORDS} per line): word ${MAX_LINE_WORDS + 1} '${extra}' at position ${column}`,
      column,
    };
  }
  return { ok: true, words };
}

/**
 * Reads the escape at `line[at]` (a backslash) into `out`; returns the bytes consumed, or an error text. `\$` is an
 * escape only inside double quotes, where `$` would expand: elsewhere HAProxy 2.6 keeps both characters.
 */
function readEscape(line: Uint8Array, at: number, out: WordBuilder, inDoubleQuotes: boolean): number | string {
  const next = line[at + 1];
  if (next === undefined) {
    out.push(BACKSLASH);
    return 1;
  }
  if (SELF_ESCAPES.has(next) && (next !== DOLLAR || inDoubleQuotes)) {
    out.push(next);
    return 2;
  }
  const control = CONTROL_ESCAPES.get(next);
  if (control !== undefined) {
    out.push(control);
    return 2;
  }
  if (next === 0x78) {
    const hex = String.fromCharCode(line[at + 2] ?? 0, line[at + 3] ?? 0);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) return `truncated or invalid hexadecimal sequence at position ${at + 1}`;
    out.push(parseInt(hex, 16));
    return 4;
  }
  // Any other backslash is kept literally, as HAProxy does (`"\q"` stays `\q`).
  out.push(BACKSLASH);
  return 1;
}

/** Expands `$NAME`, `${NAME}`, `${NAME-default}` or `${NAME[*]}` starting at the '$' in `line[at]`. */
function expandVariable(
  line: Uint8Array,
  at: number,
  ctx: TokenizeContext,
): { values: Uint8Array[]; end: number } | string {
  const braced = line[at + 1] === 0x7b;
  let j = braced ? at + 2 : at + 1;
  const nameStart = j;
  const first = line[j] ?? 0;
  // Pseudo-variables are the only names allowed to start with a dot (§2.3).
  if (!(isNameStart(first) || first === 0x2e)) {
    return `forbidden first char in environment variable name at position ${at + 2}`;
  }
  j++;
  while (j < line.length && isNameChar(line[j] ?? 0)) j++;
  const name = decoder.decode(line.subarray(nameStart, j));
  let fallback: string | undefined;
  let spread = false;
  if (braced) {
    const close = line.indexOf(0x7d, j);
    if (close < 0) return `no closing brace in environment variable name at position ${at + 1}`;
    const tail = decoder.decode(line.subarray(j, close));
    if (tail === '[*]') spread = true;
    else if (tail.startsWith('-')) fallback = tail.slice(1);
    else if (tail !== '') return `invalid character in environment variable name at position ${j + 1}`;
    j = close + 1;
  }
  const value = variableValue(name, ctx) ?? fallback ?? '';
  const parts = spread ? value.split(/[ \t]+/).filter((p) => p.length > 0) : [value];
  return { values: parts.map((p) => encoder.encode(p)), end: j };
}

function variableValue(name: string, ctx: TokenizeContext): string | undefined {
  if (name === '.FILE') return ctx.file;
  if (name === '.LINE') return String(ctx.line);
  if (name === '.SECTION') return ctx.section;
  return ctx.env[name];
}

function isNameStart(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39);
}

/** The bytes of the word being read, in a buffer that doubles as it fills (a word may be megabytes long). */
class WordBuilder {
  private buf = new Uint8Array(32);
  length = 0;

  push(byte: number): void {
    this.reserve(1);
    this.buf[this.length++] = byte;
  }

  append(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  toWord(): Word {
    const u8 = this.buf.slice(0, this.length);
    return { text: decoder.decode(u8), bytes: u8 };
  }

  private reserve(more: number): void {
    if (this.length + more <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + more) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
}
