// PROXY protocol version 1, the text line `send-proxy` writes first on a server connection (doc/proxy-protocol.txt §2.1).
// Byte-for-byte what HAProxy 2.6 writes (checked against /usr/sbin/haproxy in tests/forward/proxy-haproxy-bytes.test.ts).
// Pure; runs on forwarder threads (traffic) and the health-check thread (checks with send-proxy).

import { addressBytes, type ProxyAddresses } from './addresses.js';
import { formatIPv4, formatIPv6 } from '../net/ip-address.js';

/** The longest v1 line the spec allows, CRLF included (`PROXY TCP6` + two full IPv6 + two 5-digit ports). */
export const PROXY_V1_MAX_LENGTH = 107;

const UNKNOWN_LINE = Buffer.from('PROXY UNKNOWN\r\n', 'latin1');

/**
 * `PROXY TCP4 <src> <dst> <sport> <dport>\r\n` (or TCP6), addresses printed as glibc's inet_ntop prints them;
 * undefined → `PROXY UNKNOWN\r\n` (what HAProxy sends when it has no usable address pair).
 * Allocates a new Buffer; throws TypeError on an address or port that is not valid for `a.family`.
 */
export function encodeProxyV1(a: ProxyAddresses | undefined): Buffer {
  if (a === undefined) return Buffer.from(UNKNOWN_LINE);
  const b = addressBytes(a);
  const fmt = b.v6 ? formatIPv6 : formatIPv4;
  const line = `PROXY ${b.v6 ? 'TCP6' : 'TCP4'} ${fmt(b.src)} ${fmt(b.dst)} ${b.srcPort} ${b.dstPort}\r\n`;
  return Buffer.from(line, 'latin1');
}
