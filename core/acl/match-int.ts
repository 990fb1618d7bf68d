// Integer patterns (manual §7.1.2): values, ranges `lo:hi` (either bound may be omitted) and the operators eq, ge,
// gt, le, lt written before the values, parsed at load into closed ranges; `-m len` uses the same patterns on a
// sample's length. A sample matches when one range holds it. Forwarder threads, hot path: a scan of a small
// Float64Array, nothing allocated.

export type IntOperator = 'eq' | 'ge' | 'gt' | 'le' | 'lt';

/** Ranges [lo, hi], inclusive, as pairs. */
export class IntRanges {
  private readonly bounds: Float64Array;

  constructor(ranges: readonly (readonly [number, number])[]) {
    this.bounds = new Float64Array(ranges.length * 2);
    ranges.forEach(([lo, hi], i) => {
      this.bounds[2 * i] = lo;
      this.bounds[2 * i + 1] = hi;
    });
  }

  get size(): number {
    return this.bounds.length / 2;
  }

  has(v: number): boolean {
    const b = this.bounds;
    for (let i = 0; i < b.length; i += 2) if (v >= (b[i] ?? 0) && v <= (b[i + 1] ?? 0)) return true;
    return false;
  }
}

/** A decimal integer as HAProxy's pattern parser reads it (an optional sign and digits), or NaN. */
function integer(text: string): number {
  return /^[-+]?\d+$/.test(text) ? Number(text) : Number.NaN;
}

/**
 * One integer pattern as a range, under `operator`: `5` (eq 5), `1024:` , `:1023`, `1:2`; with an operator, `gt 5`
 * is [6, ∞). Returns the range or HAProxy's error text.
 */
export function parseIntPattern(text: string, operator: IntOperator | undefined): readonly [number, number] | string {
  const colon = text.indexOf(':');
  if (colon >= 0) {
    const lo = colon === 0 ? -Infinity : integer(text.slice(0, colon));
    const hi = colon === text.length - 1 ? Infinity : integer(text.slice(colon + 1));
    if (Number.isNaN(lo) || Number.isNaN(hi)) return `'${text}' is not a number`;
    return [lo, hi];
  }
  const v = integer(text);
  if (Number.isNaN(v)) return `'${text}' is not a number`;
  switch (operator) {
    case 'ge':
      return [v, Infinity];
    case 'gt':
      return [v + 1, Infinity];
    case 'le':
      return [-Infinity, v];
    case 'lt':
      return [-Infinity, v - 1];
    default:
      return [v, v];
  }
}
