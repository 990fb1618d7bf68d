// A TrafficLog that sends each line straight from the forwarder with core/log.ts's UDP logger (RFC 3164 header):
// one datagram and one syscall per line. The first wiring of traffic logs; the batched writer replaces it.
// Forwarder threads.

import type { Config } from '../../config/model.js';
import { createLogger, type Logger } from '../log.js';
import type { TrafficLog } from './traffic-log.js';

/** One logger per frontend with log targets (undefined for the others). */
export function directTrafficLog(config: Config): TrafficLog {
  const loggers: (Logger | undefined)[] = config.frontends.map((fe) =>
    fe.log !== undefined && fe.log.length > 0 ? createLogger(fe.log, { stderr: false, tag: 'haproxy' }) : undefined,
  );
  return {
    enabled: loggers.some((l) => l !== undefined),
    logsFrontend: (frontend) => loggers[frontend] !== undefined,
    emit(frontend, level, message) {
      loggers[frontend]?.log(level, message);
    },
  };
}
