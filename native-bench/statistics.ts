// Medians with spread, and ratios to HAProxy computed pair by pair (run i of a subject over run i of HAProxy, the
// interleaved A B A B pairs), as Node core's benchmark/compare.js pairs its runs. Bench runner main thread.

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Interquartile range bounds (linear interpolation between order statistics). */
  readonly q1: number;
  readonly q3: number;
  readonly n: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (pos - lo);
}

/** Median, min, max and IQR of the finite values; n = 0 and NaN fields when there are none. Pure. */
export function summarize(values: readonly number[]): Summary {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((x, y) => x - y);
  return {
    median: quantile(sorted, 0.5),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    n: sorted.length,
  };
}

/**
 * Ratios subject[i] / reference[i] over the runs both have (same index = same interleaved round), summarised.
 * Undefined when no pair has a finite, non-zero reference. Pure.
 */
export function pairedRatio(subject: readonly number[], reference: readonly number[]): Summary | undefined {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(subject.length, reference.length); i++) {
    const s = subject[i];
    const r = reference[i];
    if (s === undefined || r === undefined || !Number.isFinite(s) || !Number.isFinite(r) || r === 0) continue;
    ratios.push(s / r);
  }
  return ratios.length === 0 ? undefined : summarize(ratios);
}

/** Formats a number with 3 significant digits (k/M suffixes above 10,000) for tables. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const abs = Math.abs(v);
  if (abs >= 1e7) return `${(v / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  if (abs >= 100) return v.toFixed(0);
  if (abs >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
