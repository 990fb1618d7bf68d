// The error and warning collector every config parser writes into: parsing never stops at the first problem
// (HAProxy's cfgparse collects every ALERT of a file). One Diagnostics per loadConfig() call, main thread.

import { ConfigError, type ConfigErrorInit, type ConfigWarning, type OrcaErrorCode } from '../core/errors.js';
import type { SourceRef } from './model.js';

/** Extra ConfigError fields beyond the location. */
export type ErrorDetail = Omit<ConfigErrorInit, 'file' | 'line'>;

export class Diagnostics {
  readonly errors: ConfigError[] = [];
  readonly warnings: ConfigWarning[] = [];

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

  /** The standard "known to HAProxy 2.6, not implemented by orcalb yet" warning. */
  notImplemented(keyword: string, at: SourceRef, consequence = 'ignored'): void {
    this.warn(`'${keyword}' is not implemented yet by orcalb; ${consequence}`, at);
  }
}
