// The functions an emulated data node knows: the ones DolphinDB clients call on their own (protocol notes §7:
// version, login, isNodeInitialized, isClientAuth, getPerf, getClusterPerf, invoke …) and a few for scripts.
// One table, name → handler; `function` requests and script calls both go through callFunction. Node thread.

import { arithmetic } from './arithmetic.js';
import type { ClusterRoster } from './controller-roster.js';
import type { LoadSnapshot } from './node-knobs.js';
import {
  ddbAnyVector, ddbBool, ddbInt, ddbScalar, ddbString, ddbTable, ddbVector, type DdbObject,
} from '../core/dolphindb/objects.js';
import { clusterPerfTable, liveDataNodes, perfDict, type NodeIdentity } from './perf-objects.js';
import { ScriptError, unknownFunction } from './script-error.js';
import { formatObject } from '../core/dolphindb/object-text.js';

/** What functions may read of their node. */
export interface NodeFacts extends NodeIdentity {
  readonly version: string;
  readonly users: ReadonlyMap<string, string>;
  readonly clientAuth: boolean;
  load(): LoadSnapshot;
  perfValues(): 'double' | 'any';
  /** Live sessions, for getSessionMemoryStat (remoteIP is the PROXY source when a header came). */
  sessions(): ReadonlyArray<{ sid: string; user: string | undefined; remoteIP: string; remotePort: number }>;
  /** Set on a controller (`--role controller`): the cluster its getClusterPerf() reports. */
  readonly cluster?: ClusterRoster;
}

/** The per-session state functions read and change. */
export interface SessionState {
  readonly sid: string;
  user: string | undefined;
  /** Variables assigned by scripts (`x = 1+2`). */
  readonly vars: Map<string, DdbObject>;
  /** Names of functions defined with `def` (accepted, never run). */
  readonly defs: Set<string>;
}

export interface CallContext {
  readonly node: NodeFacts;
  readonly session: SessionState;
  /** Queues a `print` message; it goes out as a MSG chunk before the reply. */
  print(text: string): void;
}

type Builtin = (args: readonly DdbObject[], ctx: CallContext) => DdbObject | undefined;

export const WRONG_PASSWORD = 'The user name or password is incorrect.';

function stringArg(args: readonly DdbObject[], i: number, fn: string): string {
  const a = args[i];
  if (a === undefined || a.form !== 'scalar' || typeof a.value !== 'string') {
    throw new ScriptError(`${fn}: argument ${i + 1} must be a string scalar`);
  }
  return a.value;
}

function arity(args: readonly DdbObject[], min: number, max: number, fn: string): void {
  if (args.length < min || args.length > max) {
    throw new ScriptError(`The function [${fn}] expects ${min === max ? min : `${min}~${max}`} argument(s), but the actual number of arguments is: ${args.length}`);
  }
}

function login(args: readonly DdbObject[], ctx: CallContext): undefined {
  arity(args, 2, 3, 'login');
  const user = stringArg(args, 0, 'login');
  const password = stringArg(args, 1, 'login');
  const third = args[2];
  const encrypted = third !== undefined && third.form === 'scalar' && third.value === 1;
  // RSA-encrypted credentials (Java's default) cannot be checked without the key pair the emulator does not hold,
  // so an encrypted login is trusted; plain ones are checked against the users table.
  if (!encrypted && ctx.node.users.get(user) !== password) throw new ScriptError(WRONG_PASSWORD);
  ctx.session.user = encrypted ? 'admin' : user;
  return undefined;
}

/** JSON (from the JS client's invoke helper) → objects: integers → INT, other numbers → DOUBLE, arrays → ANY. */
function fromJson(value: unknown): DdbObject {
  if (value === null) return ddbScalar('VOID', null);
  if (typeof value === 'boolean') return ddbBool(value);
  if (typeof value === 'string') return ddbString(value);
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= -2147483647 && value <= 2147483647 ? ddbInt(value) : ddbScalar('DOUBLE', value);
  }
  if (Array.isArray(value)) return ddbAnyVector(value.map(fromJson));
  throw new ScriptError('invoke: arguments must be JSON scalars or arrays');
}

function invoke(args: readonly DdbObject[], ctx: CallContext): DdbObject | undefined {
  arity(args, 1, 2, 'invoke');
  const name = stringArg(args, 0, 'invoke');
  let parsed: unknown = [];
  if (args.length === 2) {
    try {
      parsed = JSON.parse(stringArg(args, 1, 'invoke'));
    } catch {
      throw new ScriptError('invoke: the arguments are not valid JSON');
    }
  }
  if (!Array.isArray(parsed)) throw new ScriptError('invoke: the arguments must be a JSON array');
  return callFunction(name, parsed.map(fromJson), ctx);
}

function sessionMemoryStat(ctx: CallContext): DdbObject {
  const rows = ctx.node.sessions();
  return ddbTable([
    { name: 'userId', data: ddbVector('STRING', rows.map((r) => r.user ?? 'guest')) },
    { name: 'sessionId', data: ddbVector('LONG', rows.map((r) => BigInt(r.sid))) },
    { name: 'memSize', data: ddbVector('LONG', rows.map(() => 0n)) },
    { name: 'remoteIP', data: ddbVector('STRING', rows.map((r) => r.remoteIP)) },
    { name: 'remotePort', data: ddbVector('INT', rows.map((r) => r.remotePort)) },
  ]);
}

const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['version', (args, ctx) => { arity(args, 0, 0, 'version'); return ddbString(ctx.node.version); }],
  ['login', login],
  ['logout', (_args, ctx) => { ctx.session.user = undefined; return undefined; }],
  ['isNodeInitialized', () => ddbBool(true)],
  ['isClientAuth', (_args, ctx) => ddbBool(ctx.node.clientAuth)],
  // A ticket cannot be verified here; any ticket logs the session in as admin (web console / JS `ticket` option).
  ['authenticateByTicket', (args, ctx) => { arity(args, 1, 1, 'authenticateByTicket'); ctx.session.user = 'admin'; return undefined; }],
  ['getPerf', (_args, ctx) => perfDict(ctx.node.load(), ctx.node.perfValues())],
  // A controller answers for its cluster (emulator/controller-roster.ts); a data node with its own row.
  ['getClusterPerf', (_args, ctx) =>
    ctx.node.cluster?.clusterPerf() ?? clusterPerfTable([{ node: ctx.node, mode: 0, alive: true, load: ctx.node.load() }])],
  ['getClusterLiveDataNodes', (_args, ctx) => liveDataNodes(ctx.node)],
  ['getNodeAlias', (_args, ctx) => ddbString(ctx.node.name)],
  // DolphinDB node types: 0 data node, 2 controller (`--role controller`). rpc() to the controller's alias runs here.
  ['getNodeType', (_args, ctx) => ddbInt(ctx.node.cluster === undefined ? 0 : 2)],
  ['getControllerAlias', () => ddbString('controller')],
  ['getSessionMemoryStat', (_args, ctx) => sessionMemoryStat(ctx)],
  ['print', (args, ctx) => { for (const a of args) ctx.print(formatObject(a)); return undefined; }],
  ['add', (args) => { arity(args, 2, 2, 'add'); return arithmetic('+', args[0] as DdbObject, args[1] as DdbObject); }],
  ['sub', (args) => { arity(args, 2, 2, 'sub'); return arithmetic('-', args[0] as DdbObject, args[1] as DdbObject); }],
  ['mul', (args) => { arity(args, 2, 2, 'mul'); return arithmetic('*', args[0] as DdbObject, args[1] as DdbObject); }],
  ['div', (args) => { arity(args, 2, 2, 'div'); return arithmetic('/', args[0] as DdbObject, args[1] as DdbObject); }],
  ['invoke', invoke],
  // Deliberately absent, so the exact "Can't recognize function name" text sends clients down their fallback:
  // scramClientFirst (C++/Java try SCRAM first), getRequiredAPIVersion (python-sdk ignores the error),
  // getDynamicPublicKey (without it Java and OpenSSL builds cannot encrypt, and log in in plain text).
]);

/** True when `name` is a function this node can call (scripts use it to tell a function from a variable). */
export function isBuiltin(name: string): boolean {
  return BUILTINS.has(name);
}

/** Functions that run before login when client authentication is on. */
export const PRE_LOGIN_FUNCTIONS: ReadonlySet<string> = new Set([
  'login', 'logout', 'authenticateByTicket', 'isClientAuth', 'version', 'isNodeInitialized',
]);

/**
 * Calls `name(args…)`. Returns the result object, or undefined for functions that return nothing (the reply then
 * carries 0 objects). Throws ScriptError with DolphinDB's text, e.g. `Can't recognize function name nosuchfn`.
 */
export function callFunction(name: string, args: readonly DdbObject[], ctx: CallContext): DdbObject | undefined {
  const fn = BUILTINS.get(name);
  if (fn === undefined) throw unknownFunction(name);
  return fn(args, ctx);
}
