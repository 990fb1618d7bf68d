// The one log writer (HAProxy's per-line send_log, done away from the forwarders): drains every forwarder's log ring
// (core/shared/log-ring.ts), builds each target's header and sends, per the frontend's compiled `log` targets
// (core/log/log-targets.ts). It sleeps on the rings' doorbell and, once woken, lets lines gather for up to BATCH_MS
// (less when a ring passes its high-water mark) before draining, so a busy forwarder rings at most once per batch. Lines a target does not take (a full UNIX socket
// buffer, a missing path) are counted in GLOBAL logSendDrops. Main thread (README "design": why not its own thread).

import type { Config } from '../../config/model.js';
import type { NativeAddon } from '../native-addon.js';
import { LogRingConsumer, type LogRingMemory } from '../shared/log-ring.js';
import type { SharedState } from '../shared/state-buffer.js';
import { LogChannel, MAX_LOG_LEN, SinkSet, type SendTally } from './log-targets.js';

/**
 * How long lines gather after the doorbell before a drain: bounds the wake-ups (and the producers' notifies). Each
 * wake-up costs the main thread ~100 µs whatever it drains (the timer, the sink's reader woken, cold caches): at ~3.5 k
 * lines/s its whole loop costs 4.5–4.8 µs per line at 50 ms, 3.4–3.7 at 250 ms (micro/log-writer-loop.ts, warm; a busy
 * forwarder's ring ends the gathering sooner at an eighth of its bytes, core/shared/log-ring.ts, so the bound is the
 * ring's room, not the time). A line then reaches its target within ~¼ s.
 */
const BATCH_MS = 250;
/** Longest sleep without a ring: a bound, in case a notify is ever missed. */
const IDLE_WAKE_MS = 1000;

export interface LogWriterOptions {
  readonly addon: NativeAddon | undefined;
  /** Where the writer reports a target that fails (once per target and error): HAProxy's ALERT on stderr. */
  readonly alert: (message: string) => void;
}

export class LogWriter {
  private readonly consumer: LogRingConsumer;
  private readonly channels: LogChannel[];
  /** The one send buffer the channels share (MAX_LOG_LEN bytes). */
  private readonly scratch: Buffer;
  private readonly sinks: SinkSet;
  private readonly state: SharedState;
  private readonly alert: (message: string) => void;
  private readonly tally: SendTally = { sent: 0 };
  /** Lines the sinks dropped, all time (GLOBAL logSendDrops; this thread is its one writer). */
  private dropped = 0;
  private readonly reported = new Map<string, string>();
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(config: Config, memory: LogRingMemory, state: SharedState, options: LogWriterOptions) {
    this.consumer = new LogRingConsumer(memory);
    this.sinks = new SinkSet(options.addon);
    const scratch = Buffer.allocUnsafe(MAX_LOG_LEN);
    this.scratch = scratch;
    this.channels = config.frontends.map((fe) => this.channelOf(config, fe));
    this.state = state;
    this.alert = options.alert;
  }

  /** True when some frontend has a target: otherwise main need not run the writer at all. */
  get needed(): boolean {
    return this.channels.some((c) => c.size > 0);
  }

  /**
   * A reload's frontends added in spare slots (`frontends`: their indexes in `config`, main's live one): their `log`
   * targets compiled as at start, and the loop started if it was not running (no frontend logged before). A removed
   * frontend keeps its channel: its sessions still finishing log their lines.
   */
  frontendsAdded(config: Config, frontends: readonly number[]): void {
    for (const f of frontends) {
      const fe = config.frontends[f];
      if (fe === undefined || fe.retired === true) continue;
      this.channels[f] = this.channelOf(config, fe);
    }
    if (this.needed && !this.stopped) this.start();
  }

  /** A frontend's `log` targets compiled (at start, and for a frontend a reload adds). */
  private channelOf(config: Config, fe: Config['frontends'][number]): LogChannel {
    return new LogChannel(fe.log ?? [], config.global, fe.logTag, this.sinks, this.scratch);
  }

  /** Starts the drain loop (idempotent). */
  start(): void {
    this.running ??= this.loop();
  }

  /** Drains every ring once now; returns the records handled. */
  drain(): number {
    const n = this.consumer.drain((frontend, severity, bytes, offset, length, sd) => {
      this.channels[frontend]?.send(severity, bytes, offset, length, sd, this.tally);
    });
    const lost = this.sinks.flush();
    if (lost > 0) {
      this.dropped += lost;
      this.state.storeGlobal('logSendDrops', this.dropped | 0);
      this.reportFailures();
    }
    return n;
  }

  /** Stops the loop after a last drain and closes the sinks. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.consumer.wake();
    await this.running;
    this.drain();
    this.sinks.close();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        this.drain();
      } catch (e) {
        this.alert(`log writer: ${String(e)}`);
      }
      await this.consumer.sleep(this.stopped ? 0 : IDLE_WAKE_MS);
      if (this.stopped) return;
      await this.consumer.gather(BATCH_MS);
    }
  }

  /** One alert per target and error kind, in HAProxy's words (it prints one per failed send; we count the rest). */
  private reportFailures(): void {
    for (const sink of this.sinks.all()) {
      const err = sink.lastError();
      if (err === undefined || this.reported.get(sink.name) === err) continue;
      this.reported.set(sink.name, err);
      this.alert(`sendmsg()/writev() failed in logger ${sink.name}: ${err}; lines to it are dropped and counted (show info DroppedLogs)`);
    }
  }
}
