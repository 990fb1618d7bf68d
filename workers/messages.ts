// Every message that crosses a thread boundary, typed in one place. These are control messages (start, bound,
// stop, the handoff ports, the handoff of an accepted fd), never state queries: state lives in the SharedArrayBuffer.

import type { ServerSetChange } from '../core/shared/server-slots.js';
import type { LogRingMemory } from '../core/shared/log-ring.js';
import type { MessagePort } from 'node:worker_threads';
import type { Config } from '../config/model.js';
import type { TimeoutsChange } from '../config/timeouts-change.js';
import type { BindsChange } from '../config/binds-change.js';
import type { ProxySlotChange } from '../config/proxies-change.js';
import type { BalanceChange } from '../config/balance-change.js';
import type { MemoryFigures } from '../core/diagnostics/memory-usage.js';
import type { PlainError } from '../core/errors.js';
import type { ForwarderPort } from '../core/accept/handoff-ports.js';
import type { ListenerPlan } from '../core/accept/master-sockets.js';
import { isAdminAction, type AdminAnswer, type AdminRequest } from '../core/health/server-admin.js';
import type { CliRelayAnswer, CliRelayRequest, HealthRelayRequest, SessionsOp } from '../core/cli/cli-relay.js';

export type AcceptMode = 'acceptor' | 'reuseport';

/** What a forwarder's workerData holds besides its slot (the same for every forwarder). */
export interface ForwarderCommon {
  readonly config: Config;
  readonly buffer: SharedArrayBuffer;
  readonly threads: number;
  readonly accept: AcceptMode;
  /** HAProxy's maxsock, named in the log line when accept() hits the fd limit. */
  readonly maxsock: number;
  /** reuseport mode: what to listen on (row = the forwarder's slot). */
  readonly listeners?: ListenerPlan;
  /** The addon the main thread loaded (ORCALB_FD_DUP_ADDON), so every thread uses the same build or none. */
  readonly addonPath?: string;
  /** The traffic log rings (one per slot) and their doorbell; the log writer on main drains them. */
  readonly logRings: LogRingMemory;
  /**
   * TLS session-ticket keys (48 bytes) main made at start when a bind is ssl: every forwarder, a restarted one too,
   * encrypts and decrypts tickets with them, so a session resumes on any thread.
   */
  readonly tlsTicketKeys?: Uint8Array;
  /** The TLS session-id cache (core/tls/session-cache.ts), `tune.ssl.cachesize` entries; absent when 0. */
  readonly tlsSessions?: SharedArrayBuffer;
}

/** workerData of a forwarder: the common part and the thread slot main gave it (0 … threads-1). */
export interface ForwarderData extends ForwarderCommon {
  readonly slot: number;
}

/**
 * The acceptor's end of one forwarder's handoff port (a MessageChannel main made for the pair): the acceptor posts
 * ticket ids on `port` (core/shared/handoff-tickets.ts) to the forwarder holding `slot`, whose worker threadId is
 * `threadId` (the tickets' target). core/accept/handoff-ports.ts uses it.
 */
export type ForwarderLink = ForwarderPort;

/** workerData of the acceptor thread (its ports are in the transfer list). */
export interface AcceptorData {
  readonly config: Config;
  readonly buffer: SharedArrayBuffer;
  readonly listeners: ListenerPlan;
  readonly forwarders: readonly ForwarderLink[];
  readonly maxsock: number;
  readonly addonPath?: string;
}

/** workerData of the stats thread: the stats-only proxies' listeners (fds: dups it owns, absent without the addon). */
export interface StatsData {
  readonly config: Config;
  readonly buffer: SharedArrayBuffer;
  readonly threads: number;
  readonly listeners: ListenerPlan;
  /** The `stats socket` lines' listeners (the runtime API), the same way: dups it owns, or bind them itself. */
  readonly cli: ListenerPlan;
  readonly startedMs: number;
}

/**
 * stats → main: a runtime API command asks another thread to act (core/cli/cli-relay.ts); main → stats: the answer
 * (workers/cli-relay.ts answerCliRelay). `id` pairs them.
 */
export interface CliRelayMessage {
  readonly type: 'cli-relay';
  readonly id: number;
  readonly request: CliRelayRequest;
}
export interface CliRelayDoneMessage {
  readonly type: 'cli-relay-done';
  readonly id: number;
  readonly answer: CliRelayAnswer;
}

/** Narrows a relayed CLI request (its `kind` is checked by whoever answers it). */
export function asCliRelay(msg: unknown): CliRelayMessage | undefined {
  if (typeOf(msg) !== 'cli-relay') return undefined;
  const m = msg as { id?: unknown; request?: unknown };
  const r = m.request;
  return typeof m.id === 'number' && typeof r === 'object' && r !== null && 'kind' in r && typeof r.kind === 'string'
    ? (msg as CliRelayMessage)
    : undefined;
}

/** Narrows a relayed CLI answer. */
export function asCliRelayDone(msg: unknown): CliRelayDoneMessage | undefined {
  if (typeOf(msg) !== 'cli-relay-done') return undefined;
  const m = msg as { id?: unknown; answer?: unknown };
  const a = m.answer;
  return typeof m.id === 'number' && typeof a === 'object' && a !== null && 'ok' in a && typeof a.ok === 'boolean'
    ? (msg as CliRelayDoneMessage)
    : undefined;
}

/**
 * stats → main → health: a stats admin POST (core/health/server-admin.ts); health → main → stats: its outcomes.
 * `id` pairs them; main only relays (the health thread is the single writer of server state).
 */
export interface ServerAdminMessage {
  readonly type: 'server-admin';
  readonly id: number;
  readonly request: AdminRequest;
}
export interface ServerAdminDoneMessage {
  readonly type: 'server-admin-done';
  readonly id: number;
  readonly answer: AdminAnswer;
}

/** Narrows a relayed admin request. */
export function asServerAdmin(msg: unknown): ServerAdminMessage | undefined {
  if (typeOf(msg) !== 'server-admin') return undefined;
  const m = msg as { id?: unknown; request?: { backend?: unknown; servers?: unknown; action?: unknown } };
  const r = m.request;
  return typeof m.id === 'number' && typeof r === 'object' && typeof r.backend === 'string' && Array.isArray(r.servers) &&
    typeof r.action === 'string' && isAdminAction(r.action)
    ? (msg as ServerAdminMessage)
    : undefined;
}

/** Narrows a relayed admin answer. */
export function asServerAdminDone(msg: unknown): ServerAdminDoneMessage | undefined {
  if (typeOf(msg) !== 'server-admin-done') return undefined;
  const m = msg as { id?: unknown; answer?: unknown };
  return typeof m.id === 'number' && Array.isArray(m.answer) ? (msg as ServerAdminDoneMessage) : undefined;
}

/**
 * main → health: a runtime API request the health thread answers (core/cli/cli-relay.ts kind 'server'); health →
 * main: its answer. `id` pairs them; main keeps the promise (Supervisor.askHealth).
 */
export interface CliHealthMessage {
  readonly type: 'cli-health';
  readonly id: number;
  readonly request: HealthRelayRequest;
}
export interface CliHealthDoneMessage {
  readonly type: 'cli-health-done';
  readonly id: number;
  readonly answer: CliRelayAnswer;
}

/** Narrows a runtime API request to the health thread (its command is checked again where it is applied). */
export function asCliHealth(msg: unknown): CliHealthMessage | undefined {
  if (typeOf(msg) !== 'cli-health') return undefined;
  const m = msg as { id?: unknown; request?: { kind?: unknown; backend?: unknown; server?: unknown; command?: { op?: unknown } } };
  const r = m.request;
  if (typeof m.id !== 'number' || typeof r !== 'object') return undefined;
  if (r.kind === 'clear-health-counters') return msg as CliHealthMessage;
  if (r.kind === 'discovery-status') return r.backend === undefined || typeof r.backend === 'string' ? (msg as CliHealthMessage) : undefined;
  return r.kind === 'server' && typeof r.backend === 'string' && typeof r.server === 'string' && typeof r.command === 'object' &&
    typeof r.command.op === 'string'
    ? (msg as CliHealthMessage)
    : undefined;
}

/** Narrows the health thread's answer. */
export function asCliHealthDone(msg: unknown): CliHealthDoneMessage | undefined {
  if (typeOf(msg) !== 'cli-health-done') return undefined;
  const m = msg as { id?: unknown; answer?: { ok?: unknown } };
  return typeof m.id === 'number' && typeof m.answer === 'object' && typeof m.answer.ok === 'boolean' ? (msg as CliHealthDoneMessage) : undefined;
}

/** main → peers thread: `show peers [section]` (core/peers/show-peers.ts). */
export interface PeersShowMessage {
  readonly type: 'peers-show';
  readonly id: number;
  readonly section?: string;
}

/** peers thread → main: the answer text. */
export interface PeersShowDoneMessage {
  readonly type: 'peers-show-done';
  readonly id: number;
  readonly text: string;
}

export function asPeersShow(msg: unknown): PeersShowMessage | undefined {
  if (typeof msg !== 'object' || msg === null || (msg as { type?: unknown }).type !== 'peers-show') return undefined;
  const m = msg as { id?: unknown; section?: unknown };
  if (typeof m.id !== 'number' || (m.section !== undefined && typeof m.section !== 'string')) return undefined;
  return msg as PeersShowMessage;
}

export function asPeersShowDone(msg: unknown): PeersShowDoneMessage | undefined {
  if (typeof msg !== 'object' || msg === null || (msg as { type?: unknown }).type !== 'peers-show-done') return undefined;
  const m = msg as { id?: unknown; text?: unknown };
  return typeof m.id === 'number' && typeof m.text === 'string' ? (msg as PeersShowDoneMessage) : undefined;
}

/** workerData of the health-check thread (and of the peers thread: the same three things). */
export interface HealthData {
  readonly config: Config;
  readonly buffer: SharedArrayBuffer;
  readonly threads: number;
}

/** A HealthData from another thread, its shape checked before it is trusted; throws TypeError naming `who`. */
export function parseHealthData(data: unknown, who: string): HealthData {
  if (typeof data !== 'object' || data === null) throw new TypeError(`${who}: workerData missing`);
  const d = data as Partial<Record<keyof HealthData, unknown>>;
  if (!(d.buffer instanceof SharedArrayBuffer)) throw new TypeError(`${who}: workerData.buffer is not a SharedArrayBuffer`);
  if (typeof d.threads !== 'number') throw new TypeError(`${who}: workerData.threads is not a number`);
  if (typeof d.config !== 'object' || d.config === null) throw new TypeError(`${who}: workerData.config missing`);
  return { config: d.config as Config, buffer: d.buffer, threads: d.threads };
}

/**
 * acceptor → forwarder, on the forwarder's handoff port: one ticket id, or several accepted in one wake. The ticket
 * (core/shared/handoff-tickets.ts) holds the fd, frontend and bind; whoever claims it owns the fd.
 */
export type HandoffMessage = number | readonly number[];

/** main → forwarder: the receiving end of a (new) acceptor's handoff port. */
export interface HandoffPortMessage {
  readonly type: 'handoff-port';
  readonly port: MessagePort;
}

/** main → acceptor: a forwarder (a new one, or a replacement) to hand connections to. */
export interface ForwarderLinkMessage {
  readonly type: 'forwarder-link';
  readonly link: ForwarderLink;
}

/** main → threads (over each worker's own port). */
export type ControlMessage =
  | { readonly type: 'stop' }
  | { readonly type: 'hard-stop' }
  /** SIGTTOU (every frontend), or `disable frontend` (only `frontend`, an index in config.frontends). */
  | { readonly type: 'pause-listeners'; readonly frontend?: number }
  /** SIGTTIN, or `enable frontend`. */
  | { readonly type: 'resume-listeners'; readonly frontend?: number }
  | { readonly type: 'crash'; readonly thread: number }
  /** Test hook: block the event loop of forwarder `thread` for `ms`, then crash it. */
  | { readonly type: 'stall'; readonly thread: number; readonly ms: number }
  /** Runtime API (show sess, shutdown session(s)): every forwarder answers with a 'sessions' report, same id. */
  | { readonly type: 'sessions'; readonly id: number; readonly op: SessionsOp }
  /** SIGQUIT: every thread answers with a 'memory' report carrying the same id. */
  | { readonly type: 'memory-report'; readonly id: number }
  /**
   * `add server` / `del server` (core/shared/server-slots.ts): a server slot came into use or was freed; the
   * forwarders, the health thread and the stats thread apply it to their copy of the Config. No answer.
   */
  | { readonly type: 'server-set'; readonly change: ServerSetChange }
  /** A reload changed a proxy's `timeout` lines (config/timeouts-change.ts): applied to each thread's Config. No answer. */
  | { readonly type: 'timeouts'; readonly change: TimeoutsChange }
  /** A reload changed a frontend's bind lines (config/binds-change.ts): applied to each thread's Config. No answer. */
  | { readonly type: 'binds'; readonly change: BindsChange }
  /** A reload changed a backend's `balance` line (config/balance-change.ts): applied to each thread's Config. No answer. */
  | { readonly type: 'balance'; readonly change: BalanceChange }
  /**
   * A reload added frontends or backends (in spare slots) or removed some (entries marked retired)
   * (config/proxies-change.ts): applied to each thread's Config, which builds what it runs for them. No answer.
   */
  | { readonly type: 'proxies'; readonly change: ProxySlotChange }
  /**
   * main → acceptor, after 'binds' reached every forwarder: accept on `add` (main's new master sockets, row 0), stop
   * and close the listeners of `remove`. Answered by 'listeners-changed'.
   */
  | { readonly type: 'listeners-change'; readonly add: ListenerPlan; readonly remove: readonly { readonly frontend: number; readonly bind: number }[] };

/** The threads that answer a memory report besides the forwarders. */
export type ThreadKind = 'forwarder' | 'acceptor' | 'health-checker' | 'stats' | 'peers';

/** threads → main. `thread` is the forwarder slot, -1 for the acceptor. */
export type ReportMessage =
  | { readonly type: 'ready'; readonly thread: number }
  | { readonly type: 'bound'; readonly thread: number }
  | { readonly type: 'bind-error'; readonly thread: number; readonly error: PlainError }
  | { readonly type: 'drained'; readonly thread: number }
  | { readonly type: 'memory'; readonly id: number; readonly kind: ThreadKind; readonly thread: number; readonly figures: MemoryFigures }
  /** A forwarder's answer to 'sessions': its `show sess` lines, or how many sessions it cut. */
  | { readonly type: 'sessions'; readonly id: number; readonly thread: number; readonly lines: readonly string[]; readonly cut: number }
  /** The thread no longer accepts (answer to 'pause-listeners'): main may take the sockets out of LISTEN. */
  | { readonly type: 'listeners-paused'; readonly thread: number }
  /** The thread accepts again (answer to 'resume-listeners'). */
  | { readonly type: 'listeners-resumed'; readonly thread: number }
  /** A listener could not be kept (reopening failed): main exits with this alert. */
  | { readonly type: 'listener-lost'; readonly thread: number; readonly alert: string }
  /**
   * The acceptor's answer to 'listeners-change': `alert` when some new listeners (`failed`) could not be watched;
   * main then closes their sockets.
   */
  | {
    readonly type: 'listeners-changed';
    readonly thread: number;
    readonly alert?: string;
    readonly failed?: readonly { readonly frontend: number; readonly bind: number }[];
  };

function typeOf(msg: unknown): unknown {
  return typeof msg === 'object' && msg !== null && 'type' in msg ? msg.type : undefined;
}

/** Narrows a message from another thread (data: parse, don't trust). */
export function asControl(msg: unknown): ControlMessage | undefined {
  const t = typeOf(msg);
  return t === 'stop' || t === 'hard-stop' || t === 'crash' || t === 'stall' || t === 'pause-listeners' ||
    t === 'resume-listeners' || t === 'memory-report' || t === 'sessions' || t === 'server-set' || t === 'timeouts' ||
    t === 'binds' || t === 'listeners-change' || t === 'balance' || t === 'proxies'
    ? (msg as ControlMessage)
    : undefined;
}

export function asReport(msg: unknown): ReportMessage | undefined {
  const t = typeOf(msg);
  return t === 'ready' || t === 'bound' || t === 'bind-error' || t === 'drained' || t === 'memory' ||
    t === 'listeners-paused' || t === 'listeners-resumed' || t === 'listener-lost' || t === 'sessions' ||
    t === 'listeners-changed'
    ? (msg as ReportMessage)
    : undefined;
}

function hasPort(msg: object): boolean {
  return 'port' in msg && typeof msg.port === 'object' && msg.port !== null && 'postMessage' in msg.port;
}

export function asHandoffPort(msg: unknown): HandoffPortMessage | undefined {
  return typeOf(msg) === 'handoff-port' && hasPort(msg as object) ? (msg as HandoffPortMessage) : undefined;
}

export function asForwarderLink(msg: unknown): ForwarderLinkMessage | undefined {
  if (typeOf(msg) !== 'forwarder-link') return undefined;
  const link: unknown = (msg as { link?: unknown }).link;
  return typeof link === 'object' && link !== null && hasPort(link) && 'slot' in link && typeof link.slot === 'number' &&
    'threadId' in link && typeof link.threadId === 'number'
    ? (msg as ForwarderLinkMessage)
    : undefined;
}
