// A frontend's traffic log line (manual §8.2): `option tcplog`, `option httplog`, `option httplog clf` as the
// log-formats the manual defines them by, or the proxy's own `log-format`, compiled once per forwarder thread and
// built from a LogRecord when a session (TCP) or a transaction (HTTP) ends. Forwarder threads; one line per logged
// session, never run for a frontend that does not log.

import type { LogFormatPart, LogFormatSpec } from '../../config/model.js';
import type { LogRecord } from './log-record.js';
import { lineVar, withOptions, type LineWorld } from './log-vars.js';

/** §8.2.2 "option tcplog" as a log-format. */
export const TCPLOG_FORMAT = '%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq';
/** §8.2.3 "option httplog". */
export const HTTPLOG_FORMAT =
  '%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r';
/** §8.2.3 "option httplog clf" (the Common Log Format with HAProxy's fields after it). */
export const CLF_FORMAT =
  '%{+Q}o %{-Q}ci - - [%trg] %r %ST %B "" "" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl';

/** A log-format compiled for log lines: its pieces, and the names the variables print. */
export class CompiledLogLine {
  private readonly parts: readonly LogFormatPart[];
  private readonly world: LineWorld;

  constructor(spec: LogFormatSpec, world: LineWorld) {
    this.parts = spec.parts;
    this.world = world;
  }

  /**
   * The line for `rec`, with HAProxy's separators: a run of spaces is written once, not at the start, and not again
   * after a variable that printed nothing (%hr without captures). Allocates the string.
   */
  build(rec: LogRecord): string {
    let out = '';
    let lastSpace = true;
    for (const p of this.parts) {
      switch (p.kind) {
        case 'sep':
          if (!lastSpace) out += ' ';
          lastSpace = true;
          break;
        case 'text':
          out += p.text;
          lastSpace = false;
          break;
        case 'var': {
          const v = lineVar(p.name, rec, this.world, p.options);
          if (v === undefined) break;
          out += p.options === undefined ? v : withOptions(p.name, v, p.options);
          lastSpace = false;
          break;
        }
        default:
          // %[…] is refused in log lines at load (core/acl/log-format.ts): never here.
          out += '-';
          lastSpace = false;
      }
    }
    return out;
  }
}
