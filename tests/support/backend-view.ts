// Test support: a BackendView over a real SharedState (one backend, its servers in slots 0..n-1), so balancer
// tests read state, weights and live counts through the same Atomics accessors the forwarders use.
// The setters play the health thread: they store the field, then bump the backend generation.

import type { BalanceArgs, BalanceConfig, HashTypeConfig } from '../../config/model.js';
import type { Balancer, BackendView, PickRequest } from '../../core/balance/balancer.js';
import { parseBalanceWords } from '../../core/balance/registry.js';
import { ServerState, type ServerStateValue } from '../../core/shared/layout.js';
import { serverView, type ServerSlot, type ServerStatic, type ServerView } from '../../core/shared/server-slot.js';
import { SharedState } from '../../core/shared/state-buffer.js';

/** HAProxy's default hash-type (map-based sdbm, no avalanche). */
export const MAP_SDBM: HashTypeConfig = { method: 'map-based', function: 'sdbm', avalanche: false };

/**
 * The BalanceConfig of a `balance` line's words (`'hdr(X-Key) use_domain_only'`, `'random(3)'`, `'uri len 5'`), parsed by
 * the production parser (core/balance/registry.ts parseBalanceWords), as config load builds it. Throws on a line
 * config load refuses.
 */
export function balanceConfig(line: string, hashType: HashTypeConfig = MAP_SDBM): BalanceConfig {
  const parsed = parseBalanceWords(line.split(' ').filter((w) => w !== ''));
  if (parsed.kind !== 'ok') throw new Error(`balance ${line}: ${parsed.kind === 'error' ? parsed.message : 'unknown algorithm'}`);
  return { source: { file: 'test.cfg', line: 1 }, algorithm: parsed.algorithm, args: parsed.args, hashType };
}

/** The parsed arguments of a `balance` line's words (see balanceConfig). */
export function balanceArgs(line: string): BalanceArgs {
  return balanceConfig(line).args;
}

/** One server of a test backend; every field has a default (up, weight 1, not backup, maxconn 0). */
export interface TestServerSpec {
  readonly name?: string;
  /** Config weight (HAProxy `weight`, default 1); also the initial effective weight. */
  readonly weight?: number;
  /** Initial effective weight when it differs from the config weight (slowstart). */
  readonly effectiveWeight?: number;
  readonly backup?: boolean;
  readonly maxconn?: number;
  readonly up?: boolean;
  readonly conns?: number;
}

export interface TestBackendOptions {
  readonly allbackups?: boolean;
  readonly name?: string;
}

/** A backend as the tests drive it: the view balancers see and the health-thread-like setters. */
export interface TestBackend {
  readonly view: BackendView;
  readonly state: SharedState;
  readonly slots: readonly ServerSlot[];
  readonly statics: readonly ServerStatic[];
  setState(index: number, state: ServerStateValue): void;
  setUp(index: number, up: boolean): void;
  setWeight(index: number, effectiveWeight: number): void;
  setConns(index: number, conns: number): void;
  /** Server name of a pick, or '-' for undefined: keeps sequence assertions readable. */
  nameOf(server: ServerView | undefined): string;
}

/** The static half of each spec, as the main thread would send it to a worker. */
export function staticsOf(specs: readonly TestServerSpec[]): ServerStatic[] {
  return specs.map((s, i) => ({
    name: s.name ?? `s${i}`,
    backup: s.backup ?? false,
    maxconn: s.maxconn ?? 0,
    weight: s.weight ?? 1,
  }));
}

/**
 * A BackendView over backend 0 of `state`, whose servers are slots 0..statics.length-1. Any thread can build one
 * over the same buffer (the worker-thread tests do), exactly as forwarders build theirs.
 */
export function attachBackendView(
  state: SharedState,
  statics: readonly ServerStatic[],
  options: TestBackendOptions = {},
): BackendView {
  const backend = state.backend(0);
  return {
    name: options.name ?? 'be',
    servers: statics.map((info, i) => serverView(i, info, state.server(i))),
    allbackups: options.allbackups ?? false,
    generation: () => backend.load('generation'),
    nextTicket: () => backend.nextTicket(),
  };
}

/** Allocates a fresh shared buffer for one backend with these servers and writes their initial state. */
export function buildTestBackend(specs: readonly TestServerSpec[], options: TestBackendOptions = {}): TestBackend {
  const state = SharedState.allocate({ servers: specs.length, backends: 1, frontends: 0, threads: 0 });
  const statics = staticsOf(specs);
  const slots = specs.map((_, i) => state.server(i));
  const backend = state.backend(0);
  specs.forEach((spec, i) => {
    const slot = slots[i] as ServerSlot;
    slot.store('state', (spec.up ?? true) ? ServerState.UP : ServerState.DOWN);
    slot.store('effectiveWeight', spec.effectiveWeight ?? spec.weight ?? 1);
    // The limit balancers read (ServerView.maxconn) is a buffer word main writes from the config.
    slot.store('maxconn', spec.maxconn ?? 0);
    slot.store('curConns', spec.conns ?? 0);
  });
  backend.add('generation', 1);
  const view = attachBackendView(state, statics, options);
  const bump = (): void => {
    backend.add('generation', 1);
  };
  return {
    view,
    state,
    slots,
    statics,
    setState(index, value) {
      slots[index]?.store('state', value);
      bump();
    },
    setUp(index, up) {
      this.setState(index, up ? ServerState.UP : ServerState.DOWN);
    },
    setWeight(index, effectiveWeight) {
      slots[index]?.store('effectiveWeight', effectiveWeight);
      bump();
    },
    setConns(index, conns) {
      // curConns is an atomic-add field: move it by the difference, as forwarders do.
      const slot = slots[index];
      if (slot !== undefined) slot.add('curConns', conns - slot.load('curConns'));
    },
    nameOf(server) {
      return server === undefined ? '-' : server.name;
    },
  };
}

/** `count` picks with the same request, as server names ('-' for none). */
export function pickNames(be: TestBackend, balancer: Balancer, count: number, request: PickRequest = {}): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(be.nameOf(balancer.pick(request)));
  return out;
}

/** Counts of each name in a list of picks. */
export function tally(names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = (out[n] ?? 0) + 1;
  return out;
}
