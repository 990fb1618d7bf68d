// The listeners of one accepting thread (the acceptor, or each forwarder with `--accept reuseport`), and how they
// pause. HAProxy pauses a listener by no longer polling its fd: connections wait in the kernel's accept queue.
// With the addon every listener is this thread's DUP of a listening socket the main thread keeps
// (master-sockets.ts), polled by libuv through native/accept-watch.c: pausing stops the polling (the kernel keeps
// queueing), resuming polls again, and each wake accepts with accept4() after the gate reserved room
// (accept-burst.ts), so a connection costs no net.Socket and no dup in this thread (../shared/perf/README.md §3). A
// thread restart watches new dups, so no port is ever re-bound after the privilege drop.
// Without the addon (no dup, no master sockets) a listener is a plain net.Server with SO_REUSEPORT: pausing closes it,
// so the kernel refuses (or, with another listener in the group, redistributes) connections meanwhile, and reopening
// binds again, which fails for a port below 1024 after the privilege drop (reported through onLost).

import net from 'node:net';
import { OrcaError } from '../errors.js';
import type { AcceptWatch, NativeAddon } from '../native-addon.js';
import { acceptBurst, limitMessage, type AcceptGate } from './accept-burst.js';
import { discardFd } from './fd-handoff.js';
import { acceptAlert, bindAlert, errnoText, type ListenTarget } from './listeners.js';

/**
 * Why a listener is paused; it accepts again only when no reason is left. 'global' / 'frontend': that maxconn is
 * reached; 'handoff': no forwarder can take a connection now (no handoff ticket free, or none running); 'limit':
 * accept() hit a process or system limit, retried after BACKOFF_MS; 'signal': SIGTTOU (until SIGTTIN); 'admin': the
 * runtime API's `disable frontend` (until `enable frontend`); 'stopping': for good.
 */
export type PauseReason = 'global' | 'frontend' | 'handoff' | 'limit' | 'signal' | 'admin' | 'stopping';

/** How long a listener rests after accept() hit a limit (HAProxy pauses it for up to 100 ms). */
export const BACKOFF_MS = 100;

export interface ListenerSetOptions {
  readonly targets: readonly ListenTarget[];
  /** This thread's master fd per target (same order); undefined: no addon, bind each target here. */
  readonly fds?: readonly number[];
  /** With `fds`: accept natively on a dup of each, asking `gate` around every accept. */
  readonly addon?: NativeAddon;
  readonly gate?: AcceptGate;
  /** Node's listeners (no addon) only. Accepted sockets arrive paused: no byte is read before the owner is decided. */
  readonly onConnection: (socket: net.Socket, target: ListenTarget) => void;
  /** A listener could not be (re)opened: this thread no longer accepts on it. The alert reads like HAProxy's. */
  readonly onLost: (alert: string) => void;
  /** A limit accept() ran into (HAProxy's emerg log line), each time it pauses a listener. */
  readonly onLimit?: (message: string) => void;
  /** HAProxy's maxsock, for that line. */
  readonly maxsock?: number;
}

interface Entry {
  readonly target: ListenTarget;
  readonly fd: number | undefined;
  /** Native: this thread's watcher of its dup of `fd`, made on first start; polling while `accepting`. */
  watch: AcceptWatch | undefined;
  accepting: boolean;
  /** Node (no addon): the server while it accepts. */
  server: net.Server | undefined;
  /** A server being opened (its listen callback not run yet): never two at once for one listener. */
  starting: Promise<void> | undefined;
  readonly reasons: Set<PauseReason>;
  /** Made once per listener: the native wake-up, and the burst's "still accepting?" check. */
  readonly onReadable: (status: number) => void;
  readonly isAccepting: () => boolean;
}

export class ListenerSet {
  private readonly entries: Entry[];
  private readonly options: ListenerSetOptions;

  constructor(options: ListenerSetOptions, initiallyPaused: readonly PauseReason[] = []) {
    this.options = options;
    this.entries = options.targets.map((target, i) => this.entry(target, options.fds?.[i], initiallyPaused));
  }

  private entry(target: ListenTarget, fd: number | undefined, paused: readonly PauseReason[]): Entry {
    const e: Entry = {
      target,
      fd,
      watch: undefined,
      accepting: false,
      server: undefined,
      starting: undefined,
      reasons: new Set(paused),
      onReadable: (status) => this.onReadable(e, status),
      isAccepting: () => e.accepting,
    };
    return e;
  }

  /**
   * A reload's new binds (native listeners only: `fds` are main's master sockets, dup-ed here): each starts accepting
   * unless `paused` holds a reason. Throws OrcaError ORCA_BIND_FAILED when a dup or its watcher fails (the listeners
   * added before it stay).
   */
  add(targets: readonly ListenTarget[], fds: readonly number[], paused: readonly PauseReason[]): void {
    const { addon } = this.options;
    targets.forEach((t, i) => {
      const fd = fds[i];
      if (fd === undefined || addon === undefined) throw new OrcaError('ORCA_BIND_FAILED', bindAlert(t, 'no master socket to accept on'));
      const e = this.entry(t, fd, paused);
      this.entries.push(e);
      if (e.reasons.size === 0) this.startNative(e, fd, addon);
    });
  }

  /**
   * A reload's removed bind: no longer polled, and this thread's dup closed, at once. Connections already accepted
   * are not this set's business and go on; main closes its master socket after this.
   */
  remove(frontend: number, bind: number): void {
    const i = this.entries.findIndex((e) => e.target.frontend === frontend && e.target.bind === bind);
    const e = this.entries[i];
    if (e === undefined) return;
    this.entries.splice(i, 1);
    this.closeEntry(e);
  }

  /** For good: not polled any more, this thread's dup closed. */
  private closeEntry(e: Entry): void {
    e.reasons.add('stopping');
    this.stopAccepting(e);
    if (e.watch !== undefined) this.options.addon?.acceptClose(e.watch);
    e.watch = undefined;
  }

  /**
   * Starts accepting on every listener that is not paused. Rejects with OrcaError ORCA_BIND_FAILED (closing what
   * was opened) when one cannot be opened: a dup or the watcher failing, or, without the addon, a bind failing.
   */
  async open(): Promise<void> {
    try {
      for (const e of this.entries) if (e.reasons.size === 0) await this.start(e);
    } catch (err) {
      this.closeAll();
      throw err;
    }
  }

  /** Adds `reason` to the listeners of `frontend` (all when undefined); each one that was accepting stops now. */
  pause(reason: PauseReason, frontend?: number): void {
    for (const e of this.entries) {
      if (frontend !== undefined && e.target.frontend !== frontend) continue;
      e.reasons.add(reason);
      this.stopAccepting(e);
    }
  }

  /**
   * Removes `reason`; listeners left with no reason accept again. Resolves once they do (at once natively; after the
   * bind without the addon). Never rejects: a listener that cannot reopen goes to onLost.
   */
  resume(reason: PauseReason, frontend?: number): Promise<void> {
    const starting: Promise<void>[] = [];
    for (const e of this.entries) {
      if (frontend !== undefined && e.target.frontend !== frontend) continue;
      const p = this.resumeEntry(e, reason);
      if (p !== undefined) starting.push(p);
    }
    return Promise.all(starting).then(() => undefined);
  }

  /** True when some listener (of `frontend`, or any) is paused for `reason`. */
  pausedFor(reason: PauseReason, frontend?: number): boolean {
    return this.entries.some((e) => (frontend === undefined || e.target.frontend === frontend) && e.reasons.has(reason));
  }

  /** Frontends with a listener paused for `reason` (each once). */
  frontendsPausedFor(reason: PauseReason): number[] {
    const out = new Set<number>();
    for (const e of this.entries) if (e.reasons.has(reason)) out.add(e.target.frontend);
    return [...out];
  }

  /** Listeners accepting now (tests and the pause handshake). */
  accepting(): number {
    return this.entries.filter((e) => e.accepting || e.server !== undefined).length;
  }

  /** Stops accepting for good (graceful stop); live connections are untouched. Closes this thread's dups. */
  closeAll(): void {
    for (const e of this.entries) this.closeEntry(e);
  }

  private resumeEntry(e: Entry, reason: PauseReason): Promise<void> | undefined {
    if (!e.reasons.delete(reason) || e.reasons.size > 0 || e.accepting || e.server !== undefined) return undefined;
    // Paused and resumed again while the previous open is in flight: that open finishes the job.
    if (e.starting !== undefined) return e.starting;
    return this.start(e).catch((err: unknown) => {
      e.reasons.add('stopping');
      this.options.onLost(err instanceof Error ? err.message : String(err));
    });
  }

  private stopAccepting(e: Entry): void {
    if (e.accepting && e.watch !== undefined) this.options.addon?.acceptPause(e.watch);
    e.accepting = false;
    const server = e.server;
    if (server === undefined) return;
    e.server = undefined;
    // close() releases this thread's copy of the socket at once (libuv closes the fd synchronously); the master
    // copy keeps it listening. Its 'close' event waits for accepted sockets, which are not this server's business.
    server.close();
  }

  private start(e: Entry): Promise<void> {
    const { addon } = this.options;
    if (e.fd !== undefined && addon !== undefined) {
      try {
        this.startNative(e, e.fd, addon);
        return Promise.resolve();
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    const opening = this.openServer(e).finally(() => {
      e.starting = undefined;
    });
    e.starting = opening;
    return opening;
  }

  /** Polls this thread's dup of the master socket (made on the first start, kept across pauses). Throws OrcaError. */
  private startNative(e: Entry, master: number, addon: NativeAddon): void {
    if (e.watch === undefined) {
      let copy: number | undefined;
      try {
        copy = addon.dup(master);
        e.watch = addon.acceptWatch(copy, e.onReadable);
      } catch (err) {
        if (copy !== undefined) discardFd(copy);
        throw new OrcaError('ORCA_BIND_FAILED', bindAlert(e.target, err instanceof Error ? err.message : String(err)));
      }
    }
    addon.acceptResume(e.watch);
    e.accepting = true;
  }

  /** libuv: connections wait on `e` (status < 0: the poll itself failed, e.g. the socket is gone). */
  private onReadable(e: Entry, status: number): void {
    const { addon, gate } = this.options;
    if (addon === undefined || gate === undefined || e.watch === undefined || !e.accepting) return;
    const end = status < 0 ? { kind: 'fatal' as const, errno: -status } : acceptBurst(addon, e.watch, e.target, gate, e.isAccepting);
    if (end.kind === 'wait') return;
    if (end.kind === 'backoff') {
      // A limit (fds, memory) or a socket out of LISTEN state: rest, as HAProxy does, rather than spin on the error.
      const message = limitMessage(e.target.frontendName, end.errno, this.options.maxsock ?? 0);
      if (message !== undefined && !e.reasons.has('limit')) this.options.onLimit?.(message);
      e.reasons.add('limit');
      this.stopAccepting(e);
      setTimeout(() => void this.resumeEntry(e, 'limit'), BACKOFF_MS).unref();
      return;
    }
    this.closeEntry(e);
    this.options.onLost(acceptAlert(e.target, end.errno));
  }

  private openServer(e: Entry): Promise<void> {
    const { onConnection } = this.options;
    const t = e.target;
    const server = net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => onConnection(socket, t));
    return new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(new OrcaError('ORCA_BIND_FAILED', bindAlert(t, errnoText(err.code, err.message))));
      });
      server.listen({ host: t.address, port: t.port, reusePort: true, backlog: t.backlog }, () => {
        server.removeAllListeners('error');
        // Accept errors (ECONNABORTED, EMFILE…) must not kill the thread; libuv keeps the listener going.
        server.on('error', () => undefined);
        e.server = server;
        // Paused while the bind was in flight: stop at once.
        if (e.reasons.size > 0) this.stopAccepting(e);
        resolve();
      });
    });
  }
}
