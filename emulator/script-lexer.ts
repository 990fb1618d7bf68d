// Tokens of the small DolphinDB script subset the emulated node evaluates: numbers, strings, backtick symbols,
// identifiers, operators and separators. Lenient: a character it does not know becomes an 'other' token, so a
// `def` body full of unsupported syntax can still be skipped whole. Pure; runs on the emulated node's thread.

export type TokenKind = 'int' | 'float' | 'string' | 'symbols' | 'ident' | 'op' | 'newline' | 'other' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Source text (for 'string' the unquoted value; for 'symbols' the names joined by backticks). */
  readonly text: string;
  /** 1-based line, for DolphinDB's `[line #N]` error prefix. */
  readonly line: number;
}

/** Longer operators first so `..` and `==` win over `.` and `=`. */
const OPERATORS = ['..', '==', '!=', '<=', '>=', '&&', '||', '+', '-', '*', '/', '(', ')', '[', ']', '{', '}', ',', '=', ';', ':', '<', '>', '!', '&', '|', '.', '%', '$', '@', '?', '^', '\\'];

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;

/** Splits `script` into tokens ending with one 'eof'. Never throws: unterminated strings run to the end. */
export function tokenize(script: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  const n = script.length;
  while (i < n) {
    const c = script[i] ?? '';
    if (c === '\n') { out.push({ kind: 'newline', text: '\n', line }); line++; i++; continue; }
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === '/' && script[i + 1] === '/') {
      while (i < n && script[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && script[i + 1] === '*') {
      const end = script.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let k = i; k < stop; k++) if (script[k] === '\n') line++;
      i = stop;
      continue;
    }
    if (DIGIT.test(c)) {
      let j = i;
      while (j < n && DIGIT.test(script[j] ?? '')) j++;
      // `1..3` is a range, not the float `1.`: only a dot followed by a digit makes a float.
      let kind: TokenKind = 'int';
      if (script[j] === '.' && DIGIT.test(script[j + 1] ?? '')) {
        kind = 'float';
        j++;
        while (j < n && DIGIT.test(script[j] ?? '')) j++;
      }
      out.push({ kind, text: script.slice(i, j), line });
      i = j;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      while (j < n && script[j] !== c) {
        if (script[j] === '\\' && j + 1 < n) { value += script[j + 1]; j += 2; continue; }
        if (script[j] === '\n') line++;
        value += script[j];
        j++;
      }
      out.push({ kind: 'string', text: value, line });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      // `a`b`c: a run of backtick names is one STRING vector literal.
      const names: string[] = [];
      let j = i;
      while (script[j] === '`') {
        let k = j + 1;
        while (k < n && IDENT_PART.test(script[k] ?? '')) k++;
        names.push(script.slice(j + 1, k));
        j = k;
      }
      out.push({ kind: 'symbols', text: names.join('`'), line });
      i = j;
      continue;
    }
    if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < n && IDENT_PART.test(script[j] ?? '')) j++;
      out.push({ kind: 'ident', text: script.slice(i, j), line });
      i = j;
      continue;
    }
    const op = OPERATORS.find((o) => script.startsWith(o, i));
    if (op !== undefined) {
      out.push({ kind: 'op', text: op, line });
      i += op.length;
      continue;
    }
    out.push({ kind: 'other', text: c, line });
    i++;
  }
  out.push({ kind: 'eof', text: '', line });
  return out;
}
