// Writing a traffic log line's pieces straight into bytes (the forwarder's log ring, core/shared/log-ring.ts), so a
// line costs no JS string per field, no concatenation and no UTF-8 encoding of the whole line: numbers as ASCII
// digits, texts one char at a time (ASCII; UTF-8 through Buffer.write from the first char past 0x7f), the request
// line escaped as it is copied (HAProxy's `#XX`, manual §8.2.4 "+E"/§8.6), dates from a per-second cache. The bytes
// are those of the string CompiledLogLine.build() makes, UTF-8 encoded (tests/log/line-bytes.test.ts compares them).
// Forwarder threads; once per logged line. Every writer writes the bytes of its text up to `limit` and no further:
// a line that does not fit is its first `limit` bytes (an escape or a UTF-8 char may be split there, as a target's
// `len` splits them), never more.

import type { LogRecord } from './log-record.js';
import { dayTime } from './log-vars.js';

/** Writes `text` at out[pos…limit): its end. ASCII by hand, the rest (from the first non-ASCII char) as UTF-8. */
export function writeText(out: Buffer, pos: number, limit: number, text: string): number {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return writeUtf8(out, pos, limit, i === 0 ? text : text.slice(i));
    if (pos >= limit) return pos;
    out[pos++] = c;
  }
  return pos;
}

/** The UTF-8 of `text` at out[pos…limit), its first bytes when it does not fit (Buffer.write stops at a char). */
function writeUtf8(out: Buffer, pos: number, limit: number, text: string): number {
  const room = limit - pos;
  if (room <= 0) return pos;
  const n = out.write(text, pos, room, 'utf8');
  if (n === room || n === Buffer.byteLength(text, 'utf8')) return pos + n;
  // Cut inside a char: its first bytes too (rare: a line past its limit; allocates).
  Buffer.from(text, 'utf8').copy(out, pos, 0, room);
  return limit;
}

/** Writes the decimal text of `n` (as String(n) would) at out[pos…limit): its end. No allocation for integers. */
export function writeNumber(out: Buffer, pos: number, limit: number, n: number): number {
  if (!Number.isSafeInteger(n)) return writeText(out, pos, limit, String(n));
  let v = n;
  if (v < 0) {
    if (pos >= limit) return pos;
    out[pos++] = 0x2d;
    v = -v;
  }
  let digits = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
  if (pos + digits > limit) return writeText(out, pos, limit, String(v));
  const end = pos + digits;
  for (let i = end - 1; i >= pos; i--) {
    out[i] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  return end;
}

const HEX = '0123456789ABCDEF';

/**
 * Writes the request line's latin1 bytes src[0, length) (LogRecord.requestLineBytes) with HAProxy's `#XX` for what a
 * log line must not carry raw: controls, DEL and 8-bit bytes, `"` and `#` (core/log/log-vars.ts escapeRequest's set).
 * No string at all.
 */
export function writeEscapedBytes(out: Buffer, pos: number, limit: number, src: Buffer, length: number): number {
  for (let i = 0; i < length; i++) {
    const c = src[i] ?? 0;
    if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x23) {
      if (pos + 3 > limit) return writeText(out, pos, limit, `#${HEX[c >> 4] ?? ''}${HEX[c & 15] ?? ''}`);
      out[pos] = 0x23;
      out[pos + 1] = HEX.charCodeAt(c >> 4);
      out[pos + 2] = HEX.charCodeAt(c & 15);
      pos += 3;
    } else {
      if (pos >= limit) return pos;
      out[pos++] = c;
    }
  }
  return pos;
}

/** The local calendar text of one second (`03/Dec/2026:18:12:22`), kept until the clock leaves that second. */
const dateCache = { second: -1, local: '' };
const scratchDate = new Date(0);

/**
 * Writes %t (`request` false: the accept date) or %tr (true: the request's, an HTTP one's) of `rec`:
 * `03/Dec/2026:18:12:22.123`, local time, the second's text cached. The date is read here, not handed in: an epoch
 * ms is no small integer, and a call would box it (an allocation per line).
 */
export function writeLocalDate(out: Buffer, pos: number, limit: number, rec: LogRecord, request: boolean): number {
  const epochMs = request && rec.http ? rec.requestDate : rec.acceptDate;
  const second = Math.floor(epochMs / 1000);
  if (second !== dateCache.second) {
    scratchDate.setTime(second * 1000);
    dateCache.second = second;
    dateCache.local = dayTime(scratchDate, false);
  }
  pos = writeText(out, pos, limit, dateCache.local);
  const millis = Math.floor(epochMs) % 1000;
  if (pos + 4 > limit) return writeText(out, pos, limit, `.${String(millis).padStart(3, '0')}`);
  out[pos] = 0x2e;
  out[pos + 1] = 0x30 + Math.floor(millis / 100);
  out[pos + 2] = 0x30 + (Math.floor(millis / 10) % 10);
  out[pos + 3] = 0x30 + (millis % 10);
  return pos + 4;
}
