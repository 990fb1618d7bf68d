// One parsed HTTP/1 message head as offsets over the Buffer its bytes arrived in (issue 10, design change 2): the
// start line's spans, each header field's name and value spans in one Int32Array, a known-name id per field, and the
// facts framing and the connection mode need (Content-Length, chunked, Connection tokens), so that nothing is decoded
// into strings unless a rule or the balancer reads it. Reused per session or per thread (no allocation per message
// once grown). Forwarder threads, hot path; head-parse.ts fills it, head-edit.ts rewrites from it, head-fetch.ts reads.
// The study (../shared/perf/README.md §2) measured today's string parse + rewrite at 5.8 µs per request+response vs
// 0.3 µs to find both heads' ends: this is the shape that closes that gap.

import { HDR, METHOD, methodId, methodName, type HdrId, type MethodId } from './head-names.js';
import { ParseResume } from './head-resume.js';

/** parseRequest/parseResponse results below zero; a head's length (> 0) otherwise. */
export const HEAD = { INCOMPLETE: -1, ERROR: -2 } as const;

/**
 * Per-field flags. DROPPED: the parser removed it (HAProxy forwards without it). EXTRA: its value lives in `extra`.
 * CANON: its line is `name: value` CRLF exactly as it goes out (one SP, no trailing blank, CRLF), so a writer may copy
 * the line whole and fold the name. CONN_DROP / CONN_TEXT (Connection fields): cleaning the close and keep-alive
 * tokens leaves nothing (drop it) / changes the text (rebuild it); neither: the field stays as it is. APPENDED: a
 * field a rule added (appendField): its name and value live in `extra`, spans absolute there.
 */
export const FIELD = { DROPPED: 1, EXTRA: 2, CANON: 4, CONN_DROP: 8, CONN_TEXT: 16, APPENDED: 32 } as const;

/** How a message's body ends (framing.ts BodyFraming without the error, as numbers). */
export const BODY = { NONE: 0, LENGTH: 1, CHUNKED: 2, UNTIL_CLOSE: 3 } as const;
export type BodyKind = (typeof BODY)[keyof typeof BODY];

/** Transfer-Encoding as read (framing.ts `transfer`): none, chunked last, or no chunked (a response until close). */
export const TRANSFER = { NONE: 0, CHUNKED: 1, OTHER: 2 } as const;
export type TransferKind = (typeof TRANSFER)[keyof typeof TRANSFER];

const EMPTY = Buffer.alloc(0);
// Most heads have under 16 fields; the arrays double up to the tune.http.maxhdr limit when one has more.
const FIRST_FIELDS = 16;

/**
 * A parsed head. Spans of the start line and of names are relative to `base` in `buf`; a value's span is relative to
 * `base` in `buf` too, or absolute in `extra` when its FIELD.EXTRA flag is set (a value HAProxy rewrites: an
 * obs-fold joined, a Host that lost its default port). Valid while buf[base, base + length) keeps these bytes:
 * rebase() moves the head into a session's own buffer before the shared read buffer is reused.
 */
export class HeadView {
  buf: Buffer = EMPTY;
  base = 0;
  /** Bytes from `base` up to and including the final empty line (after a successful parse). */
  length = 0;
  isRequest = true;
  /** The version HAProxy forwards (HTTP/1.2–9.x as 1.1, 0.x as 1.0). */
  version: '1.0' | '1.1' = '1.1';

  // Request line.
  method: MethodId = METHOD.OTHER;
  /** HTTP/2's preface method `PRI`, in any case (HAProxy answers 400 on an h1 bind). */
  isPri = false;
  methodStart = 0;
  methodEnd = 0;
  /** The target as received, or (targetInExtra) its normalised form in `extra` (absolute offsets there). */
  targetStart = 0;
  targetEnd = 0;
  targetInExtra = false;
  /** The method was rewritten (set-method): methodStart/methodEnd are absolute offsets in `extra`. */
  methodInExtra = false;

  // Status line.
  /** The status digits' value modulo 2^16, as HAProxy keeps it. */
  status = 0;
  /** The status digits as received (HAProxy relays `099`, `5`, `1000` as sent). */
  statusStart = 0;
  statusEnd = 0;
  /** The reason phrase, trailing blanks kept (what is forwarded). */
  reasonStart = 0;
  reasonEnd = 0;
  /** The status line was rewritten (set-status): status and reason spans are absolute offsets in `extra`. */
  statusInExtra = false;

  /**
   * The start line is as it goes out (no empty line before it, single SPs, `HTTP/1.x` as forwarded, CRLF): it ends
   * at `startEnd` (relative to base), where the first field line starts.
   */
  startCanon = false;
  startEnd = 0;

  // Header fields, in order; DROPPED ones stay in place, flagged.
  count = 0;
  /** Bit (1 << HdrId) set for each known name seen among the fields: skips the checks a head does not need. */
  seen = 0;
  /** Host fields received (target.ts's rules need a second look only from two). */
  hostCount = 0;
  /** Per field: nameStart, nameEnd, valueStart, valueEnd. */
  spans: Int32Array = new Int32Array(FIRST_FIELDS * 4);
  ids: Uint8Array = new Uint8Array(FIRST_FIELDS);
  flags: Uint8Array = new Uint8Array(FIRST_FIELDS);
  /** Rewritten values and target (rare: folds, default ports); grown on demand. */
  extra: Buffer = EMPTY;
  extraUsed = 0;

  // Facts for framing and the connection mode, over the fields as forwarded.
  /** Content-Length's value, or -1 without one (values above 2^53 lose precision, as in framing.ts). */
  contentLength = -1;
  transfer: TransferKind = TRANSFER.NONE;
  /** Transfer-Encoding came with Content-Length: the connection closes after this exchange (RFC 9112 §6.1). */
  mustClose = false;
  /** Connection tokens (HAProxy's H1_MF_CONN_CLO / _KAL / _UPG). */
  connClose = false;
  connKeepAlive = false;
  connUpgrade = false;
  /** A request's body framing (responses depend on the request: see responseBody() in head-framing.ts). */
  body: BodyKind = BODY.NONE;

  /** Where an INCOMPLETE parse stopped (continueRequest / continueResponse go on from there). */
  readonly resume = new ParseResume();

  /** After HEAD.ERROR: the status HAProxy answers (400, or 422 for `TE: gzip, chunked`) and why. */
  errorStatus: 400 | 422 = 400;
  errorReason = '';

  /** Starts a parse of the bytes at buf[base…]: forgets the previous head (keeps the grown arrays). */
  begin(buf: Buffer, base: number, isRequest: boolean): void {
    this.buf = buf;
    this.base = base;
    this.length = 0;
    this.isRequest = isRequest;
    this.methodInExtra = false;
    this.statusInExtra = false;
    this.count = 0;
    this.seen = 0;
    this.hostCount = 0;
    this.startCanon = false;
    this.extraUsed = 0;
    this.targetInExtra = false;
    this.method = METHOD.OTHER;
    this.isPri = false;
    this.contentLength = -1;
    this.transfer = TRANSFER.NONE;
    this.mustClose = false;
    this.connClose = false;
    this.connKeepAlive = false;
    this.connUpgrade = false;
    this.body = BODY.NONE;
  }

  /** Appends a field (spans relative to base) with its FIELD flags. The caller has checked tune.http.maxhdr. */
  addField(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number, id: HdrId, flags: number): void {
    const i = this.count;
    if (i === this.ids.length) this.grow();
    const s = i * 4;
    this.spans[s] = nameStart;
    this.spans[s + 1] = nameEnd;
    this.spans[s + 2] = valueStart;
    this.spans[s + 3] = valueEnd;
    this.ids[i] = id;
    this.flags[i] = flags;
    this.count = i + 1;
    this.seen |= 1 << id;
    if (id === HDR.HOST) this.hostCount++;
  }

  private grow(): void {
    const n = this.ids.length * 2;
    const spans = new Int32Array(n * 4);
    spans.set(this.spans);
    this.spans = spans;
    const ids = new Uint8Array(n);
    ids.set(this.ids);
    this.ids = ids;
    const flags = new Uint8Array(n);
    flags.set(this.flags);
    this.flags = flags;
  }

  /** Reserves n bytes at the end of `extra`; returns where they start. */
  reserveExtra(n: number): number {
    const at = this.extraUsed;
    if (at + n > this.extra.length) {
      const bigger = Buffer.allocUnsafe(Math.max(256, (at + n) * 2));
      this.extra.copy(bigger, 0, 0, at);
      this.extra = bigger;
    }
    this.extraUsed = at + n;
    return at;
  }

  /** Sets field i's value to a Latin-1 string held in `extra` (a rewritten value). */
  setValueText(i: number, text: string): void {
    const at = this.reserveExtra(text.length);
    this.extra.write(text, at, 'latin1');
    this.spans[i * 4 + 2] = at;
    this.spans[i * 4 + 3] = at + text.length;
    this.flags[i] = ((this.flags[i] ?? 0) | FIELD.EXTRA) & ~FIELD.CANON;
  }

  /**
   * Appends a field a rule added (http-request set-header / add-header), name and value held in `extra`, so that the
   * fetches of later rules see it as HAProxy's do (it edits the message in place). Returns its index.
   */
  appendField(name: string, value: string, id: HdrId): number {
    const i = this.count;
    if (i === this.ids.length) this.grow();
    const at = this.reserveExtra(name.length + value.length);
    this.extra.write(name, at, 'latin1');
    this.extra.write(value, at + name.length, 'latin1');
    const s = i * 4;
    this.spans[s] = at;
    this.spans[s + 1] = at + name.length;
    this.spans[s + 2] = at + name.length;
    this.spans[s + 3] = at + name.length + value.length;
    this.ids[i] = id;
    this.flags[i] = FIELD.APPENDED | FIELD.EXTRA;
    this.count = i + 1;
    this.seen |= 1 << id;
    return i;
  }

  /** Marks field i as no longer forwarded (a rule deleted it): fetches stop seeing it. */
  dropField(i: number): void {
    this.flags[i] = (this.flags[i] ?? 0) | FIELD.DROPPED;
  }

  /** Sets the forwarded target to a Latin-1 string (an absolute-form target that lost its default port). */
  setTargetText(text: string): void {
    const at = this.reserveExtra(text.length);
    this.extra.write(text, at, 'latin1');
    this.targetStart = at;
    this.targetEnd = at + text.length;
    this.targetInExtra = true;
    this.startCanon = false;
  }

  /** Sets the method to a Latin-1 token (http-request set-method); fetches and the writer see the new one. */
  setMethodText(text: string): void {
    const at = this.reserveExtra(text.length);
    this.extra.write(text, at, 'latin1');
    this.methodStart = at;
    this.methodEnd = at + text.length;
    this.methodInExtra = true;
    this.method = methodId(this.extra, at, at + text.length);
    this.startCanon = false;
  }

  /** Sets the status code and reason phrase (http-response set-status); fetches and the writer see the new ones. */
  setStatusText(status: number, reason: string): void {
    const digits = String(status);
    const at = this.reserveExtra(digits.length + reason.length);
    this.extra.write(digits, at, 'latin1');
    this.extra.write(reason, at + digits.length, 'latin1');
    this.statusStart = at;
    this.statusEnd = at + digits.length;
    this.reasonStart = this.statusEnd;
    this.reasonEnd = this.statusEnd + reason.length;
    this.statusInExtra = true;
    this.status = status;
    this.startCanon = false;
  }

  /**
   * Copies the head's bytes (after a parse that returned its length) to dst at `at` and makes the view point there
   * (values in `extra` stay): call it before the buffer the head was parsed from is reused (SocketIo's shared read
   * buffer is valid only during onRead). An unfinished head is the caller's to copy: append its bytes to a session
   * buffer and call continueRequest/continueResponse on that. Returns the position after the copy. Throws
   * RangeError when dst has no room (a caller bug).
   */
  rebase(dst: Buffer, at: number): number {
    if (at + this.length > dst.length) throw new RangeError('rebase: destination too small');
    this.buf.copy(dst, at, this.base, this.base + this.length);
    this.buf = dst;
    this.base = at;
    return at + this.length;
  }

  /** True when field i is forwarded (not dropped by the parser). */
  live(i: number): boolean {
    return ((this.flags[i] ?? 0) & FIELD.DROPPED) === 0;
  }

  /** The buffer holding field i's value: `extra` or `buf`. */
  valueBuf(i: number): Buffer {
    return ((this.flags[i] ?? 0) & FIELD.EXTRA) !== 0 ? this.extra : this.buf;
  }

  /** Absolute offset of field i's value in valueBuf(i). */
  valueStart(i: number): number {
    const v = this.spans[i * 4 + 2] ?? 0;
    return ((this.flags[i] ?? 0) & FIELD.EXTRA) !== 0 ? v : this.base + v;
  }

  valueEnd(i: number): number {
    const v = this.spans[i * 4 + 3] ?? 0;
    return ((this.flags[i] ?? 0) & FIELD.EXTRA) !== 0 ? v : this.base + v;
  }

  /** The buffer holding field i's name: `extra` for a field a rule appended, else `buf`. */
  nameBuf(i: number): Buffer {
    return ((this.flags[i] ?? 0) & FIELD.APPENDED) !== 0 ? this.extra : this.buf;
  }

  /** Absolute offsets of field i's name in nameBuf(i). */
  nameStart(i: number): number {
    const v = this.spans[i * 4] ?? 0;
    return ((this.flags[i] ?? 0) & FIELD.APPENDED) !== 0 ? v : this.base + v;
  }

  nameEnd(i: number): number {
    const v = this.spans[i * 4 + 1] ?? 0;
    return ((this.flags[i] ?? 0) & FIELD.APPENDED) !== 0 ? v : this.base + v;
  }

  /** Field i's name as received (case kept). Allocates a string. */
  nameString(i: number): string {
    return this.nameBuf(i).toString('latin1', this.nameStart(i), this.nameEnd(i));
  }

  /** Field i's value as forwarded (Latin-1). Allocates a string. */
  valueString(i: number): string {
    return this.valueBuf(i).toString('latin1', this.valueStart(i), this.valueEnd(i));
  }

  /** Number of live fields with this known id. */
  countOf(id: HdrId): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.ids[i] === id && this.live(i)) n++;
    return n;
  }

  /** Index of the first live field with this known id, or -1. */
  firstOf(id: HdrId): number {
    for (let i = 0; i < this.count; i++) if (this.ids[i] === id && this.live(i)) return i;
    return -1;
  }

  /** The method as text (no string built for a known method). */
  methodString(): string {
    if (this.methodInExtra) return this.extra.toString('latin1', this.methodStart, this.methodEnd);
    return methodName(this.method) ?? this.buf.toString('latin1', this.base + this.methodStart, this.base + this.methodEnd);
  }

  /** The target as forwarded. Allocates a string. */
  targetString(): string {
    if (this.targetInExtra) return this.extra.toString('latin1', this.targetStart, this.targetEnd);
    return this.buf.toString('latin1', this.base + this.targetStart, this.base + this.targetEnd);
  }

  /** The reason phrase as forwarded. Allocates a string. */
  reasonString(): string {
    if (this.statusInExtra) return this.extra.toString('latin1', this.reasonStart, this.reasonEnd);
    return this.buf.toString('latin1', this.base + this.reasonStart, this.base + this.reasonEnd);
  }

  /** The status digits as received. Allocates a string. */
  statusDigits(): string {
    if (this.statusInExtra) return this.extra.toString('latin1', this.statusStart, this.statusEnd);
    return this.buf.toString('latin1', this.base + this.statusStart, this.base + this.statusEnd);
  }
}
