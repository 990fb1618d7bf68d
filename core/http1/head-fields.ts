// The header field block of an HTTP/1 head (RFC 9112 §5: field lines, obs-fold, the final empty line) scanned into a
// HeadView, with parser.ts's exact rules and reasons, resumable at any byte (head-resume.ts), and HAProxy's HTX size
// rule. Forwarder threads, per message head (hot path): one pass over the bytes, nothing allocated unless a fold joins.

import { copySpan, skipBlanks, trimBlanksEnd } from './head-bytes.js';
import { headerId } from './head-names.js';
import { PHASE, STAGE, type ParseResume, type Phase } from './head-resume.js';
import { FIELD, type HeadView } from './head-view.js';
import { TOKEN_CHAR } from './header-list.js';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
/** Step results below zero: more bytes needed, or refused (the reason is in failure()). */
export const NEED = -1;
export const BAD = -2;

// Why a step answered BAD. Parsing is synchronous on one thread, so one slot is enough.
let failed = '';

/** Records why the head is refused; returns BAD. */
export function bad(reason: string): number {
  failed = reason;
  return BAD;
}

/** The reason of the last BAD. */
export function failure(): string {
  return failed;
}

/** At a CR or LF: the position after the line end, NEED, or BAD for a CR not followed by LF. */
export function lineEnd(buf: Buffer, p: number, cap: number): number {
  if (buf[p] === LF) return p + 1;
  if (p + 1 >= cap) return NEED;
  return buf[p + 1] === LF ? p + 2 : bad('CR not followed by LF');
}

// Values longer than this (cookies, tokens, padding) are searched natively: a JS loop costs ~1 ns a byte, a native
// search ~50 ns a call and then runs at memchr speed.
const LONG_VALUE = 256;
// The first CR longLine() saw before the LF it returned (or before `cap`), or -1.
let longLineCr = -1;

/** The LF at or after `from` within `cap` (cap when none), noting the first CR before it in longLineCr. */
function longLine(buf: Buffer, from: number, cap: number): number {
  const window = buf.subarray(from, cap);
  const lf = window.indexOf(LF);
  const end = lf < 0 ? cap - from : lf;
  const cr = window.indexOf(CR);
  longLineCr = cr >= 0 && cr < end ? from + cr : -1;
  return from + end;
}

// Where the joined text of the field being folded starts in view.extra. Meaningful while that field carries
// FIELD.EXTRA (only folds set it during a parse); written only on folds, so the common line touches no module state.
let joined = -1;

/**
 * Field lines from r.line (or from where r says a previous call stopped) up to and including the empty line, into
 * view's fields. Folded lines (obs-fold) are joined the way parser.ts joins them (each line end of the fold becomes
 * one space per byte of the fold line's own line end, then the value is trimmed), into view.extra. Returns the
 * position after the head, BAD, or NEED with r holding where to go on (stage FIELDS).
 */
export function fieldBlock(view: HeadView, buf: Buffer, cap: number, maxFields: number, r: ParseResume): number {
  joined = r.joined;
  foldLead = r.foldLead;
  foldTail = r.foldTail;
  let p = r.line;
  // A line cut short by the previous call: finish it from where its scan stopped.
  if (r.phase !== PHASE.LINE) {
    p = finishLine(view, buf, cap, maxFields, r);
    if (p < 0) return p;
  }
  for (;;) {
    if (p >= cap) return save(r, p, PHASE.LINE, p, -1, 0, -1);
    const c = buf[p];
    if (c === CR || c === LF) {
      const end = lineEnd(buf, p, cap);
      return end === NEED ? save(r, p, PHASE.LINE, p, -1, 0, -1) : end;
    }
    let valueStart: number;
    let nameEnd = -1;
    if (c === SP || c === HTAB) {
      if (view.count === 0) return bad('obs-fold before any header');
      valueStart = p;
    } else {
      let q = p;
      while (q < cap && TOKEN_CHAR[buf[q]!] === 1) q++;
      if (q >= cap) return save(r, p, PHASE.NAME, q, -1, 0, -1);
      if (q === p) return bad('empty or invalid header name');
      if (buf[q] !== COLON) return bad('invalid character in header name');
      nameEnd = q;
      valueStart = skipBlanks(buf, q + 1, cap);
      // More blanks may come: the value has not started yet.
      if (valueStart >= cap) return save(r, p, PHASE.BLANKS, valueStart, nameEnd, valueStart, -1);
    }
    const next = valueLine(view, buf, cap, maxFields, r, p, nameEnd, valueStart, valueStart, -1);
    if (next < 0) return next;
    p = next;
  }
}

/**
 * The rest of a field line from `scan` (the value's bytes, the first CR seen so far in `cr`): finds its LF, refuses a
 * bare CR, and adds the field or joins the fold. Returns the next line's start, BAD, or NEED (saved in r).
 */
function valueLine(
  view: HeadView,
  buf: Buffer,
  cap: number,
  maxFields: number,
  r: ParseResume,
  p: number,
  nameEnd: number,
  valueStart: number,
  scan: number,
  cr: number,
): number {
  // One pass to the LF, noting the first CR on the way (a CR anywhere but before the LF is refused).
  let lf = scan;
  const shortEnd = Math.min(cap, scan + LONG_VALUE);
  while (lf < shortEnd) {
    const b = buf[lf]!;
    if (b <= CR) {
      if (b === LF) break;
      if (b === CR && cr < 0) cr = lf;
    }
    lf++;
  }
  if (lf === shortEnd && lf < cap) {
    lf = longLine(buf, lf, cap);
    if (cr < 0) cr = longLineCr;
  }
  if (lf >= cap) return cr >= 0 && cr < cap - 1 ? bad('CR not followed by LF') : save(r, p, PHASE.VALUE, lf, nameEnd, valueStart, cr);
  const crlf = lf - 1 >= valueStart && buf[lf - 1] === CR;
  const lineRawEnd = crlf ? lf - 1 : lf;
  if (cr >= 0 && cr < lineRawEnd) return bad('CR not followed by LF');
  if (nameEnd < 0) {
    foldInto(view, buf, p, crlf, valueStart, lineRawEnd);
  } else {
    if (view.count >= maxFields) return bad('too many headers');
    const valueEnd = trimBlanksEnd(buf, valueStart, lineRawEnd);
    // The line goes out as it came when it reads `name: value` CRLF: one SP, no trailing blank.
    const canon = crlf && valueEnd === lineRawEnd && valueStart === nameEnd + 2 && buf[nameEnd + 1] === SP;
    const base = view.base;
    view.addField(p - base, nameEnd - base, valueStart - base, valueEnd - base, headerId(buf, p, nameEnd), canon ? FIELD.CANON : 0);
  }
  return lf + 1;
}

/** Finishes the line a previous call stopped in (r.phase NAME, BLANKS or VALUE). Returns the next line's start. */
function finishLine(view: HeadView, buf: Buffer, cap: number, maxFields: number, r: ParseResume): number {
  const p = r.line;
  let scan = r.at;
  let nameEnd = r.nameEnd;
  if (r.phase === PHASE.NAME) {
    while (scan < cap && TOKEN_CHAR[buf[scan]!] === 1) scan++;
    if (scan >= cap) return save(r, p, PHASE.NAME, scan, -1, 0, -1);
    if (scan === p) return bad('empty or invalid header name');
    if (buf[scan] !== COLON) return bad('invalid character in header name');
    nameEnd = scan;
    scan++;
  }
  if (r.phase !== PHASE.VALUE) {
    scan = skipBlanks(buf, scan, cap);
    if (scan >= cap) return save(r, p, PHASE.BLANKS, scan, nameEnd, scan, -1);
    return valueLine(view, buf, cap, maxFields, r, p, nameEnd, scan, scan, -1);
  }
  return valueLine(view, buf, cap, maxFields, r, p, nameEnd, r.valueStart, scan, r.cr);
}

/** Out of bytes in the line at `line`: keeps where its scan stands (and the fold state) for a resumed parse. */
function save(r: ParseResume, line: number, phase: Phase, at: number, nameEnd: number, valueStart: number, cr: number): number {
  r.stage = STAGE.FIELDS;
  r.line = line;
  r.phase = phase;
  r.at = at;
  r.nameEnd = nameEnd;
  r.valueStart = valueStart;
  r.cr = cr;
  r.joined = joined;
  r.foldLead = foldLead;
  r.foldTail = foldTail;
  return NEED;
}

// Where the folded value being joined starts and ends in view.extra: its first non-blank (-1: none yet) and the
// position after its last non-blank. Kept across the fold lines of one field so that each line is looked at once: a
// head of 5,000 blank fold lines would otherwise rescan its growing blank tail on every line (quadratic; parser.ts
// spends 163 ms on such a 16 KB head).
let foldLead = -1;
let foldTail = 0;

/** Notes the joined bytes extra[from, to) just appended: moves foldLead / foldTail past any non-blank among them. */
function noteFolded(extra: Buffer, from: number, to: number): void {
  const z = trimBlanksEnd(extra, from, to);
  if (z === from) return;
  foldTail = z;
  if (foldLead < 0) foldLead = skipBlanks(extra, from, z);
}

/**
 * Appends the fold line starting at `line` to the last field's value in view.extra: the raw value so far (on the
 * first fold, the field's first line up to its line end, copied), one space per byte of this line's end (two after a
 * CRLF, one after a bare LF), then this line from its first blank. The field's value becomes that text trimmed of
 * SP/HTAB on both sides, as parser.ts makes it.
 */
function foldInto(view: HeadView, buf: Buffer, line: number, crlf: boolean, lineStart: number, lineEnd: number): void {
  const i = view.count - 1;
  if (((view.flags[i] ?? 0) & FIELD.EXTRA) === 0) {
    // The field's first line ends just before this one: its raw value runs from the value's start to its line end.
    const rawStart = view.base + (view.spans[i * 4 + 2] ?? 0);
    const rawEnd = line - 2 >= rawStart && buf[line - 2] === CR ? line - 2 : line - 1;
    joined = view.reserveExtra(rawEnd - rawStart);
    copySpan(buf, rawStart, rawEnd, view.extra, joined);
    foldLead = -1;
    foldTail = joined;
    noteFolded(view.extra, joined, joined + rawEnd - rawStart);
  }
  const sep = crlf ? 2 : 1;
  const at = view.reserveExtra(sep + lineEnd - lineStart);
  const extra = view.extra;
  extra[at] = SP;
  if (sep === 2) extra[at + 1] = SP;
  copySpan(buf, lineStart, lineEnd, extra, at + sep);
  noteFolded(extra, at, view.extraUsed);
  view.spans[i * 4 + 2] = foldLead < 0 ? joined : foldLead;
  view.spans[i * 4 + 3] = foldLead < 0 ? joined : foldTail;
  view.flags[i] = ((view.flags[i] ?? 0) | FIELD.EXTRA) & ~FIELD.CANON;
}

/**
 * True when the head outgrows HAProxy's HTX room (parser.ts sizeLimits: each field costs 8 + name + value, the start
 * line and the end mark 8 each). Names and values never take more than the bytes they came in (a fold's spaces
 * replace its line end), so a head whose raw length plus 8 per block fits cannot overflow: most heads skip the sum.
 */
export function tooBigForHtx(view: HeadView, rawLength: number, startLine: number, htx: number): boolean {
  if (16 + startLine + 8 * view.count + rawLength <= htx) return false;
  let cost = 8 + startLine + 8;
  for (let i = 0; i < view.count; i++) {
    const s = i * 4;
    cost += 8 + (view.spans[s + 1] ?? 0) - (view.spans[s] ?? 0) + (view.spans[s + 3] ?? 0) - (view.spans[s + 2] ?? 0);
  }
  return cost > htx;
}
