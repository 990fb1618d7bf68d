// A frontend's `tcp-request connection|session|content` rules (manual §4.2) and, for a `mode tcp` frontend, its
// `use_backend` rules, compiled once per forwarder thread: each rule set is a list of steps in line order (the
// track-sc* rules placed among the other actions by their `order`), run by HAProxy's rules: the first accept stops the
// set and lets the connection through, reject/silent-drop end it, switch-mode http ends the content set with an HTTP
// upgrade, track-sc*/sc-inc-gpc*/sc-set-gpt* and set-src/set-dst* act and go on, and a condition (or track key) short of bytes makes the
// content set wait, to be run again from its first rule when more bytes come (HAProxy restarts the list too).
// Compile: forwarder start; run(): forwarder threads, per connection, allocation-free after compile.
// In a mode http frontend haproxy 2.6 runs the content rules once per request, after the head is parsed and never on
// a partial head, and req.payload there does not read the head's bytes (measured); that per-request call belongs to
// the HTTP session (run('content', fetch with head set and payloadFinal true, …) before http-request rules), and
// until it makes it, config load refuses content rules in mode http frontends.

import type { AclTestSpec, Config, ConditionSpec, FrontendConfig, TcpAction, TcpRule, TcpRuleSet, TrackRule } from '../../../config/model.js';
import { AclScope, COND, compileCondition, type CompiledCondition } from '../../acl/condition.js';
import type { CompileEnv, Compiled } from '../../acl/descriptor.js';
import type { FetchContext } from '../../acl/fetch-context.js';
import { getFetch } from '../../acl/registry.js';
import { predefinedAcl } from '../../acl/predefined.js';
import { BackendSwitch } from '../../acl/switching.js';
import type { StickCounters } from '../../stick/stick-counters.js';
import { compileTrackRules, RuleOutcome, type CompiledTrackRule } from '../../stick/stick-rules.js';
import type { StickTables } from '../../stick/stick-tables.js';
import { AddressAction } from '../set-address.js';

/**
 * What a rule set decided. PASS: go on (an accept, or no rule stopped it). PROXY: PASS, and an `expect-proxy layer4`
 * rule applied (connection rules only): read a PROXY header first. SWITCH: content only, the HTTP upgrade.
 */
export const TCP = { PASS: 0, REJECT: 1, DROP: 2, WAIT: 3, SWITCH: 4, PROXY: 5 } as const;
export type TcpVerdict = (typeof TCP)[keyof typeof TCP];

/** One compiled step: an action with its condition, or a track-sc rule (which carries its own). */
type Step =
  | {
      readonly track: undefined;
      readonly action: TcpAction;
      readonly condition: CompiledCondition | undefined;
      /** set-src, set-dst and their ports: the compiled action. */
      readonly address: AddressAction | undefined;
    }
  | { readonly track: CompiledTrackRule; readonly action: undefined; readonly condition: undefined; readonly address: undefined };

/** A frontend's compiled tcp-request rules and switching rules, for one thread. */
export class TcpRuleProgram {
  readonly connection: readonly Step[];
  readonly session: readonly Step[];
  readonly content: readonly Step[];
  /** `tcp-request inspect-delay`, ms; 0: the content rules decide at once on what is there. */
  readonly inspectDelay: number;
  /** Some content rule or switching rule reads the HTTP request (hdr, path, …): the head is parsed from the bytes. */
  readonly needsHead: boolean;
  /** use_backend rules of a mode tcp frontend (undefined: the default backend applies, as before). */
  readonly switcher: BackendSwitch | undefined;
  /** Some rule tracks or counts: the connection needs StickCounters. */
  readonly tracks: boolean;

  private constructor(parts: Omit<TcpRuleProgram, 'run' | 'has'>) {
    this.connection = parts.connection;
    this.session = parts.session;
    this.content = parts.content;
    this.inspectDelay = parts.inspectDelay;
    this.needsHead = parts.needsHead;
    this.switcher = parts.switcher;
    this.tracks = parts.tracks;
  }

  /** True when the set has at least one rule. */
  has(set: TcpRuleSet): boolean {
    return (set === 'connection' ? this.connection : set === 'session' ? this.session : this.content).length > 0;
  }

  /**
   * Runs rule set `set` for the connection of `ctx` (its addresses set; for content, its payload, with payloadFinal
   * telling whether more bytes may come). `counters`/`tables`: the connection's sticky counters and the thread's
   * tables, when the program tracks. WAIT only for content while payloadFinal is false; PROXY only for connection
   * rules. Never throws.
   */
  run(set: TcpRuleSet, ctx: FetchContext, counters: StickCounters | undefined, tables: StickTables | undefined): TcpVerdict {
    const steps = set === 'connection' ? this.connection : set === 'session' ? this.session : this.content;
    // expect-proxy does not stop the rules; it only changes what a passing verdict asks for.
    let pass: TcpVerdict = TCP.PASS;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (step === undefined) continue;
      if (step.track !== undefined) {
        if (counters === undefined || tables === undefined) continue;
        if (step.track.run(ctx, counters, tables) === RuleOutcome.WAIT) return TCP.WAIT;
        continue;
      }
      if (step.condition !== undefined) {
        const v = step.condition.verdict(ctx);
        if (v === COND.WAIT) return TCP.WAIT;
        if (v === COND.FALSE) continue;
      }
      const a = step.action;
      switch (a.kind) {
        case 'accept':
          return pass;
        case 'reject':
          return TCP.REJECT;
        case 'silent-drop':
          return TCP.DROP;
        case 'switch-mode':
          return TCP.SWITCH;
        case 'expect-proxy':
          pass = TCP.PROXY;
          break;
        case 'sc-inc-gpc':
          counters?.incGpc(a.counter, a.idx);
          break;
        case 'sc-set-gpt':
          counters?.setGpt(a.counter, a.idx, a.value);
          break;
        case 'capture':
          break;
        case 'set-src':
        case 'set-src-port':
        case 'set-dst':
        case 'set-dst-port':
          step.address?.run(ctx);
          break;
      }
    }
    return pass;
  }

  /**
   * The program of frontend `fe` of `config`, or undefined when it has no tcp-request rule, and (in mode tcp) no
   * use_backend rule and no backend it may reach with content rules: such a frontend keeps its rule-free path. An
   * error text when a rule does not compile (config load already compiled them: a bug). Never throws.
   */
  static compile(config: Config, fe: number): Compiled<TcpRuleProgram | undefined> {
    const frontend = config.frontends[fe];
    if (frontend === undefined) return undefined;
    const tcpRules = frontend.tcpRules ?? [];
    const trackRules = (frontend.trackRules ?? []).filter((r) => r.stage.startsWith('tcp-request '));
    const switching = frontend.mode === 'tcp' && (frontend.useBackends?.length ?? 0) > 0;
    const reachesRules = frontend.mode === 'tcp' && reachableBackends(config, fe).some((b) => hasContentRules(config, b));
    if (tcpRules.length === 0 && trackRules.length === 0 && !switching && !reachesRules) return undefined;
    const env = compileEnv(config, frontend.name, fe, config.backends.findIndex((b) => b.name === frontend.name));
    return TcpRuleProgram.build(env, tcpRules, trackRules, frontend.inspectDelay, switching ? frontend : undefined);
  }

  /**
   * The content rules of backend `be` (a `backend` section's `tcp-request content` and track-sc rules, run once a
   * TCP frontend chose it, with its own inspect delay), or undefined when it has none. Never throws.
   */
  static compileBackend(config: Config, be: number): Compiled<TcpRuleProgram | undefined> {
    const backend = config.backends[be];
    if (backend === undefined || !hasContentRules(config, be)) return undefined;
    const trackRules = (backend.trackRules ?? []).filter((r) => r.stage === 'tcp-request content');
    const env = compileEnv(config, backend.name, -1, be);
    return TcpRuleProgram.build(env, backend.tcpRules ?? [], trackRules, backend.inspectDelay, undefined);
  }

  private static build(
    env: CompileEnv,
    tcpRules: readonly TcpRule[],
    trackRules: readonly TrackRule[],
    inspectDelay: number | undefined,
    switching: FrontendConfig | undefined,
  ): Compiled<TcpRuleProgram> {
    const scope = new AclScope([], env);
    const tracks = compileTrackRules(trackRules, scope);
    if ('error' in tracks) return tracks;
    const sets: Record<TcpRuleSet, { order: number; step: Step }[]> = { connection: [], session: [], content: [] };
    for (const t of tracks) {
      const set = t.rule.stage.slice('tcp-request '.length) as TcpRuleSet;
      sets[set].push({ order: t.rule.order, step: { track: t, action: undefined, condition: undefined, address: undefined } });
    }
    for (const r of tcpRules) {
      const condition = r.condition === undefined ? undefined : compileCondition(r.condition, scope);
      if (condition !== undefined && 'error' in condition) return condition;
      const a = r.action;
      let address: AddressAction | undefined;
      if (a.kind === 'set-src' || a.kind === 'set-src-port' || a.kind === 'set-dst' || a.kind === 'set-dst-port') {
        const compiled = AddressAction.compile(a.kind, a.expr, env, r.set === 'content');
        if ('error' in compiled) return compiled;
        address = compiled;
      }
      sets[r.set].push({ order: r.order, step: { track: undefined, action: a, condition, address } });
    }
    let switcher: BackendSwitch | undefined;
    if (switching !== undefined) {
      const s = BackendSwitch.compile(switching.useBackends, switching.defaultBackend, env, scope);
      if ('error' in s) return s;
      switcher = s;
    }
    const ordered = (set: TcpRuleSet): Step[] => sets[set].sort((a, b) => a.order - b.order).map((x) => x.step);
    const headConditions = [
      ...tcpRules.filter((r) => r.set === 'content').map((r) => r.condition),
      ...trackRules.filter((r) => r.stage === 'tcp-request content').map((r) => r.condition),
      ...(switching?.useBackends ?? []).map((r) => r.condition),
    ];
    const keyNeedsHead =
      trackRules.some((r) => r.stage === 'tcp-request content' && readsHead(r.key.fetch.name)) ||
      tcpRules.some((r) => r.set === 'content' && 'expr' in r.action && readsHead(r.action.expr.fetch.name));
    return new TcpRuleProgram({
      connection: ordered('connection'),
      session: ordered('session'),
      content: ordered('content'),
      inspectDelay: inspectDelay ?? 0,
      needsHead: keyNeedsHead || headConditions.some((c) => c !== undefined && conditionReadsHead(c)),
      switcher,
      tracks: trackRules.length > 0 || tcpRules.some((r) => r.action.kind === 'sc-inc-gpc' || r.action.kind === 'sc-set-gpt'),
    });
  }
}

function compileEnv(config: Config, proxyName: string, frontend: number, backend: number): CompileEnv {
  return { world: config, proxyName, frontend, backend, cache: new Map() };
}

/** Whether backend `be` has tcp-request content rules of its own (a `backend` section's). */
function hasContentRules(config: Config, be: number): boolean {
  const b = config.backends[be];
  if (b === undefined) return false;
  return (b.tcpRules?.length ?? 0) > 0 || (b.trackRules ?? []).some((r) => r.stage === 'tcp-request content');
}

/** The backends frontend `fe` may hand a connection to: its default and static use_backend names; all with a dynamic one. */
function reachableBackends(config: Config, fe: number): number[] {
  const f = config.frontends[fe];
  if (f === undefined) return [];
  const rules = f.useBackends ?? [];
  if (rules.some((r) => r.backend.kind === 'dynamic')) return config.backends.map((_, i) => i);
  const names = [f.defaultBackend, ...rules.map((r) => (r.backend.kind === 'name' ? r.backend.name : undefined))];
  return names.flatMap((n) => {
    const i = n === undefined ? -1 : config.backends.findIndex((b) => b.name === n);
    return i < 0 ? [] : [i];
  });
}

/** Whether fetch `name` reads the parsed HTTP request (HAProxy parses it from the raw bytes in a TCP stream). */
function readsHead(name: string): boolean {
  const source = getFetch(name)?.source ?? '';
  return source.startsWith('HTTP');
}

function testsReadHead(tests: readonly AclTestSpec[]): boolean {
  return tests.some((t) => readsHead(t.expr.fetch.name));
}

/** Whether any term of the condition (named, pre-defined or anonymous) reads the HTTP request. */
function conditionReadsHead(spec: ConditionSpec): boolean {
  for (const group of spec.terms ?? []) {
    for (const term of group) {
      if ('anonymous' in term) {
        if (testsReadHead([term.anonymous])) return true;
        continue;
      }
      const tests = term.tests ?? predefinedTests(term.acl);
      if (testsReadHead(tests)) return true;
    }
  }
  return false;
}

function predefinedTests(name: string): readonly AclTestSpec[] {
  const pre = predefinedAcl(name);
  return pre === undefined || 'notImplemented' in pre ? [] : pre.tests;
}

/** One thread's compiled programs: each frontend's, each backend's (content rules of a backend section). */
export interface TcpPrograms {
  readonly frontends: readonly (TcpRuleProgram | undefined)[];
  readonly backends: readonly (TcpRuleProgram | undefined)[];
}

/** Per thread: every program of `config` (undefined entries: no rules), compiled once at forwarder start. */
export function compileTcpPrograms(config: Config): TcpPrograms {
  // Config load compiled the same rules: an error here is a bug, and no proxy may run without its rules.
  const ok = (p: Compiled<TcpRuleProgram | undefined>, what: string): TcpRuleProgram | undefined => {
    if (p !== undefined && 'error' in p) throw new Error(`${what}: tcp-request rules do not compile: ${p.error}`);
    return p;
  };
  return {
    frontends: config.frontends.map((f, i) => ok(TcpRuleProgram.compile(config, i), `frontend '${f.name}'`)),
    backends: config.backends.map((b, i) => ok(TcpRuleProgram.compileBackend(config, i), `backend '${b.name}'`)),
  };
}
