// Reading a getPerf() reply (protocol notes §8) into figures: the one thing orcalb needs from a node's load report.
// The DolphinDB health check (core/health/probe-dolphindb.ts) feeds the result to the load score (load-score.ts).
// Pure; any thread (the health thread in practice).

import { DDB_NULL, type DdbObject } from './objects.js';

function numberOf(type: string, cell: unknown): number | undefined {
  if (typeof cell === 'bigint') return cell === DDB_NULL.i64 ? undefined : Number(cell);
  if (typeof cell !== 'number') return undefined;
  // NULLs (the type's sentinel) are "no figure", not a huge negative load.
  const nulls: readonly number[] = [DDB_NULL.i8, DDB_NULL.i16, DDB_NULL.i32, DDB_NULL.f32, DDB_NULL.f64];
  return type !== 'DOUBLE' && type !== 'FLOAT' && !Number.isInteger(cell) ? undefined : nulls.includes(cell) ? undefined : cell;
}

/**
 * Reads a getPerf() reply (a dict with STRING keys and numeric values, as a typed vector or an ANY vector of
 * numeric scalars) into key → number. NULL or non-numeric values are left out. Returns undefined when `obj` is not
 * such a dict. Pure; for the DolphinDB health check (any thread).
 */
export function readPerfDict(obj: DdbObject | undefined): Map<string, number> | undefined {
  if (obj === undefined || obj.form !== 'dict' || (obj.keys.type !== 'STRING' && obj.keys.type !== 'SYMBOL')) return undefined;
  const out = new Map<string, number>();
  const values = obj.values;
  obj.keys.values.forEach((key, i) => {
    if (typeof key !== 'string') return;
    let n: number | undefined;
    if (values.type === 'ANY') {
      const item = values.values[i];
      n = item !== undefined && item.form === 'scalar' ? numberOf(item.type, item.value) : undefined;
    } else {
      n = numberOf(values.type, values.values[i]);
    }
    if (n !== undefined) out.set(key, n);
  });
  return out;
}
