// The shapes every sample fetch and converter family implements (HAProxy's `struct sample_fetch` / `sample_conv`
// keyword tables, manual §7.3): the keyword, its typed arguments, its output type, where HAProxy lets it run (the
// rule places of `haproxy -dKsmp`), and a compile step that turns checked arguments into the closure forwarders call
// per request. core/acl/registry.ts collects them; one file per family of fetches registers its own.
// Compile: main thread (config check) and each forwarder thread at start; the closures run on the hot path.

import type { SampleArg, UserlistConfig } from '../../config/model.js';
import type { FetchContext } from './fetch-context.js';
import type { ArgsSpec } from './sample-args.js';
import type { Sample, SampleArena, SmpType } from './sample.js';

/**
 * Rule places, as the columns of `haproxy -dKsmp` (HAProxy's SMP_VAL_*): a fetch usable at a place has that bit in
 * its `use` mask; a rule checks its fetches against the places it runs at.
 */
export const PLACE = {
  FE_TCP_CONN: 0,
  FE_TCP_SESS: 1,
  FE_TCP_CONTENT: 2,
  FE_HTTP_REQ: 3,
  FE_HTTP_BODY: 4,
  FE_USE_BACKEND: 5,
  BE_TCP_CONTENT: 6,
  BE_HTTP_REQ: 7,
  BE_HTTP_BODY: 8,
  BE_USE_SERVER: 9,
  SERVER_SOURCE: 10,
  BE_TCP_RES: 11,
  BE_HTTP_RES: 12,
  BE_HTTP_RES_BODY: 13,
  BE_STICK_STORE: 14,
  FE_TCP_RES: 15,
  FE_HTTP_RES: 16,
  FE_HTTP_RES_BODY: 17,
  LOGS: 18,
  TCP_CHECK: 19,
  CONFIG: 20,
  CLI: 21,
} as const;
export type Place = (typeof PLACE)[keyof typeof PLACE];

/** HAProxy's names of the places, as its "incompatible with '…'" warnings print them. */
export const PLACE_NAMES: readonly string[] = [
  'frontend tcp-request connection rule',
  'frontend tcp-request session rule',
  'frontend tcp-request content rule',
  'frontend http-request header rule',
  'frontend http-request body rule',
  'frontend use-backend rule',
  'backend tcp-request content rule',
  'backend http-request header rule',
  'backend http-request body rule',
  'backend use-server, balance or stick-match rule',
  'server source selection',
  'backend tcp-response content rule',
  'backend http-response header rule',
  'backend http-response body rule',
  'backend stick-store rule',
  'frontend tcp-response content rule',
  'frontend http-response header rule',
  'frontend http-response body rule',
  'logs',
  'backend tcp-check rule',
  'configuration parser',
  'CLI parser',
];

/** A `-dKsmp` usage column string (`..YYYYYYYYY...........`, first column first) as a bit mask of places. */
export function placeMask(columns: string): number {
  let mask = 0;
  for (let i = 0; i < columns.length; i++) if (columns[i] === 'Y') mask |= 1 << i;
  return mask;
}

/** Every place. */
export const ANYWHERE = (1 << PLACE_NAMES.length) - 1;

/**
 * Where a multi-valued fetch stands between calls (HAProxy's fetch context): one per compiled expression, reset by
 * the caller before the first call of an evaluation. `all` asks for every value in turn (an ACL); without it a fetch
 * gives its single documented value (the last header occurrence, the first parameter…).
 */
export class FetchIter {
  all = false;
  /** Cursors a fetch may use as it likes; 0 at the first call. */
  field = 0;
  pos = 0;
  count = 0;

  reset(all: boolean): void {
    this.all = all;
    this.field = 0;
    this.pos = 0;
    this.count = 0;
  }
}

/**
 * A compiled fetch: fills `out` and returns true, or returns false when there is no value (then `out.mayChange`
 * says whether one may come with more bytes). Sets `out.notLast` when `it.all` and more values follow. Never throws,
 * allocates nothing for the common fetches.
 */
export type EvalFetch = (ctx: FetchContext, out: Sample, it: FetchIter) => boolean;

/** A compiled converter: transforms `s` in place (outputs that need bytes go to the arena); false when it fails. */
export type EvalConverter = (s: Sample, arena: SampleArena) => boolean;

/** The proxies, servers and userlists a compile step resolves names against (config/model.ts Config satisfies it). */
export interface AclWorld {
  readonly frontends: readonly { readonly name: string }[];
  readonly backends: readonly {
    readonly name: string;
    readonly servers: readonly { readonly name: string; readonly maxconn: number; readonly maxqueue: number }[];
    /** Shared-buffer server slots of the backend (BackendConfig.serverSlots): where the next backend's start. */
    readonly serverSlots?: number;
    /** `option allbackups`: with no active server up, every backup one is usable (nbsrv). */
    readonly options?: { readonly allbackups: boolean };
  }[];
  readonly userlists?: readonly UserlistConfig[];
  /** Stick tables by the name of their proxy, in config order (sc_*, src_*, table_* arguments). */
  readonly stickTables?: readonly { readonly name: string }[];
}

/** Where compiled rules will run and what they may refer to. */
export interface CompileEnv {
  readonly world: AclWorld;
  /** Name of the proxy whose rules these are (for messages). */
  readonly proxyName: string;
  /** The proxy's index in world.frontends / world.backends, -1 when it lacks that side. */
  readonly frontend: number;
  readonly backend: number;
  /** Compiled userlists, shared by the proxy's rules (core/acl/fetch-auth.ts fills it on first use). */
  readonly cache: Map<string, unknown>;
}

/** What an argument check or compile step reports: a closure, or HAProxy's text for the problem. */
export type Compiled<T> = T | { readonly error: string };

export function isCompileError<T>(c: Compiled<T>): c is { readonly error: string } {
  return typeof c === 'object' && c !== null && 'error' in c;
}

/** One sample fetch keyword. */
export interface FetchDescriptor {
  readonly name: string;
  readonly args: ArgsSpec;
  readonly out: SmpType;
  /** Places HAProxy 2.6 allows it (placeMask of its `-dKsmp` row). */
  readonly use: number;
  /** Places where orcalb evaluates it; default `use`. Elsewhere a rule using it is refused (fail closed). */
  readonly impl?: number;
  /** What it reads, in HAProxy's words ("HTTP request headers"), for "needs '…' which is not available here". */
  readonly source: string;
  /** Checks the arguments against the world and builds the evaluator. Never throws. */
  compile(args: readonly SampleArg[], env: CompileEnv): Compiled<EvalFetch>;
}

/** A converter's input: a sample type it casts to, `addr` for IPv4 or IPv6, `any` for no cast. */
export type ConverterInput = SmpType | 'addr' | 'any';

/** One converter keyword. */
export interface ConverterDescriptor {
  readonly name: string;
  readonly args: ArgsSpec;
  readonly in: ConverterInput;
  readonly out: SmpType;
  compile(args: readonly SampleArg[], env: CompileEnv): Compiled<EvalConverter>;
}
