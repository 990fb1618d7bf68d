// `orcalb -c`: renders a LoadResult as HAProxy 2.6's `haproxy -c` does: one `[ALERT]` line per error, one
// `[WARNING]` line per warning, HAProxy's closing lines, then "Configuration file is valid" when there is no error.
// Main thread (CLI); pure formatting, the caller prints the lines (HAProxy prints them on stderr).

import { renderWarning } from '../core/errors.js';
import type { LoadResult } from './load-config.js';

/** HAProxy pads the level tag to 11 characters: `[ALERT]    `, `[WARNING]  `. */
const ALERT = '[ALERT]    ';
const WARNING = '[WARNING]  ';

/**
 * HAProxy-style diagnostic lines: `[ALERT]    (PID) : config : [file:line] : ...` for errors,
 * `[WARNING]  (PID) : config : ...` for warnings, and the closing line(s); plus `Configuration file is valid`
 * when there are no errors. Returns {lines, exitCode} (0 valid, 1 errors). Pure; never throws.
 */
export function checkReport(result: LoadResult, pid: number): { lines: string[]; exitCode: 0 | 1 } {
  const alert = (text: string): string => `${ALERT}(${pid}) : config : ${text}`;
  const lines: string[] = [];
  // HAProxy prints warnings as it meets them, interleaved with alerts; orcalb lists warnings first so the
  // errors, which decide the verdict, end up next to the closing lines.
  for (const w of result.warnings) lines.push(`${WARNING}(${pid}) : config : ${renderWarning(w)}`);
  for (const e of result.errors) lines.push(alert(e.render()));
  if (result.errors.length === 0) {
    if (result.warnings.length > 0) lines.push('Warnings were found.');
    lines.push('Configuration file is valid');
    return { lines, exitCode: 0 };
  }
  // HAProxy's closing lines: address failures are reported by the server initialisation step, parse errors per
  // file, then the fatal summary.
  const resolveFailures = result.errors.filter((e) => e.code === 'ORCA_CONFIG_RESOLVE' && e.keyword?.startsWith('server '));
  const others = result.errors.filter((e) => !resolveFailures.includes(e));
  if (resolveFailures.length > 0) lines.push(alert('Failed to initialize server(s) addr.'));
  const files = [...new Set(others.filter((e) => e.code !== 'ORCA_CONFIG_REFERENCE').map((e) => e.file))];
  for (const file of files) lines.push(alert(`Error(s) found in configuration file : ${file}`));
  if (others.length > 0) lines.push(alert('Fatal errors found in configuration.'));
  return { lines, exitCode: 1 };
}
