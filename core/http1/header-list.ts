// HTTP header fields as a list of (name, value) pairs, lookups over it, and the byte classes of RFC 9110 §5.6.2
// (token) that HAProxy 2.6's h1 parser (src/h1.c) applies to methods and header names. Pure functions, no I/O:
// forwarder threads call them while parsing and rewriting L7 requests and responses, the health-check thread while
// reading check responses.

/** One header line as received. `name` keeps its case; `value` has its leading/trailing SP/HTAB removed. Latin-1. */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
}

/**
 * tchar per RFC 9110 §5.6.2: "!#$%&'*+-.^_`|~", DIGIT, ALPHA. Indexed by byte; 1 = allowed. HAProxy rejects any other
 * byte in a method or a header name (measured against haproxy 2.6.12: `X(A):`, `X T:`, `X-\xe9:` all give 400).
 */
export const TOKEN_CHAR: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let c = 0x30; c <= 0x39; c++) table[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) table[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) table[c] = 1;
  for (const ch of "!#$%&'*+-.^_`|~") table[ch.charCodeAt(0)] = 1;
  return table;
})();

/**
 * Bytes HAProxy accepts in a request-target (origin, absolute, authority or asterisk form). Measured on 2.6.12:
 * CTLs, SP, bytes >= 0x80 and '#' are refused (400); '"', '<', '>', '\\', '{', '|', '}', '^', '`' and DEL pass through
 * untouched, although RFC 3986 does not list them. SP and HTAB end the target, so they are 0 here.
 */
export const TARGET_CHAR: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let c = 0x21; c <= 0x7f; c++) table[c] = 1;
  table[0x23] = 0;
  return table;
})();

/** Case folding for names and tokens; they are ASCII tokens, so toLowerCase() folds exactly what HAProxy folds. */
function asciiLower(s: string): string {
  return s.toLowerCase();
}

/**
 * The value of the first field named `name` (ASCII case-insensitive), or undefined. Any thread; never throws.
 */
export function headerValue(headers: readonly HeaderField[], name: string): string | undefined {
  const want = asciiLower(name);
  for (const h of headers) {
    if (h.name.length === want.length && asciiLower(h.name) === want) return h.value;
  }
  return undefined;
}

/** The values of every field named `name`, in order (not split on commas). Any thread; allocates the array. */
export function headerValues(headers: readonly HeaderField[], name: string): string[] {
  const want = asciiLower(name);
  const out: string[] = [];
  for (const h of headers) {
    if (h.name.length === want.length && asciiLower(h.name) === want) out.push(h.value);
  }
  return out;
}

/**
 * Splits a comma-separated list value (RFC 9110 §5.6.1) into its elements, each trimmed of OWS. Empty elements are
 * kept: callers decide whether `a,,b` is an error (Content-Length) or noise (Connection).
 */
export function listElements(value: string): string[] {
  // Nearly every Content-Length / Transfer-Encoding value is one bare element: skip the split and the regex.
  if (!value.includes(',')) return [value.replace(/^[ \t]+|[ \t]+$/g, '')];
  return value.split(',').map((e) => e.replace(/^[ \t]+|[ \t]+$/g, ''));
}

/**
 * True when some field named `name` lists `token` among its comma-separated elements, compared ASCII
 * case-insensitively: `hasToken(h, 'Connection', 'close')`, `hasToken(h, 'Connection', 'upgrade')`. Never throws.
 */
export function hasToken(headers: readonly HeaderField[], name: string, token: string): boolean {
  const want = asciiLower(token);
  for (const value of headerValues(headers, name)) {
    // Fast path: most Connection values hold one element.
    if (value.length === want.length && asciiLower(value) === want) return true;
    if (!value.includes(',')) continue;
    for (const element of listElements(value)) {
      if (asciiLower(element) === want) return true;
    }
  }
  return false;
}

/** `name: value\r\n` for every field, as one string, so the caller encodes the whole head once (Latin-1). */
export function headerLines(headers: readonly HeaderField[]): string {
  let out = '';
  for (const h of headers) out += `${h.name}: ${h.value}\r\n`;
  return out;
}
