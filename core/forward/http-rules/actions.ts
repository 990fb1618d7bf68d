// The action closures of the HTTP rule program, one compiled per rule (HAProxy 2.6 §4.2 actions): answers (deny,
// tarpit, return, auth, redirect), header and request-line rewrites, stick counters (track-sc, sc-inc-gpc,
// sc-set-gpt), variables, the connection's addresses (set-src…: ../set-address.ts) and monitor-uri. rule-set.ts calls them in order once a rule's condition holds. Compile: each
// forwarder at start (never throws); the closures run on the hot path and allocate only evaluated values.

import type { HttpRuleSpec, LogFormatSpec } from '../../../config/model.js';
import { COND, compileCondition, type AclScope, type CompiledCondition } from '../../acl/condition.js';
import type { CompileEnv, Compiled } from '../../acl/descriptor.js';
import { compileLogFormat } from '../../acl/log-format.js';
import { compileRegex } from '../../acl/match-regex.js';
import { Sample, SMP, castSample } from '../../acl/sample.js';
import { compileSampleExpr } from '../../acl/sample-expr.js';
import { Span, fetchUrl } from '../../http1/head-fetch.js';
import { NORMALIZE_BAD, NORMALIZE_FAILED, normalizeUri } from '../../http1/uri-normalize.js';
import { CompiledTrackRule } from '../../stick/stick-rules.js';
import { AddressAction } from '../set-address.js';
import {
  LINE,
  RuleHeaderName,
  currentUri,
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
import { compileRedirect, compileReply, errorPage } from './replies.js';
import { RULE, type Exec, type RuleSetPlace } from './rule-verdict.js';

const urlSpan = new Span();
const gptSample = new Sample();
const varSample = new Sample();

/** The action closure of one rule. Never throws: a problem is a { error } value. */
export function compileAction(spec: HttpRuleSpec, env: CompileEnv, scope: AclScope, where: RuleSetPlace): Compiled<Exec> {
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
      const denies = spec.action !== 'return';
      return (ctx, _edit, answer) => {
        reply.fill(ctx, answer);
        answer.denied = denies;
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
    case 'normalize-uri': {
      const { normalizer, option } = spec;
      const limit = spec.paramLimit ?? Infinity;
      // A strict normalizer's bad percent sequence: HAProxy answers its 400 page and closes; past the parameter
      // limit of query-sort-by-name, its 500 page.
      const bad = errorPage(400, where.errorRules);
      const failed = errorPage(500, where.errorRules);
      return (ctx, edit, answer) => {
        const head = edit.source;
        const uri = head === undefined ? undefined : currentUri(head);
        if (head === undefined || uri === undefined) return RULE.CONTINUE;
        const out = normalizeUri(uri, normalizer, option, limit);
        if (out === NORMALIZE_BAD || out === NORMALIZE_FAILED) {
          (out === NORMALIZE_BAD ? bad : failed).fill(ctx, answer);
          return RULE.ANSWER;
        }
        if (out !== uri && out !== '') head.setTargetText(out);
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
    case 'set-src':
    case 'set-src-port':
    case 'set-dst':
    case 'set-dst-port': {
      const action = AddressAction.compile(spec.action, spec.expr, env, true);
      if ('error' in action) return action;
      return (ctx) => {
        action.run(ctx);
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
export function literalOf(format: LogFormatSpec): string | undefined {
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
