// Reads a DolphinDB cluster's nodes from its controllers (dolphindb-discovery, issue 16): logs in and runs
// getClusterPerf() on one short connection (core/health/probe-dolphindb.ts), starting with the controller that
// answered last. A controller that fails or answers `<NotLeader>HOST:PORT:ALIAS` (a Raft follower; DolphinDB puts
// the leader's site after the tag) hands over to the leader it names when that is one of ours, else to the next
// in line. Runs on the health-check thread.

import type { DolphinDbDiscoveryConfig } from '../../config/model.js';
import { runDolphinDbScript } from '../health/probe-dolphindb.js';
import type { CheckDeadlines } from '../health/scheduler.js';
import { readClusterNodes, type ClusterNode } from './discovery-nodes.js';

/** DolphinDB's tag on a follower controller's refusal. */
const NOT_LEADER = '<NotLeader>';

export type ControllerReading =
  | { readonly ok: true; readonly nodes: readonly ClusterNode[]; readonly controller: number }
  /** Every controller tried: why each one failed, in the order tried. */
  | { readonly ok: false; readonly reasons: readonly string[] };

/** The controller index a `<NotLeader>` text names (its `host:port`), or undefined. Pure. */
export function leaderNamed(text: string, controllers: DolphinDbDiscoveryConfig['controllers']): number | undefined {
  const at = text.indexOf(NOT_LEADER);
  if (at < 0) return undefined;
  const [host, port] = text.slice(at + NOT_LEADER.length).trim().split(':');
  const i = controllers.findIndex((c) => c.host === host && String(c.port) === port);
  return i < 0 ? undefined : i;
}

/** The server fields a check connection needs, for one controller: no PROXY header, no TLS. */
function controllerEndpoint(c: { readonly host: string; readonly port: number }): Parameters<typeof runDolphinDbScript>[1] {
  return { address: c.host, port: c.port, sendProxy: 'none', checkSendProxy: false };
}

/**
 * Asks the controllers in turn, from `first`, each at most once, following `<NotLeader>` hints. Never rejects.
 */
export async function readController(
  cfg: DolphinDbDiscoveryConfig,
  first: number,
  deadlines: CheckDeadlines,
  signal: AbortSignal,
): Promise<ControllerReading> {
  const n = cfg.controllers.length;
  const tried = new Set<number>();
  const reasons: string[] = [];
  const login = { ...(cfg.user === undefined ? {} : { user: cfg.user }), ...(cfg.password === undefined ? {} : { password: cfg.password }) };
  let i = ((first % n) + n) % n;
  while (tried.size < n && !signal.aborted) {
    tried.add(i);
    const c = cfg.controllers[i];
    if (c === undefined) break;
    const where = `controller ${c.host}:${c.port}`;
    const answer = await runDolphinDbScript(login, controllerEndpoint(c), deadlines, 'getClusterPerf()', signal);
    if (answer.ok) {
      const read = readClusterNodes(answer.object, cfg.role);
      if (read.ok) return { ok: true, nodes: read.nodes, controller: i };
      reasons.push(`${where}: ${read.reason}`);
    } else {
      reasons.push(`${where}: ${answer.reason}`);
      const leader = leaderNamed(answer.reason, cfg.controllers);
      if (leader !== undefined && !tried.has(leader)) {
        i = leader;
        continue;
      }
    }
    // The next controller not asked yet, in configuration order.
    for (let k = 1; k <= n; k++) {
      const j = (i + k) % n;
      if (!tried.has(j)) {
        i = j;
        break;
      }
    }
  }
  return { ok: false, reasons };
}
