// One coarse timer per forwarder thread for every session's idle and phase deadlines (HAProxy's `timeout client`,
// `server`, `http-request`, `http-keep-alive`, `queue`, `tunnel`…), instead of a Node Timeout per session or per wait.
// Forwarder threads; one DeadlineSweep per thread (a field of SessionEnv).
//
// Why (../shared/perf/README.md §1, §5): orcalb created a Timeout per wait, two per L7 request, and IdleWatch stamped
// performance.now() per chunk; together ~2 % of CPU and a timer object per connection. Here a session owns one
// Deadline entry and only *writes a number* on activity: moving a deadline later costs nothing; the sweep notices
// when it reaches the entry's slot and re-files it. Only a deadline moved *earlier* (a shorter limit after a FIN, a
// new phase) is re-filed at once, by arm().
//
// Precision: a deadline fires in the tick after it passes, i.e. up to TICK_MS late, never early. HAProxy's own
// timers run off its poll loop's clock and are as coarse; its manual gives timeouts in ms but no tighter promise.
//
// Shape: a timing wheel of SLOT_COUNT slots of TICK_MS each; an entry sits in the slot of its due time (mod the wheel),
// and one further out than the wheel's span is simply seen again after a lap and re-filed.

import { performance } from 'node:perf_hooks';

/** Granularity of every deadline, in ms. */
export const TICK_MS = 8;
const SLOT_COUNT = 512;

/** What a deadline belongs to: told when its time has come. */
export interface DeadlineOwner {
  /** The entry's due time passed (`now` on the sweep's clock). The owner may set a new due and arm() again. */
  onDeadline(now: number): void;
}

/** One session's deadline. `due` is on the sweep's clock (ms); Infinity = none. */
export class Deadline {
  due = Infinity;
  /** The wheel slot it is filed in, or -1. Owned by DeadlineSweep. */
  slot = -1;
  readonly owner: DeadlineOwner;

  constructor(owner: DeadlineOwner) {
    this.owner = owner;
  }
}

export type Clock = () => number;

/**
 * One clock reading per read callback. An L7 request reads the clock ~10 times (its phase times, deadlines, the log
 * record), nearly all inside the one callback that delivered its bytes; microseconds apart, they all stand for the
 * moment the bytes arrived, as HAProxy's now_ms stands for its whole poll-loop turn. So while a socket's read
 * callback runs (socket-io.ts brackets it with enterReadCallback / leaveReadCallback), the first reading is kept and
 * handed out again; outside one (timers, 'drain', 'connect') every call reads the clock. The kept reading never
 * outlives the callback, so no poll wait can fall between a reading and its use.
 */
let readCallbacks = 0;
let heldMs = -1;

/** A socket's read callback starts (nestable). */
export function enterReadCallback(): void {
  readCallbacks++;
}

/** The read callback entered last returns: the held reading goes with the outermost one. */
export function leaveReadCallback(): void {
  if (--readCallbacks === 0) heldMs = -1;
}

const monotonicMs: Clock = () => {
  if (heldMs >= 0) return heldMs;
  const now = performance.now();
  if (readCallbacks > 0) heldMs = now;
  return now;
};

export class DeadlineSweep {
  readonly clock: Clock;
  private readonly slots: Set<Deadline>[] = [];
  /** Absolute tick number of the last slot processed. */
  private lastTick: number;
  private filed = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly autoTimer: boolean;

  /** `clock` is injectable for tests, which then drive runDue() themselves with `autoTimer` false. */
  constructor(clock: Clock = monotonicMs, autoTimer: boolean = true) {
    this.clock = clock;
    this.autoTimer = autoTimer;
    for (let i = 0; i < SLOT_COUNT; i++) this.slots.push(new Set());
    this.lastTick = Math.floor(clock() / TICK_MS);
  }

  /** Current time on the sweep's clock (what owners add their limits to). */
  now(): number {
    return this.clock();
  }

  /**
   * Files `d` by its `due`: call after setting a due that may be earlier than before (or the first). Setting a later
   * due needs no call. Infinity unfiles it.
   */
  arm(d: Deadline): void {
    if (d.due === Infinity) {
      this.disarm(d);
      return;
    }
    // Never file into a tick already processed: it would wait a whole lap.
    const tick = Math.max(Math.ceil(d.due / TICK_MS), this.lastTick + 1);
    const slot = tick % SLOT_COUNT;
    if (d.slot === slot) return;
    if (d.slot >= 0) {
      // Filed already: the sweep meets it at the next tick of its slot and re-files it by its due then. Only a due
      // earlier than that visit needs a move (a session back from a long `timeout server` to a 10 s keep-alive wait
      // re-files nothing: every slot is visited once per lap, 4 s).
      const next = this.lastTick + 1 + ((d.slot - ((this.lastTick + 1) % SLOT_COUNT) + SLOT_COUNT) % SLOT_COUNT);
      if (next <= tick) return;
      this.slots[d.slot]!.delete(d);
    }
    else this.filed++;
    d.slot = slot;
    this.slots[slot]!.add(d);
    this.ensureTimer();
  }

  /** Unfiles `d` (its session ended, or it waits on nothing). Safe to call twice. */
  disarm(d: Deadline): void {
    d.due = Infinity;
    if (d.slot < 0) return;
    this.slots[d.slot]!.delete(d);
    d.slot = -1;
    this.filed--;
    if (this.filed === 0) this.stopTimer();
  }

  /** Entries filed: for tests and the memory report. */
  size(): number {
    return this.filed;
  }

  /** Processes every tick up to `now`: expired entries are told, the others re-filed by their current due. */
  runDue(now: number = this.clock()): void {
    const until = Math.floor(now / TICK_MS);
    // After a long stall (or with nothing filed) only one lap needs visiting: every slot is seen once.
    let tick = Math.max(this.lastTick + 1, until - SLOT_COUNT + 1);
    for (; tick <= until; tick++) {
      this.lastTick = tick;
      const set = this.slots[tick % SLOT_COUNT]!;
      if (set.size === 0) continue;
      // Deleting the current entry while iterating a Set is safe; an entry re-filed into this same slot (one lap
      // out) keeps its place and is not visited twice.
      for (const d of set) {
        if (d.due <= now) {
          set.delete(d);
          d.slot = -1;
          this.filed--;
          d.due = Infinity;
          d.owner.onDeadline(now);
        } else {
          this.arm(d);
        }
      }
    }
    this.lastTick = Math.max(this.lastTick, until);
    if (this.filed === 0) this.stopTimer();
  }

  private ensureTimer(): void {
    if (this.timer !== undefined || !this.autoTimer) return;
    this.timer = setInterval(this.tick, TICK_MS);
    // Sessions' sockets keep the thread alive; the sweep alone must not.
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private readonly tick = (): void => {
    this.runDue(this.clock());
  };
}
