// The http-check state a section carries while it is parsed (manual §4.2 option httpchk, http-check): HAProxy keeps
// `option httpchk` (option-httpchk.ts) and the `http-check` rules (http-check.ts) as one ordered ruleset; this file
// holds that draft and turns it into the final config/model.ts HttpCheckConfig. Main thread, config parsing.

import type { HttpCheckConfig } from '../model.js';

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
