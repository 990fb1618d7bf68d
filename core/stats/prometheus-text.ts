// The Prometheus text exposition format (version 0.0.4) as HAProxy 2.6's exporter writes it: one `# HELP` and one
// `# TYPE` line before a family's first sample (none for a family with no sample), `name{label="value",…} value`,
// NaN for an empty or non-numeric stats cell, six decimals for the figures HAProxy prints as floats (seconds).
// Label values are escaped as the format requires (backslash, double quote, newline); haproxy never needs to (its
// names cannot hold those characters) so a valid config renders byte-identical. Pure; the stats thread.

import type { StatValue } from './stat-columns.js';
import type { PromType } from './prometheus-families.js';

/** Escapes a label value for the text format: `\` → `\\`, `"` → `\"`, newline → `\n`. */
export function escapeLabel(value: string): string {
  // Fast path: proxy and server names almost never need it (HAProxy's name charset excludes all three).
  if (!/[\\"\n]/.test(value)) return value;
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/**
 * Escapes a HELP text: `\` → `\\`, newline → `\n` (the format's HELP escaping; quotes stay). HAProxy's texts hold
 * neither, so they pass through unchanged.
 */
export function escapeHelp(text: string): string {
  return /[\\\n]/.test(text) ? text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\')) : text;
}

/** A stats cell as a sample value: an empty cell or a string is NaN (Prometheus takes numbers only), as in 2.6. */
export function sampleValue(v: StatValue): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
  if (typeof v === 'bigint') return v.toString();
  return 'NaN';
}

/** A cell holding milliseconds as seconds with six decimals (HAProxy's `%f`); NaN when empty. */
export function secondsValue(ms: StatValue): string {
  const n = typeof ms === 'bigint' ? Number(ms) : ms;
  return typeof n === 'number' && Number.isFinite(n) ? (n / 1000).toFixed(6) : 'NaN';
}

/**
 * Collects the answer. `family` arms the HELP/TYPE header of the next family; `sample` writes it before the first
 * sample, so a family without samples leaves no header (as 2.6 does). The renderers hand the text on in pieces of
 * about `chunkBytes` (full/take), so a scrape held by a slow reader holds one piece, not the whole answer.
 */
export class ExpositionWriter {
  private out = '';
  private pending = '';
  private readonly chunkBytes: number;

  constructor(chunkBytes = Infinity) {
    this.chunkBytes = chunkBytes;
  }

  /** True once the text written since the last take() reached the chunk size. */
  full(): boolean {
    return this.out.length >= this.chunkBytes;
  }

  /** The text written since the last take(); an armed header stays armed. */
  take(): string {
    const t = this.out;
    this.out = '';
    return t;
  }

  /** Arms the header for family `name`. */
  family(name: string, type: PromType, help: string): void {
    this.pending = `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type === 'C' ? 'counter' : type === 'H' ? 'histogram' : 'gauge'}\n`;
  }

  /** One sample line; `labels` is the already escaped `{…}` part, or ''. */
  sample(name: string, labels: string, value: string): void {
    if (this.pending !== '') {
      this.out += this.pending;
      this.pending = '';
    }
    this.out += `${name}${labels} ${value}\n`;
  }

  /** The text written so far. */
  text(): string {
    return this.out;
  }
}
