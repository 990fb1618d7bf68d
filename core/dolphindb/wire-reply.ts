// Reply framing of the DolphinDB API (protocol notes §4): optional `MSG\n<text>\0` print chunks, then
// `<sid> <count> <endian>\n`, a status line (`OK` or the error text) and `count` objects. The writer serves the
// emulated node; the incremental parser serves the DolphinDB health check and tests. Any thread.

import type { DdbObject } from './objects.js';
import { decodeObject } from './object-decoder.js';
import { encodeObject } from './object-encoder.js';
import { DdbWireError } from './wire-error.js';

/** `<sid> 0|1 1\nOK\n` + the object, if any. Endian is always 1 (little): Java insists on a 1-character field. */
export function encodeReply(sessionId: string, object?: DdbObject): Buffer {
  const head = Buffer.from(`${sessionId} ${object === undefined ? 0 : 1} 1\nOK\n`, 'latin1');
  return object === undefined ? head : Buffer.concat([head, encodeObject(object)]);
}

/**
 * An error reply: `<sid> 0 1\n<message>\n`. Newlines in the message become spaces, since a newline would end
 * the status line early and the rest would be read as an object.
 */
export function encodeErrorReply(sessionId: string, message: string): Buffer {
  return Buffer.from(`${sessionId} 0 1\n${message.replace(/[\r\n]+/g, ' ')}\n`, 'utf8');
}

/** One `print` chunk, sent before the reply it belongs to (API2 requests). NULs are dropped: NUL ends the chunk. */
export function encodeMessageChunk(text: string): Buffer {
  return Buffer.from(`MSG\n${text.replaceAll('\0', '')}\0`, 'utf8');
}

export type DdbReply =
  | { readonly kind: 'ok'; readonly sessionId: string; readonly object: DdbObject | undefined }
  | { readonly kind: 'error'; readonly sessionId: string; readonly message: string };

export type ReplyStep =
  | { readonly kind: 'message'; readonly text: string }
  | { readonly kind: 'reply'; readonly reply: DdbReply }
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'error'; readonly error: DdbWireError };

export interface ReplyParserOptions {
  /** Longest header or status line (default 64 KiB: error texts can be long). */
  readonly maxLineBytes?: number;
  /** Longest `print` chunk (default 1 MiB). */
  readonly maxMessageBytes?: number;
}

const HEAD_RE = /^(\d{1,20}) (\d{1,10}) ([01])$/;
const MSG_TAG = Buffer.from('MSG\n', 'latin1');

function bad(message: string): DdbWireError {
  return new DdbWireError(message, { side: 'server' });
}

/**
 * Incremental reply parser for one connection. push() appends bytes; next() returns a print chunk, a whole reply,
 * 'incomplete', or an error (sticky: the stream is lost after it). Never throws.
 */
export class ReplyParser {
  private buf: Buffer = Buffer.alloc(0);
  private failed: DdbWireError | undefined;
  private readonly maxLine: number;
  private readonly maxMessage: number;

  constructor(options: ReplyParserOptions = {}) {
    this.maxLine = options.maxLineBytes ?? 64 * 1024;
    this.maxMessage = options.maxMessageBytes ?? 1024 * 1024;
  }

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  get buffered(): number {
    return this.buf.length;
  }

  next(): ReplyStep {
    if (this.failed !== undefined) return { kind: 'error', error: this.failed };
    try {
      return this.step();
    } catch (error) {
      this.failed = error instanceof DdbWireError ? error : bad(`unparsable reply: ${String(error)}`);
      return { kind: 'error', error: this.failed };
    }
  }

  /** Index of the `\n` ending the line that starts at `from`, or -1 while it has not arrived. */
  private lineEnd(from: number): number {
    const nl = this.buf.indexOf(0x0a, from);
    if (nl > from + this.maxLine || (nl < 0 && this.buf.length - from > this.maxLine)) {
      throw bad(`reply line longer than ${this.maxLine} bytes`);
    }
    return nl;
  }

  private step(): ReplyStep {
    const buf = this.buf;
    const prefix = Math.min(buf.length, MSG_TAG.length);
    if (buf.subarray(0, prefix).equals(MSG_TAG.subarray(0, prefix))) {
      if (buf.length < MSG_TAG.length) return { kind: 'incomplete' };
      const nul = buf.indexOf(0, MSG_TAG.length);
      if (nul < 0) {
        if (buf.length - MSG_TAG.length > this.maxMessage) throw bad(`print message longer than ${this.maxMessage} bytes`);
        return { kind: 'incomplete' };
      }
      this.buf = buf.subarray(nul + 1);
      return { kind: 'message', text: buf.toString('utf8', MSG_TAG.length, nul) };
    }
    const headEnd = this.lineEnd(0);
    if (headEnd < 0) {
      // Fail early on bytes that cannot start a header (a session id is decimal).
      if (buf.length > 0 && !/^\d/.test(buf.toString('latin1', 0, 1))) throw bad('reply does not start with a session id');
      return { kind: 'incomplete' };
    }
    const head = buf.toString('latin1', 0, headEnd);
    const m = HEAD_RE.exec(head);
    if (m === null) throw bad(`bad reply header ${JSON.stringify(head.slice(0, 80))}`);
    const [, sessionId = '0', countText, endian] = m;
    const count = Number(countText);
    if (count > 1) throw bad(`reply with ${count} objects (expected 0 or 1)`);
    const statusEnd = this.lineEnd(headEnd + 1);
    if (statusEnd < 0) return { kind: 'incomplete' };
    const status = buf.toString('utf8', headEnd + 1, statusEnd);
    if (status !== 'OK') {
      // Clients stop at the status line of an error and read no object; so do we.
      this.buf = buf.subarray(statusEnd + 1);
      return { kind: 'reply', reply: { kind: 'error', sessionId, message: status } };
    }
    let object: DdbObject | undefined;
    let end = statusEnd + 1;
    if (count === 1) {
      const decoded = decodeObject(buf, end, { littleEndian: endian === '1', side: 'server' });
      if (decoded.kind === 'incomplete') return { kind: 'incomplete' };
      object = decoded.value;
      end = decoded.end;
    }
    this.buf = buf.subarray(end);
    return { kind: 'reply', reply: { kind: 'ok', sessionId, object } };
  }
}

/**
 * Parses one whole WebSocket message: a print chunk or a complete reply. Throws DdbWireError otherwise.
 */
export function parseReplyMessage(message: Buffer): Exclude<ReplyStep, { kind: 'incomplete' } | { kind: 'error' }> {
  const parser = new ReplyParser();
  parser.push(message);
  const step = parser.next();
  if (step.kind === 'error') throw step.error;
  if (step.kind === 'incomplete') throw bad('message ends inside the reply');
  return step;
}
