// The listening sockets the main thread creates through the addon before it drops privileges, and keeps until
// exit (HAProxy binds every listener before setuid too). Accepting threads listen on dups (listener-set.ts), so a
// restarted thread, or a listener resumed after a maxconn pause, never binds again: ports below 1024 survive the
// privilege drop. TCP sockets carry SO_REUSEPORT as HAProxy's do: two frontends may bind one address, and with
// `--accept reuseport` each forwarder gets its own socket of the group. UNIX sockets follow HAProxy's scheme:
// bound at `<path>.<pid>.tmp`, given their mode and owner, then renamed over `<path>` (an old socket there is
// replaced; unlike HAProxy, any other kind of file is refused). Main thread only.

import { chmodSync, chownSync, closeSync, lstatSync, renameSync, unlinkSync } from 'node:fs';
import type { NativeAddon } from '../native-addon.js';
import { errnoCode } from '../native-addon.js';
import { bindAlert, errnoText, type ListenTarget } from './listeners.js';

/** What an accepting thread gets in its workerData: the targets and, per row, the fd of each target. */
export interface ListenerPlan {
  readonly targets: readonly ListenTarget[];
  /**
   * fds[row][i] is the master socket of targets[i] for accepting row `row`: one row for the acceptor, one per
   * forwarder slot with `--accept reuseport` (TCP rows are distinct sockets of one SO_REUSEPORT group; a UNIX socket
   * is one fd shared by every row). Undefined without the addon: each thread binds for itself.
   */
  readonly fds?: readonly (readonly number[])[];
}

/** Listening sockets taken over from an older process (workers/listener-takeover.ts), used before binding anew. */
export interface InheritedSockets {
  /** The next inherited socket on address:port, now the caller's; undefined when none is left. */
  take(address: string, port: number): number | undefined;
}

export type OpenResult =
  | { readonly ok: true; readonly sockets: MasterSockets }
  | { readonly ok: false; readonly alerts: readonly string[] };

export class MasterSockets {
  /** Grown and shrunk by a reload's bind changes (add, remove); plan() hands out copies. */
  private readonly list: ListenTarget[];
  private readonly rows: number[][];
  private readonly addon: NativeAddon;
  private closed = false;

  private constructor(targets: ListenTarget[], rows: number[][], addon: NativeAddon) {
    this.list = targets;
    this.rows = rows;
    this.addon = addon;
  }

  get targets(): readonly ListenTarget[] {
    return this.list;
  }

  /**
   * Binds every target (`rows` sockets for each TCP one; an `inherited` socket on the same address is used first). On failure closes what it opened and returns one HAProxy
   * alert per listener that failed, in config order. Never throws.
   */
  static open(targets: readonly ListenTarget[], rows: number, addon: NativeAddon, inherited?: InheritedSockets): OpenResult {
    const fds: number[][] = Array.from({ length: rows }, () => []);
    const alerts: string[] = [];
    const opened: number[] = [];
    for (const t of targets) {
      try {
        if (t.unix !== undefined) {
          const fd = openUnix(t, addon);
          opened.push(fd);
          for (const row of fds) row.push(fd);
        } else {
          for (const row of fds) {
            // A socket taken from the process `-sf` replaces shares its accept queue: nothing queued there is lost.
            const fd = inherited?.take(t.address, t.port) ?? addon.listenTcp(t.address, t.port, t.backlog);
            opened.push(fd);
            row.push(fd);
          }
        }
      } catch (e) {
        // The rows are dropped below; every fd opened so far is in `opened`.
        alerts.push(bindAlert(t, errnoText(errnoCode(e), e instanceof Error ? e.message : String(e))));
      }
    }
    if (alerts.length > 0) {
      for (const fd of new Set(opened)) closeFd(fd);
      return { ok: false, alerts };
    }
    return { ok: true, sockets: new MasterSockets([...targets], fds, addon) };
  }

  /**
   * A reload's new binds: opens them (as open() does, one socket per row) and adds them to the plan; on failure
   * nothing is added and every alert is returned. Main thread; never throws.
   */
  add(targets: readonly ListenTarget[]): OpenResult {
    if (this.closed) return { ok: false, alerts: ['the listeners are closed (stopping)'] };
    const opened = MasterSockets.open(targets, this.rows.length, this.addon);
    if (!opened.ok) return opened;
    this.list.push(...opened.sockets.list);
    opened.sockets.rows.forEach((row, r) => this.rows[r]?.push(...row));
    return { ok: true, sockets: this };
  }

  /**
   * A reload's removed binds: closes their master sockets (call once no thread polls them any more; a thread's own
   * dup keeps a socket listening until it closes it too) and drops them from the plan. Main thread.
   */
  remove(frontend: number, bind: number): void {
    const i = this.list.findIndex((t) => t.frontend === frontend && t.bind === bind);
    if (i < 0) return;
    this.list.splice(i, 1);
    const fds = new Set(this.rows.map((row) => row.splice(i, 1)[0]));
    for (const fd of fds) if (fd !== undefined) closeFd(fd);
  }

  /** The plan handed to accepting threads (plain data for workerData): copies, taken now. */
  plan(): ListenerPlan {
    return { targets: [...this.list], fds: this.rows.map((row) => [...row]) };
  }

  /**
   * SIGTTOU: takes every TCP listener out of LISTEN state (HAProxy's pause: new connections are refused and a new
   * process may bind the ports). Call only once no thread accepts on them (a thread polling a socket that is not
   * listening would spin on accept() errors). UNIX listeners stay listening (a shutdown cannot be undone on them);
   * they are paused by their threads alone. Returns one line per frontend that could not be paused.
   */
  unlisten(only?: (frontend: number) => boolean): string[] {
    return this.eachTcp((fd) => this.addon.unlisten(fd), 'pause', only);
  }

  /**
   * SIGTTIN: back into LISTEN state, before the threads reopen. `only` picks the frontends (`enable frontend`, or
   * SIGTTIN skipping a frontend the runtime API disabled). Returns one line per frontend that failed.
   */
  relisten(only?: (frontend: number) => boolean): string[] {
    return this.eachTcp((fd, t) => this.addon.relisten(fd, t.backlog), 'resume', only);
  }

  /** Closes every master socket (process exit). UNIX socket files are left in place, as HAProxy leaves them. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of new Set(this.rows.flat())) closeFd(fd);
  }

  private eachTcp(op: (fd: number, t: ListenTarget) => void, what: string, only?: (frontend: number) => boolean): string[] {
    const failed = new Map<string, string>();
    this.list.forEach((t, i) => {
      if (t.unix !== undefined || (only !== undefined && !only(t.frontend))) return;
      for (const row of this.rows) {
        const fd = row[i];
        if (fd === undefined) continue;
        try {
          op(fd, t);
        } catch (e) {
          failed.set(t.frontendName, `cannot ${what} frontend ${t.frontendName}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    });
    return [...failed.values()];
  }
}

/** HAProxy's UNIX bind: a temporary name first, so clients never see a socket without its final mode and owner. */
function openUnix(t: ListenTarget, addon: NativeAddon): number {
  const u = t.unix;
  if (u === undefined) throw new Error('not a UNIX target');
  // HAProxy renames over whatever is there; a typo such as `bind /etc/hosts` must not replace a file.
  if (existsAsNonSocket(u.path)) throw Object.assign(new Error('File exists'), { code: 'EEXIST' });
  const tmp = `${u.path}.${process.pid}.tmp`;
  removeStale(tmp);
  const fd = addon.listenUnix(tmp, t.backlog);
  try {
    if (u.mode !== undefined) chmodSync(tmp, u.mode);
    if (u.uid !== undefined || u.gid !== undefined) chownSync(tmp, u.uid ?? -1, u.gid ?? -1);
    // rename() replaces an old socket file (a previous run's, or a process being replaced) atomically.
    renameSync(tmp, u.path);
    return fd;
  } catch (e) {
    closeFd(fd);
    removeStale(tmp);
    throw e;
  }
}

function existsAsNonSocket(path: string): boolean {
  try {
    return !lstatSync(path).isSocket();
  } catch {
    return false;
  }
}

function removeStale(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Usually ENOENT; anything else shows up as the bind error that follows.
  }
}

function closeFd(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing more to release.
  }
}
