// Reading a PROXY v1/v2 header at the start of a connection: `bind ... accept-proxy` (HAProxy conn_recv_proxy,
// doc/proxy-protocol.txt §2) and the emulated DolphinDB node. Runs on forwarder threads and in tests.
// Stricter than HAProxy 2.6 where the spec is (ports above 65535, unknown v2 families are refused) and more patient
// (HAProxy fails a header split over two packets; this waits for the rest, bounded by the caller's timeout); as long
// as HAProxy's (a header must fit its 16,384-byte buffer).

import type net from 'node:net';
import { OrcaError } from '../errors.js';
import type { ProxyAddresses } from './addresses.js';
import { proxyHeaderError, type ConnError } from '../log/connection-error.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../net/ip-address.js';
import { PROXY_V1_MAX_LENGTH } from './v1.js';
import { crc32c, PP2_ADDRESS_LENGTH, PP2_TYPE_CRC32C, PROXY_V2_HEADER_LENGTH, PROXY_V2_SIGNATURE } from './v2.js';

export type ProxyParseResult =
  | { kind: 'incomplete' }
  | { kind: 'absent' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'ok'; version: 1 | 2; addresses: ProxyAddresses | undefined; length: number };

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const V1_PROTOCOLS = ['TCP4 ', 'TCP6 ', 'UNKNOWN'];
const INCOMPLETE: ProxyParseResult = { kind: 'incomplete' };
const ABSENT: ProxyParseResult = { kind: 'absent' };

const invalid = (reason: string): ProxyParseResult => ({ kind: 'invalid', reason });

/** True when the first min(len) bytes of `data` and `prefix` agree. */
function startsLike(data: Uint8Array, prefix: Uint8Array): boolean {
  const n = Math.min(data.length, prefix.length);
  for (let i = 0; i < n; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

/**
 * Looks at the first bytes of a connection. 'absent' when they cannot start a PROXY header (neither `PROXY ` nor the
 * v2 signature), 'incomplete' when more bytes are needed, 'invalid' with a reason, or 'ok' with the header length to
 * strip (bytes after it are the client's). v1 lines are at most 107 bytes; a v2 header is 16 bytes plus the length in
 * bytes 14-15. Addresses come back in canonical text (inet_ntop form). Pure, any thread, never throws.
 */
export function parseProxyHeader(data: Buffer): ProxyParseResult {
  if (data.length === 0) return INCOMPLETE;
  if (startsLike(data, V1_PREFIX)) return data.length < V1_PREFIX.length ? INCOMPLETE : parseV1(data);
  if (startsLike(data, PROXY_V2_SIGNATURE)) return parseV2(data);
  return ABSENT;
}

function parseV1(data: Buffer): ProxyParseResult {
  const window = data.subarray(0, PROXY_V1_MAX_LENGTH);
  const lf = window.indexOf(0x0a);
  if (lf < 0) {
    // Refuse early what can never become a valid line, rather than waiting for 107 bytes of garbage.
    const proto = window.subarray(V1_PREFIX.length);
    if (!V1_PROTOCOLS.some((p) => startsLike(proto, Buffer.from(p, 'latin1')))) return invalid('v1: unknown protocol');
    return data.length >= PROXY_V1_MAX_LENGTH ? invalid('v1: no CRLF within 107 bytes') : INCOMPLETE;
  }
  if (window[lf - 1] !== 0x0d) return invalid('v1: line not terminated by CRLF');
  const length = lf + 1;
  const line = window.toString('latin1', V1_PREFIX.length, lf - 1);
  // The spec lets a sender put anything after UNKNOWN; HAProxy 2.6 itself only sends the bare word.
  if (line === 'UNKNOWN' || line.startsWith('UNKNOWN ')) return { kind: 'ok', version: 1, addresses: undefined, length };
  const fields = line.split(' ');
  if (fields.length !== 5) return invalid('v1: expected protocol, 2 addresses and 2 ports');
  const [proto = '', src = '', dst = '', sport = '', dport = ''] = fields;
  const srcPort = parsePort(sport);
  const dstPort = parsePort(dport);
  if (srcPort === undefined || dstPort === undefined) return invalid('v1: bad port');
  if (proto === 'TCP4') {
    const s = parseIPv4(src);
    const d = parseIPv4(dst);
    if (s === undefined || d === undefined) return invalid('v1: bad IPv4 address');
    const addresses = { family: 'TCP4', srcAddress: formatIPv4(s), srcPort, dstAddress: formatIPv4(d), dstPort } as const;
    return { kind: 'ok', version: 1, addresses, length };
  }
  if (proto === 'TCP6') {
    const s = parseIPv6(src);
    const d = parseIPv6(dst);
    if (s === undefined || d === undefined || src.includes('%') || dst.includes('%')) {
      return invalid('v1: bad IPv6 address');
    }
    const addresses = { family: 'TCP6', srcAddress: formatIPv6(s), srcPort, dstAddress: formatIPv6(d), dstPort } as const;
    return { kind: 'ok', version: 1, addresses, length };
  }
  return invalid('v1: unknown protocol');
}

function parsePort(text: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

function parseV2(data: Buffer): ProxyParseResult {
  const verCmd = data[12];
  if (verCmd !== undefined) {
    if (verCmd >> 4 !== 2) return invalid('v2: unsupported version');
    if ((verCmd & 0x0f) > 1) return invalid('v2: unsupported command');
  }
  if (data.length < PROXY_V2_HEADER_LENGTH) return INCOMPLETE;
  const fam = data[13] ?? 0;
  const length = PROXY_V2_HEADER_LENGTH + data.readUInt16BE(14);
  if (data.length < length) return INCOMPLETE;
  // LOCAL: the sender speaks for itself (HAProxy's health checks); the body is skipped unread, as HAProxy does.
  if (((verCmd ?? 0) & 0x0f) === 0) return { kind: 'ok', version: 2, addresses: undefined, length };
  const addrLen = PP2_ADDRESS_LENGTH[fam >> 4];
  if (addrLen === undefined || (fam & 0x0f) > 2) return invalid('v2: unknown address family or transport');
  if (length - PROXY_V2_HEADER_LENGTH < addrLen) return invalid('v2: address block shorter than its family');
  const tlvError = checkTlvs(data.subarray(0, length), PROXY_V2_HEADER_LENGTH + addrLen);
  if (tlvError !== undefined) return invalid(tlvError);
  return { kind: 'ok', version: 2, addresses: v2Addresses(data, fam), length };
}

/** TCP over IPv4/IPv6 yields addresses; UDP, UNIX and UNSPEC carry nothing a TCP proxy can announce. */
function v2Addresses(data: Buffer, fam: number): ProxyAddresses | undefined {
  const at = PROXY_V2_HEADER_LENGTH;
  if (fam === 0x11) {
    return {
      family: 'TCP4',
      srcAddress: formatIPv4(data, at),
      dstAddress: formatIPv4(data, at + 4),
      srcPort: data.readUInt16BE(at + 8),
      dstPort: data.readUInt16BE(at + 10),
    };
  }
  if (fam === 0x21) {
    return {
      family: 'TCP6',
      srcAddress: formatIPv6(data, at),
      dstAddress: formatIPv6(data, at + 16),
      srcPort: data.readUInt16BE(at + 32),
      dstPort: data.readUInt16BE(at + 34),
    };
  }
  return undefined;
}

/** TLVs must tile the rest of the header exactly; a CRC32C TLV must match the header (HAProxy checks both). */
function checkTlvs(header: Buffer, from: number): string | undefined {
  let at = from;
  while (at < header.length) {
    if (at + 3 > header.length) return 'v2: truncated TLV header';
    const type = header[at] ?? 0;
    const len = header.readUInt16BE(at + 1);
    if (at + 3 + len > header.length) return 'v2: TLV longer than the header';
    if (type === PP2_TYPE_CRC32C) {
      if (len !== 4) return 'v2: CRC32C TLV is not 4 bytes';
      const copy = Buffer.from(header);
      copy.fill(0, at + 3, at + 7);
      if (crc32c(copy) !== header.readUInt32BE(at + 3)) return 'v2: CRC32C mismatch';
    }
    at += 3 + len;
  }
  return undefined;
}

/** What a complete PROXY header gave: the announced addresses (undefined for UNKNOWN/LOCAL), and the client's bytes
 * read past it, which the caller forwards first. */
export interface ProxyHeaderRead {
  readonly addresses: ProxyAddresses | undefined;
  readonly rest: Buffer;
}

/** The error of a connection whose PROXY header is missing, invalid, or never completes: HAProxy closes it. */
export class ProxyHeaderError extends OrcaError {
  /** HAProxy's name for the failure: what its connection error line says (core/log/connection-error.ts). */
  readonly connError: ConnError;
  constructor(detail: string, connError: ConnError, cause?: unknown) {
    super('ORCA_CLIENT_BAD_PROXY_HEADER', `accept-proxy: ${detail}`, cause === undefined ? { detail } : { detail, cause });
    this.connError = connError;
  }
}

/** A ProxyHeaderError; `connError` defaults to an invalid header (the internal errors). */
export function badProxyHeader(detail: string, connError: ConnError = 'proxyInvalid', cause?: unknown): ProxyHeaderError {
  return new ProxyHeaderError(detail, connError, cause);
}

/** HAProxy's name for how a PROXY header wait failed: the error's own, else an invalid header. Pure. */
export function connErrorOf(err: unknown): ConnError {
  return err instanceof ProxyHeaderError ? err.connError : 'proxyInvalid';
}

/** HAProxy's default tune.bufsize: the longest PROXY header it reads (the whole header must fit its buffer). */
export const PROXY_HEADER_MAX_LENGTH = 16384;

/** The details of the waits that end before a header: the connection closed, failed, or sent nothing in time. */
export const PROXY_HEADER_CLOSED = 'connection closed before the PROXY header was complete';
export const PROXY_HEADER_TIMEOUT = 'timeout while waiting for the PROXY header';
export const proxyHeaderSocketError = (err: Error): string =>
  `connection error while waiting for the PROXY header: ${err.message}`;

/**
 * The PROXY header of one connection, read incrementally from whatever delivers its first bytes: an engine's read
 * sink (the bytes sit in the forwarder's shared read buffer) or 'data' events. feed() copies what it keeps, so the
 * span may be overwritten once it returns. One per `accept-proxy` connection, until the header is complete. Any thread.
 */
export class ProxyHeaderReader {
  private readonly maxLength: number;
  private chunks: Buffer[] = [];
  private held = 0;
  /** Bytes received so far of a header still incomplete (HAProxy calls a header cut there "truncated"). */
  get received(): number {
    return this.held;
  }

  /** Bytes needed before parsing again: a v2 header's whole length once its fixed part is known. */
  private need = 1;

  /**
   * `maxLength`: the longest header accepted. HAProxy reads the header into one buffer of tune.bufsize bytes, so a v2
   * header whose length field announces more is refused (measured on 2.6.12: 16,384 bytes in all pass, 16,385 reset).
   */
  constructor(maxLength: number = PROXY_HEADER_MAX_LENGTH) {
    this.maxLength = maxLength;
  }

  /**
   * Takes the next `data` bytes of the connection. undefined while the header is incomplete; the header's outcome once
   * complete (rest: a copy of the bytes past it, possibly empty). Throws OrcaError ORCA_CLIENT_BAD_PROXY_HEADER when
   * the bytes cannot start a PROXY header or the header is invalid. A header dribbled a byte at a time costs linear
   * work: bytes are only joined once enough have come to parse.
   */
  feed(data: Buffer): ProxyHeaderRead | undefined {
    this.chunks.push(Buffer.from(data));
    this.held += data.length;
    if (this.held < this.need) return undefined;
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.held);
    this.chunks = [all];
    // A v1 line is at most 107 bytes; a v2 header announces its length in its 16-byte fixed part.
    const v2 = all.length >= PROXY_V2_HEADER_LENGTH && startsLike(all, PROXY_V2_SIGNATURE);
    const v2Length = v2 ? PROXY_V2_HEADER_LENGTH + all.readUInt16BE(14) : 0;
    if (v2Length > this.maxLength) {
      this.chunks = [];
      throw badProxyHeader(`v2: header of ${v2Length} bytes, longer than the ${this.maxLength}-byte buffer`, 'proxyTruncated');
    }
    const r = parseProxyHeader(all);
    if (r.kind === 'incomplete') {
      this.need = v2 ? v2Length : all.length + 1;
      return undefined;
    }
    this.chunks = [];
    const held = this.held;
    this.held = 0;
    if (r.kind === 'absent') throw badProxyHeader('no PROXY header at the start of the connection', proxyHeaderError('absent', held));
    if (r.kind === 'invalid') throw badProxyHeader(r.reason, 'proxyInvalid');
    return { addresses: r.addresses, rest: all.subarray(r.length) };
  }
}

/**
 * Reads a PROXY header from a freshly accepted socket that delivers 'data' events (`accept-proxy`; engines that
 * read through a sink feed a ProxyHeaderReader themselves). Resolves with the announced addresses and the bytes
 * already read past the header; the socket is left paused. Rejects with OrcaError ORCA_CLIENT_BAD_PROXY_HEADER
 * (detail: why) when the header is absent or invalid, the client closes or errors first, or `timeoutMs` passes
 * (HAProxy bounds this wait by `timeout client`; undefined = no limit); the socket is then destroyed, as HAProxy
 * closes such a connection. Forwarder thread.
 */
export function readProxyHeader(socket: net.Socket, timeoutMs: number | undefined): Promise<ProxyHeaderRead> {
  return new Promise((resolve, reject) => {
    const reader = new ProxyHeaderReader();
    let timer: NodeJS.Timeout | undefined;
    const detach = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.off('close', onEnd);
    };
    const fail = (err: OrcaError): void => {
      detach();
      // Keep a listener: destroy() may still report an error, and an unheard 'error' would kill the thread.
      socket.on('error', () => {});
      socket.destroy();
      reject(err);
    };
    function onData(chunk: Buffer): void {
      let got: ProxyHeaderRead | undefined;
      try {
        got = reader.feed(chunk);
      } catch (err) {
        fail(err instanceof OrcaError ? err : badProxyHeader('internal error while reading the PROXY header', 'proxyInvalid', err));
        return;
      }
      if (got === undefined) return;
      socket.pause();
      detach();
      resolve(got);
    }
    function onEnd(): void {
      fail(badProxyHeader(PROXY_HEADER_CLOSED, proxyHeaderError('closed', reader.received)));
    }
    function onError(err: Error): void {
      fail(badProxyHeader(proxyHeaderSocketError(err), proxyHeaderError('error', reader.received), err));
    }
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
    socket.on('close', onEnd);
    if (timeoutMs !== undefined) timer = setTimeout(() => fail(badProxyHeader(PROXY_HEADER_TIMEOUT, proxyHeaderError('timeout', reader.received))), timeoutMs);
    socket.resume();
  });
}
