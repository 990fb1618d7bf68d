// A DolphinDB controller's getClusterPerf() answer read into the nodes dolphindb-discovery may turn into servers
// (issue 16): each row's name, host, port, mode (0 data node, 1 agent, 2 controller, 3 single, 4 compute node, as
// DolphinDB documents the column) and state (alive). Anything else than a table with those columns is refused as a
// whole, so a bad answer never empties a backend. Pure; runs on the health-check thread.

import type { DdbColumnData, DdbObject } from './objects.js';

/** One node the controller reports. */
export interface ClusterNode {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** getClusterPerf()'s `mode`. */
  readonly mode: number;
  /** getClusterPerf()'s `state`: the controller hears its heartbeats. */
  readonly alive: boolean;
}

/** Which nodes become servers (`dolphindb-discovery … role`). */
export type DiscoveryRole = 'datanode' | 'computenode' | 'all';

/** The modes each role takes: data nodes and compute nodes answer clients; agents and controllers do not. */
const ROLE_MODES: Readonly<Record<DiscoveryRole, readonly number[]>> = { datanode: [0], computenode: [4], all: [0, 4] };

export type ClusterReading =
  | { readonly ok: true; readonly nodes: readonly ClusterNode[] }
  | { readonly ok: false; readonly reason: string };

/** The column `name` of a table as plain cells; undefined when missing or not a typed vector. */
function column(obj: Extract<DdbObject, { form: 'table' }>, name: string): readonly unknown[] | undefined {
  const data: DdbColumnData | undefined = obj.columns.find((c) => c.name === name)?.data;
  return data === undefined || data.type === 'ANY' ? undefined : data.values;
}

/**
 * The nodes of `role` in a getClusterPerf() reply, in the controller's order, or why the reply cannot be used (not
 * a table, a column missing, a row with an empty name or host or a port outside 1..65535, two rows with one name).
 * Pure.
 */
export function readClusterNodes(obj: DdbObject | undefined, role: DiscoveryRole): ClusterReading {
  if (obj === undefined || obj.form !== 'table') return { ok: false, reason: `getClusterPerf() answered ${obj === undefined ? 'no object' : `a ${obj.form}`}, not a table` };
  const cols = ['name', 'host', 'port', 'mode', 'state'].map((n) => [n, column(obj, n)] as const);
  const missing = cols.filter(([, c]) => c === undefined).map(([n]) => n);
  if (missing.length > 0) return { ok: false, reason: `getClusterPerf() has no column ${missing.join(', ')}` };
  const [names, hosts, ports, modes, states] = cols.map(([, c]) => c ?? []) as [unknown[], unknown[], unknown[], unknown[], unknown[]];
  const nodes: ClusterNode[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const host = hosts[i];
    const port = ports[i];
    const mode = modes[i];
    if (typeof name !== 'string' || name === '' || typeof host !== 'string' || host === '') {
      return { ok: false, reason: `getClusterPerf() row ${i + 1} has no node name or host` };
    }
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      return { ok: false, reason: `getClusterPerf() row ${i + 1} (${name}) has port ${String(port)}` };
    }
    if (seen.has(name)) return { ok: false, reason: `getClusterPerf() lists node ${name} twice` };
    seen.add(name);
    if (typeof mode !== 'number' || !ROLE_MODES[role].includes(mode)) continue;
    // BOOL null (DolphinDB's "unknown") is not alive: a node is taken in only on the controller's word.
    const state = states[i];
    nodes.push({ name, host, port, mode, alive: state === 1 });
  }
  return { ok: true, nodes };
}
