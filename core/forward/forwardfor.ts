// `option forwardfor [except NET] [header NAME] [if-none]` and `option originalto [except NET] [header NAME]`
// (HAProxy 2.6 §4.2): the header HAProxy appends to a request carrying the client (or destination) address.
// Forwarder threads; pure functions, networks parsed once per session config.

import type { ProxyOptions } from '../../config/model.js';
import { parseIPv4, parseIPv6, unmapIPv4 } from '../net/ip-address.js';
import { headerValue, type HeaderField } from '../http1/header-list.js';

/** A parsed `except` network: address bytes (4 or 16) and prefix length. */
interface Network {
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/** Address text → bytes, with an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) turned into its 4 IPv4 bytes. */
function addressOf(text: string): Uint8Array | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return v4;
  const v6 = parseIPv6(text);
  if (v6 === undefined) return undefined;
  return unmapIPv4(v6) ?? v6;
}

/**
 * Parses HAProxy's `<address>[/mask]`: a prefix length or a dotted IPv4 mask; no mask = a single host.
 * undefined when unreadable (config/ already rejects those). Pure.
 */
export function parseNetwork(text: string): Network | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = addressOf(addr);
  if (bytes === undefined) return undefined;
  const full = bytes.length * 8;
  if (slash < 0) return { bytes, prefix: full };
  const mask = text.slice(slash + 1);
  if (/^\d+$/.test(mask)) {
    const prefix = Number(mask);
    return prefix <= full ? { bytes, prefix } : undefined;
  }
  const maskBytes = parseIPv4(mask);
  if (maskBytes === undefined || bytes.length !== 4) return undefined;
  // A dotted mask counts its leading one bits (HAProxy accepts only contiguous masks).
  let prefix = 0;
  for (const b of maskBytes) prefix += b === 0 ? 0 : 8 - Math.log2((~b & 0xff) + 1);
  return { bytes, prefix };
}

/** True when `address` (as Node reports it) lies in `net`; IPv4 networks match IPv4-mapped IPv6 clients. Pure. */
export function inNetwork(address: string, net: Network): boolean {
  const bytes = addressOf(address);
  if (bytes === undefined || bytes.length !== net.bytes.length) return false;
  let bits = net.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const keep = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((bytes[i] ?? 0) & keep) !== ((net.bytes[i] ?? 0) & keep)) return false;
  }
  return true;
}

function excepted(address: string, excepts: readonly (string | undefined)[]): boolean {
  for (const e of excepts) {
    if (e === undefined) continue;
    const net = parseNetwork(e);
    if (net !== undefined && inNetwork(address, net)) return true;
  }
  return false;
}

/**
 * The X-Forwarded-For header (name, value) HAProxy 2.6 appends for a request from `clientAddress`, or undefined.
 * Applies when the frontend or the backend has the option; the backend's header name wins; the client is exempt when
 * it lies in either proxy's `except` network; with `if-none` on both and the header already present, nothing is added.
 * Pure; forwarder threads.
 */
export function forwardedFor(
  fe: ProxyOptions,
  be: ProxyOptions,
  clientAddress: string | undefined,
  headers: readonly HeaderField[],
): HeaderField | undefined {
  const f = fe.forwardfor;
  const b = be.forwardfor;
  if ((f === undefined && b === undefined) || clientAddress === undefined) return undefined;
  const name = b?.header ?? f?.header ?? 'X-Forwarded-For';
  // HAProxy adds the header unless if-none is set on every proxy that has the option (PR_O_FF_ALWAYS is or'ed).
  const always = (f !== undefined && !f.ifNone) || (b !== undefined && !b.ifNone);
  if (!always && headerValue(headers, name) !== undefined) return undefined;
  if (excepted(clientAddress, [f?.except, b?.except])) return undefined;
  return { name, value: clientAddress };
}

/**
 * The X-Original-To header for `option originalto`: the address the client connected to. HAProxy 2.6 only adds it
 * for an AF_INET destination, so not on a dual-stack bind where an IPv4 client shows as `::ffff:a.b.c.d` (the
 * kernel reports AF_INET6 there, as Node does). undefined when not configured or excepted. Pure.
 */
export function originalTo(fe: ProxyOptions, be: ProxyOptions, localAddress: string | undefined): HeaderField | undefined {
  const f = fe.originalto;
  const b = be.originalto;
  if ((f === undefined && b === undefined) || localAddress === undefined) return undefined;
  if (parseIPv4(localAddress) === undefined) return undefined;
  if (excepted(localAddress, [f?.except, b?.except])) return undefined;
  return { name: b?.header ?? f?.header ?? 'X-Original-To', value: localAddress };
}
