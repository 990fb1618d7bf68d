// A frontend's traffic log line (manual §8.2): `option tcplog`, `option httplog`, `option httplog clf` as the
// log-formats the manual defines them by, or the proxy's own `log-format`, compiled once per forwarder thread and
// built from a LogRecord when a session (TCP) or a transaction (HTTP) ends. Forwarder threads; one line per logged
// session, never run for a frontend that does not log.

import type { LogFormatPart, LogFormatSpec } from '../../config/model.js';
import type { LogRecord } from './log-record.js';
import { withOptions } from '../acl/log-options.js';
import { compileVar, type LineWorld, type VarReader } from './log-vars.js';

/** One piece of a compiled line: literal text, a separator, or a variable's reader (with its options). */
type LinePiece =
  | { readonly kind: 0; readonly text: string }
  | { readonly kind: 1 }
  | { readonly kind: 2; readonly name: string; readonly read: VarReader; readonly options: number };

const SEP: LinePiece = { kind: 1 };

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
      if (p.kind === 'text') return { kind: 0, text: p.text };
      // %[…] is refused in log lines at load (core/acl/log-format.ts): a '-' if one ever got here.
      if (p.kind === 'expr') return { kind: 0, text: '-' };
      const read = compileVar(p.name, world, p.options ?? 0);
      return { kind: 2, name: p.name, read: logasap && ASAP_PLUS.has(p.name) ? plus(read) : read, options: p.options ?? 0 };
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
}
