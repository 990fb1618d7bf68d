// The emulated node's script evaluator: a small subset of DolphinDB (integer/float arithmetic with parentheses,
// strings, `a`b symbols, ranges, [lists], variables, calls to the node's functions, rpc(alias, f) and f{args},
// `def` accepted and skipped) plus canned tables. Errors carry DolphinDB's texts. Runs on the emulated node's thread.

import { arithmetic, integerLiteral, negate, type ArithOp } from './arithmetic.js';
import { callFunction, isBuiltin, type CallContext } from './builtin-functions.js';
import { cannedTable } from './canned-tables.js';
import {
  ddbAnyVector, ddbBool, ddbScalar, ddbVector, ddbVoid, type DdbObject, type DdbScalar,
} from '../core/dolphindb/objects.js';
import { ScriptError, unrecognizedToken } from './script-error.js';
import { tokenize, type Token } from './script-lexer.js';

/** A function named without a call (`getClusterPerf` in rpc), possibly with bound arguments (`f{false}`). */
interface FunctionRef {
  readonly form: 'function';
  readonly name: string;
  readonly bound: readonly DdbObject[];
}

type Value = DdbObject | FunctionRef;

/** Parentheses, calls and unary minus nest the recursion: bounded so a hostile script cannot overflow the stack. */
const MAX_NESTING = 200;
const MAX_RANGE = 1_000_000;

function isRef(v: Value | undefined): v is FunctionRef {
  return v !== undefined && v.form === 'function';
}

function unexpected(tok: Token): ScriptError {
  return tok.kind === 'eof'
    ? new ScriptError(`Syntax Error: [line #${tok.line}] Incomplete statement`)
    : unrecognizedToken(tok.line, tok.kind === 'newline' ? '\\n' : tok.text);
}

function rangeVector(a: DdbObject, b: DdbObject): DdbObject {
  const lo = a.form === 'scalar' && a.type === 'INT' ? a.value : undefined;
  const hi = b.form === 'scalar' && b.type === 'INT' ? b.value : undefined;
  if (typeof lo !== 'number' || typeof hi !== 'number') throw new ScriptError('The operator .. needs two integers');
  if (Math.abs(hi - lo) >= MAX_RANGE) throw new ScriptError(`A range of more than ${MAX_RANGE} items is not supported by this emulated node`);
  const step = hi >= lo ? 1 : -1;
  const out: number[] = [];
  for (let v = lo; v !== hi + step; v += step) out.push(v);
  return ddbVector('INT', out);
}

/** `[x, y, …]`: a typed vector when every item is a scalar of one type, else an ANY vector (a tuple). */
function listVector(items: readonly DdbObject[]): DdbObject {
  const first = items[0];
  const scalars = items.filter((i): i is DdbScalar => i.form === 'scalar');
  if (first !== undefined && first.form === 'scalar' && scalars.length === items.length && scalars.every((s) => s.type === first.type)) {
    return ddbVector(first.type, scalars.map((s) => s.value));
  }
  return ddbAnyVector(items);
}

class Evaluation {
  private pos = 0;
  private nesting = 0;
  private readonly tokens: readonly Token[];
  private readonly ctx: CallContext;

  constructor(tokens: readonly Token[], ctx: CallContext) {
    this.tokens = tokens;
    this.ctx = ctx;
  }

  private tokenAt(i: number): Token {
    return this.tokens[Math.min(i, this.tokens.length - 1)] ?? { kind: 'eof', text: '', line: 1 };
  }

  /** Next token; inside brackets a newline is only whitespace, so it is skipped there. */
  private peek(): Token {
    while (this.nesting > 0 && this.tokenAt(this.pos).kind === 'newline') this.pos++;
    return this.tokenAt(this.pos);
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private isOp(t: Token, text: string): boolean {
    return t.kind === 'op' && t.text === text;
  }

  private nested<T>(body: () => T): T {
    if (++this.nesting > MAX_NESTING) throw new ScriptError(`Syntax Error: [line #${this.peek().line}] The expression is nested too deeply`);
    try { return body(); } finally { this.nesting--; }
  }

  /** The value of the last statement, or undefined when it yields nothing (def, assignment, print). */
  run(): DdbObject | undefined {
    let result: DdbObject | undefined;
    for (;;) {
      while (this.peek().kind === 'newline' || this.isOp(this.peek(), ';')) this.next();
      if (this.peek().kind === 'eof') return result;
      result = this.statement();
      const t = this.peek();
      if (!(t.kind === 'eof' || t.kind === 'newline' || this.isOp(t, ';'))) throw unexpected(t);
    }
  }

  private statement(): DdbObject | undefined {
    const t = this.peek();
    if (t.kind === 'ident' && t.text === 'def') { this.skipDef(); return undefined; }
    if (t.kind === 'ident' && this.isOp(this.tokenAt(this.pos + 1), '=')) {
      this.pos += 2;
      const v = this.expr();
      this.ctx.session.vars.set(t.text, this.object(v, t));
      return undefined;
    }
    const v = this.expr();
    return v === undefined ? undefined : this.object(v, t);
  }

  /** `def name(params) { … }` or `def name(params): expr`: remembered by name, never run. */
  private skipDef(): void {
    const start = this.next();
    const name = this.peek();
    if (name.kind !== 'ident') throw unexpected(name);
    let depth = 0;
    for (;;) {
      const t = this.tokenAt(this.pos++);
      if (t.kind === 'eof' && this.sawColonBody(start)) { this.pos--; break; }
      if (t.kind === 'eof') throw new ScriptError(`Syntax Error: [line #${start.line}] The function definition is incomplete`);
      if (this.isOp(t, '(') || this.isOp(t, '{')) depth++;
      if (this.isOp(t, ')') || this.isOp(t, '}')) depth--;
      // A body in braces ends at its closing brace; a `: expr` body ends at the end of the line.
      if (depth === 0 && this.isOp(t, '}')) break;
      if (depth === 0 && (t.kind === 'newline' || this.isOp(t, ';')) && this.sawColonBody(start)) { this.pos--; break; }
    }
    this.ctx.session.defs.add(name.text);
  }

  private sawColonBody(start: Token): boolean {
    for (let i = this.tokens.indexOf(start); i < this.pos; i++) if (this.isOp(this.tokenAt(i), ':')) return true;
    return false;
  }

  private object(v: Value | undefined, at: Token): DdbObject {
    if (v === undefined) throw new ScriptError(`Syntax Error: [line #${at.line}] The expression returns nothing`);
    if (isRef(v)) throw new ScriptError(`The function ${v.name} cannot be used as a value on this emulated node`);
    return v;
  }

  private binary(sub: () => Value | undefined, ops: readonly ArithOp[]): Value | undefined {
    let left = sub();
    for (;;) {
      const t = this.peek();
      const op = ops.find((o) => this.isOp(t, o));
      if (op === undefined) return left;
      this.next();
      const right = sub();
      left = arithmetic(op, this.object(left, t), this.object(right, t));
    }
  }

  private expr(): Value | undefined {
    return this.binary(() => this.term(), ['+', '-']);
  }

  private term(): Value | undefined {
    return this.binary(() => this.unary(), ['*', '/']);
  }

  private unary(): Value | undefined {
    const t = this.peek();
    if (this.isOp(t, '-')) { this.next(); return this.nested(() => negate(this.object(this.unary(), t))); }
    if (this.isOp(t, '+')) { this.next(); return this.nested(() => this.unary()); }
    const left = this.primary();
    if (!this.isOp(this.peek(), '..')) return left;
    const dots = this.next();
    return rangeVector(this.object(left, dots), this.object(this.primary(), dots));
  }

  private primary(): Value | undefined {
    const t = this.next();
    switch (t.kind) {
      case 'int': return integerLiteral(t.text);
      case 'float': return ddbScalar('DOUBLE', Number(t.text));
      case 'string': return ddbScalar('STRING', t.text);
      case 'symbols': {
        const names = t.text.split('`');
        return names.length === 1 ? ddbScalar('STRING', names[0] ?? '') : ddbVector('STRING', names);
      }
      case 'ident': return this.identifier(t);
      case 'op':
        if (t.text === '(') {
          return this.nested(() => {
            const v = this.expr();
            const close = this.next();
            if (!this.isOp(close, ')')) throw unexpected(close);
            return v;
          });
        }
        if (t.text === '[') return listVector(this.args(']').map((a) => this.object(a, t)));
        throw unexpected(t);
      default:
        throw unexpected(t);
    }
  }

  /** Arguments after an already consumed opening bracket, up to `close`. */
  private args(close: string): Value[] {
    return this.nested(() => {
      const out: Value[] = [];
      if (this.isOp(this.peek(), close)) { this.next(); return out; }
      for (;;) {
        const at = this.peek();
        const v = this.expr();
        if (v === undefined) throw new ScriptError(`Syntax Error: [line #${at.line}] The argument returns nothing`);
        out.push(v);
        const t = this.next();
        if (this.isOp(t, close)) return out;
        if (!this.isOp(t, ',')) throw unexpected(t);
      }
    });
  }

  private identifier(t: Token): Value | undefined {
    const name = t.text;
    if (name === 'true' || name === 'false') return ddbBool(name === 'true');
    if (name === 'NULL') return ddbVoid();
    const after = this.tokenAt(this.pos);
    if (this.isOp(after, '(')) { this.pos++; return this.call(name, this.args(')'), t); }
    if (this.isOp(after, '{')) {
      this.pos++;
      const bound = this.args('}').map((a) => this.object(a, t));
      if (!isBuiltin(name)) throw unrecognizedToken(t.line, name);
      return { form: 'function', name, bound };
    }
    const v = this.ctx.session.vars.get(name);
    if (v !== undefined) return v;
    if (isBuiltin(name)) return { form: 'function', name, bound: [] };
    throw unrecognizedToken(t.line, name);
  }

  private call(name: string, args: readonly Value[], t: Token): DdbObject | undefined {
    if (name === 'rpc') {
      // rpc(nodeAlias, f, args…): the emulated node is its own controller, so f runs right here.
      const f = args[1];
      if (!isRef(f)) throw new ScriptError('rpc: the second argument must be a function');
      return callFunction(f.name, [...f.bound, ...args.slice(2).map((a) => this.object(a, t))], this.ctx);
    }
    if (!isBuiltin(name)) {
      if (this.ctx.session.defs.has(name)) throw new ScriptError(`The emulated node cannot run the user-defined function ${name}`);
      throw unrecognizedToken(t.line, name);
    }
    const objs = args.map((a) => this.object(a, t));
    return callFunction(name, objs, this.ctx);
  }
}

/**
 * Runs `script` in a session. Returns the last statement's value, or undefined when there is none (the reply then
 * carries 0 objects). `print` output goes to ctx.print. Throws ScriptError with DolphinDB's text.
 */
export function evaluateScript(script: string, ctx: CallContext): DdbObject | undefined {
  const canned = cannedTable(script);
  if (canned !== undefined) return canned;
  return new Evaluation(tokenize(script), ctx).run();
}

