// The cluster an emulated DolphinDB controller reports (`orcalb-ddb-node --role controller`): its nodes (name,
// host, port, mode, alive), whether it leads its Raft group (a follower answers `<NotLeader>` with the leader's
// site, as DolphinDB's controllers do) and how getClusterPerf() answers (a table, or garbage for bad-input tests).
// Changed at run time by the knob channel (`cluster …` lines, controller-control.ts). Runs on the node's thread.

import { ddbString, type DdbObject } from '../core/dolphindb/objects.js';
import { DEFAULT_LOAD } from './node-knobs.js';
import { clusterPerfTable, type ClusterPerfRow } from './perf-objects.js';
import { ScriptError } from './script-error.js';

/** getClusterPerf()'s `mode` column (DolphinDB's docs): 0 data node, 1 agent, 2 controller, 3 single, 4 compute node. */
export const NODE_MODES = { datanode: 0, agent: 1, controller: 2, single: 3, computenode: 4 } as const;
export type NodeModeName = keyof typeof NODE_MODES;

/** True when `word` names a node mode. */
export function isNodeMode(word: string): word is NodeModeName {
  return Object.hasOwn(NODE_MODES, word);
}

/** One node of the cluster as the controller knows it. */
export interface RosterNode {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly mode: NodeModeName;
  /** getClusterPerf()'s `state`: the controller still hears the node's heartbeats. */
  readonly alive: boolean;
}

/** Live data nodes where `nodes` listen (emulated nodes, say): a controller's usual start. Pure. */
export function dataNodesAt(nodes: readonly { readonly name: string; readonly host: string; readonly port: number }[]): RosterNode[] {
  return nodes.map((n) => ({ name: n.name, host: n.host, port: n.port, mode: 'datanode', alive: true }));
}

/** How getClusterPerf() answers: the table, or a string (what orcalb must refuse to act on). */
export type RosterAnswer = 'table' | 'garbage';

/** The mutable cluster of one emulated controller. Setters throw RangeError for nonsense. */
export class ClusterRoster {
  readonly #nodes = new Map<string, RosterNode>();
  #leader: string | undefined;
  #answer: RosterAnswer = 'table';

  constructor(nodes: readonly RosterNode[] = []) {
    for (const n of nodes) this.add(n);
  }

  /** Adds (or replaces) the node named `node.name`. */
  add(node: RosterNode): void {
    if (node.name === '' || !Number.isInteger(node.port) || node.port < 1 || node.port > 65535) {
      throw new RangeError(`cluster: a node needs a name and a port 1..65535, got ${JSON.stringify(node)}`);
    }
    this.#nodes.set(node.name, node);
  }

  /** Removes a node; RangeError when there is none of that name. */
  remove(name: string): void {
    if (!this.#nodes.delete(name)) throw new RangeError(`cluster: no node named ${name}`);
  }

  /** Marks a node alive or down (the `state` column). */
  setAlive(name: string, alive: boolean): void {
    const node = this.#nodes.get(name);
    if (node === undefined) throw new RangeError(`cluster: no node named ${name}`);
    this.#nodes.set(name, { ...node, alive });
  }

  /** undefined: this controller leads; otherwise the leader's site `host:port:alias`, answered with `<NotLeader>`. */
  setLeader(site: string | undefined): void {
    this.#leader = site;
  }

  setAnswer(answer: RosterAnswer): void {
    this.#answer = answer;
  }

  nodes(): readonly RosterNode[] {
    return [...this.#nodes.values()];
  }

  /**
   * getClusterPerf() on this controller: one row per node in insertion order, or a ScriptError `<NotLeader>site`
   * on a follower (DolphinDB's text: clients take the leader's site after the tag).
   */
  clusterPerf(): DdbObject {
    if (this.#leader !== undefined) throw new ScriptError(`<NotLeader>${this.#leader}`);
    if (this.#answer === 'garbage') return ddbString('not a table');
    // Nodes elsewhere report a plausible idle load; only their identity and state matter to a balancer.
    const idle = { ...DEFAULT_LOAD, connectionNum: 0, maxConnections: 512 };
    const rows: ClusterPerfRow[] = this.nodes().map((n) => ({
      node: { host: n.host, port: n.port, name: n.name },
      mode: NODE_MODES[n.mode],
      alive: n.alive,
      load: idle,
    }));
    return clusterPerfTable(rows);
  }
}
