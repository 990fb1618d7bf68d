// The response a rule gives in place of the server's (HAProxy 2.6 §4.2 deny, tarpit, auth, redirect, return; the
// http-response deny): its status, its head up to (not including) the Connection field and the final empty line, its
// body, and whether the client connection closes after it. The session adds the Connection value its mode calls for
// (HAProxy appends `connection: close` / `keep-alive` last) and writes the bytes. One RuleAnswer per session (or per
// thread), refilled by whichever rule answers. Forwarder threads; only requests that are answered pay for it.

import { responseConnValue } from '../l7-connection-mode.js';

const EMPTY = Buffer.alloc(0);
const CLOSE_LINE = Buffer.from('connection: close\r\n\r\n', 'latin1');
const KEEP_ALIVE_LINE = Buffer.from('connection: keep-alive\r\n\r\n', 'latin1');
const END = Buffer.from('\r\n', 'latin1');

/** An answer, as the rule that fired left it. */
export class RuleAnswer {
  /** The status sent (0 before a rule answered). */
  status = 0;
  /** `HTTP/1.1 <status> <reason>\r\n` and the header lines, lower-case names, without Connection nor the empty line. */
  head: Buffer = EMPTY;
  body: Buffer = EMPTY;
  /**
   * The client connection closes after the answer whatever its mode says: HAProxy does so after a 400 or 408 page
   * (measured on 2.6.12: `deny_status 400` adds `connection: close` to a keep-alive exchange), and after a raw
   * errorfile, which it cannot amend.
   */
  close = false;
  /** `head` + `body` are an errorfile sent byte for byte (no Connection field added). */
  raw = false;
  /** The answer is a denial (deny, tarpit): the stats count it in dreq. */
  denied = false;

  /** Refills the answer. The buffers are kept, not copied: pass ones built at compile time or for this request. */
  set(status: number, head: Buffer, body: Buffer, close = false, raw = false): void {
    this.status = status;
    this.head = head;
    this.body = body;
    this.close = close || status === 400 || status === 408;
    this.raw = raw;
    this.denied = false;
  }

  /** Forgets the last answer (between two requests). */
  clear(): void {
    this.set(0, EMPTY, EMPTY);
    this.close = false;
  }

  /**
   * The complete bytes with `Connection: <connection>` (none when undefined) appended to the head, as HAProxy writes
   * it. A raw answer is returned as it is. Allocates the result.
   */
  bytes(connection: string | undefined): Buffer {
    if (this.raw) return Buffer.concat([this.head, this.body]);
    const tail = connection === undefined ? END : connection === 'close' ? CLOSE_LINE : connection === 'keep-alive' ? KEEP_ALIVE_LINE : Buffer.from(`connection: ${connection}\r\n\r\n`, 'latin1');
    return Buffer.concat([this.head, tail, this.body]);
  }

  /**
   * The bytes for a request of `requestVersion` on a client connection that `clientClose` (its mode, its
   * Connection header) or this answer closes: HAProxy's h1_update_res_conn_value choice (`close` for a closing
   * HTTP/1.1 answer, `keep-alive` to an HTTP/1.0 client that stays). Allocates the result.
   */
  toBytes(requestVersion: '1.0' | '1.1', clientClose: boolean): Buffer {
    return this.bytes(responseConnValue(clientClose || this.close, '1.1', requestVersion));
  }

  /** True when the client connection must close after the answer (`clientClose` as in toBytes()). */
  closes(clientClose: boolean): boolean {
    return clientClose || this.close || this.raw;
  }
}
