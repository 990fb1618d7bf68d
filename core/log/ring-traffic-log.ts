// The forwarders' TrafficLog (core/log/traffic-log.ts): each line goes into this forwarder's log ring
// (core/shared/log-ring.ts), no syscall; the log writer on the main thread (core/log/log-writer.ts) builds each
// target's header and sends. A full ring drops the line and counts it in the slot's `logDrops` (show info
// DroppedLogs). Forwarder threads; emitRecord() is on the per-request path: the line is written into the ring in
// place (CompiledLogLine.write), no string, no copy.

import type { Config } from '../../config/model.js';
import type { LogLevel } from '../log.js';
import { LogRingProducer, MAX_RECORD_CHARS, type LogRingMemory } from '../shared/log-ring.js';
import type { ThreadSlot } from '../shared/record-slots.js';
import type { TrafficLog } from './traffic-log.js';

const SEVERITY: Readonly<Record<LogLevel, number>> = { emerg: 0, alert: 1, crit: 2, err: 3, warning: 4, notice: 5, info: 6, debug: 7 };

/**
 * The TrafficLog of the forwarder in `slot`: frontends with at least one `log` target (after `log global` and `no
 * log`) log, the others do not. `threadSlot` is where its drops are counted (the forwarder is that field's writer).
 */
export function ringTrafficLog(config: Config, memory: LogRingMemory, slot: number, threadSlot: ThreadSlot): TrafficLog {
  const logsOf = (c: Config): boolean[] => c.frontends.map((fe) => fe.log !== undefined && fe.log.length > 0);
  // Read again when a reload adds frontends (frontendsChanged): a new frontend in a spare slot logs as one at start.
  let logs = logsOf(config);
  const ring = memory.rings[slot];
  const enabledBy = (l: readonly boolean[]): boolean => ring !== undefined && l.some((on) => on);
  let enabled = enabledBy(logs);
  const producer = ring === undefined ? undefined : new LogRingProducer(ring, memory.doorbell);
  // Where a line is written when the ring has no contiguous room for the longest one (a nearly full or a tiny ring):
  // it then takes exactly its bytes. Allocated once, only where lines are logged.
  let spill = enabled ? Buffer.allocUnsafe(MAX_RECORD_CHARS) : undefined;
  return {
    get enabled() {
      return enabled;
    },
    logsFrontend: (frontend) => enabled && logs[frontend] === true,
    emit(frontend, level, message, sd) {
      if (producer === undefined || logs[frontend] !== true) return;
      if (!producer.push(frontend, SEVERITY[level], message, sd ?? '')) threadSlot.add('logDrops', 1);
    },
    emitRecord(frontend, level, line, rec) {
      if (producer === undefined || logs[frontend] !== true) return;
      // Room for the longest line a record keeps; the line is written in place and only its bytes are committed.
      const at = producer.reserve(MAX_RECORD_CHARS);
      if (at >= 0) {
        producer.commit(frontend, SEVERITY[level], line.write(rec, producer.bytes, at, at + MAX_RECORD_CHARS) - at);
      } else if (spill === undefined || !producer.pushBytes(frontend, SEVERITY[level], spill, line.write(rec, spill, 0, MAX_RECORD_CHARS))) {
        threadSlot.add('logDrops', 1);
      }
    },
    frontendsChanged(next) {
      logs = logsOf(next);
      enabled = enabledBy(logs);
      if (enabled) spill ??= Buffer.allocUnsafe(MAX_RECORD_CHARS);
    },
  };
}
