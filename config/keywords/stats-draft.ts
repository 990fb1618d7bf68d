// A section's `stats` settings while it is parsed (plain data, so a defaults section's copy passes on with
// structuredClone, §4), and the StatsConfig it becomes. Main thread, config parsing.

import type { ConditionSpec, StatsConfig, StatsHttpRule, StatsUser } from '../model.js';

/** HAProxy's default `stats uri`. */
export const DEFAULT_STATS_URI = '/haproxy?stats';

/** The mutable stats settings of a section while it is parsed (plain data: structuredClone'd by inheritance). */
export interface StatsDraft {
  uri: string;
  realm: string | undefined;
  users: StatsUser[];
  refreshMs: number;
  hideVersion: boolean;
  scopes: string[];
  showLegends: boolean;
  showModules: boolean;
  dashboard: boolean;
  showNode: string | undefined;
  showDesc: string | undefined;
  admin: ConditionSpec[];
  rules: StatsHttpRule[];
}

/** The settings a first `stats` line starts from (HAProxy's defaults). */
export function freshStatsDraft(): StatsDraft {
  return {
    uri: DEFAULT_STATS_URI,
    realm: undefined,
    users: [],
    refreshMs: 0,
    hideVersion: false,
    scopes: [],
    showLegends: false,
    showModules: false,
    dashboard: false,
    showNode: undefined,
    showDesc: undefined,
    admin: [],
    rules: [],
  };
}

/** The finished StatsConfig of a draft (conditions bound by the caller). Pure. */
export function statsConfigOf(draft: StatsDraft, bind: (c: ConditionSpec) => ConditionSpec): StatsConfig {
  return {
    uri: draft.uri,
    ...(draft.realm === undefined ? {} : { realm: draft.realm }),
    users: draft.users.map((u) => ({ ...u })),
    refreshMs: draft.refreshMs,
    hideVersion: draft.hideVersion,
    scopes: [...draft.scopes],
    showLegends: draft.showLegends,
    showModules: draft.showModules,
    dashboard: draft.dashboard,
    ...(draft.showNode === undefined ? {} : { showNode: draft.showNode }),
    ...(draft.showDesc === undefined ? {} : { showDesc: draft.showDesc }),
    admin: draft.admin.map(bind),
    rules: draft.rules.map((r) => (r.condition === undefined ? r : { ...r, condition: bind(r.condition) })),
  };
}
