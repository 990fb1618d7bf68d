// PROXY protocol version 2, the binary header `send-proxy-v2` writes (doc/proxy-protocol.txt §2.2), plus CRC32C for
// the PP2_TYPE_CRC32C TLV a received header may carry. HAProxy 2.6 adds no TLV unless `proxy-v2-options` or
// `send-proxy-v2-ssl[-cn]` (ssl-tlv.ts) asks for one (measured: 28 bytes for TCP4, 52 for TCP6, 16 for LOCAL).
// Pure; forwarder threads and the health-check thread.

import { addressBytes, type ProxyAddresses } from './addresses.js';

/** The 12 bytes every v2 header starts with: `\r\n\r\n\0\r\nQUIT\n`. */
export const PROXY_V2_SIGNATURE: Readonly<Buffer> = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);
/** Signature + version/command + family + 16-bit length. */
export const PROXY_V2_HEADER_LENGTH = 16;

/** Byte 12: high nibble version 2, low nibble the command. */
export const PP2_COMMAND = { local: 0x20, proxy: 0x21 } as const;
/** Byte 13: address family (high nibble) and transport (low nibble) HAProxy uses. */
export const PP2_FAMILY = { unspec: 0x00, tcp4: 0x11, tcp6: 0x21 } as const;
/** Bytes of the address block per family nibble (UNSPEC, INET, INET6, UNIX). */
export const PP2_ADDRESS_LENGTH: Readonly<Record<number, number>> = { 0: 0, 1: 12, 2: 36, 3: 216 };
export const PP2_TYPE_CRC32C = 0x03;

/**
 * Binary v2 header. With addresses: PROXY command, TCP over IPv4 (0x11) or IPv6 (0x21), src addr, dst addr, src port,
 * dst port in network order. undefined → LOCAL command with AF_UNSPEC and no address block, which is also what
 * HAProxy 2.6 sends on health checks of a `send-proxy-v2` server. `tlvs`: encoded TLVs appended after the addresses
 * (none by default, HAProxy 2.6's default). Allocates a new Buffer; throws TypeError on an address or port that is not
 * valid for `a.family`.
 */
export function encodeProxyV2(a: ProxyAddresses | undefined, tlvs?: Uint8Array): Buffer {
  const extra = tlvs?.length ?? 0;
  if (a === undefined) {
    const local = Buffer.alloc(PROXY_V2_HEADER_LENGTH + extra);
    PROXY_V2_SIGNATURE.copy(local, 0);
    local[12] = PP2_COMMAND.local;
    local[13] = PP2_FAMILY.unspec;
    local.writeUInt16BE(extra, 14);
    if (tlvs !== undefined) local.set(tlvs, PROXY_V2_HEADER_LENGTH);
    return local;
  }
  const b = addressBytes(a);
  const addrLen = b.v6 ? 36 : 12;
  const ipLen = b.v6 ? 16 : 4;
  const out = Buffer.alloc(PROXY_V2_HEADER_LENGTH + addrLen + extra);
  PROXY_V2_SIGNATURE.copy(out, 0);
  out[12] = PP2_COMMAND.proxy;
  out[13] = b.v6 ? PP2_FAMILY.tcp6 : PP2_FAMILY.tcp4;
  out.writeUInt16BE(addrLen + extra, 14);
  if (tlvs !== undefined) out.set(tlvs, PROXY_V2_HEADER_LENGTH + addrLen);
  out.set(b.src, 16);
  out.set(b.dst, 16 + ipLen);
  out.writeUInt16BE(b.srcPort, 16 + 2 * ipLen);
  out.writeUInt16BE(b.dstPort, 18 + 2 * ipLen);
  return out;
}

let crcTable: Uint32Array | undefined;

/** CRC32C (Castagnoli, reflected polynomial 0x82F63B78) of `data`, as PP2_TYPE_CRC32C carries it. Pure. */
export function crc32c(data: Uint8Array): number {
  // Built on first use: only headers that carry the TLV ever need it.
  crcTable ??= buildCrcTable();
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    crc = (crcTable[(crc ^ (data[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function buildCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}
