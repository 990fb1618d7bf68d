// Moves one HTTP/1 message body from a SocketReader to a socket as the bytes arrive, never holding it whole: the
// framing (Content-Length, chunked, until close) only says where the body ends (RFC 9112 §6.3); chunked bytes are
// forwarded untouched, ChunkedScanner just finds the last chunk. Forwarder threads; backpressure via writeAll.

import type net from 'node:net';
import { ChunkedScanner, type BodyFraming } from './http1-parser.js';
import { writeAll, type SocketReader } from './l7-socket-reader.js';

/** How a body transfer ended: 'done', or which side failed (the session then closes both). */
export type BodyOutcome = 'done' | 'src-timeout' | 'src-closed' | 'dst-failed' | 'bad-chunk';

export interface BodyTimeouts {
  /** Idle limit while waiting for bytes from the source (`timeout client` or `timeout server`). */
  readonly read: number | undefined;
  /** Limit for the destination to drain a full buffer (the other side's timeout). */
  readonly write: number | undefined;
}

/**
 * Forwards the body framed by `framing` from `src` to `dst`. Bytes past the body's end stay queued in `src` (a
 * pipelined request). 'until-close' ends with 'done' at the source's FIN. `onBytes` counts forwarded bytes.
 * Resolves with the outcome; never rejects.
 */
export async function pipeBody(
  src: SocketReader,
  dst: net.Socket,
  framing: BodyFraming,
  t: BodyTimeouts,
  onBytes?: (n: number) => void,
): Promise<BodyOutcome> {
  if (framing.kind === 'none' || framing.kind === 'error') return 'done';
  const scanner = framing.kind === 'chunked' ? new ChunkedScanner() : undefined;
  let left = framing.kind === 'length' ? framing.length : Infinity;
  while (left > 0) {
    const got = await src.wait(t.read);
    if (got === 'timeout') return 'src-timeout';
    if (got !== 'data') return framing.kind === 'until-close' && got === 'end' ? 'done' : 'src-closed';
    let part: Buffer;
    let finished = false;
    if (scanner !== undefined) {
      const scan = scanner.push(src.peek());
      if ('error' in scan) return 'bad-chunk';
      part = src.take(scan.consumed);
      finished = scan.done;
    } else {
      part = src.take(left);
      left -= part.length;
    }
    if (part.length > 0) {
      onBytes?.(part.length);
      if (!(await writeAll(dst, part, t.write))) return 'dst-failed';
    }
    if (finished) return 'done';
  }
  return 'done';
}
