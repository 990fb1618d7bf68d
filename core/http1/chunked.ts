// Incremental decoder for a chunked message body (RFC 9112 §7.1): finds where the body ends and, when asked, hands out
// the chunk data (as views of the input, no copy) and the raw trailer section, so the forwarder re-chunks the body
// canonically as HAProxy 2.6 does instead of relaying extensions and odd line ends to the other side. Strictness and
// limits follow HAProxy 2.6 (src/h1.c), measured on 2.6.12. One instance per message body, on the forwarder thread
// that owns it (or the health-check thread reading a check response); push() runs once per socket read of a chunked
// body (hot path: data bytes are skipped, not looked at).

import { TOKEN_CHAR } from './header-list.js';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
const SEMI = 0x3b;

// Scanner states. A state names what the next byte must be.
const S = {
  SIZE_FIRST: 0, // first hex digit of a chunk size
  SIZE: 1, // further hex digits, BWS, ';' or the line end
  SIZE_BWS: 2, // after SP/HTAB following the size: more BWS, ';' or the line end
  EXT: 3, // chunk extension: anything up to the line end
  SIZE_LF: 4, // CR seen at the end of the size line
  DATA: 5, // chunk data; `remaining` bytes left
  DATA_END: 6, // CR LF (or a lone LF) after the data
  DATA_LF: 7, // CR seen after the data
  TRAILER_START: 8, // first byte of a trailer line, or of the final empty line
  TRAILER_NAME: 9, // field-name bytes up to ':'
  TRAILER_VALUE: 10, // field-value bytes up to the line end
  TRAILER_LF: 11, // CR seen at the end of a trailer line
  FINAL_LF: 12, // CR seen on the final empty line
  DONE: 13,
  ERROR: 14,
} as const;
type State = (typeof S)[keyof typeof S];

/** HEX digit value per byte, -1 for others. */
const HEX: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let i = 0; i < 10; i++) t[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[0x41 + i] = 10 + i;
    t[0x61 + i] = 10 + i;
  }
  return t;
})();

// A chunk size is kept in a double. haproxy 2.6.12 accepts fffffffffffff (2^52 - 1) and refuses 10000000000000 (2^52)
// with a 400 (measured), the same bound.
const MAX_CHUNK = 2 ** 52;
/**
 * Longest chunk-size line, extensions and line end included. HAProxy needs the whole line in its input buffer, which
 * keeps 64 of tune.bufsize's bytes spare: measured on 2.6.12, `5;` + 16316 bytes + CRLF passes and one more byte is a
 * 400 (a 64 KB extension is refused, not handed to the server's own parser).
 */
const MAX_SIZE_LINE = 16384 - 64;
/** The trailer section must fit in the input buffer too (its parsed size is checked by parseTrailerSection). */
const MAX_TRAILER_BYTES = 16384 - 64;

/** The error text of a chunk-size line longer than MAX_SIZE_LINE (HAProxy refuses it at its proxy layer). */
export const CHUNK_LINE_TOO_LONG = 'chunk size line too long';
/** The error text of a trailer section over its raw or parsed size limit (refused at HAProxy's proxy layer too). */
export const TRAILERS_TOO_LARGE = 'trailers too large';

/**
 * The chunk data one push() passed over. Up to two runs are left in place (`from`..`to`, `from2`..`to2` in the
 * pushed buffer, `copy` undefined): large chunks rarely put more than the end of one and the start of the next in a
 * read, and they go out as views, no copy. More runs (small chunks) are gathered into `copy` (`len` bytes).
 */
export interface ChunkSink {
  copy: Buffer | undefined;
  len: number;
  from: number;
  to: number;
  from2: number;
  to2: number;
}

/** A fresh sink for one push(). */
export function newChunkSink(): ChunkSink {
  return { copy: undefined, len: 0, from: 0, to: 0, from2: 0, to2: 0 };
}

/** The data a push of `pushed` reported in `sink`: views of `pushed` (empty ones left out), or the gathered copy. */
export function sinkData(pushed: Buffer, sink: ChunkSink): Buffer[] {
  if (sink.copy !== undefined) return [sink.copy.subarray(0, sink.len)];
  const out: Buffer[] = [];
  if (sink.to > sink.from) out.push(pushed.subarray(sink.from, sink.to));
  if (sink.to2 > sink.from2) out.push(pushed.subarray(sink.from2, sink.to2));
  return out;
}

// Data runs up to this size are copied byte by byte: a native copy call costs more than the loop for tiny chunks (a
// body of 1-byte chunks is 10,000 runs per 64 KB read).
const SMALL_RUN = 64;

export type ChunkedPush = { readonly consumed: number; readonly done: boolean } | { readonly error: string };

/**
 * Feed body bytes in order with `push`. Each call answers how many bytes of `chunk` belong to the body (all of them
 * until the end is found; then up to and including the final CRLF, the rest is the next message) and whether the end
 * was reached, or an error: a size that is not hex or overflows, junk after the size, a size line longer than
 * HAProxy's buffer allows, a lone CR, data not followed by CRLF, a trailer line that is not `token: value`, trailers
 * over the buffer (HAProxy answers 400 to each). After `done` or an error every push repeats that answer without
 * consuming. Accepted like HAProxy: BWS and extensions after the size, lone LF line ends, leading zeros. With a
 * `sink`, push reports the chunk data it passes over there (see ChunkSink); the trailer section is kept and read
 * with trailers() once done. Never throws; allocates nothing per push beyond the result object (and, with a sink, one
 * buffer when the data came in several runs; the trailer text, if any).
 */
export class ChunkedScanner {
  private state: State = S.SIZE_FIRST;
  private size = 0;
  private remaining = 0;
  private lineBytes = 0;
  private trailerBytes = 0;
  private sawTrailer = false;
  private errorText = '';
  private trailerText = '';

  push(chunk: Buffer, sink?: ChunkSink): ChunkedPush {
    if (this.state === S.DONE) return { consumed: 0, done: true };
    if (this.state === S.ERROR) return { error: this.errorText };
    const end = chunk.length;
    let i = 0;
    // Start of trailer bytes within this chunk, copied into trailerText when the push ends; -1: not in trailers.
    let trailerFrom = this.state >= S.TRAILER_START ? 0 : -1;
    // Bytes of the current size line so far, in a local: a field update in step() costs every chunk ~30 ns (measured
    // with native-bench-style min-of-15 runs on 1-byte chunks), the local nothing.
    let line = this.lineBytes;
    // The data seen, kept in locals and stored into `sink` on the way out (fields would cost every chunk).
    let runs = 0;
    let from = 0;
    let to = 0;
    let from2 = 0;
    let to2 = 0;
    let out: Buffer | undefined;
    let len = 0;
    while (i < end) {
      if (this.state === S.DATA) {
        // The bulk of a body: skip the data bytes without looking at them.
        const take = Math.min(this.remaining, end - i);
        if (sink !== undefined) {
          if (runs === 0) {
            from = i;
            to = i + take;
          } else if (runs === 1) {
            from2 = i;
            to2 = i + take;
          } else {
            // A third run: from here on the data is gathered (it never exceeds the pushed bytes).
            if (out === undefined) {
              out = Buffer.allocUnsafe(end);
              len = chunk.copy(out, 0, from, to);
              len += chunk.copy(out, len, from2, to2);
            }
            if (take > SMALL_RUN) len += chunk.copy(out, len, i, i + take);
            else for (let k = i; k < i + take; k++) out[len++] = chunk[k] ?? 0;
          }
          runs++;
        }
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = S.DATA_END;
        continue;
      }
      if (this.state === S.EXT) {
        // An extension is skipped up to its line end in one loop, counted against the size line's bound (the
        // per-byte path below would cost every chunk of every body a counter update).
        const from = i;
        while (i < end && chunk[i] !== CR && chunk[i] !== LF) i++;
        line += i - from;
        if (line > MAX_SIZE_LINE) {
          this.fail(CHUNK_LINE_TOO_LONG);
          return { error: this.errorText };
        }
        if (i >= end) break;
      }
      if (this.state < S.DATA) {
        if (++line > MAX_SIZE_LINE) {
          this.fail(CHUNK_LINE_TOO_LONG);
          return { error: this.errorText };
        }
      } else {
        line = 0;
      }
      const c = chunk[i] ?? 0;
      i++;
      if (!this.step(c)) return { error: this.errorText };
      // step() may have moved the state on; re-read it (TypeScript still narrows it from the checks above).
      const now = this.state as State;
      if (trailerFrom < 0 && now >= S.TRAILER_START) trailerFrom = i;
      if (now === S.DONE) {
        this.keepTrailers(chunk, trailerFrom, i);
        if (sink !== undefined) report(sink, out, len, from, to, from2, to2);
        return { consumed: i, done: true };
      }
    }
    if (trailerFrom >= 0) this.keepTrailers(chunk, trailerFrom, end);
    this.lineBytes = line;
    if (sink !== undefined) report(sink, out, len, from, to, from2, to2);
    return { consumed: end, done: false };
  }

  /**
   * The trailer section as received (Latin-1), from after the last chunk's size line up to and including the final
   * empty line (alone when there are no trailers); meaningful once done.
   */
  trailers(): string {
    return this.trailerText;
  }

  private keepTrailers(chunk: Buffer, from: number, to: number): void {
    if (from >= 0 && to > from) this.trailerText += chunk.toString('latin1', from, to);
  }

  private fail(reason: string): false {
    this.state = S.ERROR;
    this.errorText = reason;
    return false;
  }

  /** One byte outside chunk data. Returns false on error. */
  private step(c: number): boolean {
    switch (this.state) {
      case S.SIZE_FIRST: {
        const d = HEX[c] ?? -1;
        if (d < 0) return this.fail('chunk size is not a hex number');
        this.size = d;
        this.state = S.SIZE;
        return true;
      }
      case S.SIZE: {
        const d = HEX[c] ?? -1;
        if (d >= 0) {
          this.size = this.size * 16 + d;
          return this.size < MAX_CHUNK || this.fail('chunk size overflow');
        }
        return this.afterSize(c);
      }
      case S.SIZE_BWS:
        return this.afterSize(c);
      case S.EXT:
        // Extensions are not interpreted, but a CR must still start the line end (push() skips the rest of them).
        if (c === CR) this.state = S.SIZE_LF;
        else if (c === LF) this.endSizeLine();
        return true;
      case S.SIZE_LF:
        if (c !== LF) return this.fail('CR without LF after chunk size');
        this.endSizeLine();
        return true;
      case S.DATA_END:
        if (c === CR) this.state = S.DATA_LF;
        else if (c === LF) this.state = S.SIZE_FIRST;
        else return this.fail('chunk data not followed by CRLF');
        return true;
      case S.DATA_LF:
        if (c !== LF) return this.fail('chunk data not followed by CRLF');
        this.state = S.SIZE_FIRST;
        return true;
      default:
        return this.trailerStep(c);
    }
  }

  private afterSize(c: number): boolean {
    if (c === SP || c === HTAB) this.state = S.SIZE_BWS;
    else if (c === SEMI) this.state = S.EXT;
    else if (c === CR) this.state = S.SIZE_LF;
    else if (c === LF) this.endSizeLine();
    else return this.fail('junk after chunk size');
    return true;
  }

  private endSizeLine(): void {
    if (this.size === 0) {
      this.state = S.TRAILER_START;
    } else {
      this.remaining = this.size;
      this.state = S.DATA;
    }
  }

  /** Trailer section: `token ":" value` lines up to an empty line, as HAProxy checks header lines. */
  private trailerStep(c: number): boolean {
    if (++this.trailerBytes > MAX_TRAILER_BYTES) return this.fail(TRAILERS_TOO_LARGE);
    switch (this.state) {
      case S.TRAILER_START:
        if (c === CR) this.state = S.FINAL_LF;
        else if (c === LF) this.state = S.DONE;
        else if (TOKEN_CHAR[c] === 1) this.state = S.TRAILER_NAME;
        // obs-fold continues the previous trailer (HAProxy 2.6 accepts it and unfolds; we forward it as received).
        else if ((c === SP || c === HTAB) && this.sawTrailer) this.state = S.TRAILER_VALUE;
        else return this.fail('invalid trailer line');
        return true;
      case S.TRAILER_NAME:
        if (c === COLON) {
          this.state = S.TRAILER_VALUE;
          this.sawTrailer = true;
        }
        else if (TOKEN_CHAR[c] !== 1) return this.fail('invalid character in trailer name');
        return true;
      case S.TRAILER_VALUE:
        if (c === CR) this.state = S.TRAILER_LF;
        else if (c === LF) this.state = S.TRAILER_START;
        return true;
      case S.TRAILER_LF:
        if (c !== LF) return this.fail('CR without LF in trailer');
        this.state = S.TRAILER_START;
        return true;
      case S.FINAL_LF:
        if (c !== LF) return this.fail('CR without LF at end of trailers');
        this.state = S.DONE;
        return true;
      default:
        return this.fail('scanner in an impossible state');
    }
  }
}

function report(sink: ChunkSink, copy: Buffer | undefined, len: number, from: number, to: number, from2: number, to2: number): void {
  sink.copy = copy;
  sink.len = len;
  sink.from = from;
  sink.to = to;
  sink.from2 = from2;
  sink.to2 = to2;
}
