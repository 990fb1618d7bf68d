// Scalar arithmetic of the emulated node's evaluator: + - * / on BOOL/CHAR/SHORT/INT (→ INT), LONG, FLOAT/DOUBLE
// and string concatenation, following DolphinDB's rules (integer `/` floors, NULL in → NULL out, x/0 → NULL,
// 32/64-bit wrap-around). Runs on the emulated node's thread.

import { DDB_NULL, ddbScalar, type DdbObject, type DdbScalar } from '../core/dolphindb/objects.js';
import { ScriptError } from './script-error.js';

export type ArithOp = '+' | '-' | '*' | '/';

type Num =
  | { readonly rank: 'int'; readonly v: number; readonly isNull: boolean }
  | { readonly rank: 'long'; readonly v: bigint; readonly isNull: boolean }
  | { readonly rank: 'double'; readonly v: number; readonly isNull: boolean };

const RANK_ORDER = { int: 0, long: 1, double: 2 } as const;

function toNum(obj: DdbScalar): Num | undefined {
  const v = obj.value;
  switch (obj.type) {
    case 'BOOL': case 'CHAR': return typeof v === 'number' ? { rank: 'int', v, isNull: v === DDB_NULL.i8 } : undefined;
    case 'SHORT': return typeof v === 'number' ? { rank: 'int', v, isNull: v === DDB_NULL.i16 } : undefined;
    case 'INT': return typeof v === 'number' ? { rank: 'int', v, isNull: v === DDB_NULL.i32 } : undefined;
    case 'LONG': return typeof v === 'bigint' ? { rank: 'long', v, isNull: v === DDB_NULL.i64 } : undefined;
    case 'FLOAT': return typeof v === 'number' ? { rank: 'double', v, isNull: v === DDB_NULL.f32 } : undefined;
    case 'DOUBLE': return typeof v === 'number' ? { rank: 'double', v, isNull: v === DDB_NULL.f64 } : undefined;
    default: return undefined;
  }
}

function asBig(n: Num): bigint {
  return n.rank === 'long' ? n.v : BigInt(Math.trunc(n.v));
}

function asDouble(n: Num): number {
  return n.rank === 'long' ? Number(n.v) : n.v;
}

function intOp(op: ArithOp, x: number, y: number): number {
  switch (op) {
    case '+': return (x + y) | 0;
    case '-': return (x - y) | 0;
    case '*': return Math.imul(x, y);
    // Floor division; the only overflow (-2^31 / -1) wraps like the server's 32-bit arithmetic.
    case '/': return y === 0 ? DDB_NULL.i32 : Math.floor(x / y) | 0;
  }
}

function longOp(op: ArithOp, x: bigint, y: bigint): bigint {
  switch (op) {
    case '+': return BigInt.asIntN(64, x + y);
    case '-': return BigInt.asIntN(64, x - y);
    case '*': return BigInt.asIntN(64, x * y);
    case '/': {
      if (y === 0n) return DDB_NULL.i64;
      // BigInt division truncates toward zero; DolphinDB floors, so step down when the signs differ.
      let q = x / y;
      if (x % y !== 0n && (x < 0n) !== (y < 0n)) q -= 1n;
      return BigInt.asIntN(64, q);
    }
  }
}

function doubleOp(op: ArithOp, x: number, y: number): number {
  switch (op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/': return y === 0 ? DDB_NULL.f64 : x / y;
  }
}

function describe(obj: DdbObject): string {
  return obj.form === 'scalar' ? obj.type : obj.form === 'table' || obj.form === 'dict' ? obj.form.toUpperCase() : `${obj.type} ${obj.form}`;
}

/**
 * `a op b` for two scalars. The result type is the wider operand's (INT < LONG < DOUBLE), as in DolphinDB.
 * Throws ScriptError for operands the emulator does not compute with (vectors, tables, mixed text and numbers).
 */
export function arithmetic(op: ArithOp, a: DdbObject, b: DdbObject): DdbScalar {
  if (a.form !== 'scalar' || b.form !== 'scalar') {
    throw new ScriptError(`The operator ${op} on ${describe(a)} and ${describe(b)} is not supported by this emulated node`);
  }
  if (op === '+' && typeof a.value === 'string' && typeof b.value === 'string') {
    return ddbScalar('STRING', a.value + b.value);
  }
  const x = toNum(a);
  const y = toNum(b);
  if (x === undefined || y === undefined) {
    throw new ScriptError(`The operator ${op} doesn't support ${a.type} and ${b.type}`);
  }
  const rank = RANK_ORDER[x.rank] >= RANK_ORDER[y.rank] ? x.rank : y.rank;
  const isNull = x.isNull || y.isNull;
  switch (rank) {
    case 'int':
      return ddbScalar('INT', isNull ? DDB_NULL.i32 : intOp(op, asDouble(x), asDouble(y)));
    case 'long':
      return ddbScalar('LONG', isNull ? DDB_NULL.i64 : longOp(op, asBig(x), asBig(y)));
    case 'double':
      return ddbScalar('DOUBLE', isNull ? DDB_NULL.f64 : doubleOp(op, asDouble(x), asDouble(y)));
  }
}

/** Unary minus: `0 - a` in a's own type. */
export function negate(a: DdbObject): DdbScalar {
  const zero: DdbScalar = a.form === 'scalar' && a.type === 'LONG'
    ? ddbScalar('LONG', 0n)
    : a.form === 'scalar' && (a.type === 'DOUBLE' || a.type === 'FLOAT') ? ddbScalar('DOUBLE', 0) : ddbScalar('INT', 0);
  return arithmetic('-', zero, a);
}

/** An integer literal as DolphinDB types it: INT when it fits 32 bits, else LONG; past 64 bits is an error. */
export function integerLiteral(text: string): DdbScalar {
  const big = BigInt(text);
  if (big <= 2147483647n) return ddbScalar('INT', Number(big));
  if (big < 2n ** 63n) return ddbScalar('LONG', big);
  throw new ScriptError(`The number ${text} is out of range`);
}
