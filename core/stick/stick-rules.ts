// The stick model's rules compiled for a session (§4.2 track-sc0…2 in every rule set, stick match/on/store-*):
// each `track-sc*` rule becomes a closure over its condition, its key expression and its table that a session runs
// at its place among the rule set's other actions (TrackRule.order), and a backend's `stick` rules become the match
// dispatch asks before balancing and the stores it commits once a server took the request (HAProxy's
// process_sticking_rules / process_store_rules). Compiled once per forwarder thread at start; run on the hot path
// with the connection's FetchContext: allocation-free after compile.

import type { StickRule, TrackRule } from '../../config/model.js';
import { AclScope, COND, compileCondition, type CompiledCondition } from '../acl/condition.js';
import type { CompileEnv, Compiled } from '../acl/descriptor.js';
import type { FetchContext } from '../acl/fetch-context.js';
import { Sample } from '../acl/sample.js';
import { compileSampleExpr, type CompiledExpr } from '../acl/sample-expr.js';
import { stickyServer, type PendingStores } from './persistence.js';
import { stickNow } from './stick-clock.js';
import { TrackLevel, type StickCounters } from './stick-counters.js';
import { setSampleKey } from './stick-key.js';
import type { StickTables } from './stick-tables.js';

/** What running a rule did: it tracked (or stored), it did not apply, or it must wait for more request bytes. */
export const RuleOutcome = { DONE: 0, SKIPPED: 1, WAIT: 2 } as const;
export type RuleOutcomeValue = (typeof RuleOutcome)[keyof typeof RuleOutcome];

/** One thread's sample for key evaluation (rules run one at a time on a thread). */
const keySample = new Sample();

/** Evaluates `key` into table `table`'s key words: DONE when written, SKIPPED without a value, WAIT when one may come. */
function evalKey(key: CompiledExpr, ctx: FetchContext, tables: StickTables, table: number): RuleOutcomeValue {
  key.begin(false);
  if (!key.next(ctx, keySample)) return keySample.mayChange ? RuleOutcome.WAIT : RuleOutcome.SKIPPED;
  return setSampleKey(tables.store(table), keySample, ctx.arena) ? RuleOutcome.DONE : RuleOutcome.SKIPPED;
}

/** The condition's say: undefined (run), or the outcome that stops the rule. */
function gate(condition: CompiledCondition | undefined, ctx: FetchContext): RuleOutcomeValue | undefined {
  if (condition === undefined) return undefined;
  const v = condition.verdict(ctx);
  return v === COND.TRUE ? undefined : v === COND.WAIT ? RuleOutcome.WAIT : RuleOutcome.SKIPPED;
}

/** A compiled `track-scN` rule. */
export class CompiledTrackRule {
  readonly rule: TrackRule;
  private readonly key: CompiledExpr;
  private readonly condition: CompiledCondition | undefined;

  constructor(rule: TrackRule, key: CompiledExpr, condition: CompiledCondition | undefined) {
    this.rule = rule;
    this.key = key;
    this.condition = condition;
  }

  /**
   * Runs the rule for the connection of `ctx` (whose stickTables/stickCounters the session set): when scN is free
   * and the condition holds, the key's entry is tracked for the connection (tcp-request connection/session) or the
   * stream (the other sets), an http-request/response tracking counting its request at once (`status`: the
   * response's, for http-response). SKIPPED when scN was already tracked, the key has no value or the table no room.
   */
  run(ctx: FetchContext, counters: StickCounters, tables: StickTables, status = 0, now = stickNow()): RuleOutcomeValue {
    const r = this.rule;
    if (counters.tracked(r.counter)) return RuleOutcome.SKIPPED;
    const stop = gate(this.condition, ctx);
    if (stop !== undefined) return stop;
    const key = evalKey(this.key, ctx, tables, r.table);
    if (key !== RuleOutcome.DONE) return key;
    let tracked: boolean;
    if (r.stage === 'http-request') tracked = counters.trackHttpRequest(r.counter, r.table, now);
    else if (r.stage === 'http-response') tracked = counters.trackHttpResponse(r.counter, r.table, status, now);
    else {
      const level = r.stage === 'tcp-request content' ? TrackLevel.CONTENT : TrackLevel.SESSION;
      tracked = counters.track(r.counter, r.table, level, now);
    }
    return tracked ? RuleOutcome.DONE : RuleOutcome.SKIPPED;
  }
}

/** A backend's compiled `stick` rules, in order. */
export class CompiledStickRules {
  private readonly rules: readonly { readonly rule: StickRule; readonly key: CompiledExpr; readonly condition?: CompiledCondition }[];

  constructor(rules: CompiledStickRules['rules']) {
    this.rules = rules;
  }

  /** True when the backend has rules of that kind (dispatch skips the calls otherwise). */
  has(kind: StickRule['kind']): boolean {
    return this.rules.some((r) => r.rule.kind === kind);
  }

  /**
   * `stick match` / `stick on`, before balancing: the first rule whose condition holds and whose key names a
   * server that `usable` accepts (UP, or down under `option persist`) gives that server's index in the backend of
   * `serverCount` servers; -1 when none does (balance as usual). A matched entry's expiry restarts.
   */
  match(ctx: FetchContext, tables: StickTables, serverCount: number, usable: (server: number) => boolean, now = stickNow()): number {
    for (let i = 0; i < this.rules.length; i++) {
      const r = this.rules[i];
      if (r === undefined || r.rule.kind !== 'match') continue;
      if (gate(r.condition, ctx) !== undefined) continue;
      if (evalKey(r.key, ctx, tables, r.rule.table) !== RuleOutcome.DONE) continue;
      const server = stickyServer(tables, r.rule.table, serverCount, now);
      if (server >= 0 && usable(server)) return server;
    }
    return -1;
  }

  /**
   * `stick store-request` (or, with `response`, `store-response`): the keys of the first applying rule of each
   * table are kept in `pending` (at most 8), for PendingStores.commit() once a server took the request.
   */
  collectStores(ctx: FetchContext, tables: StickTables, pending: PendingStores, response = false): void {
    const kind = response ? 'store-response' : 'store-request';
    for (let i = 0; i < this.rules.length; i++) {
      const r = this.rules[i];
      if (r === undefined || r.rule.kind !== kind || pending.has(r.rule.table)) continue;
      if (gate(r.condition, ctx) !== undefined) continue;
      if (evalKey(r.key, ctx, tables, r.rule.table) === RuleOutcome.DONE) pending.add(r.rule.table);
    }
  }
}

function compileWhen(spec: TrackRule['condition'], scope: AclScope): Compiled<CompiledCondition | undefined> {
  return spec === undefined ? undefined : compileCondition(spec, scope);
}

/** Compiles a proxy side's track rules (`scope`: its ACLs and compile environment). Never throws. */
export function compileTrackRules(rules: readonly TrackRule[], scope: AclScope): Compiled<CompiledTrackRule[]> {
  const out: CompiledTrackRule[] = [];
  for (const rule of rules) {
    const key = compileSampleExpr(rule.key, scope.env);
    if ('error' in key) return key;
    const condition = compileWhen(rule.condition, scope);
    if (condition !== undefined && 'error' in condition) return condition;
    out.push(new CompiledTrackRule(rule, key, condition));
  }
  return out;
}

/** Compiles a backend's `stick` rules. Never throws. */
export function compileStickRules(rules: readonly StickRule[], scope: AclScope): Compiled<CompiledStickRules> {
  const out: { rule: StickRule; key: CompiledExpr; condition?: CompiledCondition }[] = [];
  for (const rule of rules) {
    const key = compileSampleExpr(rule.key, scope.env);
    if ('error' in key) return key;
    const condition = compileWhen(rule.condition, scope);
    if (condition !== undefined && 'error' in condition) return condition;
    out.push({ rule, key, ...(condition === undefined ? {} : { condition }) });
  }
  return new CompiledStickRules(out);
}

/** A scope with no named ACL of its own (tests; the wiring passes the proxy's AclScope). */
export function bareScope(env: CompileEnv): AclScope {
  return new AclScope([], env);
}
