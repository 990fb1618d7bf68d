// SIGTTOU/SIGTTIN for the whole process (HAProxy's `-sf` handshake, management.txt §4): the pause and resume
// handshake between the main thread, the accepting threads (the acceptor, or every forwarder in reuseport mode) and
// the master sockets. Order matters: on pause the threads stop accepting BEFORE the sockets leave LISTEN state (a
// thread polling a socket that is not listening would spin on accept() errors); on resume the sockets listen again
// BEFORE the threads accept. Main thread only.

import type { MasterSockets } from '../core/accept/master-sockets.js';
import type { Logger } from '../core/log.js';
import type { SharedState } from '../core/shared/state-buffer.js';
import type { ControlMessage } from './messages.js';

/** How long a pause or resume waits for every accepting thread to confirm it. */
const ACK_TIMEOUT_MS = 2000;

type AckType = 'listeners-paused' | 'listeners-resumed';

export interface ListenerControlOptions {
  readonly state: SharedState;
  readonly logger: Logger;
  /** Frontend names for HAProxy's `Paused frontend X.` / `Resumed frontend X.` lines, in config order. */
  readonly frontendNames: readonly string[];
  /** How many accepting threads confirm each step. */
  readonly accepting: number;
  /** Posts a control message to the accepting threads. */
  readonly send: (msg: ControlMessage) => void;
  /** The master sockets, once opened (undefined without the addon: the threads' own sockets are closed instead). */
  readonly masters: () => MasterSockets | undefined;
  /** True once orcalb is stopping: pause and resume are then no-ops. */
  readonly stopping: () => boolean;
}

export class ListenerControl {
  private readonly o: ListenerControlOptions;
  private paused = false;
  /** Pause and resume run one at a time, in signal order. */
  private ops: Promise<void> = Promise.resolve();
  private readonly acks = new Set<number>();
  private ackType: AckType | undefined;
  private onAck: (() => void) | undefined;

  constructor(options: ListenerControlOptions) {
    this.o = options;
  }

  /**
   * SIGTTOU: no thread accepts any more, then the TCP sockets leave LISTEN state, so new connections are refused and
   * a new process can bind the ports; live connections go on. Idempotent; ordered with resume().
   */
  pause(): Promise<void> {
    this.ops = this.ops.then(async () => {
      if (this.paused || this.o.stopping()) return;
      this.paused = true;
      // A thread (re)starting from now on reads this and starts paused.
      this.o.state.storeGlobal('listenersPaused', 1);
      await this.acked('listeners-paused', { type: 'pause-listeners' });
      // A frontend the runtime API disabled is out of LISTEN already.
      const enabled = (fe: number): boolean => this.o.state.frontend(fe).load('adminPaused') === 0;
      for (const line of this.o.masters()?.unlisten(enabled) ?? []) this.o.logger.log('alert', line);
      for (const name of this.o.frontendNames) this.o.logger.log('warning', `Paused frontend ${name}.`);
    });
    return this.ops;
  }

  /** SIGTTIN: the sockets listen again, then the threads accept again (without the addon, once they bound again). */
  resume(): Promise<void> {
    this.ops = this.ops.then(async () => {
      if (!this.paused || this.o.stopping()) return;
      this.paused = false;
      // A frontend the runtime API disabled stays out of LISTEN until `enable frontend`.
      const enabled = (fe: number): boolean => this.o.state.frontend(fe).load('adminPaused') === 0;
      for (const line of this.o.masters()?.relisten(enabled) ?? []) this.o.logger.log('alert', line);
      this.o.state.storeGlobal('listenersPaused', 0);
      await this.acked('listeners-resumed', { type: 'resume-listeners' });
      for (const name of this.o.frontendNames) this.o.logger.log('warning', `Resumed frontend ${name}.`);
    });
    return this.ops;
  }

  /**
   * The runtime API's `disable frontend` / `enable frontend` for frontend `fe` (HAProxy pauses its listeners: they
   * leave LISTEN, connects are refused, live connections go on). Same order as SIGTTOU/SIGTTIN: the threads stop
   * before the sockets unlisten, the sockets listen before the threads accept; while SIGTTOU holds every listener
   * only the word changes. Resolves with haproxy 2.6.12's answer text ("" when done).
   */
  setFrontend(fe: number, enable: boolean): Promise<string> {
    const result = this.ops.then(async (): Promise<string> => {
      const slot = this.o.state.frontend(fe);
      if ((slot.load('adminPaused') === 0) === enable) return enable ? 'All sockets are already enabled.\n' : 'All sockets are already disabled.\n';
      const only = (f: number): boolean => f === fe;
      if (!enable) {
        // A thread (re)starting from now on reads this and starts with the frontend paused.
        slot.store('adminPaused', 1);
        await this.acked('listeners-paused', { type: 'pause-listeners', frontend: fe });
        if (!this.paused) for (const line of this.o.masters()?.unlisten(only) ?? []) this.o.logger.log('alert', line);
      } else {
        if (!this.paused) for (const line of this.o.masters()?.relisten(only) ?? []) this.o.logger.log('alert', line);
        slot.store('adminPaused', 0);
        await this.acked('listeners-resumed', { type: 'resume-listeners', frontend: fe });
      }
      return '';
    });
    this.ops = result.then(() => undefined);
    return result;
  }

  /** An accepting thread's confirmation (a report it sent to main). */
  ack(type: AckType, thread: number): void {
    if (type !== this.ackType) return;
    this.acks.add(thread);
    this.onAck?.();
  }

  /**
   * Sends `msg` and resolves once every accepting thread confirmed with `type`, or after a timeout (a thread
   * restarting meanwhile reads the shared pause flag and starts in the right state).
   */
  private acked(type: AckType, msg: ControlMessage): Promise<void> {
    this.acks.clear();
    this.ackType = type;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.onAck = undefined;
        this.ackType = undefined;
        resolve();
      };
      const timer = setTimeout(done, ACK_TIMEOUT_MS);
      this.onAck = () => {
        if (this.acks.size >= this.o.accepting) done();
      };
      this.o.send(msg);
    });
  }
}
