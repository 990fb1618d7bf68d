// Sample expressions (manual §7.3, §7.3.1): `<fetch>[(<args>)][,<converter>[(<args>)]]…`, parsed at load into the
// plain SampleExprSpec of config/model.ts (names checked against the registry, arguments typed, map files read,
// regexes compiled, each converter's input checked against the previous output), then compiled by every thread into
// a CompiledExpr whose next() fetches a value and runs the converters. HAProxy 2.6's error texts. Parse: main thread;
// compile: each thread at start; next(): forwarder threads, hot path, allocation-free for the common fetches.

import type { MatchMethod, SampleArg, SampleCall, SampleExprSpec } from '../../config/model.js';
import { parseMapText } from './converters-map.js';
import {
  FetchIter,
  type CompileEnv,
  type Compiled,
  type ConverterInput,
  type EvalConverter,
  type EvalFetch,
  type FetchDescriptor,
} from './descriptor.js';
import type { FetchContext } from './fetch-context.js';
import { compileRegex } from './match-regex.js';
import { aclKeyword, getConverter, getFetch, isHaproxyConverter, isHaproxyFetch } from './registry.js';
import { parseArgs } from './sample-args.js';
import { SMP, SMP_TYPE_NAME, castSample, castable, type Sample, type SmpType } from './sample.js';

/** How the parser reads map files (config/ gives it the files' text, read once). */
export interface ExprParseOptions {
  /** The text of a file named in an argument, or an error text ("failed to open pattern file <x>"). */
  readonly readFile: (path: string) => string | { readonly error: string };
  /** The expression is an ACL criterion, where ACL-only keywords (`hdr_beg`) are allowed. */
  readonly acl?: boolean;
  /** Stop at a top-level `]` (a log-format `%[…]`). */
  readonly inBrackets?: boolean;
}

export type ExprParseResult =
  | {
      readonly ok: true;
      readonly spec: SampleExprSpec;
      /** Where parsing stopped (at the `]` with inBrackets, else the text's end). */
      readonly end: number;
      /** The match method an ACL-only keyword implies, unless converters follow it (§7.1). */
      readonly aclMethod?: MatchMethod;
    }
  | {
      readonly ok: false;
      readonly message: string;
      /** A keyword HAProxy has and orcalb does not implement yet (refused: fail closed). */
      readonly notImplemented?: string;
    };

const NAME_END = /[(,\]\s]/;

/** Converters need no proxy to check their arguments: the trial compile at parse time runs in an empty world. */
const PARSE_ENV: CompileEnv = { world: { frontends: [], backends: [] }, proxyName: '', frontend: -1, backend: -1, cache: new Map() };

function readName(text: string, at: number): string {
  let end = at;
  while (end < text.length && !NAME_END.test(text[end] ?? '')) end++;
  return text.slice(at, end);
}

/** The output type of a converter for an input type ('addr' converters keep the address family). */
function outputOf(out: SmpType, input: ConverterInput, previous: SmpType): SmpType {
  if (input === 'addr' && out === SMP.IPV4 && (previous === SMP.IPV6 || previous === SMP.IPV4)) return previous;
  return out;
}

function acceptsInput(input: ConverterInput, from: SmpType): boolean {
  if (input === 'any') return true;
  if (input === 'addr') return castable(from, SMP.IPV4) || castable(from, SMP.IPV6);
  return castable(from, input);
}

/** Loads file arguments (map converters) and checks regex arguments once, at parse time. */
function finishConverterArgs(name: string, args: readonly SampleArg[], options: ExprParseOptions): SampleArg[] | string {
  const out = [...args];
  if (name.startsWith('map')) {
    const a = out[0];
    const path = a?.kind === 'str' ? a.text : '';
    const text = options.readFile(path);
    if (typeof text !== 'string') return text.error;
    out[0] = { kind: 'map', file: path, entries: parseMapText(text) };
  }
  if (name === 'regsub') {
    const a = out[0];
    const flags = out[2]?.kind === 'str' ? out[2].text : '';
    if (a?.kind === 'regex') {
      out[0] = { kind: 'regex', source: a.source, ignoreCase: flags.includes('i') };
      const re = compileRegex(a.source, flags.includes('i'));
      if (typeof re === 'string') return re;
    }
  }
  return out;
}

/**
 * Parses the expression at text[start…]. Checks every name and argument; reads map files through `options`.
 * Pure apart from those reads; never throws.
 */
export function parseSampleExpr(text: string, start: number, options: ExprParseOptions): ExprParseResult {
  const name = readName(text, start);
  if (name === '') return { ok: false, message: `missing fetch method` };
  const acl = options.acl === true ? aclKeyword(name) : undefined;
  const fetchName = acl?.fetch ?? name;
  const fetch = getFetch(fetchName);
  const who = acl !== undefined ? `ACL keyword '${name}'` : `fetch method '${name}'`;
  // Converter problems name the criterion in an ACL only; a log-format expression states them alone.
  const convWho = options.acl === true ? `${who} : ` : '';
  if (fetch === undefined) {
    if (isHaproxyFetch(name)) return { ok: false, message: `fetch method '${name}' is not implemented by orcalb`, notImplemented: name };
    return { ok: false, message: `unknown fetch method '${name}'` };
  }
  let pos = start + name.length;
  const parsed = parseArgs(text, pos, fetch.args);
  if (!parsed.ok) return { ok: false, message: `${who} : ${parsed.message}` };
  pos = parsed.end;
  const fetchCall: SampleCall = { name: fetchName, args: parsed.args };
  const converters: SampleCall[] = [];
  let type: SmpType = fetch.out;
  // Bounded: each turn consumes a comma and a name.
  while (text[pos] === ',') {
    pos++;
    const cname = readName(text, pos);
    if (cname === '') {
      // HAProxy accepts a trailing comma (`path,`) as the end of the list.
      if (pos >= text.length || (options.inBrackets === true && text[pos] === ']')) break;
      return { ok: false, message: `${who} : missing converter name` };
    }
    const conv = getConverter(cname);
    if (conv === undefined) {
      if (isHaproxyConverter(cname)) return { ok: false, message: `converter '${cname}' is not implemented by orcalb`, notImplemented: cname };
      return { ok: false, message: `${convWho}unknown converter '${cname}'.` };
    }
    pos += cname.length;
    const cargs = parseArgs(text, pos, conv.args);
    if (!cargs.ok) return { ok: false, message: `${convWho}invalid arg ${argIndex(cargs.message)} in converter '${cname}' : ${cargs.message}.` };
    if (!acceptsInput(conv.in, type)) {
      return { ok: false, message: `${convWho}converter '${cname}' cannot be applied since it expects a ${inputName(conv.in)} but receives a ${SMP_TYPE_NAME[type]}` };
    }
    const args = finishConverterArgs(cname, cargs.args, options);
    // A converter checks its arguments' values when compiled (field index 0, map values of the wrong type):
    // HAProxy reports those at parse time, so a trial compile runs here.
    const trial = typeof args === 'string' ? args : conv.compile(args, PARSE_ENV);
    if (typeof trial !== 'function') {
      const why = typeof trial === 'string' ? trial : trial.error;
      return { ok: false, message: `${convWho}invalid args in converter '${cname}' : ${why}` };
    }
    if (typeof args === 'string') return { ok: false, message: args };
    pos = cargs.end;
    converters.push({ name: cname, args });
    type = outputOf(conv.out, conv.in, type);
  }
  const end = pos;
  if (options.inBrackets === true ? text[end] !== ']' : end !== text.length) {
    if (options.inBrackets === true && end >= text.length) return { ok: false, message: `missing ']'` };
    return { ok: false, message: `${who} : unexpected '${text.slice(end)}'` };
  }
  const spec: SampleExprSpec = { text: text.slice(start, end), fetch: fetchCall, converters };
  return acl !== undefined && converters.length === 0 ? { ok: true, spec, end, aclMethod: acl.method } : { ok: true, spec, end };
}

function argIndex(message: string): number {
  const m = /position (\d+)|got (\d+)\//.exec(message);
  return m === null ? 1 : Number(m[1] ?? Number(m[2] ?? 0) + 1);
}

function inputName(input: ConverterInput): string {
  return input === 'addr' ? 'address' : input === 'any' ? 'sample' : SMP_TYPE_NAME[input];
}

/** The type an expression yields (the last converter's output, else the fetch's). */
export function exprType(spec: SampleExprSpec): SmpType {
  let type = getFetch(spec.fetch.name)?.out ?? SMP.STR;
  for (const c of spec.converters) {
    const conv = getConverter(c.name);
    if (conv !== undefined) type = outputOf(conv.out, conv.in, type);
  }
  return type;
}

/** The fetch descriptor of an expression (parsed specs always name a registered one). */
export function exprFetch(spec: SampleExprSpec): FetchDescriptor | undefined {
  return getFetch(spec.fetch.name);
}

/** A compiled expression: next() gives its values one by one (one only unless begin(…, true)). */
export class CompiledExpr {
  readonly spec: SampleExprSpec;
  private readonly fetch: EvalFetch;
  private readonly converters: readonly EvalConverter[];
  private readonly inputs: readonly ConverterInput[];
  private readonly it = new FetchIter();

  constructor(spec: SampleExprSpec, fetch: EvalFetch, converters: readonly EvalConverter[], inputs: readonly ConverterInput[]) {
    this.spec = spec;
    this.fetch = fetch;
    this.converters = converters;
    this.inputs = inputs;
  }

  /** Starts an evaluation: `all` asks for every value in turn (an ACL), else the fetch's single value. */
  begin(all: boolean): void {
    this.it.reset(all);
  }

  /**
   * The next value, converted, in `s`; false when there is none (then s.mayChange says "not yet"). A value a
   * converter fails on is skipped when more follow (s.notLast), as HAProxy's ACL loop does.
   */
  next(ctx: FetchContext, s: Sample): boolean {
    // Bounded by the fetch's values: each turn asks for the next one.
    for (;;) {
      s.mayChange = false;
      s.notLast = false;
      if (!this.fetch(ctx, s, this.it)) return false;
      if (this.convert(ctx, s)) return true;
      if (!s.notLast) return false;
    }
  }

  private convert(ctx: FetchContext, s: Sample): boolean {
    const arena = ctx.arena;
    for (let i = 0; i < this.converters.length; i++) {
      const input = this.inputs[i] ?? 'any';
      if (input === 'addr') {
        if (s.type !== SMP.IPV4 && s.type !== SMP.IPV6 && !castSample(s, SMP.IPV4, arena) && !castSample(s, SMP.IPV6, arena)) return false;
      } else if (input !== 'any' && !castSample(s, input, arena)) return false;
      const conv = this.converters[i];
      if (conv === undefined || !conv(s, arena)) return false;
    }
    return true;
  }
}

/** Compiles a parsed expression for `env` (resolving backend, server and userlist names). Never throws. */
export function compileSampleExpr(spec: SampleExprSpec, env: CompileEnv): Compiled<CompiledExpr> {
  const fetch = getFetch(spec.fetch.name);
  if (fetch === undefined) return { error: `unknown fetch method '${spec.fetch.name}'` };
  const f = fetch.compile(spec.fetch.args, env);
  if (typeof f !== 'function') return f;
  const converters: EvalConverter[] = [];
  const inputs: ConverterInput[] = [];
  for (const call of spec.converters) {
    const conv = getConverter(call.name);
    if (conv === undefined) return { error: `unknown converter '${call.name}'` };
    const c = conv.compile(call.args, env);
    if (typeof c !== 'function') return c;
    converters.push(c);
    inputs.push(conv.in);
  }
  return new CompiledExpr(spec, f, converters, inputs);
}

/** Reads a file for the parser with node:fs (config loading), with HAProxy's error text when it cannot. */
export type FileReader = ExprParseOptions['readFile'];
