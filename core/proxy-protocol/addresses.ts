// The address pair a PROXY protocol header announces, and how it is read off a socket (HAProxy `send-proxy`,
// `send-proxy-v2`, `check-send-proxy`; doc/proxy-protocol.txt §2). Pure; runs on forwarder and health-check threads.
// Families follow the socket as HAProxy's do (measured on 2.6.12): an IPv4 client of a dual-stack `bind :::80` socket is
// announced as `TCP6 ::ffff:a.b.c.d`, because the kernel hands HAProxy an AF_INET6 address; TCP4 needs AF_INET on both.

import type net from 'node:net';
import { ipv4MappedBytes, parseIPv4, parseIPv6, unmapIPv4 } from '../net/ip-address.js';

export interface ProxyAddresses {
  readonly family: 'TCP4' | 'TCP6';
  readonly srcAddress: string;
  readonly srcPort: number;
  readonly dstAddress: string;
  readonly dstPort: number;
}

/**
 * The addresses HAProxy announces for a client connection: src = the client (remote end), dst = the address the client
 * connected to (our local end). TCP4 when both are IPv4, TCP6 otherwise (an IPv4-mapped `::ffff:a.b.c.d` stays TCP6, as
 * HAProxy 2.6 sends it on a dual-stack bind). undefined when the socket has no addresses (closed, or not a TCP socket):
 * the encoders then write `PROXY UNKNOWN` / a LOCAL header. Any thread; does not throw.
 */
export function clientAddresses(socket: net.Socket): ProxyAddresses | undefined {
  return pairOf(socket.remoteAddress, socket.remotePort, socket.localAddress, socket.localPort);
}

/**
 * The addresses HAProxy 2.6 announces on a health check with `send-proxy`: src = the check socket's local end,
 * dst = the server (e.g. `PROXY TCP4 127.0.0.1 127.0.0.1 60812 18849`). With `send-proxy-v2` HAProxy 2.6 sends a LOCAL
 * header on checks instead (unless the global `pp2-never-send-local` is set): the caller passes undefined to
 * encodeProxyV2 in that case. undefined when the socket has no addresses. Any thread; does not throw.
 */
export function outgoingAddresses(socket: net.Socket): ProxyAddresses | undefined {
  return pairOf(socket.localAddress, socket.localPort, socket.remoteAddress, socket.remotePort);
}

function pairOf(
  srcAddress: string | undefined,
  srcPort: number | undefined,
  dstAddress: string | undefined,
  dstPort: number | undefined,
): ProxyAddresses | undefined {
  if (srcAddress === undefined || dstAddress === undefined || srcPort === undefined || dstPort === undefined) {
    return undefined;
  }
  const srcV4 = parseIPv4(srcAddress) !== undefined;
  const dstV4 = parseIPv4(dstAddress) !== undefined;
  if (!srcV4 && parseIPv6(srcAddress) === undefined) return undefined;
  if (!dstV4 && parseIPv6(dstAddress) === undefined) return undefined;
  return { family: srcV4 && dstV4 ? 'TCP4' : 'TCP6', srcAddress, srcPort, dstAddress, dstPort };
}

/** Both addresses as bytes in the header's family: 4 bytes each for TCP4, 16 each for TCP6. */
export interface AddressBytes {
  readonly v6: boolean;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly srcPort: number;
  readonly dstPort: number;
}

/**
 * Converts addresses to the bytes a header carries, in `a.family`: an IPv4 address in a TCP6 pair is widened to
 * `::ffff:a.b.c.d` (HAProxy's v4tov6), an IPv4-mapped address in a TCP4 pair is narrowed back.
 * Throws TypeError when an address is not an IP literal of that family or a port is not 0-65535 (a caller bug).
 */
export function addressBytes(a: ProxyAddresses): AddressBytes {
  const v6 = a.family === 'TCP6';
  return {
    v6,
    src: toFamily(a.srcAddress, v6),
    dst: toFamily(a.dstAddress, v6),
    srcPort: checkPort(a.srcPort),
    dstPort: checkPort(a.dstPort),
  };
}

function toFamily(text: string, v6: boolean): Uint8Array {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return v6 ? ipv4MappedBytes(v4) : v4;
  const b6 = parseIPv6(text);
  if (b6 !== undefined) {
    if (v6) return b6;
    const back = unmapIPv4(b6);
    if (back !== undefined) return back;
  }
  throw new TypeError(`not an ${v6 ? 'IPv6' : 'IPv4'} address for a PROXY header: '${text}'`);
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`not a TCP port for a PROXY header: ${port}`);
  }
  return port;
}
