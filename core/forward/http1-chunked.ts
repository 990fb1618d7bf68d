// Incremental scanner for a chunked message body (RFC 9112 §7.1): finds where the body ends without touching the
// bytes, so the forwarder can relay them as they came. Strictness follows HAProxy 2.6 (src/h1.c h1_parse_chunk_size,
// h1_parse_msg_tlrs), measured on 2.6.12. One instance per message body, on the forwarder thread that owns it.

import { TOKEN_CHAR } from './http-header-list.js';

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

// A chunk size is kept in a double; 2^52 leaves room to detect the overflow before precision is lost. HAProxy keeps
// 64 bits, so sizes in [2^52, 2^64) are refused here and accepted there (no real body is that large).
const MAX_CHUNK = 2 ** 52;

export type ChunkedPush = { readonly consumed: number; readonly done: boolean } | { readonly error: string };

/**
 * Feed body bytes in order with `push`. Each call answers how many bytes of `chunk` belong to the body (all of them
 * until the end is found; then up to and including the final CRLF, the rest is the next message) and whether the end
 * was reached, or an error: a size that is not hex or overflows, junk after the size, a lone CR, data not followed
 * by CRLF, a trailer line that is not `token: value` (HAProxy answers 400 to each). After `done` or an error every
 * push repeats that answer without consuming. Accepted like HAProxy: BWS and extensions after the size, lone LF line
 * ends, leading zeros. Never throws; allocates nothing per push beyond the result object.
 */
export class ChunkedScanner {
  private state: State = S.SIZE_FIRST;
  private size = 0;
  private remaining = 0;
  private trailerBytes = 0;
  private sawTrailer = false;
  private errorText = '';
  private readonly maxTrailerBytes: number;

  /** `maxTrailerBytes`: the trailer section must fit in HAProxy's buffer (tune.bufsize) like a head does. */
  constructor(maxTrailerBytes = 16384) {
    this.maxTrailerBytes = maxTrailerBytes;
  }

  push(chunk: Buffer): ChunkedPush {
    if (this.state === S.DONE) return { consumed: 0, done: true };
    if (this.state === S.ERROR) return { error: this.errorText };
    const end = chunk.length;
    let i = 0;
    while (i < end) {
      if (this.state === S.DATA) {
        // The bulk of a body: skip the data bytes without looking at them.
        const take = Math.min(this.remaining, end - i);
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = S.DATA_END;
        continue;
      }
      const c = chunk[i] ?? 0;
      i++;
      if (!this.step(c)) return { error: this.errorText };
      // step() may have moved the state on; re-read it (TypeScript still narrows it from the checks above).
      if ((this.state as State) === S.DONE) return { consumed: i, done: true };
    }
    return { consumed: end, done: false };
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
        // Extensions are not interpreted, but a CR must still start the line end.
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
    if (++this.trailerBytes > this.maxTrailerBytes) return this.fail('trailers too large');
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
