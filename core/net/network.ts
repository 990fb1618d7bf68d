// IP networks, HAProxy's `<address>[/mask]` (used by `option forwardfor except` and `option originalto except`,
// §4.2): parsed once when the configuration is loaded, carried in the config model as bytes and a prefix
// (config/model.ts IpNetwork), and tested for membership on the request path without allocating. Built on
// ip-address.ts. Pure; config loading (main thread) parses, forwarder threads test.

import type { IpNetwork } from '../../config/model.js';
import { formatIPv4, formatIPv6, ipFamily, isIPv4Mapped, readAddress } from './ip-address.js';

/**
 * Parses `<address>[/mask]`: a numeric IPv4 or IPv6 address (no `%zone`, as HAProxy) and a mask that is a prefix
 * length of 1-3 digits (at most 32 or 128) or, for IPv4 only, a contiguous dotted netmask (`255.255.0.0` is `/16`).
 * No mask: a single host (`/32`, `/128`). The address bits past the prefix are cleared. undefined when the text is
 * not such a network (the caller words the error). HAProxy also resolves host names here; orcalb asks for numeric
 * networks. Never throws.
 */
export function parseNetwork(text: string): IpNetwork | undefined {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  // HAProxy reads the address with inet_pton, which knows no `%zone` (2.6.12 refuses `fe80::1%eth0`).
  const family = address.includes('%') ? 0 : ipFamily(address);
  if (family === 0) return undefined;
  const bytes = new Uint8Array(family === 4 ? 4 : 16);
  const scratch = new Uint8Array(16);
  readAddress(address, scratch);
  bytes.set(scratch.subarray(0, bytes.length));
  const bits = bytes.length * 8;
  let prefix = bits;
  if (slash >= 0) {
    const mask = text.slice(slash + 1);
    if (/^\d{1,3}$/.test(mask)) prefix = Number(mask);
    else if (family === 4 && ipFamily(mask) === 4) prefix = netmaskPrefix(mask);
    else return undefined;
    if (prefix < 0 || prefix > bits) return undefined;
  }
  clearHostBits(bytes, prefix);
  return { bytes, prefix };
}

/** The prefix length of a contiguous dotted netmask (leading ones, then only zeros), or -1. */
function netmaskPrefix(mask: string): number {
  const out = new Uint8Array(16);
  readAddress(mask, out);
  let prefix = 0;
  let i = 0;
  for (; i < 4 && out[i] === 0xff; i++) prefix += 8;
  if (i === 4) return prefix;
  const partial = out[i] ?? 0;
  // A partial byte must be ones then zeros: its complement plus one is a power of two.
  const zeros = (~partial & 0xff) + 1;
  if ((zeros & (zeros - 1)) !== 0) return -1;
  prefix += 8 - Math.log2(zeros);
  for (i++; i < 4; i++) if (out[i] !== 0) return -1;
  return prefix;
}

function clearHostBits(bytes: Uint8Array, prefix: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const keep = prefix >= (i + 1) * 8 ? 8 : Math.max(0, prefix - i * 8);
    bytes[i] = (bytes[i] ?? 0) & ((0xff << (8 - keep)) & 0xff);
  }
}

/** `network/prefix` text (`10.0.0.0/8`, `2001:db8::/32`), the address as glibc's inet_ntop writes it. */
export function formatNetwork(network: IpNetwork): string {
  const address = network.bytes.length === 4 ? formatIPv4(network.bytes) : formatIPv6(network.bytes);
  return `${address}/${network.prefix}`;
}

/** One scratch per thread for inNetwork (module instances are per thread; no call re-enters it). */
const scratch = new Uint8Array(16);

/**
 * True when `address` (as Node reports it, e.g. socket.remoteAddress) lies in `network`. An IPv4-mapped IPv6 client
 * (`::ffff:a.b.c.d`, an IPv4 client of a dual-stack bind) is tested as the IPv4 address it carries; an IPv4 network
 * never holds an IPv6 client nor the reverse. Allocates nothing: called per request.
 */
export function inNetwork(address: string, network: IpNetwork): boolean {
  const family = readAddress(address, scratch);
  if (family === 0) return false;
  let at = 0;
  let length = family === 4 ? 4 : 16;
  if (family === 6 && isIPv4Mapped(scratch)) {
    at = 12;
    length = 4;
  }
  if (length !== network.bytes.length) return false;
  let bits = network.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const keep = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((scratch[at + i] ?? 0) & keep) !== ((network.bytes[i] ?? 0) & keep)) return false;
  }
  return true;
}

