// Scenario id → scenario, in the order the full suite runs them: the one fan-in point of scenarios/.
// Bench runner main thread.

import { ddbInspect } from './ddb-inspect.js';
import { ddbRoundTrips } from './ddb-round-trips.js';
import { forwardersOneCpu } from './forwarders-one-cpu.js';
import { idleMemory } from './idle-memory.js';
import { l4Bulk } from './l4-bulk.js';
import { l4ConnRate } from './l4-conn-rate.js';
import { l4KeepAlive } from './l4-keepalive.js';
import { l7Bulk } from './l7-bulk.js';
import { l7Close } from './l7-close.js';
import { l7KeepAlive } from './l7-keepalive.js';
import { l7AclRules } from './l7-acl-rules.js';
import { l7Httplog } from './l7-httplog.js';
import { rssAfterLoad } from './rss-after-load.js';
import type { Scenario } from './scenario.js';
import { threadScaling } from './thread-scaling.js';
import { tlsBulk, tlsHandshakes, tlsKeepAlive, tlsResumed } from './tls-front.js';

export const SCENARIOS: readonly Scenario[] = [
  l4KeepAlive, l4Bulk, l7KeepAlive, l7AclRules, l7Httplog, l7Bulk, l4ConnRate, l7Close, ddbRoundTrips, ddbInspect, idleMemory, rssAfterLoad, forwardersOneCpu,
  tlsHandshakes, tlsResumed, tlsKeepAlive, tlsBulk, threadScaling,
];

/** The scenarios with these ids, in suite order; throws naming the unknown ones. */
export function scenariosByIds(ids: readonly string[]): Scenario[] {
  const unknown = ids.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  return SCENARIOS.filter((s) => ids.includes(s.id));
}
