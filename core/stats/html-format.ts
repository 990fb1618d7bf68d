// Cell formatting for the HTML stats page (HAProxy 2.6's page conventions, observed on 2.6.12): HTML escaping,
// digit grouping with a spaced span per thousands group, the short "1m36s" durations and the "0d 0h00m09s" uptime.
// Pure; stats thread, per page request.

import type { StatValue } from './stat-columns.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values alike (the five HTML-significant characters). */
export function esc(text: string): string {
  // Names are nearly always clean: test first, replace (and allocate) only when something needs escaping.
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, (c) => ESCAPES[c] ?? c) : text;
}
const SPECIAL = /[&<>"']/;
const SPECIAL_ALL = /[&<>"']/g;

const DIGITS = /^\d+$/;

/** A cell value as plain text: empty for an empty cell. */
export function cellText(v: StatValue): string {
  return v === undefined ? '' : String(v);
}

/** A cell value as a number (0 for empty or non-numeric cells; bigint counters converted). */
export function cellNum(v: StatValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v === undefined || v === '') return 0;
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

/**
 * A count with its thousands marked as the page shows them: the last digit of each group but the final one sits in a
 * letter-spaced `<span class="rls">`, so 3016650 reads `<span class="rls">3</span>01<span class="rls">6</span>650`.
 * Non-numeric text is escaped and returned as is.
 */
export function grouped(v: StatValue): string {
  if (typeof v === 'number' && v >= 0 && v < 1000 && Number.isInteger(v)) return String(v);
  const text = cellText(v);
  if (!DIGITS.test(text)) return esc(text);
  if (text.length <= 3) return text;
  let out = '';
  const head = text.length % 3 || 3;
  let i = 0;
  for (let end = head; end < text.length; end += 3) {
    out += `${text.slice(i, end - 1)}<span class="rls">${text[end - 1] ?? ''}</span>`;
    i = end;
  }
  return out + text.slice(i);
}

/** A grouped count, or `dash` when the cell is empty or 0 (limits the page shows as "-" when unset). */
export function limitOr(v: StatValue, dash: string): string {
  return cellNum(v) === 0 ? dash : grouped(v);
}

/** Seconds as the page's short duration: `9s`, `1m36s`, `2h5m`, `3d4h`. */
export function shortDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

/** A duration cell: empty → `empty`, negative (never happened) → `?`, else shortDuration. */
export function durationCell(v: StatValue, empty: string): string {
  if (v === undefined || v === '') return empty;
  const n = cellNum(v);
  return n < 0 ? '?' : shortDuration(n);
}

/** Seconds as the process uptime line: `0d 0h00m09s`. */
export function uptimeText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h${two(Math.floor((s % 3600) / 60))}m${two(s % 60)}s`;
}

/** `part` as a whole percentage of `total` in parentheses, `(0%)` when total is 0. */
export function percent(part: number, total: number): string {
  return `(${total > 0 ? Math.floor((part * 100) / total) : 0}%)`;
}

/** Bytes per second as the page's bit rate: `12.236 kbps`, `11.214 Mbps`. */
export function bitRate(bytesPerSecond: number): string {
  let v = bytesPerSecond * 8;
  const units = ['', 'k', 'M', 'G', 'T'];
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(3)} ${units[u] ?? ''}bps`;
}
