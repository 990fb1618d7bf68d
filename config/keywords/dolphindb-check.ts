// `option dolphindb-check [user <u> password <p>] [script <s>]`: orcalb's own health check for DolphinDB data
// nodes, named like HAProxy's protocol checks (mysql-check, pgsql-check, redis-check; manual §4.2) and written
// in their style → config/model.ts DolphinDbCheckConfig. Main thread, config parsing.

import { DEFAULT_DOLPHINDB_CHECK_SCRIPT } from '../defaults.js';
import type { DolphinDbCheckConfig } from '../model.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';

const WHAT: Readonly<Record<string, string>> = { user: '<username>', password: '<password>', script: '<script>' };

/**
 * Reads the words after `option dolphindb-check` (pairs in any order; `user` and `password` go together).
 * Returns the settings, or undefined after reporting an error. The script may hold spaces when quoted.
 */
export function parseDolphinDbCheck(ctx: ProxyLineContext, rest: readonly string[]): DolphinDbCheckConfig | undefined {
  const { at, diag } = ctx;
  const values: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const word = rest[i] ?? '';
    const value = rest[i + 1];
    const what = WHAT[word];
    if (what === undefined) {
      return diag.badValue(
        `'option dolphindb-check' only supports optional values: 'user', 'password' and 'script' (got '${word}').`,
        at,
        { found: word },
      );
    }
    if (value === undefined || value === '') {
      return diag.badValue(`'option dolphindb-check ${word}' expects ${what} as argument.`, at);
    }
    values[word] = value;
  }
  const { user, password, script } = values;
  // A login needs both halves; DolphinDB would answer a half login with an error on every check.
  if ((user === undefined) !== (password === undefined)) {
    return diag.badValue("'option dolphindb-check' expects 'user <username>' and 'password <password>' together.", at);
  }
  return {
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
    script: script ?? DEFAULT_DOLPHINDB_CHECK_SCRIPT,
  };
}
