// Moves one HTTP/1 message body from a SocketReader to a socket as the bytes arrive, never holding it whole: the
// framing (Content-Length, chunked, until close) says where the body ends (RFC 9112 §6.3). A chunked body is decoded
// and re-chunked canonically as HAProxy 2.6 does (one chunk per read, upper-case hex size, no extensions, trailers
// re-serialised), so odd chunk syntax never reaches the other side's parser. Forwarder threads; hot path (once per
// read of every body); backpressure via writeAll.

import type net from 'node:net';
import { CHUNK_LINE_TOO_LONG, ChunkedScanner, TRAILERS_TOO_LARGE, newChunkSink, sinkData } from '../http1/chunked.js';
import { parseTrailerSection, type ParseLimits } from '../http1/parser.js';
import type { BodyFraming } from '../http1/framing.js';
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


/**
 * Waits for bytes from `src` for up to `limit` ms of inactivity, where progress reported by `activity` counts too.
 * Resolves like SocketReader.wait. Never rejects.
 */
async function waitActive(
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
    let parts: Buffer[];
    let finished = false;
    if (scanner !== undefined) {
      const next = rechunk(scanner, src, o);
      if (next === undefined) return 'bad-chunk';
      parts = next.parts;
      finished = next.done;
    } else {
      const part = src.take(left);
      left -= part.length;
      parts = [part];
    }
    let bytes = 0;
    for (const p of parts) bytes += p.length;
    if (bytes > 0) {
      o.onBytes?.(bytes);
      if (!(await writeAll(dst, parts, o.timeouts.write))) return 'dst-failed';
    }
    if (finished) return 'done';
  }
  return 'done';
}

const CRLF = Buffer.from('\r\n', 'latin1');

/**
 * Decodes what `src` holds of a chunked body and builds its canonical form: "SIZE\r\n" (upper-case hex, as haproxy
 * 2.6.12 writes it), the data of every chunk seen in this read, "\r\n"; at the end "0\r\n", the trailers, "\r\n".
 * undefined on a malformed body. The bytes are consumed from `src`; `parts` is empty when nothing is to be written.
 * Hot path: the data of a read holding one or two runs (large chunks) goes out as views, no copy (writeAll corks the
 * parts into one writev); more runs (small chunks) were gathered into one buffer by the scanner.
 */
function rechunk(scanner: ChunkedScanner, src: SocketReader, o: BodyPipeOptions): { parts: Buffer[]; done: boolean } | undefined {
  const input = src.peek();
  const sink = newChunkSink();
  const scan = scanner.push(input, sink);
  if ('error' in scan) return undefined;
  src.consume(scan.consumed);
  const parts: Buffer[] = [];
  const data = sinkData(input, sink);
  let size = 0;
  for (const d of data) size += d.length;
  if (size > 0) {
    if (o.unchunk !== true) parts.push(Buffer.from(`${size.toString(16).toUpperCase()}\r\n`, 'latin1'));
    parts.push(...data);
    if (o.unchunk !== true) parts.push(CRLF);
  }
  if (scan.done) {
    const trailers = parseTrailerSection(scanner.trailers(), o.limits);
    if (typeof trailers !== 'string') return undefined;
    if (o.unchunk !== true) parts.push(Buffer.from(`0\r\n${trailers}`, 'latin1'));
  }
  return { parts, done: scan.done };
}

/**
 * How HAProxy judges the chunked body bytes that arrived with a head, before it forwards that head: 'ok' so far;
 * 'malformed' (bad syntax, too many trailers: its HTTP/1 layer refuses the message, a request gets the early 400);
 * 'too-large' (a chunk-size line or trailer section that cannot fit in its buffer: the proxy layer refuses it, a
 * request gets the proxy's 400 format). A trailer section that fits raw but is too large once parsed passes here and
 * is refused while the body is forwarded (as haproxy 2.6.12 does: the server gets the head first). Pure; the scan looks
 * at the size lines only, not the data (on the hot path once per chunked message, over the bytes of its first read).
 */
export function checkBufferedChunks(buffered: Buffer, limits: ParseLimits): 'ok' | 'malformed' | 'too-large' {
  const scanner = new ChunkedScanner();
  const scan = scanner.push(buffered);
  if ('error' in scan) return scan.error === CHUNK_LINE_TOO_LONG || scan.error === TRAILERS_TOO_LARGE ? 'too-large' : 'malformed';
  if (!scan.done) return 'ok';
  const trailers = parseTrailerSection(scanner.trailers(), limits);
  return typeof trailers === 'string' || trailers.error === TRAILERS_TOO_LARGE ? 'ok' : 'malformed';
}
