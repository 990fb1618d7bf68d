// One HTTP/1 message body moving from one socket to the other as its bytes are read, never held whole: the framing
// (Content-Length, chunked, until close; RFC 9112 §6.3) says where it ends. A chunked body is decoded and re-chunked
// canonically as HAProxy 2.6 does (one chunk per read, upper-case hex size, no extensions, trailers re-serialised), so
// odd chunk syntax never reaches the other side's parser. Forwarder threads; hot path (once per read of every body).
//
// Design (../shared/perf/README.md §2, §5): bytes go from the thread's shared read buffer straight to the kernel with a
// try-write (SocketIo.write), and a head the engine wrote leaves in the same write as the body bytes that came with
// it (OutBuffer). One relay object per direction per session, reused for every message (no object per request).

import type net from 'node:net';
import { CHUNK_LINE_TOO_LONG, ChunkedScanner, TRAILERS_TOO_LARGE, newChunkSink, type ChunkSink } from '../http1/chunked.js';
import type { HeadEdit } from '../http1/head-edit.js';
import { BODY, type BodyKind } from '../http1/head-view.js';
import { parseTrailerSection, type ParseLimits } from '../http1/parser.js';
import type { SocketIo } from '../io/socket-io.js';
import { HEAD_LIMITS } from './l7-limits.js';
import type { OutBuffer } from './l7-scratch.js';

const CRLF = '\r\n';

/**
 * The body of the message in flight in one direction. begin() for each message; push() for each span of bytes read;
 * the fields after a push say what happened.
 */
export class BodyRelay {
  private kind: BodyKind = BODY.NONE;
  private left = 0;
  private scanner: ChunkedScanner | undefined = undefined;
  private readonly sink: ChunkSink = newChunkSink();
  /** The message lost its Transfer-Encoding (a response under 100): the decoded data goes out as is. */
  private unchunk = false;
  /** The body is complete. */
  done = true;
  /** The last write was queued: stop reading the source until the destination's 'drain'. */
  blocked = false;
  /** Body bytes the last push wrote (chunk framing included, the head prefix not): for the traffic counters. */
  written = 0;
  /**
   * What HAProxy's stats count for the last push (server bin/bout, measured on 2.6.12): the head as OutBuffer
   * headStatBytes counts it, plus the body's data bytes (without chunk framing).
   */
  sent = 0;
  /** Body data bytes of the last push (no head, no chunk framing): a request's bin. */
  data = 0;

  /**
   * Starts a message whose body is `kind` (head-view.ts BODY; `length` bytes for LENGTH, where 0 means none).
   * `unchunk`: the message lost its Transfer-Encoding, its chunked body goes out decoded.
   */
  begin(kind: BodyKind, length: number, unchunk: boolean): void {
    this.kind = kind;
    this.unchunk = unchunk;
    this.blocked = false;
    this.written = 0;
    this.scanner = kind === BODY.CHUNKED ? new ChunkedScanner() : undefined;
    this.left = kind === BODY.LENGTH ? length : 0;
    this.done = kind === BODY.NONE || (kind === BODY.LENGTH && length <= 0);
  }

  /** The source sent its FIN: true when that completes the body (a response read until close). */
  endsAtFin(): boolean {
    if (this.kind !== BODY.UNTIL_CLOSE) return false;
    this.done = true;
    return true;
  }

  /**
   * Forwards to `dst` what src[start, end) holds of the body, with `prefix` (a head: an edit in progress, or its bytes)
   * in front in the same write; with no body bytes at hand the prefix goes alone. Returns how many bytes of src belong to the body (what
   * follows is the next message), or -1 when a chunked body is malformed (nothing more is written). `src` may be the
   * shared read buffer: nothing of it is kept. Sets done, blocked and written.
   */
  push(io: SocketIo, out: OutBuffer, dst: net.Socket, src: Buffer, start: number, end: number, prefix: HeadEdit | Buffer | undefined): number {
    this.written = 0;
    this.sent = 0;
    this.data = 0;
    this.blocked = false;
    if (this.kind === BODY.CHUNKED) return this.pushChunked(io, out, dst, src, start, end, prefix);
    let take = 0;
    if (!this.done) {
      take = this.kind === BODY.LENGTH ? Math.min(this.left, end - start) : end - start;
      if (this.kind === BODY.LENGTH) {
        this.left -= take;
        if (this.left === 0) this.done = true;
      }
    }
    this.written = take;
    this.data = take;
    if (prefix === undefined) {
      // The bulk path: straight from the read buffer to the kernel.
      if (take > 0) this.blocked = !io.write(dst, src, start, start + take);
      this.sent = take;
      return take;
    }
    out.reset();
    out.prefix(prefix);
    this.sent = out.headStatBytes(out.length) + take;
    out.bytes(src, start, start + take);
    this.blocked = !out.flush(io, dst);
    return take;
  }

  private pushChunked(
    io: SocketIo,
    out: OutBuffer,
    dst: net.Socket,
    src: Buffer,
    start: number,
    end: number,
    prefix: HeadEdit | Buffer | undefined,
  ): number {
    const scanner = this.scanner as ChunkedScanner;
    const view = src.subarray(start, end);
    const scan = scanner.push(view, this.sink);
    if ('error' in scan) return -1;
    out.reset();
    if (prefix !== undefined) out.prefix(prefix);
    const headLength = out.length;
    const headStat = prefix === undefined ? 0 : out.headStatBytes(headLength);
    const sink = this.sink;
    const size = sink.copy !== undefined ? sink.len : sink.to - sink.from + (sink.to2 - sink.from2);
    if (size > 0) {
      if (!this.unchunk) out.text(`${size.toString(16).toUpperCase()}${CRLF}`);
      if (sink.copy !== undefined) out.bytes(sink.copy, 0, sink.len);
      else {
        out.bytes(view, sink.from, sink.to);
        out.bytes(view, sink.from2, sink.to2);
      }
      if (!this.unchunk) out.text(CRLF);
    }
    if (scan.done) {
      const trailers = parseTrailerSection(scanner.trailers(), HEAD_LIMITS);
      if (typeof trailers !== 'string') return -1;
      if (!this.unchunk) out.text(`0${CRLF}${trailers}`);
      this.done = true;
    }
    this.written = out.length - headLength;
    this.sent = headStat + size;
    this.data = size;
    this.blocked = out.length > 0 && !out.flush(io, dst);
    return scan.consumed;
  }
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
