// Value parsers shared by all keywords: HAProxy time values (manual §2.5), sizes and plain integers.
// They return tagged results instead of throwing so each caller can word its error the way HAProxy words it.
// Main thread only (config parsing).

/** HAProxy keeps timers in a signed 32-bit millisecond count (manual §2.5: "~24.8 days"). */
export const MAX_TIME_MS = 2147483647;

export type TimeResult =
  | { readonly kind: 'ok'; readonly ms: number; readonly trailing?: string }
  | { readonly kind: 'empty' }
  | { readonly kind: 'bad-char'; readonly char: string }
  | { readonly kind: 'overflow' };

/** Multipliers to microseconds; longest suffix first so "ms" is not read as "m" followed by "s". */
const TIME_UNITS: readonly (readonly [string, number])[] = [
  ['us', 1],
  ['ms', 1_000],
  ['s', 1_000_000],
  ['m', 60_000_000],
  ['h', 3_600_000_000],
  ['d', 86_400_000_000],
];

/**
 * Parses a time value (`10s`, `1m`, `500`, `250us`); a bare number is `defaultUnit` (ms for every keyword orcalb
 * reads). Microseconds round up to the next millisecond so `500us` never becomes 0, which means "infinite".
 * Characters after a valid unit (`5sec`) are accepted with `trailing` set: HAProxy 2.6 only warns about them.
 * Unlike counts (parseHaproxyInt), HAProxy clamps no time value: `-1` is its "unexpected character '-'" and a value
 * past 2^31-1 ms its "timer overflow" (§2.5, checked on 2.6.12), so both are errors here too.
 * Pure; any thread; never throws.
 */
export function parseTime(text: string, defaultUnit: 'ms' | 's' = 'ms'): TimeResult {
  if (text.length === 0) return { kind: 'empty' };
  let i = 0;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  if (i === 0) return { kind: 'bad-char', char: text.charAt(0) };
  const value = Number(text.slice(0, i));
  let micros = defaultUnit === 'ms' ? 1_000 : 1_000_000;
  let rest = text.slice(i);
  if (rest.length > 0) {
    const unit = TIME_UNITS.find(([suffix]) => rest.startsWith(suffix));
    if (unit === undefined) return { kind: 'bad-char', char: rest.charAt(0) };
    micros = unit[1];
    rest = rest.slice(unit[0].length);
  }
  const ms = Math.ceil((value * micros) / 1_000);
  if (!Number.isSafeInteger(ms) || ms > MAX_TIME_MS) return { kind: 'overflow' };
  return rest.length > 0 ? { kind: 'ok', ms, trailing: rest } : { kind: 'ok', ms };
}

/** The warning HAProxy 2.6 prints for `5sec`-style values (accepted, but "will be an error in next versions"). */
export function trailingTimeWarning(text: string, trailing: string): string {
  return (
    `unexpected character '${trailing.charAt(0)}' after the timer value '${text}', only ` +
    '(us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. ' +
    'This will be reported as an error in next versions.'
  );
}

const SIZE_UNITS: Readonly<Record<string, number>> = { k: 1024, m: 1024 * 1024, g: 1024 * 1024 * 1024 };

/**
 * Parses a byte size with an optional k/m/g suffix (either case), e.g. `32k` → 32768.
 * Returns undefined when the text is not of that form or exceeds 2^31-1. Pure; never throws.
 */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+)([kKmMgG]?)$/.exec(text);
  if (m === null) return undefined;
  const digits = m[1] ?? '';
  const unit = (m[2] ?? '').toLowerCase();
  const bytes = Number(digits) * (unit === '' ? 1 : (SIZE_UNITS[unit] ?? 1));
  return bytes <= MAX_TIME_MS ? bytes : undefined;
}

/**
 * Parses a non-negative decimal integer (optionally a leading '-' when `allowNegative`), rejecting anything else
 * (HAProxy's atol() would silently read `abc` as 0; orcalb reports it). Returns undefined when invalid.
 */
export function parseInteger(text: string, allowNegative = false): number | undefined {
  const re = allowNegative ? /^-?\d+$/ : /^\d+$/;
  if (!re.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** glibc's atol() saturates at the bounds of a 64-bit long instead of wrapping. */
const LONG_MAX = 2n ** 63n - 1n;
const LONG_MIN = -(2n ** 63n);

/**
 * A count that HAProxy 2.6 reads with `atol()` into a C `int` (proxy maxconn/fullconn/retries, global maxconn and
 * nbthread, server maxconn/maxqueue/weight/rise/fall): returns the `int` HAProxy ends up with, so that a value
 * HAProxy accepts is accepted here with the same meaning. atol() saturates (`99999999999999999999` reads as
 * 2^63-1), and storing the long into an int keeps its low 32 bits, so that value becomes -1 and `4294967297`
 * becomes 1 (measured on 2.6.12 through the stats socket; the callers document what each field does with a
 * negative int). Accepts an optional sign and decimal digits only: atol() would read `10k` as 10 and `abc` as 0,
 * which orcalb refuses rather than guess (undefined). Pure; never throws.
 */
export function parseHaproxyInt(text: string): number | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  let value = BigInt(text);
  if (value > LONG_MAX) value = LONG_MAX;
  if (value < LONG_MIN) value = LONG_MIN;
  return Number(BigInt.asIntN(32, value));
}

/**
 * The same `int` read as HAProxy's connection limits use it: compared as an unsigned 32-bit number, so -1 is
 * 4294967295 (no practical limit), as `show stat` prints it. 0 keeps its meaning of "not set". Pure.
 */
export function parseHaproxyLimit(text: string): number | undefined {
  const n = parseHaproxyInt(text);
  return n === undefined ? undefined : n >>> 0;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
