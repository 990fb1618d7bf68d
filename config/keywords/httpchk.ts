// `option httpchk [<method>] [<uri>] [<version>]` (manual §4.2): the request line of a backend's HTTP health
// check, the http-check state a section carries while parsed (HAProxy keeps one ordered ruleset; see
// http-check.ts for its rules), and the final config/model.ts HttpCheckConfig. Main thread, config parsing.

import type { HttpCheckConfig } from '../model.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';

/** The request fields one line sets; unset fields keep what an earlier line (or HAProxy's default) gave. */
export interface HttpCheckFields {
  method?: string;
  uri?: string;
  version?: string;
  headers?: [string, string][];
  body?: string;
}

/** One rule of the ruleset, kept only to apply HAProxy's ordering checks and step numbers. */
export interface Step {
  kind: 'connect' | 'send' | 'expect' | 'other';
  /** HAProxy's rule index (its error texts say "step index+1"). */
  index: number;
  /** The send rule `option httpchk` creates; merged into the first explicit `http-check send`. */
  implicit: boolean;
}

/** The http-check state of a section while it is parsed. */
export interface HttpCheckDraft {
  /** Fields of the last `option httpchk` line. */
  option: HttpCheckFields;
  /** Fields of the first explicit `http-check send` line. */
  send: HttpCheckFields;
  /** True when `option httpchk` came after the first send: its fields then win (HAProxy merges both). */
  optionLast: boolean;
  expect: HttpCheckConfig['expect'];
  steps: Step[];
  /** True while the steps are the ones copied from defaults: the proxy's first http-check line replaces them. */
  inherited: boolean;
  /** `option httpchk` was seen: only from then on does HAProxy apply its ordering rules to new steps. */
  optionSeen: boolean;
}

/** A fresh draft: no option, no rule. */
export function initialHttpCheck(): HttpCheckDraft {
  return { option: {}, send: {}, optionLast: false, expect: undefined, steps: [], inherited: false, optionSeen: false };
}

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

/** The section's own ruleset: the first http-check line of a proxy drops the steps inherited from defaults. */
export function ownSteps(check: HttpCheckDraft): HttpCheckDraft {
  if (check.inherited) {
    check.steps = check.steps.filter((s) => s.implicit);
    check.send = {};
    check.expect = undefined;
    check.inherited = false;
  }
  return check;
}

/** The check the probe runs: the first exchange's request with HAProxy's defaults filled in. Pure. */
export function buildHttpCheck(check: HttpCheckDraft, defaults: { method: string; uri: string; version: string }): HttpCheckConfig {
  const [under, over] = check.optionLast ? [check.send, check.option] : [check.option, check.send];
  const pick = <K extends keyof HttpCheckFields>(key: K): HttpCheckFields[K] => over[key] ?? under[key];
  const body = pick('body');
  return {
    method: pick('method') ?? defaults.method,
    uri: pick('uri') ?? defaults.uri,
    version: pick('version') ?? defaults.version,
    headers: (pick('headers') ?? []).map(([n, v]) => [n, v] as const),
    ...(body === undefined ? {} : { body }),
    ...(check.expect === undefined ? {} : { expect: { ...check.expect } }),
  };
}

/** True when the section wrote http-check rules of its own or inherited some (not counting the option's). */
export function hasHttpCheckRules(check: HttpCheckDraft): boolean {
  return check.steps.some((s) => !s.implicit);
}
