// The PP2_TYPE_SSL TLV `send-proxy-v2-ssl` / `send-proxy-v2-ssl-cn` add to a v2 header (doc/proxy-protocol.txt
// §2.2.5): a client byte (SSL, certificate on this connection, certificate in the session), the 32-bit verify result
// and the sub-TLVs VERSION and, with `-cn`, the client certificate's CN. Byte for byte what haproxy 2.6.12 writes
// (captured in tests/regressions/issue-0014-send-proxy-tls.test.ts): the TLV is always there, even for a plain
// client or a check (client 0, verify 0, no sub-TLV). Pure; forwarder threads (traffic) and the health thread (checks).

import type net from 'node:net';
import type tls from 'node:tls';
import { x509ErrorNumber } from '../tls/x509-errors.js';

export const PP2_TYPE_SSL = 0x20;
export const PP2_SUBTYPE_SSL_VERSION = 0x21;
export const PP2_SUBTYPE_SSL_CN = 0x22;
/** The client byte's bits. */
export const PP2_CLIENT = { ssl: 0x01, certConn: 0x02, certSess: 0x04 } as const;

/** The facts the TLV carries, read off the client's TLS socket. */
export interface ClientTlsFacts {
  readonly client: number;
  readonly verify: number;
  readonly version: string | undefined;
  readonly cn: string | undefined;
}

const NO_TLS: ClientTlsFacts = { client: 0, verify: 0, version: undefined, cn: undefined };

function isTls(socket: net.Socket | undefined): socket is tls.TLSSocket {
  return socket !== undefined && (socket as Partial<tls.TLSSocket>).encrypted === true;
}

/** The client certificate's first CN (the subject as OpenSSL prints it, one `CN=` line), or undefined. */
function commonName(socket: tls.TLSSocket): string | undefined {
  const x = socket.getPeerX509Certificate();
  if (x === undefined) return undefined;
  for (const line of x.subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}

/**
 * What the client side's TLS says: for a plain client (or a check: `client` undefined) the empty facts haproxy sends.
 * A certificate counts for the session when the peer has one (a resumed session keeps it) and for the connection
 * when it was verified in this handshake (not resumed). Allocates the strings; never throws.
 */
export function clientTlsFacts(client: net.Socket | undefined, withCn: boolean): ClientTlsFacts {
  if (!isTls(client)) return NO_TLS;
  const version = client.getProtocol() ?? undefined;
  const cert = client.getPeerX509Certificate();
  let bits: number = PP2_CLIENT.ssl;
  let verify = 0;
  if (cert !== undefined) {
    bits |= PP2_CLIENT.certSess;
    if (!client.isSessionReused()) bits |= PP2_CLIENT.certConn;
    verify = client.authorized ? 0 : x509ErrorNumber(client.authorizationError);
  }
  return { client: bits, verify, version, cn: withCn ? commonName(client) : undefined };
}

/** The TLV's bytes (type, length, client, verify, sub-TLVs). Allocates one Buffer. */
export function encodeSslTlv(f: ClientTlsFacts): Buffer {
  const version = f.version === undefined ? undefined : Buffer.from(f.version, 'latin1');
  const cn = f.cn === undefined ? undefined : Buffer.from(f.cn, 'utf8');
  const body = 5 + (version === undefined ? 0 : 3 + version.length) + (cn === undefined ? 0 : 3 + cn.length);
  const out = Buffer.alloc(3 + body);
  out[0] = PP2_TYPE_SSL;
  out.writeUInt16BE(body, 1);
  out[3] = f.client;
  out.writeUInt32BE(f.verify >>> 0, 4);
  let at = 8;
  for (const [type, value] of [[PP2_SUBTYPE_SSL_VERSION, version], [PP2_SUBTYPE_SSL_CN, cn]] as const) {
    if (value === undefined) continue;
    out[at] = type;
    out.writeUInt16BE(value.length, at + 1);
    out.set(value, at + 3);
    at += 3 + value.length;
  }
  return out;
}
