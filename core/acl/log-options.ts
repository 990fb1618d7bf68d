// The options a log-format variable takes (`%{+Q,+X,+E}`, manual §8.2.4) and the names a traffic log line may use:
// what core/acl/log-format.ts parses and core/log/ applies, kept here so that the parser (which config/ loads) needs
// nothing of the engine. Pure; any thread.

/** `%{+Q}` quote the value, `%{+X}` numbers in hexadecimal, `%{+E}` escape `"`, `\` and `]` (RFC 5424). */
export const LOG_OPT = { Q: 1, X: 2, E: 4 } as const;

/** Every variable a traffic log line may use (the parser refuses the rest of §8.2.4's table as not implemented). */
export const LINE_VARS: ReadonlySet<string> = new Set([
  'ci', 'cp', 'fi', 'fp', 'fc', 'ft', 'f', 'b', 'bi', 'bp', 's', 'si', 'sp', 't', 'tr', 'trg', 'trl', 'T', 'Th', 'Ti', 'TR',
  'Tw', 'Tc', 'Tr', 'Ta', 'Tt', 'Tq', 'Ts', 'ST', 'B', 'U', 'CC', 'CS', 'tsc', 'ts', 'ac', 'bc', 'sc', 'rc', 'sq', 'bq', 'hr',
  'hs', 'hrl', 'hsl', 'r', 'HM', 'HU', 'HP', 'HPO', 'HQ', 'HV', 'ID', 'pid', 'H', 'o', 'ms', 'lc', 'rt',
]);

/** The numbers `%{+X}` writes in hexadecimal (haproxy 2.6.12 writes %ST in decimal whatever it says). */
const HEXA: ReadonlySet<string> = new Set(['Ts', 'cp', 'fp', 'bp', 'sp', 'pid', 'rt']);

/** The hexadecimal numbers padded with zeros to a width (haproxy 2.6.12: `%{+X}rt` of request 1 is `0001`). */
const HEXA_WIDTH: Readonly<Record<string, number>> = { rt: 4 };

/** The addresses `%{+X}` writes as 8 hexadecimal digits when IPv4 (haproxy 2.6.12: `7F000001`, a unique-id staple). */
const HEXA_ADDRESS: ReadonlySet<string> = new Set(['ci', 'fi', 'bi', 'si']);

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function hexAddress(text: string): string {
  const m = IPV4.exec(text);
  if (m === null) return text;
  let out = '';
  for (let i = 1; i <= 4; i++) out += Number(m[i]).toString(16).toUpperCase().padStart(2, '0');
  return out;
}

/** Variables whose value is a number (never quoted). */
const NUMERIC: ReadonlySet<string> = new Set([
  'cp', 'fp', 'bp', 'sp', 'Th', 'Ti', 'TR', 'Tw', 'Tc', 'Tr', 'Ta', 'Tt', 'Tq', 'Ts', 'ST', 'B', 'U', 'ac', 'fc', 'bc', 'sc',
  'rc', 'sq', 'bq', 'pid', 'ms', 'lc', 'rt',
]);

/** Variables HAProxy writes as they are whatever `+Q` says: dates, states, the capture blocks and lists. */
const NEVER_QUOTED: ReadonlySet<string> = new Set(['t', 'tr', 'trg', 'trl', 'T', 'ts', 'tsc', 'hr', 'hs', 'hrl', 'hsl', 'rc']);

/** Variables that print '-' when they have no value, and `""` when quoted. */
const DASH_WHEN_NONE: ReadonlySet<string> = new Set(['CC', 'CS', 'ID']);

/**
 * Applies `%{+X}` (numbers in hexadecimal), `%{+E}` (RFC 5424 escaping) and `%{+Q}` (quotes around text; numbers,
 * dates and states are never quoted, as HAProxy writes them) to one value.
 */
export function withOptions(name: string, value: string | number, options: number): string {
  if (typeof value === 'number' || NUMERIC.has(name)) {
    if ((options & LOG_OPT.X) === 0 || typeof value !== 'number' || !HEXA.has(name)) return String(value);
    return value.toString(16).toUpperCase().padStart(HEXA_WIDTH[name] ?? 0, '0');
  }
  let text = (options & LOG_OPT.X) !== 0 && HEXA_ADDRESS.has(name) ? hexAddress(value) : value;
  if ((options & LOG_OPT.E) !== 0) text = text.replace(/["\\\]]/g, (c) => `\\${c}`);
  if ((options & LOG_OPT.Q) === 0 || NEVER_QUOTED.has(name)) return text;
  return DASH_WHEN_NONE.has(name) && text === '-' ? '""' : `"${text}"`;
}
