// A frontend's traffic log line (manual §8.2): `option tcplog`, `option httplog`, `option httplog clf` as the
// log-formats the manual defines them by, or the proxy's own `log-format`, compiled once per forwarder thread and
// built from a LogRecord when a session (TCP) or a transaction (HTTP) ends. Forwarder threads; one line per logged
// session, never run for a frontend that does not log.

import type { LogFormatPart, LogFormatSpec } from '../../config/model.js';
import type { LogRecord } from './log-record.js';
import { LOG_OPT, withOptions } from '../acl/log-options.js';
import { compileVar, type LineWorld, type VarReader } from './log-vars.js';
import { writeEscapedBytes, writeLocalDate, writeNumber, writeText } from './line-bytes.js';

/**
 * One piece of a compiled line, all of one shape (the write loop's property reads stay monomorphic): literal text
 * (0), a separator (1), a variable's reader with its options (2), or a variable every named format prints, written
 * to bytes without its reader's string: %t (3), %tr (4), %r (5, options 0 or +Q), %tsc (6). build() reads every variable
 * through its reader.
 */
interface LinePiece {
  readonly kind: 0 | 1 | 2 | 3 | 4 | 5 | 6;
  readonly text: string;
  readonly name: string;
  readonly read: VarReader;
  readonly options: number;
}

const NOTHING: VarReader = () => undefined;
const SEP: LinePiece = { kind: 1, text: '', name: '', read: NOTHING, options: 0 };

/** The kind write() gives a variable with `options`: 2 (its reader) unless it is one of the direct ones. */
function directKind(name: string, options: number): LinePiece['kind'] {
  // Dates are never quoted (core/acl/log-options.ts NEVER_QUOTED) and hold nothing +E escapes.
  if (name === 't') return 3;
  if (name === 'tr') return 4;
  if (name === 'r' && (options === 0 || options === LOG_OPT.Q)) return 5;
  // %tsc is never quoted (NEVER_QUOTED) and holds nothing +X or +E changes.
  if (name === 'tsc') return 6;
  return 2;
}

/**
 * The variables haproxy 2.6.12 prints with a `+` on every line of a logasap frontend (measured: `+Tt`, `+Ta` and
 * `+B` on lines logged early and on those logged at the end alike): what they say may be only what was known then.
 */
const ASAP_PLUS: ReadonlySet<string> = new Set(['Tt', 'Ta', 'B']);

function plus(read: VarReader): VarReader {
  return (rec) => {
    const v = read(rec);
    return v === undefined ? v : `+${v}`;
  };
}

/** A log-format compiled for log lines: each variable turned into its reader once, at start. */
export class CompiledLogLine {
  private readonly pieces: readonly LinePiece[];

  /** `logasap`: the frontend logs as soon as it can (§4.2 option logasap): %Tt, %Ta and %B then print a `+` first. */
  constructor(spec: LogFormatSpec, world: LineWorld, logasap = false) {
    this.pieces = spec.parts.map((p: LogFormatPart): LinePiece => {
      if (p.kind === 'sep') return SEP;
      if (p.kind === 'text') return { kind: 0, text: p.text, name: '', read: NOTHING, options: 0 };
      // %[…] is refused in log lines at load (core/acl/log-format.ts): a '-' if one ever got here.
      if (p.kind === 'expr') return { kind: 0, text: '-', name: '', read: NOTHING, options: 0 };
      const options = p.options ?? 0;
      const read = compileVar(p.name, world, options);
      // The logasap `+` rides on the reader: %Tt, %Ta and %B are never direct kinds, so write() goes through it too.
      return { kind: directKind(p.name, options), text: '', name: p.name, read: logasap && ASAP_PLUS.has(p.name) ? plus(read) : read, options };
    });
  }

  /**
   * The line for `rec`, with HAProxy's separators: a run of spaces is written once, not at the start, and not again
   * after a variable that printed nothing (%hr without captures). Allocates the string.
   */
  build(rec: LogRecord): string {
    let out = '';
    let lastSpace = true;
    const pieces = this.pieces;
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i] as LinePiece;
      if (p.kind === 1) {
        if (!lastSpace) out += ' ';
        lastSpace = true;
      } else if (p.kind === 0) {
        out += p.text;
        lastSpace = false;
      } else {
        const v = p.read(rec);
        if (v === undefined) continue;
        out += p.options === 0 ? v : withOptions(p.name, v, p.options);
        lastSpace = false;
      }
    }
    return out;
  }

  /**
   * The same line as build(), UTF-8 encoded, written into out[start…limit) (cut at `limit`): its end. The forwarders'
   * path (core/log/ring-traffic-log.ts writes it straight into the log ring): no string per number, date or request
   * line, no concatenation, no encoding pass over the line.
   */
  write(rec: LogRecord, out: Buffer, start: number, limit: number): number {
    let pos = start;
    let lastSpace = true;
    const pieces = this.pieces;
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i] as LinePiece;
      switch (p.kind) {
        case 1:
          if (!lastSpace && pos < limit) out[pos++] = 0x20;
          lastSpace = true;
          continue;
        case 0:
          pos = writeText(out, pos, limit, p.text);
          break;
        case 3:
          pos = writeLocalDate(out, pos, limit, rec, false);
          break;
        case 4:
          pos = writeLocalDate(out, pos, limit, rec, true);
          break;
        case 6:
          // %tsc: the two parts written one after the other (no concatenated string per line).
          pos = writeText(out, writeText(out, pos, limit, rec.termination), limit, rec.cookieState);
          break;
        case 5: {
          const quoted = p.options !== 0;
          if (quoted && pos < limit) out[pos++] = 0x22;
          pos = rec.hasRequestLine ? writeEscapedBytes(out, pos, limit, rec.requestLineBytes, rec.requestLineLength) : writeText(out, pos, limit, '<BADREQ>');
          if (quoted && pos < limit) out[pos++] = 0x22;
          break;
        }
        default: {
          const v = p.read(rec);
          if (v === undefined) continue;
          if (p.options !== 0) pos = writeText(out, pos, limit, withOptions(p.name, v, p.options));
          else pos = typeof v === 'number' ? writeNumber(out, pos, limit, v) : writeText(out, pos, limit, v);
        }
      }
      lastSpace = false;
    }
    return pos;
  }
}
