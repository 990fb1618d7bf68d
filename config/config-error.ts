// ConfigError and ConfigWarning: a problem in a configuration file, rendered as HAProxy 2.6's parser renders its
// `[ALERT]`/`[WARNING]` lines (`[file:line] : 'keyword' : what is wrong (expected …)`). The config language's own error
// type, on the one code table of core/errors.ts (a leaf module: the only file of core/ that config/ imports besides
// core/balance/registry.ts). Main thread (config loading, `orcalb -c`).

import { OrcaError, type OrcaErrorCode } from '../core/errors.js';

export interface ConfigErrorInit {
  readonly file: string;
  readonly line: number;
  readonly column?: number;
  /** What HAProxy puts in quotes after the location, e.g. `server ddb_backend/node1` or `balance`. */
  readonly keyword?: string;
  readonly found?: string;
  readonly expected?: string;
}

/** A problem in a configuration file, rendered as HAProxy renders its `[ALERT]` lines. */
export class ConfigError extends OrcaError {
  readonly file: string;
  readonly line: number;
  readonly column: number | undefined;
  readonly keyword: string | undefined;
  readonly found: string | undefined;
  readonly expected: string | undefined;

  constructor(code: OrcaErrorCode, message: string, init: ConfigErrorInit) {
    super(code, message);
    this.name = 'ConfigError';
    this.file = init.file;
    this.line = init.line;
    this.column = init.column;
    this.keyword = init.keyword;
    this.found = init.found;
    this.expected = init.expected;
  }

  /** `[file:line] : 'keyword' : message (expected …)` — HAProxy's layout, one line. */
  render(): string {
    const where = `[${this.file}:${this.line}]`;
    const what = this.keyword === undefined ? '' : ` : '${this.keyword}'`;
    const exp = this.expected === undefined ? '' : ` (expected ${this.expected})`;
    return `${where}${what} : ${this.message}${exp}`;
  }
}

/** A configuration warning: kept apart from errors, never fatal. Same location fields as ConfigError. */
export interface ConfigWarning {
  readonly file: string;
  readonly line: number;
  readonly keyword?: string;
  readonly message: string;
}

export function renderWarning(w: ConfigWarning): string {
  const what = w.keyword === undefined ? '' : ` : '${w.keyword}'`;
  return `[${w.file}:${w.line}]${what} : ${w.message}`;
}
