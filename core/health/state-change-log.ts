// The lines HAProxy 2.6 logs when a check changes a server's state (src/server.c srv_update_status,
// srv_append_status; src/backend.c set_backend_down), word for word, and the levels it logs them at:
// stderr via ha_warning/ha_alert, syslog via send_log. Pure text builders plus one emitter; health-check thread.

import type { Logger, LogLevel } from '../log.js';
import { hasLayer7Code, type CheckStatusSpec } from './check-status.js';

/** HAProxy's HCHK_DESC_LEN: a check's info text is cut to 127 bytes before it is logged. */
export const CHECK_INFO_MAX = 127;

/** What a state-change line reports. Counts are taken after the change, as HAProxy prints them. */
export interface ServerChange {
  readonly backend: string;
  readonly server: string;
  readonly backup: boolean;
  readonly status: CheckStatusSpec;
  readonly info: string;
  /** Layer-7 status code printed for L7 statuses (0 for tcp-check). */
  readonly code: number;
  readonly durationMs: number;
  /** Usable active / backup servers of the backend after the change. */
  readonly active: number;
  readonly backups: number;
  /** Live connections on the server, and connections waiting in its queue. */
  readonly sessions: number;
  readonly queued: number;
}

/**
 * HAProxy's chunk_asciiencode with '"' as the quote: bytes that are not printable ASCII, '<', '>' and '"' become
 * `<XX>` (hex, upper case). The text is cut to CHECK_INFO_MAX first, as HAProxy stores it. Pure.
 */
export function encodeInfo(info: string): string {
  // Info built from raw bytes (binary patterns) holds only chars <= 0xFF; anything wider came from UTF-8 config text.
  const raw = /[^\u0000-\u00ff]/.test(info) ? Buffer.from(info, 'utf8') : Buffer.from(info, 'latin1');
  const bytes = raw.subarray(0, CHECK_INFO_MAX);
  let out = '';
  for (const c of bytes) {
    const printable = c >= 0x20 && c < 0x7f && c !== 0x3c && c !== 0x3e && c !== 0x22;
    out += printable ? String.fromCharCode(c) : `<${c.toString(16).toUpperCase().padStart(2, '0')}>`;
  }
  return out;
}

/** `, reason: …[, code: N][, info: "…"], check duration: Nms` (srv_append_status). Pure. */
function reasonPart(c: ServerChange): string {
  let s = `, reason: ${c.status.desc}`;
  if (hasLayer7Code(c.status)) s += `, code: ${c.code}`;
  if (c.info.length > 0) s += `, info: "${encodeInfo(c.info)}"`;
  return `${s}, check duration: ${c.durationMs}ms`;
}

function runningOnBackup(c: ServerChange): string {
  return c.backups > 0 && c.active === 0 ? ' Running on backup.' : '';
}

/**
 * `Server be/srv is DOWN, reason: …. 2 active and 0 backup servers left. 0 sessions active, …` Pure. `withReason`
 * false: `option log-health-checks` said the reason in the check's own line already (haproxy 2.6.12 then leaves it
 * out: `Server be/srv is DOWN. 0 active…`, measured).
 */
export function serverDownText(c: ServerChange, withReason = true): string {
  return (
    `${c.backup ? 'Backup ' : ''}Server ${c.backend}/${c.server} is DOWN${withReason ? reasonPart(c) : ''}. ` +
    `${c.active} active and ${c.backups} backup servers left.${runningOnBackup(c)} ` +
    `${c.sessions} sessions active, 0 requeued, ${c.queued} remaining in queue.`
  );
}

/** `Server be/srv is UP, reason: …. 3 active and 0 backup servers online. 0 sessions requeued, …` Pure. */
export function serverUpText(c: ServerChange, withReason = true): string {
  return (
    `${c.backup ? 'Backup ' : ''}Server ${c.backend}/${c.server} is UP${withReason ? reasonPart(c) : ''}. ` +
    `${c.active} active and ${c.backups} backup servers online.${runningOnBackup(c)} ` +
    `0 sessions requeued, ${c.queued} total in queue.`
  );
}

/** Where one check left the rise/fall counter, for `option log-health-checks`'s line. */
export interface CheckStep {
  /** The counter after the check (core/health/health-counter.ts), and the server's rise/fall. */
  readonly health: number;
  readonly rise: number;
  readonly fall: number;
  /** The server's configured weight is 0: HAProxy says DRAIN where it would say UP. */
  readonly drained: boolean;
}

/**
 * `option log-health-checks` (§4.2): the line of a check that moved the counter, `Health check for [backup ]server
 * be/srv [conditionally ]succeeded|failed, reason: …[, code: N][, info: "…"], check duration: Nms, status: x/y
 * UP|DRAIN|DOWN` (haproxy 2.6.12's wording, measured): x/y is the way up (n/rise) below `rise`, else the way down
 * ((health-rise+1)/fall). Pure.
 */
export function checkResultText(c: ServerChange, step: CheckStep): string {
  const passed = c.status.result === 'passed' || c.status.result === 'condpass';
  const up = step.health >= step.rise;
  const where = up ? `${step.health - step.rise + 1}/${step.fall} ${step.drained ? 'DRAIN' : 'UP'}` : `${step.health}/${step.rise} DOWN`;
  return (
    `Health check for ${c.backup ? 'backup ' : ''}server ${c.backend}/${c.server} ` +
    `${c.status.result === 'condpass' ? 'conditionally ' : ''}${passed ? 'succeeded' : 'failed'}${reasonPart(c)}, status: ${where}.`
  );
}

/**
 * The last-server-gone line. HAProxy prints it twice, differently: on stderr with the name quoted
 * (`backend 'be' has no server available!`), in syslog without quotes. A `listen` section is a "proxy". Pure.
 */
export function noServerText(section: 'backend' | 'listen', name: string, quoted: boolean): string {
  const kind = section === 'listen' ? 'proxy' : 'backend';
  return quoted ? `${kind} '${name}' has no server available!` : `${kind} ${name} has no server available!`;
}

/** The syslog side of a backend's lines: its own `log` targets and tag (HAProxy's send_log(proxy, …)), or none. */
export type SyslogFor = (backend: string) => Logger | undefined;

/**
 * Where state changes are written. HAProxy writes each line to stderr at one level (ha_warning: DOWN and UP alike;
 * ha_alert: no server left) and to the backend's own log targets at another (alert for DOWN, notice for UP, emerg
 * for no server); a backend without `log` lines sends nothing there, not even to the global targets (haproxy
 * 2.6.12, checked). `syslog` is one Logger for every backend, or one per backend. With only `stderr` given, it
 * receives everything at the stderr levels.
 */
export class StateChangeLog {
  readonly #stderr: Logger;
  readonly #syslog: SyslogFor;

  constructor(stderr: Logger, syslog?: Logger | SyslogFor) {
    this.#stderr = stderr;
    this.#syslog = typeof syslog === 'function' ? syslog : () => syslog;
  }

  /** `withReason` false: the backend logs each check (option log-health-checks), which said the reason already. */
  serverDown(c: ServerChange, withReason = true): void {
    this.#emit(c.backend, 'warning', 'alert', serverDownText(c, withReason));
  }

  serverUp(c: ServerChange, withReason = true): void {
    this.#emit(c.backend, 'warning', 'notice', serverUpText(c, withReason));
  }

  /** `option log-health-checks`: a check moved the counter (stderr as a warning, syslog at notice, as HAProxy). */
  checkResult(c: ServerChange, step: CheckStep): void {
    this.#emit(c.backend, 'warning', 'notice', checkResultText(c, step));
  }

  /** Another change of a server of `backend` (dolphindb-discovery's): stderr as a warning, syslog at notice. */
  note(backend: string, text: string): void {
    this.#emit(backend, 'warning', 'notice', text);
  }

  noServer(section: 'backend' | 'listen', name: string): void {
    this.#stderr.log('alert', noServerText(section, name, true));
    this.#syslog(name)?.log('emerg', noServerText(section, name, false));
  }

  #emit(backend: string, stderrLevel: LogLevel, syslogLevel: LogLevel, text: string): void {
    this.#stderr.log(stderrLevel, text);
    this.#syslog(backend)?.log(syslogLevel, text);
  }
}
