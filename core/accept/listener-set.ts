// The listeners of one accepting thread (the acceptor, or each forwarder with `--accept reuseport`), and how they
// pause. HAProxy pauses a listener by no longer polling its fd: connections wait in the kernel's accept queue. A
// net.Server cannot stop accepting without closing, so each listener here is a net.Server on a DUP of a listening
// socket the main thread keeps (master-sockets.ts): closing the server stops accept() while the kernel keeps the
// socket listening and queueing; resuming is a new server on a fresh dup. A thread restart reopens on new dups, so
// no port is ever re-bound after the privilege drop.
// Without the addon (no dup, no master sockets) a listener is a plain net.Server with SO_REUSEPORT: pausing closes it,
// so the kernel refuses (or, with another listener in the group, redistributes) connections meanwhile, and reopening
// binds again, which fails for a port below 1024 after the privilege drop (reported through onLost).

import net from 'node:net';
import { OrcaError } from '../errors.js';
import type { FdDup } from './fd-handoff.js';
import { bindAlert, errnoText, type ListenTarget } from './listeners.js';

/**
 * Why a listener is paused; it accepts again only when no reason is left. 'global' / 'frontend': that maxconn is
 * reached; 'tickets': too many handoffs in flight; 'signal': SIGTTOU (until SIGTTIN); 'stopping': for good.
 */
export type PauseReason = 'global' | 'frontend' | 'tickets' | 'signal' | 'stopping';

export interface ListenerSetOptions {
  readonly targets: readonly ListenTarget[];
  /** This thread's master fd per target (same order); undefined: no addon, bind each target here. */
  readonly fds?: readonly number[];
  readonly dup?: FdDup;
  /** Accepted sockets arrive paused (pauseOnConnect): no byte is read before the owner is decided. */
  readonly onConnection: (socket: net.Socket, target: ListenTarget) => void;
  /** A listener could not be reopened: this thread no longer accepts on it. The alert reads like HAProxy's. */
  readonly onLost: (alert: string) => void;
}

interface Entry {
  readonly target: ListenTarget;
  readonly fd: number | undefined;
  server: net.Server | undefined;
  /** A server being opened (its listen callback not run yet): never two at once for one listener. */
  starting: Promise<void> | undefined;
  readonly reasons: Set<PauseReason>;
}

export class ListenerSet {
  private readonly entries: Entry[];
  private readonly options: ListenerSetOptions;

  constructor(options: ListenerSetOptions, initiallyPaused: readonly PauseReason[] = []) {
    this.options = options;
    this.entries = options.targets.map((target, i) => ({
      target,
      fd: options.fds?.[i],
      server: undefined,
      starting: undefined,
      reasons: new Set(initiallyPaused),
    }));
  }

  /**
   * Starts accepting on every listener that is not paused. Rejects with OrcaError ORCA_BIND_FAILED (closing what
   * was opened) when one cannot be opened: a dup failing, or, without the addon, a bind failing.
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
   * Removes `reason`; listeners left with no reason accept again. Resolves once they do (at once with master
   * sockets; after the bind without the addon). Never rejects: a listener that cannot reopen goes to onLost.
   */
  resume(reason: PauseReason, frontend?: number): Promise<void> {
    const starting: Promise<void>[] = [];
    for (const e of this.entries) {
      if (frontend !== undefined && e.target.frontend !== frontend) continue;
      if (!e.reasons.delete(reason) || e.reasons.size > 0 || e.server !== undefined) continue;
      // Paused and resumed again while the previous open is in flight: that open finishes the job.
      if (e.starting !== undefined) {
        starting.push(e.starting);
        continue;
      }
      starting.push(
        this.start(e).catch((err: unknown) => {
          e.reasons.add('stopping');
          this.options.onLost(err instanceof Error ? err.message : String(err));
        }),
      );
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
    return this.entries.filter((e) => e.server !== undefined).length;
  }

  /** Stops accepting for good (graceful stop); live connections are untouched. */
  closeAll(): void {
    for (const e of this.entries) {
      e.reasons.add('stopping');
      this.stopAccepting(e);
    }
  }

  private stopAccepting(e: Entry): void {
    const server = e.server;
    if (server === undefined) return;
    e.server = undefined;
    // close() releases this thread's copy of the socket at once (libuv closes the fd synchronously); the master
    // copy keeps it listening. Its 'close' event waits for accepted sockets, which are not this server's business.
    server.close();
  }

  private start(e: Entry): Promise<void> {
    const opening = this.open1(e).finally(() => {
      e.starting = undefined;
    });
    e.starting = opening;
    return opening;
  }

  private open1(e: Entry): Promise<void> {
    const { onConnection, dup } = this.options;
    const t = e.target;
    const server = net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => onConnection(socket, t));
    return new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(new OrcaError('ORCA_BIND_FAILED', bindAlert(t, errnoText(err.code, err.message))));
      });
      const listening = (): void => {
        server.removeAllListeners('error');
        // Accept errors (ECONNABORTED, EMFILE…) must not kill the thread; libuv keeps the listener going.
        server.on('error', () => undefined);
        e.server = server;
        // Paused while the bind was in flight: stop at once.
        if (e.reasons.size > 0) this.stopAccepting(e);
        resolve();
      };
      if (e.fd === undefined) {
        server.listen({ host: t.address, port: t.port, reusePort: true, backlog: t.backlog }, listening);
        return;
      }
      let copy: number;
      try {
        copy = (dup as FdDup)(e.fd);
      } catch (err) {
        reject(new OrcaError('ORCA_BIND_FAILED', bindAlert(t, err instanceof Error ? err.message : String(err))));
        return;
      }
      // The backlog goes as an argument: listen({ fd }) ignores options.backlog and would reset the shared
      // socket's queue to Node's 511.
      server.listen({ fd: copy }, t.backlog, listening);
    });
  }
}
