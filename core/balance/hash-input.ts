// Key extraction for the hashing algorithms (HAProxy 2.6 §4.2 `balance source|uri|url_param|hdr`, backend.c
// get_server_sh/uh/ph/hh): what part of the client address or HTTP request gets hashed; each algorithm's file wires
// its extractor (source.ts, uri.ts, url-param.ts, hdr.ts). No hashing policy and no argument parsing here.
// Pure functions; forwarder threads call them per connection (source) or per request (L7).

import { readAddress, readIPv4 } from '../net/ip-address.js';

/** Per-thread scratch for an IPv6 source address (module instances are per thread; nothing re-enters it). */
const scratch = new Uint8Array(16);

/**
 * The `balance source` hash: the address bytes read as big-endian 32-bit words, XORed together (HAProxy 2.6
 * get_server_sh; the hash-type *function* is not applied to source, only `avalanche` is, by the caller).
 * 127.0.0.1 → 0x7f000001; ::1 → 1. The text is read by core/net/ip-address.ts (a `%zone` is ignored). Undefined
 * when `address` is not a numeric IP. Allocates nothing; never throws.
 */
export function sourceAddressHash(address: string | Uint8Array): number | undefined {
  let bytes: Uint8Array;
  let length: number;
  if (typeof address === 'string') {
    // IPv4 is the common case: one scan, no bytes.
    const v4 = readIPv4(address);
    if (v4 >= 0) return v4;
    const family = readAddress(address, scratch);
    if (family === 0) return undefined;
    bytes = scratch;
    length = family === 4 ? 4 : 16;
  } else {
    bytes = address;
    length = address.length;
  }
  if (length !== 4 && length !== 16) return undefined;
  let h = 0;
  for (let i = 0; i < length; i += 4) {
    h ^= ((bytes[i] ?? 0) << 24) | ((bytes[i + 1] ?? 0) << 16) | ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0);
  }
  return h >>> 0;
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
