// Where a client connection comes from, as both session kinds (L4 and L7) need it: the socket's own addresses, or
// those announced in a PROXY header when the bind has `accept-proxy` (HAProxy §5.1), plus the bytes read past that
// header. Forwarder threads. The socket's addresses cost a getpeername and a getsockname: sessions ask for them only
// when a feature needs them (source hashing, relative server ports, send-proxy, forwardfor). Once rules changed them
// (set-src…: set-address.ts), the connection's FetchContext holds the current ones and ruleAddresses() reads them.

import type net from 'node:net';
import type { FrontendConfig } from '../../config/model.js';
import type { FetchContext } from '../acl/fetch-context.js';
import { formatIPv4, formatIPv6 } from '../net/ip-address.js';
import { clientAddresses, type ProxyAddresses } from '../proxy-protocol/addresses.js';
import { readProxyHeader, type ProxyHeaderRead } from '../proxy-protocol/parse.js';

export interface ClientOrigin {
  /** What the PROXY line to a `send-proxy` server and `forwardfor` must carry. */
  readonly announced: ProxyAddresses | undefined;
  /** Client bytes already read (after a PROXY header), to be handled before reading the socket again. */
  readonly initial: Buffer | undefined;
}

/** The PROXY header read before a TLS handshake (`bind … ssl accept-proxy`), carried on the TLS socket. */
const kHeaderBeforeTls = Symbol('orcalb.proxyHeaderBeforeTls');
interface CarriesHeader {
  [kHeaderBeforeTls]?: ProxyHeaderRead;
}

/**
 * Marks `tlsSocket` as a connection whose PROXY header came in clear before its handshake (core/tls/tls-entry.ts): the
 * sessions then take these addresses instead of reading a header from the decrypted stream. Forwarder threads.
 */
export function setHeaderBeforeTls(tlsSocket: net.Socket, header: ProxyHeaderRead): void {
  (tlsSocket as net.Socket & CarriesHeader)[kHeaderBeforeTls] = header;
}

/** The header setHeaderBeforeTls() left on a connection, or undefined (a plain connection, or none read). */
export function headerBeforeTls(socket: net.Socket): ProxyHeaderRead | undefined {
  return (socket as net.Socket & CarriesHeader)[kHeaderBeforeTls];
}

/**
 * For an engine reading the client through 'data' events: reads the PROXY header first on `accept-proxy` binds
 * (within `timeout client`). Rejects with OrcaError ORCA_CLIENT_BAD_PROXY_HEADER when the header is missing or invalid
 * (the caller closes the client). An engine on a SocketIo sink feeds a ProxyHeaderReader instead (l4-client-hold.ts).
 */
export async function clientOrigin(client: net.Socket, frontend: FrontendConfig, bind: number): Promise<ClientOrigin> {
  const own = clientAddresses(client);
  if (frontend.binds[bind]?.acceptProxy !== true) return { announced: own, initial: undefined };
  const got = await readProxyHeader(client, frontend.timeouts.client);
  return { announced: got.addresses ?? own, initial: got.rest.length > 0 ? got.rest : undefined };
}

/**
 * The addresses a session announces: those of its PROXY header when it carried some, else the socket's own (HAProxy
 * uses the connection's addresses after a LOCAL or UNKNOWN header). undefined when the socket has none left (closed).
 * Two system calls the first time (Node caches the answers on the socket). Never throws.
 */
export function announcedAddresses(header: ProxyHeaderRead | undefined, client: net.Socket): ProxyAddresses | undefined {
  return header?.addresses ?? clientAddresses(client);
}

/**
 * The destination port a server with a relative port is reached at (dispatch.ts serverPort): the announced one,
 * else the socket's own local port; none for a UNIX client. Spread into a DispatchContext. Pure.
 */
export function dstPortOf(announced: ProxyAddresses | undefined, client: net.Socket): { dstPort?: number } {
  const port = announced?.dstPort ?? client.localPort;
  return port === undefined ? {} : { dstPort: port };
}

/**
 * The addresses a connection's rules left in `ctx` (set-src, set-dst and their ports), as the PROXY line,
 * forwardfor and the source hash take them: TCP4 when both are IPv4, else TCP6 (an IPv4 side is then widened to
 * ::ffff:a.b.c.d by the encoders, as haproxy 2.6.12 sends it). undefined when a side has no IP address (PROXY
 * UNKNOWN). Builds strings: call it only once ctx.addrEdits says the rules changed something.
 */
export function ruleAddresses(ctx: FetchContext): ProxyAddresses | undefined {
  if (ctx.srcFamily === 0 || ctx.dstFamily === 0) return undefined;
  return {
    family: ctx.srcFamily === 4 && ctx.dstFamily === 4 ? 'TCP4' : 'TCP6',
    srcAddress: ctx.srcFamily === 4 ? formatIPv4(ctx.src) : formatIPv6(ctx.src),
    srcPort: ctx.srcPort,
    dstAddress: ctx.dstFamily === 4 ? formatIPv4(ctx.dst) : formatIPv6(ctx.dst),
    dstPort: ctx.dstPort,
  };
}

/** Whether two announced address pairs are the same (a server connection's PROXY line still tells the truth). */
export function sameAddresses(a: ProxyAddresses | undefined, b: ProxyAddresses | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return a.srcAddress === b.srcAddress && a.srcPort === b.srcPort && a.dstAddress === b.dstAddress && a.dstPort === b.dstPort && a.family === b.family;
}
