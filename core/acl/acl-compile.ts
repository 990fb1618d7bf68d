// ACL tests compiled for one thread (manual §7.1): a CompiledExpr and the matcher of its method over patterns parsed
// once (hashed strings, bisected IP tables, integer ranges, regexes). evaluate() returns HAProxy's three-valued
// answer: PASS, FAIL, or MISS when the answer may change with more bytes (the rule then waits for inspect-delay).
// Named ACLs OR their tests. Compile: each thread at start; evaluate: forwarder threads per rule, hot path,
// allocation-free except for regexes, auth and log-style casts.

import type { AclSpec, AclTestSpec, MatchMethod, PatternSpec } from '../../config/model.js';
import { METHOD, methodId } from '../http1/head-names.js';
import type { CompileEnv, Compiled } from './descriptor.js';
import { userlistOf } from './fetch-auth.js';
import type { FetchContext } from './fetch-context.js';
import { IntRanges, parseIntPattern } from './match-int.js';
import { IpTable, parseIpPattern } from './match-ip.js';
import { compileRegex } from './match-regex.js';
import { StringPatterns } from './match-string.js';
import { compileSampleExpr, type CompiledExpr } from './sample-expr.js';
import { SMP, Sample, castSample, type SampleArena } from './sample.js';

/** HAProxy's ACL answers (ACL_TEST_*): they combine with & (AND) and | (OR) as its evaluator does. */
export const ACL = { FAIL: 0, MISS: 1, PASS: 3 } as const;
export type AclResult = (typeof ACL)[keyof typeof ACL];

/** `!`: PASS ↔ FAIL, MISS stays MISS. */
export function negate(r: AclResult): AclResult {
  return r === ACL.MISS ? ACL.MISS : r === ACL.PASS ? ACL.FAIL : ACL.PASS;
}

type Matcher = (s: Sample, arena: SampleArena) => boolean;

function toIp(s: Sample, arena: SampleArena): boolean {
  if (s.type === SMP.IPV4 || s.type === SMP.IPV6) return true;
  if (s.type === SMP.SINT) return castSample(s, SMP.IPV4, arena);
  return castSample(s, SMP.IPV4, arena) || castSample(s, SMP.IPV6, arena);
}

/** The text matchers take: a string sample (a method's bytes, an integer's or address's text). */
function toText(s: Sample, arena: SampleArena): boolean {
  return s.type === SMP.STR || s.type === SMP.BIN || s.type === SMP.METH || castSample(s, SMP.STR, arena);
}

function intRanges(patterns: readonly PatternSpec[]): Compiled<IntRanges> {
  const ranges: (readonly [number, number])[] = [];
  for (const p of patterns) {
    const r = parseIntPattern(p.text, p.operator);
    if (typeof r === 'string') return { error: r };
    ranges.push(r);
  }
  return new IntRanges(ranges);
}

/** Builds the matcher of `method` over `patterns`. */
function compileMatcher(spec: AclTestSpec, env: CompileEnv): Compiled<Matcher> {
  const { method, patterns } = spec;
  switch (method) {
    case 'found':
      return () => true;
    case 'bool':
      return (s, arena) => castSample(s, SMP.BOOL, arena) && s.int !== 0;
    case 'int':
    case 'len': {
      const ranges = intRanges(patterns);
      if (!(ranges instanceof IntRanges)) return ranges;
      if (method === 'int') return (s, arena) => castSample(s, SMP.SINT, arena) && ranges.has(s.int);
      return (s, arena) => toText(s, arena) && ranges.has(s.end - s.start);
    }
    case 'ip': {
      const table = new IpTable();
      for (let i = 0; i < patterns.length; i++) {
        const net = parseIpPattern(patterns[i]?.text ?? '');
        if (typeof net === 'string') return { error: net };
        table.add(net, i);
      }
      table.freeze();
      return (s, arena) => toIp(s, arena) && table.lookup(s.ip, s.type === SMP.IPV4 ? 4 : 6) >= 0;
    }
    case 'reg': {
      const regexes: RegExp[] = [];
      for (const p of patterns) {
        const re = compileRegex(p.text, p.ignoreCase);
        if (typeof re === 'string') return { error: re };
        regexes.push(re);
      }
      return (s, arena) => {
        if (!toText(s, arena)) return false;
        const text = s.text();
        for (let i = 0; i < regexes.length; i++) if (regexes[i]?.test(text) === true) return true;
        return false;
      };
    }
    case 'group': {
      const arg = spec.expr.fetch.args[0];
      const list = arg?.kind === 'userlist' ? userlistOf(arg.name, env) : undefined;
      if (list === undefined) return { error: `unable to find userlist '${arg?.kind === 'userlist' ? arg.name : ''}'` };
      const groups = patterns.map((p) => p.text);
      for (const g of groups) if (!list.hasGroup(g) && !groupDeclared(env, list.name, g)) return { error: `group '${g}' not found in userlist '${list.name}'` };
      return (s) => list.inGroup(s.text(), groups);
    }
    default: {
      const strings = new StringPatterns(
        method,
        patterns.map((p, index) => ({ bytes: method === 'bin' ? Buffer.from(p.text, 'hex') : p.text, fold: p.ignoreCase, index })),
      );
      if (method === 'bin') return (s, arena) => (s.type === SMP.BIN || s.type === SMP.STR || castSample(s, SMP.BIN, arena)) && strings.test(s.buf, s.start, s.end);
      if (method === 'str') {
        const methods = methodPatterns(patterns);
        return (s, arena) => (s.type === SMP.METH ? methods(s) : toText(s, arena) && strings.test(s.buf, s.start, s.end));
      }
      return (s, arena) => toText(s, arena) && strings.test(s.buf, s.start, s.end);
    }
  }
}

/**
 * A request method against `str` patterns, as HAProxy matches methods: a pattern naming a known method (exactly,
 * case-sensitive) matches that method only; any other pattern is compared as text with the method's bytes, `-i`
 * honoured (measured on 2.6.12: `method -i post` does not match POST, `method -i purge` matches `PURGE`, `method get`
 * matches a `get` request).
 */
function methodPatterns(patterns: readonly PatternSpec[]): (s: Sample) => boolean {
  const known = new Set<number>();
  const others: { readonly bytes: Uint8Array; readonly fold: boolean; readonly index: number }[] = [];
  patterns.forEach((p, index) => {
    const b = Buffer.from(p.text, 'latin1');
    const id = methodId(b, 0, b.length);
    if (id !== METHOD.OTHER) known.add(id);
    else others.push({ bytes: b, fold: p.ignoreCase, index });
  });
  const text = new StringPatterns('str', others);
  return (s) => (s.int !== METHOD.OTHER ? known.has(s.int) : text.test(s.buf, s.start, s.end));
}

function groupDeclared(env: CompileEnv, list: string, group: string): boolean {
  return env.world.userlists?.find((u) => u.name === list)?.groups.includes(group) === true;
}

/** One compiled ACL test. */
export class CompiledTest {
  readonly spec: AclTestSpec;
  private readonly expr: CompiledExpr;
  private readonly match: Matcher;
  private readonly method: MatchMethod;
  private readonly sample = new Sample();

  constructor(spec: AclTestSpec, expr: CompiledExpr, match: Matcher) {
    this.spec = spec;
    this.expr = expr;
    this.match = match;
    this.method = spec.method;
  }

  /** PASS when a value of the criterion matches a pattern; MISS when none did yet but one may with more bytes. */
  evaluate(ctx: FetchContext): AclResult {
    const s = this.sample;
    const arena = ctx.arena;
    arena.reset();
    this.expr.begin(true);
    let miss = false;
    // Bounded by the criterion's values (each next() consumes one).
    while (this.expr.next(ctx, s)) {
      if (this.method === 'found' || this.match(s, arena)) return ACL.PASS;
      if (s.mayChange) miss = true;
      if (!s.notLast) break;
    }
    return miss || s.mayChange ? ACL.MISS : ACL.FAIL;
  }
}

/** Compiles one test. Never throws. */
export function compileTest(spec: AclTestSpec, env: CompileEnv): Compiled<CompiledTest> {
  const expr = compileSampleExpr(spec.expr, env);
  if ('error' in expr) return expr;
  const match = compileMatcher(spec, env);
  if (typeof match !== 'function') return match;
  return new CompiledTest(spec, expr, match);
}

/** A named ACL: its tests OR'ed in declaration order. */
export class CompiledAcl {
  readonly name: string;
  readonly tests: readonly CompiledTest[];

  constructor(name: string, tests: readonly CompiledTest[]) {
    this.name = name;
    this.tests = tests;
  }

  evaluate(ctx: FetchContext): AclResult {
    let r: AclResult = ACL.FAIL;
    // Indexed loops on the hot path: an unoptimised for-of allocates an iterator per call.
    const tests = this.tests;
    for (let i = 0; i < tests.length; i++) {
      r = (r | (tests[i]?.evaluate(ctx) ?? ACL.FAIL)) as AclResult;
      if (r === ACL.PASS) break;
    }
    return r;
  }
}

/** Compiles a named ACL (every test of every line with that name). Never throws. */
export function compileAcl(spec: AclSpec, env: CompileEnv): Compiled<CompiledAcl> {
  const tests: CompiledTest[] = [];
  for (const t of spec.tests) {
    const c = compileTest(t, env);
    if ('error' in c) return c;
    tests.push(c);
  }
  return new CompiledAcl(spec.name, tests);
}
