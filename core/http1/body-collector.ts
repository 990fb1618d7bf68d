// A whole HTTP/1 message body gathered in memory as its bytes arrive (RFC 9112 §6.3, §7.1): framed by
// requestFraming()/responseFraming() and de-chunked by the same ChunkedScanner the forwarders run. For small messages
// read whole, such as `option httpchk` responses (manual §4.2 http-check expect); the health-check thread uses it. Not
// for the forwarding path, which streams bodies (core/forward/l7-body-relay.ts).

import { ChunkedScanner, newChunkSink, sinkData } from './chunked.js';
import type { BodyFraming } from './framing.js';

/**
 * Feed the bytes after the head in order with push(); read the decoded payload, whether the body's end was found,
 * and the decoding error if any. The caller bounds how many bytes it pushes: the collector keeps every payload byte
 * it is given, as views of the pushed buffers (which must not change afterwards). One instance per message; any
 * thread; never throws.
 */
export class BodyCollector {
  private readonly framing: Exclude<BodyFraming, { readonly kind: 'error' }>;
  private readonly scanner: ChunkedScanner | undefined;
  private readonly parts: Buffer[] = [];
  /** Payload bytes still expected for a Content-Length body. */
  private remaining: number;
  private ended: boolean;
  private failure: string | undefined;

  /** `framing` as requestFraming()/responseFraming() returned it; an 'error' framing has no body to collect. */
  constructor(framing: Exclude<BodyFraming, { readonly kind: 'error' }>) {
    this.framing = framing;
    this.scanner = framing.kind === 'chunked' ? new ChunkedScanner() : undefined;
    this.remaining = framing.kind === 'length' ? framing.length : 0;
    this.ended = framing.kind === 'none';
  }

  /** Body bytes in arrival order. Bytes after the body's end (a next message) are ignored. */
  push(bytes: Buffer): void {
    if (this.ended || this.failure !== undefined || bytes.length === 0) return;
    switch (this.framing.kind) {
      case 'length': {
        const take = Math.min(this.remaining, bytes.length);
        this.parts.push(bytes.subarray(0, take));
        this.remaining -= take;
        this.ended = this.remaining === 0;
        return;
      }
      case 'until-close':
        this.parts.push(bytes);
        return;
      case 'chunked': {
        const sink = newChunkSink();
        const step = this.scanner?.push(bytes, sink) ?? { error: 'no chunked decoder' };
        if ('error' in step) {
          this.failure = step.error;
          return;
        }
        for (const data of sinkData(bytes, sink)) this.parts.push(data);
        this.ended = step.done;
        return;
      }
      case 'none':
        return;
    }
  }

  /** The payload decoded so far (de-chunked). Allocates one buffer per call when the body came in several parts. */
  payload(): Buffer {
    if (this.parts.length === 1) return this.parts[0] ?? Buffer.alloc(0);
    return Buffer.concat(this.parts);
  }

  /** The body's end was found (Content-Length reached, last chunk and trailers read, or no body at all). */
  get complete(): boolean {
    return this.ended;
  }

  /** Why decoding stopped (ChunkedScanner's error text), or undefined. */
  get error(): string | undefined {
    return this.failure;
  }
}
