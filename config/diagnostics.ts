// The error and warning collector every config parser writes into: parsing never stops at the first problem
// (HAProxy's cfgparse collects every ALERT of a file). One Diagnostics per loadConfig() call, main thread.

import type { OrcaErrorCode } from '../core/errors.js';
import { ConfigError, type ConfigErrorInit, type ConfigWarning } from './config-error.js';
import type { SourceRef } from './model.js';
import { notImplementedVerdict } from './not-implemented.js';

/** Extra ConfigError fields beyond the location. */
export type ErrorDetail = Omit<ConfigErrorInit, 'file' | 'line'>;

export class Diagnostics {
  readonly errors: ConfigError[] = [];
  readonly warnings: ConfigWarning[] = [];
  /**
   * Keys a parser reports through notImplemented() that are implemented after all: the rule program's keys, which
   * the HTTP sessions run (load-config.ts), and LoadOptions.implemented (tests of a feature before sessions run it).
   */
  private readonly implemented: ReadonlySet<string>;

  constructor(implemented: Iterable<string> = []) {
    this.implemented = new Set(implemented);
  }
  /** The keys of config/not-implemented.ts warned about so far (ignored lines): later checks may depend on them. */
  readonly ignoredKeys: string[] = [];

  /** Records an error at `at`; returns undefined so handlers can `return diag.error(...)`. */
  error(code: OrcaErrorCode, message: string, at: SourceRef, detail: ErrorDetail = {}): undefined {
    this.errors.push(new ConfigError(code, message, { file: at.file, line: at.line, ...detail }));
    return undefined;
  }

  /** Records a warning at `at`; `keyword` goes in quotes after the location when rendered. */
  warn(message: string, at: SourceRef, keyword?: string): void {
    this.warnings.push(
      keyword === undefined
        ? { file: at.file, line: at.line, message }
        : { file: at.file, line: at.line, keyword, message },
    );
  }

  /** Shorthand for the commonest error: a value of the wrong form or range. */
  badValue(message: string, at: SourceRef, detail: ErrorDetail = {}): undefined {
    return this.error('ORCA_CONFIG_BAD_VALUE', message, at, detail);
  }

  /**
   * HAProxy's "'daemon' cannot handle unexpected argument '1'." when `args` (keyword first) has more than `max`
   * arguments after `words` keyword words. Returns true when it reported an error.
   */
  tooManyArgs(args: readonly string[], max: number, at: SourceRef, words = 1): boolean {
    const extra = args[words + max];
    if (extra === undefined) return false;
    const keyword = args.slice(0, words).join(' ');
    this.error('ORCA_CONFIG_SYNTAX', `'${keyword}' cannot handle unexpected argument '${extra}'.`, at);
    return true;
  }

  /**
   * A keyword HAProxy 2.6 has and orcalb does not implement yet, judged by config/not-implemented.ts: an error
   * (ORCA_CONFIG_NOT_IMPLEMENTED) when it restricts access, secures traffic or protects the service, so orcalb
   * refuses to start rather than run without it; otherwise the standard warning ending in `consequence`.
   * `key` is the table's key (`http-request deny`, `bind ... ssl`, `global chroot`); `note` may change what is
   * quoted (`shown`), put a label after the location (`label`, e.g. `server b/s`) or replace the warning text.
   */
  notImplemented(key: string, at: SourceRef, consequence = 'ignored', note: NotImplementedNote = {}): void {
    if (this.implemented.has(key)) return;
    const shown = note.shown ?? key;
    const label = note.label;
    const judged = notImplementedVerdict(key);
    if (judged.verdict === 'refused') {
      const why = judged.classified ? judged.why : `'${key}' ${judged.why}`;
      this.error(
        'ORCA_CONFIG_NOT_IMPLEMENTED',
        `orcalb does not implement '${shown}' yet; refusing to start rather than serve without it (${why}).`,
        at,
        label === undefined ? { found: shown } : { found: shown, keyword: label },
      );
      return;
    }
    this.ignoredKeys.push(key);
    this.warn(note.warning ?? `'${shown}' is not implemented yet by orcalb; ${consequence}`, at, label);
  }
}

/** How a not-implemented keyword is named in its message (see Diagnostics.notImplemented). */
export interface NotImplementedNote {
  readonly shown?: string;
  readonly label?: string;
  readonly warning?: string;
}
