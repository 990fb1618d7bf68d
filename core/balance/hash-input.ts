// Key extraction for the hashing algorithms (HAProxy 2.6 §4.2 `balance source|uri|url_param|hdr`, backend.c
// get_server_sh/uh/ph/hh): what part of the client address or HTTP request gets hashed; each algorithm's file wires
// its extractor (source.ts, uri.ts, url-param.ts, hdr.ts). No hashing policy and no argument parsing here.
// Pure functions; forwarder threads call them per connection (source) or per request (L7).

import { isIP } from 'node:net';

/**
 * The 4 (IPv4) or 16 (IPv6) bytes of a numeric address as Node prints it ('127.0.0.1', '::1', '::ffff:10.0.0.1',
 * 'fe80::1%eth0'). Returns undefined for anything else (e.g. a UNIX socket path). Allocates; never throws.
 */
export function addressBytes(address: string): Uint8Array | undefined {
  const zone = address.indexOf('%');
  const text = zone >= 0 ? address.slice(0, zone) : address;
  const family = isIP(text);
  if (family === 4) return ipv4Bytes(text);
  if (family === 6) return ipv6Bytes(text);
  return undefined;
}

function ipv4Bytes(text: string): Uint8Array {
  // isIP() already checked the form: four decimal octets 0..255.
  return Uint8Array.from(text.split('.'), Number);
}

function ipv6Bytes(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  const halves = text.split('::');
  const head = halves[0] === '' || halves[0] === undefined ? [] : halves[0].split(':');
  const tail = halves.length > 1 && halves[1] !== '' && halves[1] !== undefined ? halves[1].split(':') : [];
  // A trailing dotted quad ('::ffff:1.2.3.4') stands for the last two 16-bit groups.
  const groups = (parts: string[]): number[] =>
    parts.flatMap((p) => {
      if (!p.includes('.')) return [parseInt(p, 16)];
      const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(p);
      return [(a << 8) | b, (c << 8) | d];
    });
  const first = groups(head);
  const last = groups(tail);
  const all = halves.length > 1 ? [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last] : first;
  if (all.length !== 8) return undefined;
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/**
 * The `balance source` hash: the address bytes read as big-endian 32-bit words, XORed together (HAProxy 2.6
 * get_server_sh; the hash-type *function* is not applied to source, only `avalanche` is, by the caller).
 * 127.0.0.1 → 0x7f000001; ::1 → 1. Undefined when `address` is not a numeric IP. Never throws.
 */
export function sourceAddressHash(address: string | Uint8Array): number | undefined {
  if (typeof address === 'string') {
    // IPv4 is the common case: parse it in place, with no allocation, on every accepted connection.
    const v4 = ipv4Word(address);
    if (v4 !== undefined) return v4;
  }
  const bytes = typeof address === 'string' ? addressBytes(address) : address;
  if (bytes === undefined || (bytes.length !== 4 && bytes.length !== 16)) return undefined;
  let h = 0;
  for (let i = 0; i < bytes.length; i += 4) {
    h ^= ((bytes[i] ?? 0) << 24) | ((bytes[i + 1] ?? 0) << 16) | ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0);
  }
  return h >>> 0;
}

// A dotted quad as one big-endian 32-bit word, or undefined when `text` is anything else.
function ipv4Word(text: string): number | undefined {
  let word = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39 && digits < 3) {
      octet = octet * 10 + (c - 0x30);
      digits++;
    } else if (c === 0x2e && digits > 0 && dots < 3 && octet <= 255) {
      word = (word << 8) | octet;
      octet = 0;
      digits = 0;
      dots++;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0 || octet > 255) return undefined;
  return ((word << 8) | octet) >>> 0;
}

/** `balance uri` options (HAProxy: len, depth, whole, path-only), as uri.ts parses them. */
export interface UriHashOptions {
  /** Hash at most this many characters (0 = no limit). */
  readonly len: number;
  /** Hash at most this many directories: stop at the (depth+1)-th '/' (0 = no limit). */
  readonly depth: number;
  /** Keep the query string (default: stop at '?'). */
  readonly whole: boolean;
  /** Hash only the path of an absolute URI (drop scheme and authority). */
  readonly pathOnly: boolean;
}

// The path of an absolute-form URI ("http://host/p?q" → "/p?q"); origin-form URIs are already a path.
function uriPath(uri: string): string {
  if (uri.startsWith('/')) return uri;
  const scheme = uri.indexOf('://');
  if (scheme < 0) return '';
  const slash = uri.indexOf('/', scheme + 3);
  return slash < 0 ? '' : uri.slice(slash);
}

/** The part of a request URI that `balance uri` hashes. Pure; forwarder thread. */
export function uriHashInput(uri: string, options: UriHashOptions): string {
  let text = options.pathOnly ? uriPath(uri) : uri;
  if (options.len > 0) text = text.slice(0, options.len);
  let slashes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // HAProxy counts the leading '/' too, so depth N keeps N directories and stops at slash number N+1.
    if (c === 0x2f && options.depth > 0 && ++slashes === options.depth + 1) return text.slice(0, i);
    if (c === 0x3f && !options.whole) return text.slice(0, i);
  }
  return text;
}

/**
 * The value of query parameter `name` in `uri` (`balance url_param`), up to the next '&'; undefined when absent
 * (the caller then falls back to round robin, as HAProxy does). The name match is exact and case-sensitive.
 */
export function urlParamValue(uri: string, name: string): string | undefined {
  const q = uri.indexOf('?');
  if (q < 0) return undefined;
  let at = q + 1;
  while (at < uri.length) {
    const amp = uri.indexOf('&', at);
    const end = amp < 0 ? uri.length : amp;
    if (uri.startsWith(name, at) && uri.charCodeAt(at + name.length) === 0x3d && at + name.length < end) {
      return uri.slice(at + name.length + 1, end);
    }
    at = end + 1;
  }
  return undefined;
}

/**
 * What `balance hdr(name)` hashes from a header value: its first comma-separated element, trimmed; with
 * `use_domain_only`, the label before the last dot ('www.example.com' → 'example', 'example.com' → 'example', no
 * dot → the whole value), walked backwards exactly as HAProxy's get_server_hh does (so its corner cases, e.g. a
 * leading dot, give the same key). Undefined when absent or empty: HAProxy then falls back to round robin.
 */
export function headerHashInput(value: string | undefined, useDomainOnly: boolean): string | undefined {
  if (value === undefined) return undefined;
  const comma = value.indexOf(',');
  const first = (comma < 0 ? value : value.slice(0, comma)).trim();
  if (first === '') return undefined;
  if (!useDomainOnly) return first;
  // HAProxy looks at positions len..1 for the dot before the TLD (never at 0), then rewinds to the char after the
  // previous dot. Position `len` is past the value: never a dot here.
  let p = first.length;
  let end = first.length;
  let inDomain = false;
  for (let left = first.length; left > 0; left--, p--) {
    if (inDomain) {
      if (first.charCodeAt(p - 1) === 0x2e) break;
    } else if (first.charCodeAt(p) === 0x2e) {
      end = p;
      inDomain = true;
    }
  }
  return first.slice(p, end);
}
