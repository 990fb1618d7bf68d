// `if|unless <condition>` (manual §7.2): terms are named ACLs (the proxy's first, then the pre-defined ones) or
// anonymous `{ … }` ACLs, each maybe negated by leading `!` (every `!` toggles, a lone one applies to the next
// word); juxtaposed terms are AND'ed, `||`/`or` starts another group, and groups are OR'ed. Parsed at load into a
// ConditionSpec; compiled per proxy and thread against an AclScope; evaluated with HAProxy's three-valued logic
// (a MISS means "wait for more bytes"). Parse: main thread; evaluate: forwarder threads, hot path, allocation-free.

import type { AclSpec, AclTestSpec, ConditionSpec, ConditionTerm } from '../../config/model.js';
import { ACL, compileAcl, compileTest, negate, type AclResult, type CompiledAcl, type CompiledTest } from './acl-compile.js';
import type { AclParseResult } from './acl-parse.js';
import type { CompileEnv, Compiled } from './descriptor.js';
import type { FetchContext } from './fetch-context.js';
import { predefinedAcl } from './predefined.js';

export type ConditionParseResult =
  | { readonly ok: true; readonly spec: ConditionSpec }
  | { readonly ok: false; readonly message: string; readonly notImplemented?: string };

/** What parseCondition needs from its caller. */
export interface ConditionParseOptions {
  /** True when the proxy declared an ACL of that name before this line. */
  readonly declared: (name: string) => boolean;
  /** Parses the words of an anonymous ACL (`{ src 10.0.0.0/8 }`). */
  readonly parseAnonymous: (words: readonly string[]) => AclParseResult;
}

/**
 * Parses the words after `if`/`unless` (`negateAll` for unless). An empty condition is allowed (it never holds, so
 * `if` alone never runs the rule and `unless` alone always does). Names must be declared already or pre-defined.
 * Never throws.
 */
export function parseCondition(words: readonly string[], negateAll: boolean, options: ConditionParseOptions): ConditionParseResult {
  const groups: ConditionTerm[][] = [];
  let group: ConditionTerm[] | undefined;
  let neg = false;
  for (let i = 0; i < words.length; i++) {
    let word = words[i] ?? '';
    while (word.startsWith('!')) {
      neg = !neg;
      word = word.slice(1);
    }
    if (word === '') continue;
    if (word === '||' || word.toLowerCase() === 'or') {
      group = undefined;
      neg = false;
      continue;
    }
    let term: ConditionTerm;
    if (word === '{') {
      const close = words.indexOf('}', i + 1);
      if (close < 0) return { ok: false, message: "missing closing '}' in condition" };
      const inner = words.slice(i + 1, close);
      const name = inner[0] ?? '';
      if (name === '' || !/^[A-Za-z0-9_.]/.test(name)) return { ok: false, message: `missing fetch method in ACL expression '${name}'` };
      const parsed = options.parseAnonymous(inner);
      if (!parsed.ok) return parsed;
      term = { negate: neg, anonymous: parsed.spec };
      i = close;
    } else {
      if (!options.declared(word)) {
        const pre = predefinedAcl(word);
        if (pre === undefined) return { ok: false, message: `no such ACL : '${word}'` };
        if ('notImplemented' in pre) return { ok: false, message: `pre-defined ACL '${word}' is not implemented by orcalb`, notImplemented: pre.notImplemented };
      }
      term = { negate: neg, acl: word };
    }
    if (group === undefined) {
      group = [];
      groups.push(group);
    }
    group.push(term);
    neg = false;
  }
  return { ok: true, spec: { negate: negateAll, text: words.join(' '), terms: groups } };
}

/** The named ACLs of one proxy, compiled once each (on first use) for one thread. */
export class AclScope {
  private readonly specs: ReadonlyMap<string, AclSpec>;
  private readonly compiled = new Map<string, CompiledAcl>();
  // Bound terms carry their ACL's tests; one structured clone keeps a shared tests array shared, so the identity of
  // the array is the ACL's identity across the rules that use it.
  private readonly bound = new WeakMap<readonly AclTestSpec[], CompiledAcl>();
  readonly env: CompileEnv;

  constructor(acls: readonly AclSpec[], env: CompileEnv) {
    this.specs = new Map(acls.map((a) => [a.name, a]));
    this.env = env;
  }

  /** The ACL `name`: the proxy's own, else the pre-defined one; an error text when neither exists or compiles. */
  get(name: string): Compiled<CompiledAcl> {
    const done = this.compiled.get(name);
    if (done !== undefined) return done;
    const own = this.specs.get(name);
    const spec = own ?? predefinedAcl(name);
    if (spec === undefined) return { error: `no such ACL : '${name}'` };
    if ('notImplemented' in spec) return { error: `pre-defined ACL '${name}' is not implemented by orcalb` };
    const c = compileAcl(spec, this.env);
    if (!('error' in c)) this.compiled.set(name, c);
    return c;
  }

  /** The ACL a condition term names: its bound tests when config load bound it (keywords/acl-bind.ts), else get(). */
  term(term: { readonly acl: string; readonly tests?: readonly AclTestSpec[] }): Compiled<CompiledAcl> {
    const tests = term.tests;
    if (tests === undefined) return this.get(term.acl);
    const done = this.bound.get(tests);
    if (done !== undefined) return done;
    const c = compileAcl({ name: term.acl, tests }, this.env);
    if (!('error' in c)) this.bound.set(tests, c);
    return c;
  }
}

/** A rule's verdict: the action runs (TRUE), does not (FALSE), or the rule must wait for more bytes (WAIT). */
export const COND = { FALSE: 0, TRUE: 1, WAIT: 2 } as const;
export type CondVerdict = (typeof COND)[keyof typeof COND];

interface CompiledTerm {
  readonly negate: boolean;
  readonly acl: CompiledAcl | CompiledTest;
}

/** A compiled condition. */
export class CompiledCondition {
  readonly spec: ConditionSpec;
  private readonly groups: readonly (readonly CompiledTerm[])[];

  constructor(spec: ConditionSpec, groups: readonly (readonly CompiledTerm[])[]) {
    this.spec = spec;
    this.groups = groups;
  }

  /** HAProxy's acl_exec_cond: the three-valued value of the condition, before `unless` is applied. */
  evaluate(ctx: FetchContext): AclResult {
    let result: AclResult = ACL.FAIL;
    const groups = this.groups;
    // Indexed loops on the hot path: an unoptimised for-of allocates an iterator per call.
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g] ?? [];
      let suite: AclResult = ACL.PASS;
      for (let t = 0; t < group.length; t++) {
        const term = group[t];
        if (term === undefined) continue;
        const r = term.acl.evaluate(ctx);
        suite = (suite & (term.negate ? negate(r) : r)) as AclResult;
        if (suite === ACL.FAIL) break;
      }
      result = (result | suite) as AclResult;
      if (result === ACL.PASS) break;
    }
    return result;
  }

  /** Whether the rule applies: `if` needs PASS, `unless` needs FAIL; MISS waits either way. */
  verdict(ctx: FetchContext): CondVerdict {
    const r = this.evaluate(ctx);
    if (r === ACL.MISS) return COND.WAIT;
    return (r === ACL.PASS) !== this.spec.negate ? COND.TRUE : COND.FALSE;
  }
}

/** The terms of a hand-built spec without them: its text read as names of pre-defined ACLs. */
function termsOf(spec: ConditionSpec): readonly (readonly ConditionTerm[])[] {
  if (spec.terms !== undefined) return spec.terms;
  const parsed = parseCondition(spec.text.split(/\s+/).filter((w) => w !== ''), spec.negate, {
    declared: () => false,
    parseAnonymous: () => ({ ok: false, message: 'anonymous ACL in a hand-built condition' }),
  });
  return parsed.ok ? (parsed.spec.terms ?? []) : [[{ negate: false, acl: '' }]];
}

/** Compiles `spec` against the proxy's ACLs. An empty condition is always true. Never throws. */
export function compileCondition(spec: ConditionSpec, scope: AclScope): Compiled<CompiledCondition> {
  const terms = termsOf(spec);
  const groups: CompiledTerm[][] = [];
  for (const group of terms) {
    const out: CompiledTerm[] = [];
    for (const term of group) {
      const acl = 'acl' in term ? scope.term(term) : compileTest(term.anonymous, scope.env);
      if ('error' in acl) return acl;
      out.push({ negate: term.negate, acl });
    }
    groups.push(out);
  }
  // No term at all (`if` alone, `unless` alone): no group, so the condition fails, as in HAProxy (measured: a rule
  // `if` with nothing after it never runs, one with `unless` always does).
  return new CompiledCondition(spec, groups);
}
