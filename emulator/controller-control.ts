// Text control of an emulated controller's cluster (emulator/controller-roster.ts): the `cluster …` lines that
// `orcalb-ddb-node --role controller` reads on stdin (through node-control.ts) and the `--cluster-node` flag's
// value. One table of sub-commands, each with its help line. Runs on the ddb-node process's main thread.

import { ClusterRoster, isNodeMode, NODE_MODES, type RosterNode } from './controller-roster.js';

/**
 * `NAME=HOST:PORT[:MODE]` (MODE datanode by default) as a live node. Throws RangeError naming what is wrong.
 */
export function parseRosterNode(text: string): RosterNode {
  const m = /^([^=\s]+)=([^:\s]+):(\d+)(?::([a-z]+))?$/.exec(text);
  const mode = m?.[4] ?? 'datanode';
  if (m === null || !isNodeMode(mode)) {
    throw new RangeError(`cluster node: expected NAME=HOST:PORT[:${Object.keys(NODE_MODES).join('|')}], got ${JSON.stringify(text)}`);
  }
  return { name: m[1] ?? '', host: m[2] ?? '', port: Number(m[3]), mode, alive: true };
}

type Sub = { readonly help: string; readonly run: (roster: ClusterRoster, args: readonly string[]) => string };

function one(args: readonly string[], what: string): string {
  const [word] = args;
  if (args.length !== 1 || word === undefined) throw new RangeError(`cluster ${what}: expected one argument`);
  return word;
}

const SUBS: ReadonlyMap<string, Sub> = new Map<string, Sub>([
  ['add', {
    help: 'cluster add NAME=HOST:PORT[:datanode|computenode|agent]   a node joins (alive)',
    run: (r, args) => { const n = parseRosterNode(one(args, 'add')); r.add(n); return `cluster add ${n.name}`; },
  }],
  ['del', { help: 'cluster del NAME   a node leaves the cluster', run: (r, args) => { const n = one(args, 'del'); r.remove(n); return `cluster del ${n}`; } }],
  ['down', { help: 'cluster down NAME   the controller reports the node dead', run: (r, args) => { const n = one(args, 'down'); r.setAlive(n, false); return `cluster down ${n}`; } }],
  ['up', { help: 'cluster up NAME   the node is alive again', run: (r, args) => { const n = one(args, 'up'); r.setAlive(n, true); return `cluster up ${n}`; } }],
  ['leader', {
    help: 'cluster leader self|HOST:PORT:ALIAS   lead, or answer <NotLeader>HOST:PORT:ALIAS',
    run: (r, args) => { const site = one(args, 'leader'); r.setLeader(site === 'self' ? undefined : site); return `cluster leader ${site}`; },
  }],
  ['answer', {
    help: 'cluster answer table|garbage   getClusterPerf() answers the table, or a string',
    run: (r, args) => {
      const a = one(args, 'answer');
      if (a !== 'table' && a !== 'garbage') throw new RangeError('cluster answer: expected table or garbage');
      r.setAnswer(a);
      return `cluster answer ${a}`;
    },
  }],
  ['list', { help: 'cluster list   the nodes as JSON', run: (r) => JSON.stringify(r.nodes()) }],
]);

/** Help lines of every `cluster` sub-command. */
export const CLUSTER_HELP: readonly string[] = [...SUBS.values()].map((s) => s.help);

/** Runs `cluster <sub> args…` on `roster`; throws RangeError for a bad line (the caller prints `error: …`). */
export function runClusterCommand(roster: ClusterRoster | undefined, args: readonly string[]): string {
  if (roster === undefined) throw new RangeError('cluster: this node is not a controller (start it with --role controller)');
  const [name, ...rest] = args;
  const sub = name === undefined ? undefined : SUBS.get(name);
  if (sub === undefined) throw new RangeError(`cluster: expected one of ${[...SUBS.keys()].join(', ')}`);
  return sub.run(roster, rest);
}
