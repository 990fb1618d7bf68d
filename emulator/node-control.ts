// Text control of an emulated node for the `orcalb-ddb-node` command: `--load key=value` flags and the commands it
// reads on stdin to turn knobs at run time (`failure stall`, `load cpuUsage=80`, `delay 200`, `maxconn 10`, `stats`,
// and on a controller `cluster add|del|down|up|leader|answer …`).
// One table of commands, each with its help line. Runs on the ddb-node process's main thread.

import { CLUSTER_HELP, runClusterCommand } from './controller-control.js';
import type { EmulatedNode } from './emulated-node.js';
import { DEFAULT_LOAD, FAILURE_MODES, isFailureMode, type LoadFigures } from './node-knobs.js';

/**
 * Parses `key=value` load assignments (`connectionNum=live` allowed) into figures.
 * Throws RangeError naming the bad item: unknown key, or a value that is not a non-negative number.
 */
export function parseLoadAssignments(items: readonly string[]): Partial<LoadFigures> {
  const out: Record<string, number | 'live'> = {};
  for (const item of items) {
    const m = /^([A-Za-z]+)=(.+)$/.exec(item);
    if (m === null) throw new RangeError(`load: expected key=value, got ${JSON.stringify(item)}`);
    const [, key = '', text = ''] = m;
    if (!(key in DEFAULT_LOAD)) throw new RangeError(`load: unknown key ${key} (expected one of ${Object.keys(DEFAULT_LOAD).join(', ')})`);
    if (key === 'connectionNum' && text === 'live') { out[key] = 'live'; continue; }
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) throw new RangeError(`load: ${key} needs a number >= 0, got ${JSON.stringify(text)}`);
    out[key] = n;
  }
  // The keys were checked against DEFAULT_LOAD and the values are numbers (or 'live' for connectionNum).
  return out as Partial<LoadFigures>;
}

type Command = {
  readonly help: string;
  readonly run: (node: EmulatedNode, args: readonly string[]) => Promise<string> | string;
};

function oneNumber(args: readonly string[], what: string): number {
  const n = Number(args[0]);
  if (args.length !== 1 || !Number.isFinite(n) || n < 0) throw new RangeError(`${what}: expected one number >= 0`);
  return n;
}

const COMMANDS: ReadonlyMap<string, Command> = new Map<string, Command>([
  ['failure', {
    help: `failure <${Object.values(FAILURE_MODES).join('|')}>   inject a failure (none to heal)`,
    run: async (node, args) => {
      const mode = args[0] ?? '';
      if (args.length !== 1 || !isFailureMode(mode)) throw new RangeError(`failure: expected one of ${Object.values(FAILURE_MODES).join(', ')}`);
      await node.setFailure(mode);
      return `failure ${mode}`;
    },
  }],
  ['load', {
    help: 'load key=value ...   reported load (connectionNum=live for the real count)',
    run: (node, args) => { node.setLoad(parseLoadAssignments(args)); return `load ${args.join(' ')}`; },
  }],
  ['delay', {
    help: 'delay <ms>   wait before answering each request',
    run: (node, args) => { node.setDelay(oneNumber(args, 'delay')); return `delay ${args[0] ?? ''}`; },
  }],
  ['maxconn', {
    help: 'maxconn <n>   connections past n get S00006',
    run: (node, args) => { node.setMaxConnections(Math.floor(oneNumber(args, 'maxconn'))); return `maxconn ${args[0] ?? ''}`; },
  }],
  ['cluster', {
    help: CLUSTER_HELP.join('\n'),
    run: (node, args) => runClusterCommand(node.cluster, args),
  }],
  ['stats', {
    help: 'stats   counters as JSON',
    run: (node) => JSON.stringify(node.counters()),
  }],
  ['help', {
    help: 'help   this list',
    run: () => [...COMMANDS.values()].map((c) => c.help).join('\n'),
  }],
]);

/**
 * Runs one control line against `node` and returns the text to print. Never throws: a bad line returns
 * `error: …`. Blank lines return ''.
 */
export async function runControlLine(node: EmulatedNode, line: string): Promise<string> {
  const words = line.trim().split(/\s+/).filter((w) => w.length > 0);
  const [name, ...args] = words;
  if (name === undefined) return '';
  const command = COMMANDS.get(name);
  if (command === undefined) return `error: unknown command ${name} (try help)`;
  try {
    return await command.run(node, args);
  } catch (error) {
    return `error: ${error instanceof Error ? error.message : String(error)}`;
  }
}
