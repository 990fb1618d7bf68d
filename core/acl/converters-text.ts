// String and binary converters (manual §7.3.1): lower, upper (ASCII, as C's tolower/toupper), hex (upper-case
// digits), base64, bytes(<offset>[,<length>]), field/word(<index>,<delimiters>[,<count>]) with HAProxy's counting
// (negative indexes from the end; count 0 runs to the string's end, or from its start for a negative index), and
// regsub(<regex>,<subst>[,<flags>]) with \0-\9 references. Forwarder threads, hot path: bytes/field/word narrow the
// span in place; the others write into the arena (regsub goes through a Latin-1 string and allocates).

import type { SampleArg } from '../../config/model.js';
import { compileRegex } from './match-regex.js';
import type { ConverterDescriptor, EvalConverter } from './descriptor.js';
import { NO_ARGS } from './sample-args.js';
import { SMP, type Sample, type SampleArena } from './sample.js';

/** Copies the span into the arena through `map` (one byte in, one byte out). */
function mapBytes(s: Sample, arena: SampleArena, map: (c: number) => number): boolean {
  const n = s.end - s.start;
  const at = arena.take(n);
  if (at < 0) return false;
  const out = arena.buf;
  for (let i = 0; i < n; i++) out[at + i] = map(s.buf[s.start + i] ?? 0);
  s.setStr(out, at, at + n);
  return true;
}

const toLower = (c: number): number => (c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
const toUpper = (c: number): number => (c >= 0x61 && c <= 0x7a ? c - 0x20 : c);
const lower: EvalConverter = (s, arena) => mapBytes(s, arena, toLower);
const upper: EvalConverter = (s, arena) => mapBytes(s, arena, toUpper);

const HEX = Buffer.from('0123456789ABCDEF');
const hex: EvalConverter = (s, arena) => {
  const n = s.end - s.start;
  const at = arena.take(n * 2);
  if (at < 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.buf[s.start + i] ?? 0;
    arena.buf[at + 2 * i] = HEX[c >> 4] ?? 0;
    arena.buf[at + 2 * i + 1] = HEX[c & 15] ?? 0;
  }
  return s.setStr(arena.buf, at, at + n * 2);
};

const B64 = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const base64: EvalConverter = (s, arena) => {
  const n = s.end - s.start;
  const len = Math.ceil(n / 3) * 4;
  const at = arena.take(len);
  if (at < 0) return false;
  const b = s.buf;
  const o = arena.buf;
  let w = at;
  for (let i = 0; i < n; i += 3) {
    const rest = n - i;
    const v = ((b[s.start + i] ?? 0) << 16) | (rest > 1 ? (b[s.start + i + 1] ?? 0) << 8 : 0) | (rest > 2 ? (b[s.start + i + 2] ?? 0) : 0);
    o[w++] = B64[(v >> 18) & 63] ?? 0;
    o[w++] = B64[(v >> 12) & 63] ?? 0;
    o[w++] = rest > 1 ? (B64[(v >> 6) & 63] ?? 0) : 0x3d;
    o[w++] = rest > 2 ? (B64[v & 63] ?? 0) : 0x3d;
  }
  return s.setStr(o, at, w);
};

function intArg(args: readonly SampleArg[], i: number, fallback: number): number {
  const a = args[i];
  return a?.kind === 'int' ? a.value : fallback;
}

/** A 256-entry table of the delimiter bytes. */
function delimiterTable(text: string): Uint8Array {
  const t = new Uint8Array(256);
  for (const b of Buffer.from(text, 'utf8')) t[b] = 1;
  return t;
}

/**
 * field/word: the items are the runs between delimiters (field: every run, empty ones too; word: non-empty runs).
 * Selects items [from, to] (1-based, clamped) and narrows the span to them; an index past the items gives an
 * empty string, as HAProxy does.
 */
function itemsConverter(index: number, delims: Uint8Array, count: number, words: boolean): EvalConverter {
  return (s) => {
    const b = s.buf;
    const start = s.start;
    const end = s.end;
    let total = 0;
    if (words) {
      let inWord = false;
      for (let p = start; p < end; p++) {
        const d = delims[b[p] ?? 0] === 1;
        if (!d && !inWord) total++;
        inWord = !d;
      }
    } else {
      total = 1;
      for (let p = start; p < end; p++) if (delims[b[p] ?? 0] === 1) total++;
    }
    const at = index > 0 ? index : total + index + 1;
    if (at < 1 || at > total) {
      s.end = s.start;
      return true;
    }
    let from = at;
    let to = at;
    if (index > 0) to = count === 0 ? total : Math.min(total, at + count - 1);
    else from = count === 0 ? 1 : Math.max(1, at - count + 1);
    // Count 0 runs to the string's end (positive index) or from its start (negative index), delimiters included.
    const fromStringStart = index < 0 && count === 0;
    const toStringEnd = index > 0 && count === 0;
    let itemStart = start;
    let itemEnd = end;
    let n = 0;
    let p = start;
    if (words) {
      while (p < end) {
        while (p < end && delims[b[p] ?? 0] === 1) p++;
        if (p >= end) break;
        const ws = p;
        while (p < end && delims[b[p] ?? 0] !== 1) p++;
        n++;
        if (n === from) itemStart = ws;
        if (n === to) {
          itemEnd = p;
          break;
        }
      }
    } else {
      let fs = start;
      for (n = 1; ; n++) {
        while (p < end && delims[b[p] ?? 0] !== 1) p++;
        if (n === from) itemStart = fs;
        if (n === to) {
          itemEnd = p;
          break;
        }
        if (p >= end) break;
        p++;
        fs = p;
      }
    }
    s.start = fromStringStart ? start : itemStart;
    s.end = toStringEnd ? end : itemEnd;
    return true;
  };
}

function itemsDescriptor(name: 'field' | 'word'): ConverterDescriptor {
  return {
    name,
    args: { types: ['integer', 'string', 'integer'], mandatory: 2 },
    in: SMP.STR,
    out: SMP.STR,
    compile(args) {
      const index = intArg(args, 0, 0);
      if (index === 0) return { error: 'Unexpected value 0 for index' };
      const d = args[1]?.kind === 'str' ? args[1].text : '';
      if (d === '') return { error: 'Empty separators list' };
      return itemsConverter(index, delimiterTable(d), intArg(args, 2, 1), name === 'word');
    },
  };
}

/** regsub: the replacement text with \0-\9 expanded for one match. */
function expand(subst: string, m: RegExpExecArray): string {
  return subst.replace(/\\([0-9])/g, (_all, d: string) => m[Number(d)] ?? '');
}

function regsubConverter(re: RegExp, subst: string, global: boolean): EvalConverter {
  return (s, arena) => {
    const input = s.text();
    re.lastIndex = 0;
    let out = '';
    let last = 0;
    // Bounded: each turn moves lastIndex forward (an empty match steps one char).
    for (;;) {
      const m = re.exec(input);
      if (m === null) break;
      out += input.slice(last, m.index) + expand(subst, m);
      last = m.index + m[0].length;
      if (!global) break;
      if (m[0].length === 0) {
        if (m.index >= input.length) break;
        out += input[m.index];
        last = m.index + 1;
        re.lastIndex = last;
      }
    }
    out += input.slice(last);
    const at = arena.take(out.length);
    if (at < 0) return false;
    arena.buf.write(out, at, 'latin1');
    return s.setStr(arena.buf, at, at + out.length);
  };
}

export const TEXT_CONVERTERS: readonly ConverterDescriptor[] = [
  { name: 'lower', args: NO_ARGS, in: SMP.STR, out: SMP.STR, compile: () => lower },
  { name: 'upper', args: NO_ARGS, in: SMP.STR, out: SMP.STR, compile: () => upper },
  { name: 'hex', args: NO_ARGS, in: SMP.BIN, out: SMP.STR, compile: () => hex },
  { name: 'base64', args: NO_ARGS, in: SMP.BIN, out: SMP.STR, compile: () => base64 },
  {
    name: 'bytes',
    args: { types: ['integer', 'integer'], mandatory: 1 },
    in: SMP.BIN,
    out: SMP.BIN,
    compile(args) {
      const offset = intArg(args, 0, 0);
      const length = args[1]?.kind === 'int' ? args[1].value : -1;
      return (s) => {
        const n = s.end - s.start;
        if (offset < 0 || offset >= n) {
          s.end = s.start;
          return true;
        }
        s.start += offset;
        if (length >= 0 && length < s.end - s.start) s.end = s.start + length;
        return true;
      };
    },
  },
  itemsDescriptor('field'),
  itemsDescriptor('word'),
  {
    name: 'regsub',
    args: { types: ['regex', 'string', 'string'], mandatory: 2 },
    in: SMP.STR,
    out: SMP.STR,
    compile(args) {
      const flags = args[2]?.kind === 'str' ? args[2].text : '';
      for (const f of flags) if (f !== 'g' && f !== 'i') return { error: `invalid regex flag '${f}'` };
      const source = args[0]?.kind === 'regex' ? args[0].source : '';
      const re = compileRegex(source, flags.includes('i'), true);
      if (typeof re === 'string') return { error: re };
      return regsubConverter(re, args[1]?.kind === 'str' ? args[1].text : '', flags.includes('g'));
    },
  },
];
