// Moves one HTTP/1 message body from a SocketReader to a socket as the bytes arrive, never holding it whole: the
// framing (Content-Length, chunked, until close) says where the body ends (RFC 9112 §6.3). A chunked body is decoded
// and re-chunked canonically as HAProxy 2.6 does (one chunk per read, upper-case hex size, no extensions, trailers
// re-serialised), so odd chunk syntax never reaches the other side's parser. Forwarder threads; hot path (once per
// read of every body); backpressure via writeAll.

import type net from 'node:net';
import {
  CHUNK_LINE_TOO_LONG,
  ChunkedScanner,
  parseTrailerSection,
  TRAILERS_TOO_LARGE,
  type BodyFraming,
  type ParseLimits,
} from './http1-parser.js';
import { writeAll, type SocketReader } from './l7-socket-reader.js';

/** How a body transfer ended: 'done', or which side failed (the session then closes both). */
export type BodyOutcome = 'done' | 'src-timeout' | 'src-closed' | 'dst-failed' | 'bad-chunk';

export interface BodyTimeouts {
  /** Idle limit while waiting for bytes from the source (`timeout client` or `timeout server`). */
  readonly read: number | undefined;
  /** Limit for the destination to drain a full buffer (the other side's timeout). */
  readonly write: number | undefined;
}

export interface BodyPipeOptions {
  readonly timeouts: BodyTimeouts;
  /** Counts the bytes written to `dst`. */
  readonly onBytes?: (n: number) => void;
  /**
   * A chunked body goes out as plain bytes: its message lost its Transfer-Encoding on the way (HAProxy strips it from a
   * response whose status is under 100 and sends the decoded data as is).
   */
  readonly unchunk?: boolean;
  /**
   * When the other direction of the same transaction last made progress (performance.now()). HAProxy counts a request
   * body still flowing to the server as activity on the response side: a read wait that passes its limit goes on while
   * this moved within the limit.
   */
  readonly activity?: () => number;
  /** tune.bufsize / tune.http.maxhdr for the trailer section. */
  readonly limits: ParseLimits;
}

const CRLF = Buffer.from('\r\n', 'latin1');

/**
 * Waits for bytes from `src` for up to `limit` ms of inactivity, where progress reported by `activity` counts too.
 * Resolves like SocketReader.wait. Never rejects.
 */
export async function waitActive(
  src: SocketReader,
  limit: number | undefined,
  activity: (() => number) | undefined,
  more = false,
): Promise<'data' | 'end' | 'timeout' | 'error'> {
  let left = limit;
  for (;;) {
    const got = await src.wait(left, more);
    if (got !== 'timeout' || limit === undefined || activity === undefined) return got;
    // Timed out on this side: only the other direction's progress since then can keep the transaction alive.
    left = activity() + limit - performance.now();
    if (left <= 0) return 'timeout';
  }
}

/**
 * Forwards the body framed by `framing` from `src` to `dst`. Bytes past the body's end stay queued in `src` (a
 * pipelined request). 'until-close' ends with 'done' at the source's FIN. Resolves with the outcome; never rejects.
 */
export async function pipeBody(src: SocketReader, dst: net.Socket, framing: BodyFraming, o: BodyPipeOptions): Promise<BodyOutcome> {
  if (framing.kind === 'none' || framing.kind === 'error') return 'done';
  const scanner = framing.kind === 'chunked' ? new ChunkedScanner() : undefined;
  let left = framing.kind === 'length' ? framing.length : Infinity;
  while (left > 0) {
    const got = await waitActive(src, o.timeouts.read, o.activity);
    if (got === 'timeout') return 'src-timeout';
    if (got !== 'data') return framing.kind === 'until-close' && got === 'end' ? 'done' : 'src-closed';
    let part: Buffer | undefined;
    let finished = false;
    if (scanner !== undefined) {
      const next = rechunk(scanner, src, o);
      if (next === undefined) return 'bad-chunk';
      part = next.part;
      finished = next.done;
    } else {
      part = src.take(left);
      left -= part.length;
    }
    if (part !== undefined && part.length > 0) {
      o.onBytes?.(part.length);
      if (!(await writeAll(dst, part, o.timeouts.write))) return 'dst-failed';
    }
    if (finished) return 'done';
  }
  return 'done';
}

/**
 * Decodes what `src` holds of a chunked body and builds its canonical form: "SIZE\r\n" (upper-case hex, as haproxy
 * 2.6.12 writes it), the data of every chunk seen in this read, "\r\n"; at the end "0\r\n", the trailers, "\r\n".
 * undefined on a malformed body. The bytes are consumed from `src`; `part` is undefined when nothing is to be written.
 */
function rechunk(scanner: ChunkedScanner, src: SocketReader, o: BodyPipeOptions): { part: Buffer | undefined; done: boolean } | undefined {
  const data: Buffer[] = [];
  const scan = scanner.push(src.peek(), data);
  if ('error' in scan) return undefined;
  src.consume(scan.consumed);
  let size = 0;
  for (const d of data) size += d.length;
  const parts: Buffer[] = [];
  if (size > 0 && o.unchunk !== true) parts.push(Buffer.from(`${size.toString(16).toUpperCase()}\r\n`, 'latin1'));
  if (size > 0) parts.push(...data);
  if (size > 0 && o.unchunk !== true) parts.push(CRLF);
  if (scan.done) {
    const trailers = parseTrailerSection(scanner.trailers(), o.limits);
    if (typeof trailers !== 'string') return undefined;
    if (o.unchunk !== true) parts.push(Buffer.from(`0\r\n${trailers}`, 'latin1'));
  }
  const part = parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : Buffer.concat(parts);
  return { part, done: scan.done };
}

/**
 * How HAProxy judges the chunked body bytes that arrived with a head, before it forwards that head: 'ok' so far;
 * 'malformed' (bad syntax, too many trailers: its HTTP/1 layer refuses the message, a request gets the early 400);
 * 'too-large' (a chunk-size line or trailer section that cannot fit in its buffer: the proxy layer refuses it, a
 * request gets the proxy's 400 format). A trailer section that fits raw but is too large once parsed passes here and
 * is refused while the body is forwarded (as haproxy 2.6.12 does: the server gets the head first). Pure; allocates the data views of one scan.
 */
export function checkBufferedChunks(buffered: Buffer, limits: ParseLimits): 'ok' | 'malformed' | 'too-large' {
  const scanner = new ChunkedScanner();
  const scan = scanner.push(buffered, []);
  if ('error' in scan) return scan.error === CHUNK_LINE_TOO_LONG || scan.error === TRAILERS_TOO_LARGE ? 'too-large' : 'malformed';
  if (!scan.done) return 'ok';
  const trailers = parseTrailerSection(scanner.trailers(), limits);
  return typeof trailers === 'string' || trailers.error === TRAILERS_TOO_LARGE ? 'ok' : 'malformed';
}
