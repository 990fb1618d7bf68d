// Every message that crosses a thread boundary, typed in one place. These are control messages (start, bound,
// stop, the handoff of an accepted fd), never state queries: state lives in the SharedArrayBuffer.

import type { Config } from '../config/model.js';
import type { MemoryFigures } from '../core/diagnostics/memory-usage.js';
import type { PlainError } from '../core/errors.js';
import type { ListenerPlan } from '../core/accept/master-sockets.js';

export type AcceptMode = 'acceptor' | 'reuseport';

/** BroadcastChannel name on which the main thread sends ControlMessages to every forwarder. */
export const CONTROL_CHANNEL = 'orcalb-control';

/** workerData of a forwarder (piscina passes it to every worker of the pool). */
export interface ForwarderData {
  readonly config: Config;
  readonly buffer: SharedArrayBuffer;
  readonly threads: number;
  readonly accept: AcceptMode;
  /** reuseport mode: what to listen on (row = the forwarder's slot). */
  readonly listeners?: ListenerPlan;
  /** The addon the main thread loaded (ORCALB_FD_DUP_ADDON), so every thread uses the same build or none. */
  readonly addonPath?: string;
}

/** workerData of the acceptor thread. */
export interface AcceptorData {
  readonly config: Config;
  readonly buffer: SharedArrayBuffer;
  readonly listeners: ListenerPlan;
  readonly addonPath?: string;
}

/** workerData of the health-check thread. */
export interface HealthData {
  readonly config: Config;
  readonly buffer: SharedArrayBuffer;
  readonly threads: number;
}

/**
 * acceptor → main → forwarder (a piscina task): adopt this duplicated fd. `slot`/`seq` are its handoff ticket
 * (core/shared/handoff-tickets.ts): whoever claims it (the forwarder adopting, or main cancelling) owns the fd.
 */
export interface Handoff {
  readonly fd: number;
  readonly frontend: number;
  readonly bind: number;
  readonly slot: number;
  readonly seq: number;
}

/** main → threads (forwarders over the broadcast channel, acceptor and health checker over their ports). */
export type ControlMessage =
  | { readonly type: 'stop' }
  | { readonly type: 'hard-stop' }
  | { readonly type: 'pause-listeners' }
  | { readonly type: 'resume-listeners' }
  | { readonly type: 'crash'; readonly thread: number }
  /** Test hook: block the event loop of forwarder `thread` for `ms`, then crash it. */
  | { readonly type: 'stall'; readonly thread: number; readonly ms: number }
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
  | { readonly type: 'memory'; readonly id: number; readonly kind: ThreadKind; readonly thread: number; readonly figures: MemoryFigures }
  /** The thread no longer accepts (answer to 'pause-listeners'): main may take the sockets out of LISTEN. */
  | { readonly type: 'listeners-paused'; readonly thread: number }
  /** The thread accepts again (answer to 'resume-listeners'). */
  | { readonly type: 'listeners-resumed'; readonly thread: number }
  /** A listener could not be kept (reopening failed): main exits with this alert. */
  | { readonly type: 'listener-lost'; readonly thread: number; readonly alert: string };

function typeOf(msg: unknown): unknown {
  return typeof msg === 'object' && msg !== null && 'type' in msg ? msg.type : undefined;
}

/** Narrows a message from another thread (data: parse, don't trust). */
export function asControl(msg: unknown): ControlMessage | undefined {
  const t = typeOf(msg);
  return t === 'stop' || t === 'hard-stop' || t === 'crash' || t === 'stall' || t === 'pause-listeners' ||
    t === 'resume-listeners' || t === 'memory-report'
    ? (msg as ControlMessage)
    : undefined;
}

export function asReport(msg: unknown): ReportMessage | undefined {
  const t = typeOf(msg);
  return t === 'ready' || t === 'bound' || t === 'bind-error' || t === 'drained' || t === 'memory' ||
    t === 'listeners-paused' || t === 'listeners-resumed' || t === 'listener-lost'
    ? (msg as ReportMessage)
    : undefined;
}

export function asHandoff(msg: unknown): Handoff | undefined {
  if (typeof msg !== 'object' || msg === null) return undefined;
  const m = msg as Partial<Record<keyof Handoff, unknown>>;
  return typeof m.fd === 'number' && typeof m.frontend === 'number' && typeof m.bind === 'number' &&
    typeof m.slot === 'number' && typeof m.seq === 'number'
    ? { fd: m.fd, frontend: m.frontend, bind: m.bind, slot: m.slot, seq: m.seq }
    : undefined;
}
