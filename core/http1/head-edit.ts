// The outgoing form of one parsed head (HeadView), built as bytes: the start line and every forwarded field copied
// span by span from the received bytes, names folded to lower case while copying (HAProxy's HTX keeps them so), and
// only what HAProxy rewrites changed: fields dropped or given a new value in place, fields appended (rules,
// X-Forwarded-For, cookies), the Connection value of the connection mode. Output is byte for byte what today's
// serialiser writes for the same rewrites (parser.ts serialize*Head after l7-connection-mode.ts / header-rules.ts:
// tests/http1/head-edit-differential.test.ts). Forwarder threads, once per message (hot path); one HeadEdit per
// session or per thread, reused: nothing is allocated unless a value is rewritten.

import { copyLower, copySpan, spanIs, writeLatin1 } from './head-bytes.js';
import { HDR, headerIdOf, type HdrId } from './head-names.js';
import { FIELD, type HeadView } from './head-view.js';
import type { HeaderField } from './header-list.js';

const CRLF = '\r\n';
/** Per original field: forwarded as parsed, dropped, or forwarded with `values[i]`. */
const KEEP = 0;
const DROP = 1;
const REPLACE = 2;

/**
 * A rewrite of `view` in progress. Fields are numbered 0 … count-1: the view's own first (dropped ones included, so
 * indexes match the view's), then the appended ones. Call begin() for each message; the view must keep its bytes
 * until write() (rebase it first if its buffer is about to be reused).
 */
export class HeadEdit {
  private view: HeadView | undefined;
  /** The view's field count when begin() ran. */
  private own = 0;
  private state: Uint8Array = new Uint8Array(16);
  private readonly values: string[] = [];
  private readonly addNames: string[] = [];
  private readonly addValues: string[] = [];
  private addLive: Uint8Array = new Uint8Array(8);
  private added = 0;

  /** Starts the outgoing form of `view`: every field the parser forwards, as it came. Allocates nothing once grown. */
  begin(view: HeadView): void {
    this.view = view;
    const n = view.count;
    if (this.state.length < n) this.state = new Uint8Array(Math.max(n, this.state.length * 2));
    for (let i = 0; i < n; i++) this.state[i] = view.live(i) ? KEEP : DROP;
    this.own = n;
    this.added = 0;
  }

  /** The head being rewritten (undefined before begin()): the rules edit its start line in place. */
  get source(): HeadView | undefined {
    return this.view;
  }

  private get head(): HeadView {
    if (this.view === undefined) throw new Error('HeadEdit used before begin()');
    return this.view;
  }

  /** Fields numbered so far (the view's plus appended ones, dropped ones included). */
  get count(): number {
    return this.own + this.added;
  }

  /** True when field i goes out. */
  isLive(i: number): boolean {
    return i < this.own ? this.state[i] !== DROP : this.addLive[i - this.own] === 1;
  }

  /** True when field i's name is `lower` (a lower-case name), compared case-insensitively. `id`: its HDR id if known. */
  nameIs(i: number, lower: string, id: HdrId = headerIdOf(lower)): boolean {
    if (i >= this.own) return (this.addNames[i - this.own] ?? '').toLowerCase() === lower;
    const v = this.head;
    if (id !== HDR.OTHER) return v.ids[i] === id;
    return spanIs(v.nameBuf(i), v.nameStart(i), v.nameEnd(i), lower);
  }

  /** Field i's name as it will be written before folding (as received, or as appended). Allocates. */
  name(i: number): string {
    return i < this.own ? this.head.nameString(i) : (this.addNames[i - this.own] ?? '');
  }

  /** Field i's value as it will go out. Allocates a string for a value taken from the received bytes. */
  value(i: number): string {
    if (i >= this.own) return this.addValues[i - this.own] ?? '';
    return this.state[i] === REPLACE ? (this.values[i] ?? '') : this.head.valueString(i);
  }

  drop(i: number): void {
    if (i < this.own) this.state[i] = DROP;
    else this.addLive[i - this.own] = 0;
  }

  /** Gives field i a new value (Latin-1), in place. */
  setValue(i: number, value: string): void {
    if (i >= this.own) {
      this.addValues[i - this.own] = value;
      return;
    }
    this.state[i] = REPLACE;
    this.values[i] = value;
  }

  /** Appends a field (a rule's, X-Forwarded-For, a cookie); its name goes out in lower case. Returns its index. */
  append(name: string, value: string): number {
    const j = this.added;
    if (j === this.addLive.length) {
      const bigger = new Uint8Array(j * 2);
      bigger.set(this.addLive);
      this.addLive = bigger;
    }
    this.addNames[j] = name;
    this.addValues[j] = value;
    this.addLive[j] = 1;
    this.added = j + 1;
    return this.own + j;
  }

  /** Drops every live field named `lower` (case-insensitive; header-rules.ts del-header / set-header). */
  dropNamed(lower: string): void {
    const id = headerIdOf(lower);
    for (let i = 0; i < this.count; i++) if (this.isLive(i) && this.nameIs(i, lower, id)) this.drop(i);
  }

  /** Index of the first live field named `lower`, or -1 (header-list.ts headerValue() !== undefined). */
  find(lower: string): number {
    const id = headerIdOf(lower);
    for (let i = 0; i < this.count; i++) if (this.isLive(i) && this.nameIs(i, lower, id)) return i;
    return -1;
  }

  /**
   * l7-connection-mode.ts cleanConnection: the `close` and `keep-alive` tokens leave every Connection field (its
   * tokens trimmed, empty ones gone, the rest joined with ", "); a field left empty is dropped. A field holding one
   * other token is kept as its bytes; `Connection: keep-alive` (nginx, browsers) is dropped without a string.
   */
  cleanConnection(): void {
    const v = this.head;
    if ((v.seen & (1 << HDR.CONNECTION)) === 0 && this.added === 0) return;
    for (let i = 0; i < this.count; i++) {
      if (!this.isLive(i) || !this.nameIs(i, 'connection', HDR.CONNECTION)) continue;
      if (i >= this.own || this.state[i] === REPLACE) {
        this.cleanText(i, this.value(i));
        continue;
      }
      // The parser judged each Connection field already (head-checks.ts readConnectionTokens).
      const f = v.flags[i] ?? 0;
      if ((f & FIELD.CONN_DROP) !== 0) this.drop(i);
      else if ((f & FIELD.CONN_TEXT) !== 0) this.cleanText(i, v.valueString(i));
    }
  }

  /** cleanConnection on a value held as text (an appended or already rewritten Connection field; rare). */
  private cleanText(i: number, value: string): void {
    const kept = value
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '' && !/^(close|keep-alive)$/i.test(t));
    if (kept.length === 0) this.drop(i);
    else this.setValue(i, kept.join(', '));
  }

  /** Drops Content-Length and Transfer-Encoding (parser.ts withoutFramingFields: a status under 100's head). */
  dropFramingFields(): void {
    for (let i = 0; i < this.count; i++) {
      if (!this.isLive(i)) continue;
      if (this.nameIs(i, 'content-length', HDR.CONTENT_LENGTH) || this.nameIs(i, 'transfer-encoding', HDR.TRANSFER_ENCODING)) this.drop(i);
    }
  }

  /**
   * l7-connection-mode.ts withConnection: the first live Connection field takes `value` (its name written
   * `connection`), or `connection: value` is appended; nothing when `value` is undefined or the message asks for an
   * upgrade (HAProxy's h1_update_*_conn_value return early on H1_MF_CONN_UPG).
   */
  setConnection(value: string | undefined, upgrade: boolean): void {
    if (value === undefined || upgrade) return;
    const i = this.find('connection');
    if (i < 0) {
      this.append('connection', value);
      return;
    }
    if (i >= this.own) this.addNames[i - this.own] = 'connection';
    this.setValue(i, value);
  }

  /** The live fields as parser.ts objects (names before folding), for the string-based helpers. Allocates. */
  fields(): HeaderField[] {
    const out: HeaderField[] = [];
    for (let i = 0; i < this.count; i++) if (this.isLive(i)) out.push({ name: this.name(i), value: this.value(i) });
    return out;
  }

  /** How many header lines the outgoing head has (the stats count heads by it). Allocates nothing. */
  liveCount(): number {
    let n = 0;
    for (let i = 0; i < this.own; i++) if (this.state[i] !== DROP) n++;
    for (let j = 0; j < this.added; j++) if (this.addLive[j] === 1) n++;
    return n;
  }

  /** The exact size of the outgoing head in bytes (what write() writes). */
  byteLength(): number {
    const v = this.head;
    let n: number;
    if (v.isRequest) {
      // "METHOD SP target SP HTTP/1.x CRLF"
      n = v.methodEnd - v.methodStart + 1 + v.targetEnd - v.targetStart + 11;
    } else {
      // "HTTP/1.x SP status SP reason CRLF"
      n = 9 + v.statusEnd - v.statusStart + 1 + v.reasonEnd - v.reasonStart + 2;
    }
    for (let i = 0; i < this.own; i++) {
      const st = this.state[i];
      if (st === DROP) continue;
      const valueLength = st === REPLACE ? (this.values[i] ?? '').length : v.valueEnd(i) - v.valueStart(i);
      n += v.nameEnd(i) - v.nameStart(i) + 2 + valueLength + 2;
    }
    for (let j = 0; j < this.added; j++) {
      if (this.addLive[j] !== 1) continue;
      n += (this.addNames[j] ?? '').toLowerCase().length + 2 + (this.addValues[j] ?? '').length + 2;
    }
    return n + 2;
  }

  /**
   * Writes the outgoing head into out[at…] and returns its length, or -1 (nothing written) when out has no room
   * for byteLength() bytes from `at`. Runs of lines that go out as they came (FIELD.CANON, kept, adjacent) leave in
   * one copy and get their names folded in place; the rest is written piece by piece. Never throws; allocates
   * nothing unless an appended name needs folding.
   */
  write(out: Buffer, at: number): number {
    const v = this.head;
    const length = this.byteLength();
    if (at < 0 || at + length > out.length) return -1;
    const base = v.base;
    let p = at;
    // The run of received bytes to copy as they are: [runStart, runEnd), and the first field inside it.
    let runStart = -1;
    let runEnd = -1;
    let runFirst = 0;
    if (v.startCanon) {
      runStart = base;
      runEnd = base + v.startEnd;
    } else {
      p = this.writeStartLine(out, p);
    }
    for (let i = 0; i < this.own; i++) {
      const st = this.state[i];
      if (st === DROP) continue;
      const ns = v.nameStart(i);
      if (st === KEEP && ((v.flags[i] ?? 0) & FIELD.CANON) !== 0) {
        if (ns !== runEnd) {
          p = this.flush(out, p, runStart, runEnd, runFirst, i);
          runStart = ns;
          runFirst = i;
        }
        runEnd = base + (v.spans[i * 4 + 3] ?? 0) + 2;
        continue;
      }
      p = this.flush(out, p, runStart, runEnd, runFirst, i);
      runStart = -1;
      runEnd = -1;
      p = copyLower(v.nameBuf(i), ns, v.nameEnd(i), out, p);
      out[p++] = 0x3a;
      out[p++] = 0x20;
      p = st === REPLACE ? writeLatin1(this.values[i] ?? '', out, p) : copySpan(v.valueBuf(i), v.valueStart(i), v.valueEnd(i), out, p);
      out[p++] = 0x0d;
      out[p++] = 0x0a;
    }
    p = this.flush(out, p, runStart, runEnd, runFirst, this.own);
    for (let j = 0; j < this.added; j++) {
      if (this.addLive[j] !== 1) continue;
      p = writeLatin1((this.addNames[j] ?? '').toLowerCase(), out, p);
      out[p++] = 0x3a;
      out[p++] = 0x20;
      p = writeLatin1(this.addValues[j] ?? '', out, p);
      p = writeLatin1(CRLF, out, p);
    }
    out[p++] = 0x0d;
    out[p++] = 0x0a;
    return p - at;
  }

  /** Copies a run of received lines to out[p…] and folds the names of its kept fields first … last-1. */
  private flush(out: Buffer, p: number, runStart: number, runEnd: number, first: number, last: number): number {
    if (runStart < 0) return p;
    const v = this.head;
    copySpan(v.buf, runStart, runEnd, out, p);
    const shift = p - runStart;
    for (let i = first; i < last; i++) {
      if (this.state[i] !== KEEP) continue;
      const e = v.nameEnd(i) + shift;
      for (let k = v.nameStart(i) + shift; k < e; k++) {
        const c = out[k] ?? 0;
        // Names are tokens: only A–Z fold.
        if (c >= 0x41 && c <= 0x5a) out[k] = c + 0x20;
      }
    }
    return p + runEnd - runStart;
  }

  /** The start line written from its parts (it did not come as it goes out). */
  private writeStartLine(out: Buffer, p: number): number {
    const v = this.head;
    const buf = v.buf;
    const base = v.base;
    if (v.isRequest) {
      p = v.methodInExtra ? copySpan(v.extra, v.methodStart, v.methodEnd, out, p) : copySpan(buf, base + v.methodStart, base + v.methodEnd, out, p);
      out[p++] = 0x20;
      p = v.targetInExtra ? copySpan(v.extra, v.targetStart, v.targetEnd, out, p) : copySpan(buf, base + v.targetStart, base + v.targetEnd, out, p);
      return writeLatin1(v.version === '1.1' ? ' HTTP/1.1\r\n' : ' HTTP/1.0\r\n', out, p);
    }
    p = writeLatin1(v.version === '1.1' ? 'HTTP/1.1 ' : 'HTTP/1.0 ', out, p);
    // A rewritten status line (set-status) lives in `extra` with absolute offsets.
    const sb = v.statusInExtra ? v.extra : buf;
    const sbase = v.statusInExtra ? 0 : base;
    p = copySpan(sb, sbase + v.statusStart, sbase + v.statusEnd, out, p);
    out[p++] = 0x20;
    p = copySpan(sb, sbase + v.reasonStart, sbase + v.reasonEnd, out, p);
    out[p++] = 0x0d;
    out[p++] = 0x0a;
    return p;
  }

  /** The outgoing head in a new Buffer (tests, rare paths). */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.byteLength());
    this.write(out, 0);
    return out;
  }
}
