// `option httpchk [<method>] [<uri>] [<version>]` (manual §4.2): the request line of a backend's HTTP health check,
// merged into the section's http-check ruleset (http-check-draft.ts) as HAProxy merges it. Main thread, config parsing.

import type { ProxyLineContext } from '../sections/proxy-draft.js';
import type { HttpCheckFields } from './http-check-draft.js';

/**
 * `option httpchk` with its 0-3 arguments (the 1-argument form is the URI). Returns false after reporting an
 * error. The pre-2.2 trick of hiding headers after the version (`HTTP/1.1\r\nHost:\ x`) is read with HAProxy's
 * deprecation warning.
 */
export function parseHttpchkOption(ctx: ProxyLineContext, rest: readonly string[]): boolean {
  const { at, diag, proxy } = ctx;
  if (diag.tooManyArgs(ctx.args, 3, at, 2)) return false;
  const fields: HttpCheckFields = {};
  if (rest.length === 1) fields.uri = rest[0] ?? '';
  if (rest.length >= 2) {
    fields.method = rest[0] ?? '';
    fields.uri = rest[1] ?? '';
  }
  const version = rest[2];
  if (version !== undefined) {
    const [line = '', ...tail] = version.split(/\r?\n/);
    fields.version = line;
    if (tail.length > 0) {
      diag.warn(
        "'option httpchk' : hiding headers or body at the end of the version string is deprecated. Please, " +
          "consider to use 'http-check send' directive instead.",
        at,
      );
      Object.assign(fields, hiddenHeaders(tail));
    }
  }
  // Unlike an http-check line, the option keeps the rules inherited from defaults: it only changes the request.
  const check = proxy.httpCheck;
  check.option = fields;
  check.optionSeen = true;
  // HAProxy looks at the first rule after an optional connect: a send there absorbs the option's fields;
  // otherwise the option's own (implicit) send goes in front of the ruleset.
  const first = check.steps.filter((s) => s.kind !== 'other');
  const candidate = first[0]?.kind === 'connect' ? first[1] : first[0];
  if (candidate?.kind === 'send') {
    check.optionLast = !candidate.implicit;
  } else {
    check.steps.unshift({ kind: 'send', index: 0, implicit: true });
    check.optionLast = false;
  }
  return true;
}

/** Headers and body written after the version: `Name: value` lines, an empty line, then the body. */
function hiddenHeaders(lines: readonly string[]): HttpCheckFields {
  const headers: [string, string][] = [];
  const blank = lines.indexOf('');
  for (const line of blank === -1 ? lines : lines.slice(0, blank)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  const body = blank === -1 ? '' : lines.slice(blank + 1).join('\r\n');
  return body === '' ? { headers } : { headers, body };
}
