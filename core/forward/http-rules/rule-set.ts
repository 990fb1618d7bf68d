// One proxy's rules of one stage compiled for a forwarder thread (HAProxy 2.6 §4.2 http-request, http-response,
// http-after-response, plus a frontend's monitor-uri first and its legacy `redirect` rules last): each rule is its
// compiled condition and an action closure (actions.ts); run() walks them in order on the message being edited and
// stops at the first final action (allow, deny, tarpit, auth, redirect, return, reject, silent-drop), as HAProxy's
// rule engine does. The session calls run() only when the set is not `empty` (the no-rules path costs nothing).
// Compile: each forwarder at start (never throws: a problem is a { error } value). run(): hot path; header set/add/
// del allocate only their evaluated values.

import type { HttpRuleSpec } from '../../../config/model.js';
import { COND, compileCondition, type AclScope, type CompiledCondition } from '../../acl/condition.js';
import type { CompileEnv, Compiled } from '../../acl/descriptor.js';
import type { FetchContext } from '../../acl/fetch-context.js';
import type { HeadEdit } from '../../http1/head-edit.js';
import { HEAD_LIMITS } from '../l7-limits.js';
import { compileAction, literalOf } from './actions.js';
import { errorPage, type CompiledReply } from './replies.js';
import type { RuleAnswer } from './rule-answer.js';
import { RULE, type Exec, type RuleSetPlace, type RuleVerdict } from './rule-verdict.js';

export { RuleAnswer } from './rule-answer.js';
export { RULE, type RuleSetPlace, type RuleVerdict } from './rule-verdict.js';

/** One rule: its condition (none: always) and its action. */
interface CompiledRule {
  readonly condition: CompiledCondition | undefined;
  readonly exec: Exec;
  /** The source rule (diagnostics, tests). */
  readonly spec: HttpRuleSpec;
}

const NONE: readonly CompiledRule[] = [];

/** One compiled rule set. */
export class HttpRuleSet {
  private readonly rules: readonly CompiledRule[];
  /** No rules: the session skips run() (and the HeadEdit work it would need). */
  readonly empty: boolean;
  /** Some rule reads the client or frontend address (src, dst, %ci…): the session fills them only then. */
  readonly needsAddresses: boolean;

  /** Some rule can grow the head by a value computed per request: run() checks the rewritten size. */
  private readonly growable: boolean;
  /** The 500 page a rewrite that overflows the buffer gets. */
  private readonly overflow: CompiledReply;

  private constructor(rules: readonly CompiledRule[], needsAddresses: boolean, growable: boolean, overflow: CompiledReply) {
    this.rules = rules;
    this.empty = rules.length === 0;
    this.needsAddresses = needsAddresses;
    this.growable = growable;
    this.overflow = overflow;
  }

  /** The set with no rule (a proxy without any). */
  static readonly EMPTY = new HttpRuleSet(NONE, false, false, errorPage(500, []));

  /**
   * Compiles `rules` (in order) for the proxy of `env`, its ACLs in `scope`. Never throws: an unknown fetch, a
   * regex that does not compile or a missing name is returned as { error }.
   */
  static compile(rules: readonly HttpRuleSpec[] | undefined, env: CompileEnv, scope: AclScope, where: RuleSetPlace): Compiled<HttpRuleSet> {
    if (rules === undefined || rules.length === 0) return HttpRuleSet.EMPTY;
    const out: CompiledRule[] = [];
    for (const spec of rules) {
      let condition: CompiledCondition | undefined;
      if (spec.condition !== undefined) {
        const c = compileCondition(spec.condition, scope);
        if ('error' in c) return { error: `${spec.source.file}:${spec.source.line}: ${c.error}` };
        condition = c;
      }
      const exec = compileAction(spec, env, scope, where);
      if (typeof exec !== 'function') return { error: `${spec.source.file}:${spec.source.line}: ${exec.error}` };
      out.push({ condition, exec, spec });
    }
    const growable = rules.some(grows) || literalGrowth(rules) > MAX_REWRITE;
    return new HttpRuleSet(out, readsAddresses(rules), growable, errorPage(500, where.errorRules));
  }

  /**
   * Runs the rules in order on the message being edited: `ctx.head` is the request, `ctx.response` the response
   * during a response or after-response set; `edit` was begun on the message the stage edits, right after its parse
   * (rewrites are mirrored into edit.source so later rules read them: append the proxy's own fields, such as
   * X-Forwarded-For, after the request sets). Returns a RULE value; for ANSWER and TARPIT `answer` holds the
   * response. A condition that cannot be decided yet counts as not met (HTTP rules run once the head is complete).
   * Never throws on any request.
   */
  run(ctx: FetchContext, edit: HeadEdit, answer: RuleAnswer): RuleVerdict {
    const rules = this.rules;
    let v: RuleVerdict = RULE.CONTINUE;
    // Indexed loop: an unoptimised for-of allocates an iterator per call.
    for (let i = 0; i < rules.length && v === RULE.CONTINUE; i++) {
      const r = rules[i];
      if (r === undefined) continue;
      if (r.condition !== undefined && r.condition.verdict(ctx) !== COND.TRUE) continue;
      v = r.exec(ctx, edit, answer);
    }
    if (v > RULE.ALLOW || !this.growable || !overflows(edit)) return v;
    // A rewrite that does not fit HAProxy's buffer fails; in strict-mode (its default) the message is answered 500,
    // the connection kept (measured on 2.6.12 with a 16 KB header copied by set-header).
    this.overflow.fill(ctx, answer);
    return RULE.ANSWER;
  }

  /** The rules' specs, in order (tests, diagnostics). */
  get specs(): readonly HttpRuleSpec[] {
    return this.rules.map((r) => r.spec);
  }
}

/**
 * HAProxy's room for a rewritten head: the message in HTX form must fit tune.bufsize. HTX costs 8 bytes per block
 * where HTTP/1 spends 4 on ": " and CRLF, plus a fixed part. Fitted to the limits measured on 2.6.12 (a header copied
 * three times by set-header, with 4, 14 and 44 fields: heads of 16 309, 16 271 and 16 151 bytes pass, 4 more fail).
 */
function overflows(edit: HeadEdit): boolean {
  let live = 0;
  for (let i = 0; i < edit.count; i++) if (edit.isLive(i)) live++;
  return edit.byteLength() + 4 * live + 56 > HEAD_LIMITS.maxHeadBytes;
}

/** tune.maxrewrite: what HAProxy keeps free in a buffer for rewrites. */
const MAX_REWRITE = 1024;

/** Bytes the fixed set-/add-header values of a set may add (name, ": ", value, CRLF each). */
function literalGrowth(rules: readonly HttpRuleSpec[]): number {
  let n = 0;
  for (const r of rules) {
    if (r.action !== 'set-header' && r.action !== 'add-header') continue;
    n += r.name.length + 4 + (literalOf(r.value) ?? '').length;
  }
  return n;
}

/** True for a rule whose rewrite size depends on the request (an evaluated value or a regex replacement). */
function grows(spec: HttpRuleSpec): boolean {
  switch (spec.action) {
    case 'set-header':
    case 'add-header':
      return literalOf(spec.value) === undefined;
    case 'replace-header':
    case 'replace-value':
    case 'set-path':
    case 'set-pathq':
    case 'set-query':
    case 'set-uri':
    case 'set-method':
    case 'replace-path':
    case 'replace-pathq':
    case 'replace-uri':
      return true;
    case 'normalize-uri':
      return spec.normalizer === 'fragment-encode';
    default:
      return false;
  }
}

/** True when a rule or its condition reads the connection's addresses (a cheap textual check on the specs). */
function readsAddresses(rules: readonly HttpRuleSpec[]): boolean {
  const text = JSON.stringify(rules);
  return /"name":"(src|dst|src_port|dst_port|src_[a-z_0-9]+|sc[0-2]?_[a-z_0-9]+|sc_[a-z_0-9]+)"|"name":"(ci|cp|fi|fp)"|"kind":"var"|track-sc|"action":"set-(src|dst)/.test(text);
}
