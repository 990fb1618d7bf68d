// orcalb's own options for DolphinDB sessions (issue 16, not HAProxy 2.6 words): `option dolphindb-inspect` (mode
// tcp and http), `option dolphindb-drain-idle` and `option dolphindb-rebalance [idle T] [max-per-sec N]` (mode tcp:
// refused in mode http by validate.ts, which has no DolphinDB session to close between requests), and
// `option dolphindb-json-affinity` (mode http: a JSON-API sessionID stays on its node, through the backend's own
// string stick table). Parsed here into ProxyOptions. Main thread, config parsing.

import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { parseInteger, parseTime } from '../units.js';

/** Defaults of `option dolphindb-rebalance` without arguments: idle 1 s, at most 10 sessions closed per second. */
export const REBALANCE_DEFAULTS = { idleMs: 1000, maxPerSec: 10 } as const;

export const DOLPHINDB_SESSION_OPTIONS = ['dolphindb-inspect', 'dolphindb-drain-idle', 'dolphindb-rebalance', 'dolphindb-json-affinity'] as const;

/** One of DOLPHINDB_SESSION_OPTIONS; `on` false for `no option …` (clears it). */
export function parseDolphinDbSessionOption(ctx: ProxyLineContext, name: string, rest: readonly string[], on: boolean): void {
  const { proxy, at, diag } = ctx;
  if (name === 'dolphindb-inspect') {
    if (on) proxy.options.dolphindbInspect = at;
    else delete proxy.options.dolphindbInspect;
    return;
  }
  if (name === 'dolphindb-json-affinity') {
    if (on) proxy.options.dolphindbJsonAffinity = at;
    else delete proxy.options.dolphindbJsonAffinity;
    return;
  }
  if (name === 'dolphindb-drain-idle') {
    if (on) proxy.options.dolphindbDrainIdle = at;
    else delete proxy.options.dolphindbDrainIdle;
    return;
  }
  let idleMs: number = REBALANCE_DEFAULTS.idleMs;
  let maxPerSec: number = REBALANCE_DEFAULTS.maxPerSec;
  for (let i = 0; i < rest.length; i += 2) {
    const word = rest[i] ?? '';
    const value = rest[i + 1] ?? '';
    if (word === 'idle') {
      const t = parseTime(value);
      if (t.kind !== 'ok' || 'trailing' in t) {
        diag.badValue(`'option dolphindb-rebalance idle' expects a time (e.g. 200ms, 5s), got '${value}'.`, at, { found: value });
        return;
      }
      idleMs = t.ms;
    } else if (word === 'max-per-sec') {
      const n = parseInteger(value);
      if (n === undefined || n < 1 || n > 100000) {
        diag.badValue(`'option dolphindb-rebalance max-per-sec' expects an integer from 1 to 100000, got '${value}'.`, at, { found: value });
        return;
      }
      maxPerSec = n;
    } else {
      diag.error('ORCA_CONFIG_SYNTAX', `'option dolphindb-rebalance' expects [idle <time>] [max-per-sec <n>], got '${word}'.`, at, { found: word });
      return;
    }
  }
  proxy.options.dolphindbRebalance = { source: at, idleMs, maxPerSec };
}
