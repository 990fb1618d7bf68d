// One proxy's rules of one stage compiled for a forwarder thread (HAProxy 2.6 §4.2 http-request, http-response,
// http-after-response, plus a frontend's monitor-uri first and its legacy `redirect` rules last): each rule is its
// compiled condition and an action closure; run() walks them in order on the message being edited and stops at the
// first final action (allow, deny, tarpit, auth, redirect, return, reject, silent-drop), as HAProxy's rule
// engine does. The session calls run() only when the set is not `empty` (the no-rules path costs nothing).
// Compile: each forwarder at start (never throws: a problem is a { error } value). run(): hot path; header set/add/
// del allocate only their value string.

import type { HttpRuleSpec, HttpRules, LogFormatSpec } from '../../../config/model.js';
import { AclScope, COND, compileCondition, type CompiledCondition } from '../../acl/condition.js';
import type { CompileEnv, Compiled } from '../../acl/descriptor.js';
import type { FetchContext } from '../../acl/fetch-context.js';
import { compileLogFormat } from '../../acl/log-format.js';
import { compileRegex } from '../../acl/match-regex.js';
import { Sample, SMP, castSample } from '../../acl/sample.js';
import { compileSampleExpr } from '../../acl/sample-expr.js';
import type { HeadEdit } from '../../http1/head-edit.js';
import { Span, fetchUrl } from '../../http1/head-fetch.js';
import { CompiledTrackRule } from '../../stick/stick-rules.js';
import {
  LINE,
  RuleHeaderName,
  dropMatching,
  dropNamed,
  linePart,
  replaceHeader,
  replaceMatch,
  setHeader,
  setLinePart,
  setStatus,
  type LinePart,
} from './edit-actions.js';
import { HEAD_LIMITS } from '../l7-limits.js';
import { compileRedirect, compileReply, errorPage, type CompiledReply } from './replies.js';
import { RuleAnswer } from './rule-answer.js';

export { RuleAnswer } from './rule-answer.js';

/**
 * What run() tells the session. CONTINUE: every rule ran (the edits are in the HeadEdit); ALLOW: an `allow` stopped
 * this set (the next stage still runs); ANSWER: send `answer` instead of forwarding; TARPIT: wait `timeout tarpit`,
 * then send `answer`; REJECT: close the client connection at once; SILENT_DROP: close it without a FIN or RST the
 * client would see (HAProxy sets SO_LINGER 0 and lets the client time out; orcalb's session decides how).
 */
export const RULE = { CONTINUE: 0, ALLOW: 1, ANSWER: 2, TARPIT: 3, REJECT: 4, SILENT_DROP: 5 } as const;
export type RuleVerdict = (typeof RULE)[keyof typeof RULE];

/** Where a set runs: its stage, the proxy that wrote it, and the error pages its answers use. */
export interface RuleSetPlace {
  readonly stage: 'request' | 'response' | 'after-response';
  /** The proxy's name (the default auth realm). */
  readonly proxyName: string;
  /** The HttpRules whose errorfiles the answers use, the proxy's own first (a backend's, then its frontend's). */
  readonly errorRules: readonly (HttpRules | undefined)[];
}

/** An action: the verdict it leaves (CONTINUE to go on with the next rule). */
type Exec = (ctx: FetchContext, edit: HeadEdit, answer: RuleAnswer) => RuleVerdict;

interface CompiledRule {
  readonly condition: CompiledCondition | undefined;
  readonly exec: Exec;
  /** The source rule (diagnostics, tests). */
  readonly spec: HttpRuleSpec;
}

const NONE: readonly CompiledRule[] = [];
const urlSpan = new Span();
const gptSample = new Sample();
const varSample = new Sample();

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
   * Runs the rules in order on the message being edited: `ctx.head` is the request (its HeadView, which the
   * request-line actions rewrite in place), `edit` was begun on the message the stage edits (the request, or the
   * response for response stages). Returns a RULE value; for ANSWER and TARPIT `answer` holds the response.
   * A condition that cannot be decided yet counts as not met (HTTP rules run once the head is complete). Never
   * throws on any request.
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
    default:
      return false;
  }
}

/** True when a rule or its condition reads the connection's addresses (a cheap textual check on the specs). */
function readsAddresses(rules: readonly HttpRuleSpec[]): boolean {
  const text = JSON.stringify(rules);
  return /"name":"(src|dst|src_port|dst_port|src_[a-z_0-9]+|sc[0-2]?_[a-z_0-9]+|sc_[a-z_0-9]+)"|"name":"(ci|cp|fi|fp)"|"kind":"var"|track-sc/.test(text);
}

/** The action closure of one rule. */
function compileAction(spec: HttpRuleSpec, env: CompileEnv, scope: AclScope, where: RuleSetPlace): Compiled<Exec> {
  switch (spec.action) {
    case 'allow':
      return () => RULE.ALLOW;
    case 'reject':
      return () => RULE.REJECT;
    case 'silent-drop':
      return () => RULE.SILENT_DROP;
    case 'deny':
    case 'tarpit':
    case 'return': {
      const reply = compileReply(spec.reply, env, where.errorRules);
      if ('error' in reply) return reply;
      const verdict = spec.action === 'tarpit' ? RULE.TARPIT : RULE.ANSWER;
      return (ctx, _edit, answer) => {
        reply.fill(ctx, answer);
        return verdict;
      };
    }
    case 'auth': {
      const realm = (spec.realm ?? where.proxyName).replace(/"/g, '\\"');
      const page = errorPage(401, where.errorRules, `www-authenticate: Basic realm="${realm}"\r\n`);
      return (ctx, _edit, answer) => {
        page.fill(ctx, answer);
        return RULE.ANSWER;
      };
    }
    case 'redirect': {
      const redirect = compileRedirect(spec.redirect, env);
      if ('error' in redirect) return redirect;
      return (ctx, _edit, answer) => {
        const location = redirect.location(ctx);
        if (location === undefined) return RULE.CONTINUE;
        redirect.fillWith(location, answer);
        return RULE.ANSWER;
      };
    }
    case 'set-header':
    case 'add-header': {
      const name = new RuleHeaderName(spec.name);
      const replace = spec.action === 'set-header';
      const fixed = literalOf(spec.value);
      if (fixed !== undefined) {
        // A value without any expression is one string for every request: nothing to build.
        return (_ctx, edit) => {
          setHeader(edit, name, fixed, replace);
          return RULE.CONTINUE;
        };
      }
      const value = compileLogFormat(spec.value, env);
      if ('error' in value) return value;
      return (ctx, edit) => {
        // The value first: it may read the very header set-header is about to delete (measured on 2.6.12).
        setHeader(edit, name, value.evaluate(ctx, true), replace);
        return RULE.CONTINUE;
      };
    }
    case 'del-header':
      return compileDelHeader(spec.name, spec.method);
    case 'replace-header':
    case 'replace-value': {
      const re = compileRegex(spec.regex.source, false);
      if (typeof re === 'string') return { error: re };
      const replace = compileLogFormat(spec.replace, env);
      if ('error' in replace) return replace;
      const name = new RuleHeaderName(spec.name);
      const perValue = spec.action === 'replace-value';
      return (ctx, edit) => {
        replaceHeader(edit, name, re, replace.evaluate(ctx, true), perValue);
        return RULE.CONTINUE;
      };
    }
    case 'set-path':
    case 'set-pathq':
    case 'set-query':
    case 'set-uri':
    case 'set-method': {
      const value = compileLogFormat(spec.value, env);
      if ('error' in value) return value;
      const part = LINE_OF[spec.action];
      return (ctx, edit) => {
        const head = edit.source;
        if (head !== undefined) setLinePart(head, part, value.evaluate(ctx, true));
        return RULE.CONTINUE;
      };
    }
    case 'replace-path':
    case 'replace-pathq':
    case 'replace-uri': {
      const re = compileRegex(spec.regex.source, false);
      if (typeof re === 'string') return { error: re };
      const replace = compileLogFormat(spec.replace, env);
      if ('error' in replace) return replace;
      const part = LINE_OF[spec.action];
      return (ctx, edit) => {
        const head = edit.source;
        const current = head === undefined ? undefined : linePart(head, part);
        if (head === undefined || current === undefined) return RULE.CONTINUE;
        const out = replaceMatch(re, current, replace.evaluate(ctx, true));
        if (out !== undefined) setLinePart(head, part, out);
        return RULE.CONTINUE;
      };
    }
    case 'set-status':
      return (_ctx, edit) => {
        const head = edit.source;
        if (head !== undefined) setStatus(head, spec.status, spec.reason);
        return RULE.CONTINUE;
      };
    case 'track-sc':
      return compileTrack(spec.track, scope);
    case 'sc-inc-gpc':
      return (ctx) => {
        ctx.stickCounters?.incGpc(spec.counter, spec.index);
        return RULE.CONTINUE;
      };
    case 'sc-set-gpt':
      return compileSetGpt(spec.counter, spec.index, spec.value, env);
    case 'monitor':
      return compileMonitor(spec.uri, spec.fail, scope, where);
    case 'set-var': {
      const expr = compileSampleExpr(spec.expr, env);
      if ('error' in expr) return expr;
      const { scope: s, name } = spec;
      return (ctx) => {
        // An expression without a value leaves the variable as it was (HAProxy's set-var does nothing then).
        ctx.arena.reset();
        expr.begin(false);
        if (expr.next(ctx, varSample)) ctx.vars.set(s, name, varSample);
        return RULE.CONTINUE;
      };
    }
    case 'set-var-fmt': {
      const format = compileLogFormat(spec.format, env);
      if ('error' in format) return format;
      const { scope: s, name } = spec;
      return (ctx) => {
        ctx.vars.setText(s, name, format.evaluate(ctx), varSample);
        return RULE.CONTINUE;
      };
    }
    case 'unset-var': {
      const { scope: s, name } = spec;
      return (ctx) => {
        ctx.vars.unset(s, name);
        return RULE.CONTINUE;
      };
    }
  }
}

const LINE_OF = {
  'set-path': LINE.PATH,
  'set-pathq': LINE.PATHQ,
  'set-query': LINE.QUERY,
  'set-uri': LINE.URI,
  'set-method': LINE.METHOD,
  'replace-path': LINE.PATH,
  'replace-pathq': LINE.PATHQ,
  'replace-uri': LINE.URI,
} as const satisfies Readonly<Record<string, LinePart>>;

/** The text of a log-format made of literal text only (CR, LF and NUL left out, as evaluate() does), else undefined. */
function literalOf(format: LogFormatSpec): string | undefined {
  let out = '';
  for (const part of format.parts) {
    if (part.kind !== 'text') return undefined;
    out += part.text;
  }
  return out.replace(/[\r\n\0]/g, '');
}

/** `del-header NAME [-m str|beg|end|sub|reg]`. */
function compileDelHeader(name: string, method: 'str' | 'beg' | 'end' | 'sub' | 'reg'): Compiled<Exec> {
  if (method === 'str') {
    const n = new RuleHeaderName(name);
    return (_ctx, edit) => {
      dropNamed(edit, n);
      return RULE.CONTINUE;
    };
  }
  let test: (lower: string) => boolean;
  const lower = name.toLowerCase();
  if (method === 'beg') test = (h) => h.startsWith(lower);
  else if (method === 'end') test = (h) => h.endsWith(lower);
  else if (method === 'sub') test = (h) => h.includes(lower);
  else {
    // The regex sees the names in lower case, as HAProxy's HTX stores them (measured: ^X-B matches nothing).
    const re = compileRegex(name, false);
    if (typeof re === 'string') return { error: re };
    test = (h) => {
      re.lastIndex = 0;
      return re.test(h);
    };
  }
  return (_ctx, edit) => {
    dropMatching(edit, test);
    return RULE.CONTINUE;
  };
}

/** `track-scN` at its place: runs on the session's counters and tables (nothing when it has none). */
function compileTrack(track: Extract<HttpRuleSpec, { action: 'track-sc' }>['track'], scope: AclScope): Compiled<Exec> {
  const key = compileSampleExpr(track.key, scope.env);
  if ('error' in key) return key;
  // The rule's condition is the set's (run() checks it); the tracker is compiled without one.
  const bare = { source: track.source, stage: track.stage, order: track.order, counter: track.counter, key: track.key, table: track.table };
  const rule = new CompiledTrackRule(bare, key, undefined);
  return (ctx, edit) => {
    const counters = ctx.stickCounters;
    const tables = ctx.stickTables;
    if (counters !== undefined && tables !== undefined) {
      const status = track.stage === 'http-response' ? (edit.source?.status ?? 0) : 0;
      rule.run(ctx, counters, tables, status);
    }
    return RULE.CONTINUE;
  };
}

/** `sc-set-gpt0(N) <int|expr>`: an expression without a value sets nothing. */
function compileSetGpt(counter: 0 | 1 | 2, index: number, value: Extract<HttpRuleSpec, { action: 'sc-set-gpt' }>['value'], env: CompileEnv): Compiled<Exec> {
  if (typeof value === 'number') {
    return (ctx) => {
      ctx.stickCounters?.setGpt(counter, index, value);
      return RULE.CONTINUE;
    };
  }
  const expr = compileSampleExpr(value, env);
  if ('error' in expr) return expr;
  return (ctx) => {
    const counters = ctx.stickCounters;
    if (counters === undefined) return RULE.CONTINUE;
    expr.begin(false);
    if (expr.next(ctx, gptSample) && castSample(gptSample, SMP.SINT, ctx.arena)) counters.setGpt(counter, index, gptSample.int);
    return RULE.CONTINUE;
  };
}

/** `monitor-uri U` with its `monitor fail` conditions: a request for exactly U gets 200, or 503 when one holds. */
function compileMonitor(uri: string, fail: readonly NonNullable<HttpRuleSpec['condition']>[], scope: AclScope, where: RuleSetPlace): Compiled<Exec> {
  const conditions: CompiledCondition[] = [];
  for (const f of fail) {
    const c = compileCondition(f, scope);
    if ('error' in c) return c;
    conditions.push(c);
  }
  const ok = errorPage(200, where.errorRules);
  const down = errorPage(503, where.errorRules);
  return (ctx, _edit, answer) => {
    const head = ctx.head;
    if (head === undefined || !fetchUrl(head, urlSpan) || !urlSpan.equals(uri)) return RULE.CONTINUE;
    let failed = false;
    for (let i = 0; i < conditions.length && !failed; i++) failed = conditions[i]?.verdict(ctx) === COND.TRUE;
    (failed ? down : ok).fill(ctx, answer);
    return RULE.ANSWER;
  };
}
