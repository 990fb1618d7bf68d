// Every message that crosses a thread boundary, typed in one place. These are control messages (start, bound,
// stop, the handoff of an accepted fd), never state queries: state lives in the SharedArrayBuffer.

import type { Config } from '../config/model.js';
import type { MemoryFigures } from '../core/diagnostics/memory-usage.js';
import type { PlainError } from '../core/errors.js';

export type AcceptMode = 'acceptor' | 'reuseport';

/** BroadcastChannel name on which the main thread sends ControlMessages to every forwarder. */
export const CONTROL_CHANNEL = 'orcalb-control';

/** workerData of a forwarder (piscina passes it to every worker of the pool). */
export interface ForwarderData {
  readonly config: Config;
  readonly buffer: SharedArrayBuffer;
  readonly threads: number;
  readonly accept: AcceptMode;
}

/** workerData of the acceptor thread. */
export interface AcceptorData {
  readonly config: Config;
  readonly buffer: SharedArrayBuffer;
}

/** workerData of the health-check thread. */
export interface HealthData {
  readonly config: Config;
  readonly buffer: SharedArrayBuffer;
  readonly threads: number;
}

/** acceptor → main → forwarder (a piscina task): adopt this duplicated fd. */
export interface Handoff {
  readonly fd: number;
  readonly frontend: number;
  readonly bind: number;
}

/** main → threads (forwarders over the broadcast channel, acceptor and health checker over their ports). */
export type ControlMessage =
  | { readonly type: 'stop' }
  | { readonly type: 'hard-stop' }
  | { readonly type: 'crash'; readonly thread: number }
  /** SIGQUIT: every thread answers with a 'memory' report carrying the same id. */
  | { readonly type: 'memory-report'; readonly id: number };

/** The threads that answer a memory report besides the forwarders. */
export type ThreadKind = 'forwarder' | 'acceptor' | 'health-checker';

/** threads → main. `thread` is the forwarder slot, -1 for the acceptor. */
export type ReportMessage =
  | { readonly type: 'ready'; readonly thread: number }
  | { readonly type: 'bound'; readonly thread: number }
  | { readonly type: 'bind-error'; readonly thread: number; readonly error: PlainError }
  | { readonly type: 'drained'; readonly thread: number }
  | { readonly type: 'memory'; readonly id: number; readonly kind: ThreadKind; readonly thread: number; readonly figures: MemoryFigures };

function typeOf(msg: unknown): unknown {
  return typeof msg === 'object' && msg !== null && 'type' in msg ? msg.type : undefined;
}

/** Narrows a message from another thread (data: parse, don't trust). */
export function asControl(msg: unknown): ControlMessage | undefined {
  const t = typeOf(msg);
  return t === 'stop' || t === 'hard-stop' || t === 'crash' || t === 'memory-report' ? (msg as ControlMessage) : undefined;
}

export function asReport(msg: unknown): ReportMessage | undefined {
  const t = typeOf(msg);
  return t === 'ready' || t === 'bound' || t === 'bind-error' || t === 'drained' || t === 'memory'
    ? (msg as ReportMessage)
    : undefined;
}

export function asHandoff(msg: unknown): Handoff | undefined {
  if (typeof msg !== 'object' || msg === null) return undefined;
  const m = msg as Partial<Record<keyof Handoff, unknown>>;
  return typeof m.fd === 'number' && typeof m.frontend === 'number' && typeof m.bind === 'number'
    ? { fd: m.fd, frontend: m.frontend, bind: m.bind }
    : undefined;
}
