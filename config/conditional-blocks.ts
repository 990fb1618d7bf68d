// Conditional blocks and status directives (manual §2.4): `.if/.elif/.else/.endif` with 0/1, defined(),
// feature(), streq(), strneq(), version_atleast(), version_before(), '!', '&&', '||' and parentheses, plus
// `.notice/.warning/.alert/.diag`. One ConditionalBlocks per file. Main thread, config parsing.

import type { Diagnostics } from './diagnostics.js';
import type { ConfigLine } from './tokenize.js';

/** The HAProxy version whose language orcalb reads, for version_atleast()/version_before(). */
export const COMPAT_VERSION = '2.6.12';

interface Level {
  /** This level's lines are read. */
  active: boolean;
  /** Some branch of this level was taken already (later .elif/.else stay inactive). */
  taken: boolean;
  /** The enclosing level is active (an inactive parent disables every branch). */
  readonly parentActive: boolean;
  seenElse: boolean;
  readonly line: number;
}

export class ConditionalBlocks {
  readonly #levels: Level[] = [];
  readonly #env: Readonly<Record<string, string | undefined>>;

  constructor(env: Readonly<Record<string, string | undefined>>) {
    this.#env = env;
  }

  /** True when ordinary lines at this point are read. */
  get active(): boolean {
    return this.#levels.at(-1)?.active ?? true;
  }

  /**
   * Handles a line whose first word starts with '.'; returns false when it is not a directive this class knows
   * (the caller then reports it). Errors and `.warning`/`.alert` messages go to `diag`.
   */
  handle(line: ConfigLine, diag: Diagnostics): boolean {
    const [directive = '', ...rest] = line.args;
    const at = line.source;
    const top = this.#levels.at(-1);
    switch (directive) {
      case '.if': {
        const parentActive = this.active;
        const value = parentActive && this.#evaluate(rest, diag, line);
        this.#levels.push({ active: value, taken: value, parentActive, seenElse: false, line: at.line });
        return true;
      }
      case '.elif':
      case '.else':
        if (top === undefined || top.seenElse) {
          diag.error('ORCA_CONFIG_SYNTAX', `'${directive}' appears without a matching '.if'.`, at);
          return true;
        }
        if (directive === '.else') top.seenElse = true;
        if (top.taken || !top.parentActive) {
          top.active = false;
        } else {
          top.active = directive === '.else' || this.#evaluate(rest, diag, line);
          top.taken = top.active;
        }
        return true;
      case '.endif':
        if (this.#levels.pop() === undefined) diag.error('ORCA_CONFIG_SYNTAX', "'.endif' appears without a matching '.if'.", at);
        return true;
      case '.notice':
      case '.diag':
        return true;
      case '.warning':
        if (this.active) diag.warn(rest.join(' '), at);
        return true;
      case '.alert':
        if (this.active) diag.error('ORCA_CONFIG_SYNTAX', rest.join(' '), at);
        return true;
      default:
        return false;
    }
  }

  /** Reports blocks left open at the end of a file (each file must close its own blocks). */
  finish(file: string, diag: Diagnostics): void {
    for (const level of this.#levels) {
      diag.error('ORCA_CONFIG_SYNTAX', "missing '.endif' for the '.if' opened at this line.", { file, line: level.line });
    }
    this.#levels.length = 0;
  }

  #evaluate(words: readonly string[], diag: Diagnostics, line: ConfigLine): boolean {
    const parser = new ConditionParser(words.join(' '), this.#env);
    try {
      return parser.parse();
    } catch (e) {
      diag.error('ORCA_CONFIG_SYNTAX', `unparsable conditional expression: ${(e as Error).message}`, line.source);
      return false;
    }
  }
}

/** Recursive descent over `expr := and ('||' and)*; and := term ('&&' term)*; term := '!' term | '(' expr ')' | atom`. */
class ConditionParser {
  #pos = 0;
  readonly #text: string;
  readonly #env: Readonly<Record<string, string | undefined>>;

  constructor(text: string, env: Readonly<Record<string, string | undefined>>) {
    this.#text = text.trim();
    this.#env = env;
  }

  parse(): boolean {
    if (this.#text === '') return false;
    const value = this.#or();
    this.#skip();
    if (this.#pos < this.#text.length) throw new Error(`unexpected '${this.#text.slice(this.#pos)}'`);
    return value;
  }

  #or(): boolean {
    let value = this.#and();
    // The right side is always parsed (not short-circuited) so a syntax error anywhere is reported.
    while (this.#eat('||')) value = this.#and() || value;
    return value;
  }

  #and(): boolean {
    let value = this.#term();
    while (this.#eat('&&')) value = this.#term() && value;
    return value;
  }

  #term(): boolean {
    if (this.#eat('!')) return !this.#term();
    if (this.#eat('(')) {
      const value = this.#or();
      if (!this.#eat(')')) throw new Error("missing ')'");
      return value;
    }
    this.#skip();
    const m = /^([a-z_]+)\(([^)]*)\)|^(-?\d+)/.exec(this.#text.slice(this.#pos));
    if (m === null) throw new Error(`unknown term '${this.#text.slice(this.#pos)}'`);
    this.#pos += m[0].length;
    if (m[3] !== undefined) return Number(m[3]) !== 0;
    return this.#predicate(m[1] ?? '', (m[2] ?? '').split(','));
  }

  #predicate(name: string, args: readonly string[]): boolean {
    const [a = '', b = ''] = args;
    switch (name) {
      case 'defined':
        return this.#env[a] !== undefined;
      case 'feature':
        // orcalb is built without any of HAProxy's optional features (OPENSSL, LUA, ...).
        return false;
      case 'streq':
        return a === b;
      case 'strneq':
        return a !== b;
      case 'version_atleast':
        return compareVersions(COMPAT_VERSION, a) >= 0;
      case 'version_before':
        return compareVersions(COMPAT_VERSION, a) < 0;
      default:
        throw new Error(`unknown predicate '${name}'`);
    }
  }

  #eat(token: string): boolean {
    this.#skip();
    if (!this.#text.startsWith(token, this.#pos)) return false;
    this.#pos += token.length;
    return true;
  }

  #skip(): void {
    while (this.#text[this.#pos] === ' ') this.#pos++;
  }
}

/** Compares dotted versions ("2.6.12", "2.4-dev19"): missing components count as zero, suffixes are ignored. */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
