// `orcalb -c`: renders a LoadResult as HAProxy 2.6's `haproxy -c` does: one `[ALERT]` line per error, one
// `[WARNING]` line per warning, HAProxy's closing lines, then "Configuration file is valid" (or the no-listener
// line, exit 2) when there is no error; and the refusal a normal start prints when there is nothing to run.
// Main thread (CLI); pure formatting, the caller prints the lines (HAProxy prints them on stderr).

import { renderWarning } from './config-error.js';
import type { LoadResult } from './load-config.js';

/** HAProxy pads the level tag to 11 characters: `[ALERT]    `, `[WARNING]  `. */
const ALERT = '[ALERT]    ';
const WARNING = '[WARNING]  ';

/** How the report is used: `orcalb -c` (exit 2 for "valid but nothing to run") or a normal start. */
export type ReportMode = 'check' | 'start';

/**
 * HAProxy-style diagnostic lines: `[ALERT]    (PID) : config : [file:line] : ...` for errors,
 * `[WARNING]  (PID) : config : ...` for warnings, and the closing line(s). Exit codes as HAProxy 2.6's: 1 for
 * errors; for a valid configuration without a listener, `-c` says so and exits 2, while a start refuses with an
 * [ALERT] and exit 1; otherwise
 * `Configuration file is valid` and 0. Pure; never throws.
 */
export function checkReport(
  result: LoadResult,
  pid: number,
  mode: ReportMode = 'check',
): { lines: string[]; exitCode: 0 | 1 | 2 } {
  const alert = (text: string): string => `${ALERT}(${pid}) : config : ${text}`;
  const lines: string[] = [];
  // HAProxy prints warnings as it meets them, interleaved with alerts; orcalb lists warnings first so the
  // errors, which decide the verdict, end up next to the closing lines.
  for (const w of result.warnings) lines.push(`${WARNING}(${pid}) : config : ${renderWarning(w)}`);
  for (const e of result.errors) lines.push(alert(e.render()));
  if (result.errors.length === 0) {
    const listeners = result.listeners;
    if (mode === 'start' && listeners.kind !== 'some') {
      // HAProxy's own start-up refusal; a supervisor sees the exit instead of a process that serves nothing.
      lines.push(`${ALERT}(${pid}) : [orcalb main] No enabled listener found (check for 'bind' directives) ! Exiting.`);
      return { lines, exitCode: 1 };
    }
    if (result.warnings.length > 0) lines.push('Warnings were found.');
    if (listeners.kind !== 'some') {
      lines.push(`Configuration file has no error but will not start (no listener) => exit(2).`);
      return { lines, exitCode: 2 };
    }
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
