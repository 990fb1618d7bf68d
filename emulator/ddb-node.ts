#!/usr/bin/env node
// `orcalb-ddb-node`: runs one emulated DolphinDB data node as its own process (a process entry, not a thread), e.g.
// `orcalb-ddb-node --port 8848 --name node1 --proxy auto`. Knobs are flags at start and stdin commands at run
// time (see node-control.ts). Wiring only: the node lives in emulated-node.ts, beside this file.

import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startEmulatedNode, type EmulatedNodeOptions } from './emulated-node.js';
import { runControlLine, parseLoadAssignments } from './node-control.js';
import { parseRosterNode } from './controller-control.js';
import { ClusterRoster } from './controller-roster.js';
import { FAILURE_MODES, isFailureMode } from './node-knobs.js';
import { PROXY_MODES, type ProxyMode } from './node-runtime.js';

const USAGE = `usage: orcalb-ddb-node --port N --name NAME [--host 127.0.0.1] [--proxy auto|require|forbid]
       [--user NAME:PASSWORD]... [--client-auth] [--version TEXT] [--max-connections N] [--delay MS]
       [--failure ${Object.values(FAILURE_MODES).join('|')}] [--load key=value]... [--perf-values double|any]
       [--role datanode|controller] [--cluster-node NAME=HOST:PORT[:datanode|computenode|agent]]...
stdin commands at run time: failure <mode> | load key=value... | delay <ms> | maxconn <n> | stats | help
  | cluster add|del|down|up|leader|answer … (controller)`;

function usageError(message: string): never {
  process.stderr.write(`orcalb-ddb-node: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function numberFlag(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) usageError(`--${name} needs an integer >= 0, got ${JSON.stringify(value)}`);
  return n;
}

function optionsFromArgs(argv: readonly string[]): EmulatedNodeOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' }, name: { type: 'string' }, host: { type: 'string' }, proxy: { type: 'string' },
        user: { type: 'string', multiple: true }, 'client-auth': { type: 'boolean' }, version: { type: 'string' },
        'max-connections': { type: 'string' }, delay: { type: 'string' }, failure: { type: 'string' },
        load: { type: 'string', multiple: true }, 'perf-values': { type: 'string' }, help: { type: 'boolean', short: 'h' },
        role: { type: 'string' }, 'cluster-node': { type: 'string', multiple: true },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    usageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.help === true) { process.stdout.write(`${USAGE}\n`); process.exit(0); }
  const proxy = v.proxy ?? 'auto';
  if (!(PROXY_MODES as readonly string[]).includes(proxy)) usageError(`--proxy must be one of ${PROXY_MODES.join(', ')}`);
  const failure = v.failure ?? 'none';
  if (!isFailureMode(failure)) usageError(`--failure must be one of ${Object.values(FAILURE_MODES).join(', ')}`);
  const perf = v['perf-values'] ?? 'double';
  if (perf !== 'double' && perf !== 'any') usageError('--perf-values must be double or any');
  let users: Record<string, string> | undefined;
  for (const pair of v.user ?? []) {
    const at = pair.indexOf(':');
    if (at <= 0) usageError(`--user needs NAME:PASSWORD, got ${JSON.stringify(pair)}`);
    users = { ...users, [pair.slice(0, at)]: pair.slice(at + 1) };
  }
  let load;
  try { load = parseLoadAssignments(v.load ?? []); } catch (error) { usageError(String(error instanceof Error ? error.message : error)); }
  const role = v.role ?? 'datanode';
  if (role !== 'datanode' && role !== 'controller') usageError('--role must be datanode or controller');
  if (role !== 'controller' && (v['cluster-node'] ?? []).length > 0) usageError('--cluster-node needs --role controller');
  let cluster: ClusterRoster | undefined;
  try {
    if (role === 'controller') cluster = new ClusterRoster((v['cluster-node'] ?? []).map(parseRosterNode));
  } catch (error) {
    usageError(error instanceof Error ? error.message : String(error));
  }
  const maxConnections = numberFlag(v['max-connections'], 'max-connections');
  const delayMs = numberFlag(v.delay, 'delay');
  return {
    name: v.name ?? 'node1',
    port: numberFlag(v.port, 'port') ?? 8848,
    host: v.host ?? '127.0.0.1',
    proxy: proxy as ProxyMode,
    failure,
    perfValues: perf,
    load,
    clientAuth: v['client-auth'] === true,
    ...(users === undefined ? {} : { users }),
    ...(v.version === undefined ? {} : { version: v.version }),
    ...(maxConnections === undefined ? {} : { maxConnections }),
    ...(delayMs === undefined ? {} : { delayMs }),
    ...(cluster === undefined ? {} : { cluster }),
  };
}

const options = optionsFromArgs(process.argv.slice(2));
let node;
try {
  node = await startEmulatedNode(options);
} catch (error) {
  process.stderr.write(`orcalb-ddb-node: cannot listen on ${options.host ?? ''}:${options.port ?? ''}: ${String(error)}\n`);
  process.exit(1);
}
const running = node;
process.stdout.write(`orcalb-ddb-node ${running.name}${running.cluster === undefined ? '' : ' (controller)'} listening on ${running.host}:${running.port} (proxy ${options.proxy ?? 'auto'})\n`);

const input = createInterface({ input: process.stdin, terminal: false });
input.on('line', (line) => {
  void runControlLine(running, line).then((out) => { if (out !== '') process.stdout.write(`${out}\n`); });
});

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  input.close();
  void running.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
