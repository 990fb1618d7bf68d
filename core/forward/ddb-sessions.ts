// DolphinDB sessions between requests (issue 16): the per-thread board of the TCP sessions whose backend has
// `option dolphindb-inspect`, `dolphindb-drain-idle` or `dolphindb-rebalance` (orcalb's own options, mode tcp), each
// framed by core/dolphindb/session-framing.ts. Inspect counts every exchange into its server's shared slot
// (layout.ts ddb* fields, Atomics.add); drain closes every session of a drained or MAINT server right after its next
// reply (a quiet one at once); rebalance closes sessions on the fullest server of an uneven backend the same way, a
// few per second, so that clients which reconnect land on the emptier ones. Forwarder threads; one board per thread.
//
// Uneven (the balancer's tolerance): over the backend's usable servers (UP, not drained or in MAINT, weight > 0), the
// fullest holds more than max(2, 20 % of the mean) sessions above the emptiest. Counts are the servers' curConns in
// the shared buffer (every thread's sessions), so all threads see the same picture; each thread closes only its own
// sessions, at most its share (max-per-sec / threads, at least 1 per second) of the budget.

import { performance } from 'node:perf_hooks';
import { AdminFlag } from '../stats/status-text.js';
import { SessionFraming, type FrameSink } from '../dolphindb/session-framing.js';
import { ServerState } from '../shared/layout.js';
import type { ServerSlot } from '../shared/server-slot.js';
import type { BackendRuntime } from './backend-runtime.js';
import type { PipeControl } from './l4-pipe.js';
import { countExchange } from '../dolphindb/inspect-count.js';

/** Why a session is to be closed after its next reply. */
const CLOSE = { none: 0, drain: 1, rebalance: 2 } as const;
type CloseReason = (typeof CLOSE)[keyof typeof CLOSE];

/** How often the board looks at its servers' states and spread. */
const TICK_MS = 100;
/**
 * A session not answered once yet is about to send its first request (a client sends `connect` at once): closing it
 * would fail that client's connect, so a drain waits this long for it before it counts as idle.
 */
const FIRST_REQUEST_GRACE_MS = 1000;
/**
 * The keep-alive race (measured with 50 npm clients calling every 100 ms): a session closed in the middle of its idle
 * gap can have its client's next request already on the way (the client's timer runs before its event loop reads our
 * FIN), and that call fails. Right after a reply the client reads the reply and our FIN together and reconnects
 * before its next call. So a drain closes a session after its next reply, and closes it while idle only once it has
 * been quiet this long (a client not calling in a loop).
 */
const QUIET_MS = 500;

/** Whether a server takes no new sessions for good reasons: drain, MAINT (admin or state). */
function draining(slot: ServerSlot): boolean {
  return (slot.load('adminState') & (AdminFlag.MAINT | AdminFlag.DRAIN)) !== 0 || slot.load('state') === ServerState.MAINT;
}

function usable(slot: ServerSlot): boolean {
  return slot.load('state') === ServerState.UP && !draining(slot) && slot.load('effectiveWeight') > 0;
}

/** One framed session. */
export class DdbSession implements FrameSink {
  readonly framing: SessionFraming;
  readonly rt: BackendRuntime;
  readonly server: number;
  pipe: PipeControl | undefined = undefined;
  private readonly slot: ServerSlot | undefined;
  private readonly board: DdbBoard;
  /** Close as soon as the reply in flight has passed (drain). */
  closeAfterReply: CloseReason = CLOSE.none;
  /** The last error reply's text (`%[ddb.err]`), '' when none. */
  lastError = '';

  constructor(board: DdbBoard, rt: BackendRuntime, server: number) {
    this.board = board;
    this.rt = rt;
    this.server = server;
    this.slot = rt.config.options.dolphindbInspect === undefined ? undefined : rt.serverSlots[server];
    this.framing = new SessionFraming(this);
  }

  exchangeEnded(kind: number, ok: boolean, startedAt: number): void {
    const slot = this.slot;
    if (slot !== undefined) countExchange(slot, kind, ok, (performance.now() - startedAt) / 1000);
    if (!ok) this.lastError = this.framing.errorText();
    if (this.closeAfterReply !== CLOSE.none) this.board.close(this, this.closeAfterReply);
  }
}

/** One thread's framed sessions and the timer that drains and rebalances them. */
export class DdbBoard {
  private readonly sessions = new Set<DdbSession>();
  private readonly threads: number;
  private timer: NodeJS.Timeout | undefined = undefined;
  /** Rebalance tokens per backend index (fractions accumulate). */
  private readonly tokens = new Map<number, number>();
  /** Sessions this board closed, for tests and `show dolphindb` (drained, rebalanced). */
  drained = 0;
  rebalanced = 0;

  constructor(threads: number) {
    this.threads = Math.max(1, threads);
  }

  /**
   * Whether sessions of `rt` are framed at all: with inspect in either mode (an HTTP backend's WebSocket tunnels),
   * with drain-idle or rebalance in mode tcp (config load refuses them in mode http).
   */
  static wants(rt: BackendRuntime): boolean {
    const o = rt.config.options;
    return o.dolphindbInspect !== undefined || (rt.config.mode === 'tcp' && (o.dolphindbDrainIdle !== undefined || o.dolphindbRebalance !== undefined));
  }

  /** A new framed session on server `server` of `rt`; the caller sets `pipe` once the pipe runs. */
  open(rt: BackendRuntime, server: number): DdbSession {
    const s = new DdbSession(this, rt, server);
    const o = rt.config.options;
    if (o.dolphindbDrainIdle !== undefined || o.dolphindbRebalance !== undefined) {
      this.sessions.add(s);
      if (this.timer === undefined) {
        this.timer = setInterval(() => this.tick(), TICK_MS);
        this.timer.unref();
      }
    }
    return s;
  }

  /** The session ended (its pipe finished). */
  ended(s: DdbSession): void {
    this.sessions.delete(s);
    if (this.sessions.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Ends `s` from orcalb's side (PipeControl.kill); a closed session is skipped by later ticks. */
  close(s: DdbSession, why: CloseReason): void {
    if (why === CLOSE.drain) this.drained++;
    else this.rebalanced++;
    s.closeAfterReply = CLOSE.none;
    const pipe = s.pipe;
    s.pipe = undefined;
    pipe?.kill();
  }

  /** Drains, then rebalances. Never throws (a timer callback). */
  private tick(): void {
    try {
      const now = performance.now();
      for (const s of this.sessions) {
        if (s.rt.config.options.dolphindbDrainIdle === undefined || s.pipe === undefined) continue;
        const slot = s.rt.serverSlots[s.server];
        if (slot === undefined || !draining(slot) || !s.framing.tracking) continue;
        const f = s.framing;
        // Every session goes right after its next reply; one that stays quiet goes once it has been for QUIET_MS.
        s.closeAfterReply = CLOSE.drain;
        if (f.idle && now - f.lastReplyAt >= (f.exchanges > 0 ? QUIET_MS : FIRST_REQUEST_GRACE_MS)) this.close(s, CLOSE.drain);
      }
      this.rebalance(now);
    } catch {
      // A bad read of the shared buffer must not stop the timer; the next tick tries again.
    }
  }

  private rebalance(now: number): void {
    const seen = new Set<BackendRuntime>();
    for (const s of this.sessions) {
      const r = s.rt.config.options.dolphindbRebalance;
      if (r === undefined || seen.has(s.rt)) continue;
      seen.add(s.rt);
      this.rebalanceBackend(s.rt, r.idleMs, r.maxPerSec, now);
    }
  }

  private rebalanceBackend(rt: BackendRuntime, idleMs: number, maxPerSec: number, now: number): void {
    const perTick = Math.max(1, maxPerSec / this.threads) * (TICK_MS / 1000);
    let tokens = Math.min((this.tokens.get(rt.index) ?? 0) + perTick, Math.max(1, perTick));
    let total = 0;
    let n = 0;
    let min = Infinity;
    let max = -1;
    let fullest = -1;
    rt.serverSlots.forEach((slot, i) => {
      if (!usable(slot)) return;
      const c = slot.load('curConns');
      total += c;
      n++;
      if (c < min) min = c;
      if (c > max) { max = c; fullest = i; }
    });
    if (n < 2 || fullest < 0 || max - min <= Math.max(2, 0.2 * (total / n)) || tokens < 1) {
      this.tokens.set(rt.index, tokens);
      return;
    }
    // Close on the fullest server only, down to the mean, counting the sessions already chosen there: the next tick
    // looks again at the new picture.
    let pending = 0;
    for (const s of this.sessions) if (s.rt === rt && s.server === fullest && s.closeAfterReply === CLOSE.rebalance) pending++;
    let excess = Math.ceil(max - total / n) - pending;
    for (const s of this.sessions) {
      if (tokens < 1 || excess <= 0) break;
      if (s.rt !== rt || s.server !== fullest || s.pipe === undefined || s.closeAfterReply !== CLOSE.none) continue;
      const f = s.framing;
      if (!f.tracking || f.exchanges === 0) continue;
      const quiet = f.idle ? now - f.lastReplyAt : 0;
      if (quiet >= Math.max(idleMs, QUIET_MS)) {
        this.close(s, CLOSE.rebalance);
      } else if (f.lastGap >= idleMs || quiet >= idleMs) {
        // A client that pauses at least T between its calls: closed right after the reply in flight (or the next
        // one), the moment its client reads our FIN with the reply and reconnects before its next call.
        s.closeAfterReply = CLOSE.rebalance;
      } else {
        continue;
      }
      tokens--;
      excess--;
    }
    this.tokens.set(rt.index, tokens);
  }
}
