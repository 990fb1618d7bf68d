// Idle-time heap compaction: after a burst (a connection storm, a spell of load, the thread's own start) has grown the
// V8 heap, and once the thread has gone quiet, one memory-reducing full GC gives the garbage and the grown young
// generation back to the system. Every orcalb thread has one (workers/forwarder.ts, acceptor.ts, health-checker.ts,
// main-thread.ts): in each once right after start, then whenever a burst has grown that thread's heap (in practice
// the forwarders; the acceptor after a connection storm).
//
// Why (issue 10, idle memory per connection): V8 starts its own memory reducer only after a mark-compact, and Node
// runs no idle-time GC, so a burst that never filled the old generation's first limit (half of the thread's
// maxOldGenerationSizeMb) leaves everything it promoted, and a new space grown to its maximum, resident for good.
// Measured on 4,000 idle L4 connections opened 200 at a time (1 forwarder, the 48 MB young generation): the
// forwarder's heap grew 18 → 56 MiB of which 21 MiB was live; RSS per connection 16.4 KiB, 5.6 KiB after one
// memory-reducing GC. HAProxy returns pool memory the same way, when idle (its pool_gc), not per object.
// At start (`fromStart`): loading and compiling a thread's modules grows its new space to 8 MiB and leaves the
// parse's garbage; one collection once the thread is idle gives it back (idle RSS of the process, issue 10).
//
// When: every CHECK_MS the thread reads its heap statistics (one small object) and its event-loop utilization.
// "Quiet" = for QUIET_CHECKS checks in a row the loop was busy less than QUIET_UTILIZATION of the time and the used
// heap moved by less than QUIET_BYTES (a heap reading alone is not enough: under load a scavenge can bring the used
// heap back to where it was 250 ms earlier, and a compaction then would shrink the new space that load had grown,
// measured: 4 collections of up to 35 ms in 8 s of keep-alive load, and 5× the scavenges); "grown" = the committed
// heap is GROWTH_BYTES above what it was right after the last compaction (or at start). Both → one collection, which
// costs a full mark-compact of the live heap (~2 ms per MiB live here: ~50 ms at 25 MiB) while nothing is waiting.
// A thread under load is never quiet, one whose heap only holds live connections
// does not grow again, so the pause comes once per burst, not periodically. And a client that makes bursts on
// purpose (open many connections, wait, again) gets at most MAX_PAUSE_SHARE of the thread's time spent in these
// pauses: after a collection that took P ms the next one waits at least P / MAX_PAUSE_SHARE ms. The one after start
// is not counted: it happens once, whatever clients do, and counting it would hold back the first burst's.
//
// How: Node has no public call for a GC. The V8 flag --expose-gc, set at run time, makes V8 install `gc` in contexts
// created afterwards; a fresh vm context hands us that function. The flag is V8-wide and only adds a `gc` global to
// new contexts; nothing else in orcalb creates vm contexts. `gc({ flavor: 'last-resort' })` is V8's
// memory-reducing collection (it also shrinks the new space and releases pooled pages), not a plain major GC, which
// keeps the committed heap as it is.
//
// Then the process's own share (residentTrim, when the thread has the native addon): the clean pages of node's binary
// that start-up or the burst ran once (measured at start: 50 of the idle process's 97 MiB of RSS were these file
// pages, ~12 of them still in use once idle) and the free memory glibc's malloc keeps. Process-wide, so whichever
// thread compacts last trims for all; its time (~5-12 ms, mostly reading /proc/self/smaps) counts as the pause's.

import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { NativeAddon } from '../native-addon.js';

/** How often the thread looks at its heap, in ms. */
export const CHECK_MS = 100;
/** Used-heap movement between two checks under which the thread counts as quiet (the sweep's ticks stay below). */
export const QUIET_BYTES = 256 * 1024;
/** Share of a check's interval the event loop may have been busy in, for the thread to count as quiet. */
export const QUIET_UTILIZATION = 0.02;
/** Consecutive quiet checks before a collection. */
export const QUIET_CHECKS = 3;
/** The most of a thread's wall time these collections may take (see the header: bursts on purpose). */
export const MAX_PAUSE_SHARE = 0.02;
/** Growth of the committed heap since the last compaction that is worth one. */
export const GROWTH_BYTES = 8 * 1024 * 1024;

/** The heap figures a decision needs (v8.getHeapStatistics's names). */
export interface HeapFigures {
  readonly used_heap_size: number;
  readonly total_heap_size: number;
}

/** One check's reading: the heap now, and how busy the event loop was since the previous check (0..1). */
export interface Reading extends HeapFigures {
  readonly utilization: number;
}

/** A memory-reducing full collection, synchronous. */
export type Collect = () => void;

/**
 * The decision alone, fed one reading per check (pure, so a test drives it with figures). `compacted` tells it the
 * heap right after a collection, which becomes the new baseline.
 */
export class CompactionPolicy {
  private lastUsed: number;
  private baseline: number;
  private quietChecks = 0;
  private notBefore = 0;
  /** The collection after start is still to come (fromStart): it does not count against MAX_PAUSE_SHARE. */
  private startPending: boolean;

  /** `fromStart`: count all of the heap as growth, i.e. collect at the first quiet check (what start-up left). */
  constructor(start: HeapFigures, fromStart = false) {
    this.lastUsed = start.used_heap_size;
    this.baseline = fromStart ? 0 : start.total_heap_size;
    this.startPending = fromStart;
  }

  /** One check: true when the heap has grown and the thread has been quiet for QUIET_CHECKS checks: collect now. */
  due(now: Reading, nowMs: number): boolean {
    const quiet = now.utilization < QUIET_UTILIZATION && Math.abs(now.used_heap_size - this.lastUsed) < QUIET_BYTES;
    this.quietChecks = quiet ? this.quietChecks + 1 : 0;
    this.lastUsed = now.used_heap_size;
    if (now.total_heap_size < this.baseline) this.baseline = now.total_heap_size;
    return this.quietChecks >= QUIET_CHECKS && now.total_heap_size - this.baseline >= GROWTH_BYTES && nowMs >= this.notBefore;
  }

  /** A collection ended at `nowMs` after `tookMs`, leaving `after`. */
  compacted(after: HeapFigures, nowMs: number, tookMs: number): void {
    this.lastUsed = after.used_heap_size;
    this.baseline = after.total_heap_size;
    this.quietChecks = 0;
    if (this.startPending) this.startPending = false;
    else this.notBefore = nowMs + tookMs / MAX_PAUSE_SHARE;
  }
}

/** V8's gc function, from a fresh context once --expose-gc is set; undefined if this V8 refuses (then: no compaction). */
export function memoryReducingGc(): Collect | undefined {
  let gc: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== 'function') {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('typeof gc === "function" ? gc : undefined');
    } catch {
      return undefined;
    }
  }
  if (typeof gc !== 'function') return undefined;
  const fn = gc as (o: { type: string; execution: string; flavor: string }) => unknown;
  return () => void fn({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

/**
 * The process-wide trim after a collection (native/resident-trim.c): file pages the process no longer runs and
 * malloc's free memory back to the system. Undefined without the addon (or with a build older than the trim).
 */
export function residentTrim(addon: NativeAddon | undefined): (() => void) | undefined {
  const drop = addon?.dropFilePages;
  const trim = addon?.mallocTrim;
  if (drop === undefined || trim === undefined) return undefined;
  return () => {
    drop();
    trim();
  };
}

/**
 * The running form: an unref'd interval (it never keeps the thread alive) reading the heap and collecting when the
 * policy says so. stop() ends it. `collections` counts what it did (for tests and the memory probe).
 */
export class IdleCompaction {
  collections = 0;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    options: { readonly fromStart?: boolean; readonly trim?: (() => void) | undefined } = {},
    collect: Collect | undefined = memoryReducingGc(),
    heap: () => HeapFigures = getHeapStatistics,
  ) {
    if (collect === undefined) return;
    const policy = new CompactionPolicy(heap(), options.fromStart === true);
    let elu: EventLoopUtilization = performance.eventLoopUtilization();
    this.timer = setInterval(() => {
      const since = performance.eventLoopUtilization(elu);
      elu = performance.eventLoopUtilization();
      const h = heap();
      const reading = { used_heap_size: h.used_heap_size, total_heap_size: h.total_heap_size, utilization: since.utilization };
      const start = performance.now();
      if (!policy.due(reading, start)) return;
      collect();
      options.trim?.();
      const end = performance.now();
      this.collections++;
      policy.compacted(heap(), end, end - start);
      // The collection's own time is not the thread's load.
      elu = performance.eventLoopUtilization();
    }, CHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }
}
