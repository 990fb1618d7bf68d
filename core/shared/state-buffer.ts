// Allocates and attaches the SharedArrayBuffer that all threads share, and checks its header (magic + version)
// so a worker never reads a buffer laid out by another build. Main thread allocates; every thread attaches.
// Hot path: server()/backend() run per pick and per connection, so every slot object is built once, at attach.

import {
  BACKEND_FIELDS,
  BACKEND_WIDE_FIELDS,
  FRONTEND_FIELDS,
  FRONTEND_WIDE_FIELDS,
  GLOBAL,
  HEADER_WORDS,
  LAYOUT_MAGIC,
  LAYOUT_VERSION,
  SERVER_FIELDS,
  SERVER_WIDE_FIELDS,
  THREAD_BACKEND,
  THREAD_BACKEND_FIELDS,
  THREAD_FIELDS,
  THREAD_SERVER,
  THREAD_SERVER_FIELDS,
  computeOffsets,
  type GlobalField,
  type LayoutCounts,
  type LayoutOffsets,
  type ThreadBackendField,
  type ThreadServerField,
} from './layout.js';
import { BackendSlot, FrontendSlot, ThreadSlot } from './record-slots.js';
import { ServerSlot } from './server-slot.js';
import { StatBatch } from './stat-batch.js';

/** Throws for an index outside a table: a slot built there would read another record's memory. */
function slotAt<S>(slots: readonly S[], index: number, what: string): S {
  const slot = slots[index];
  if (slot === undefined) throw new RangeError(`shared buffer: no ${what} slot ${index} (${slots.length} in the layout)`);
  return slot;
}

/**
 * A view of the whole shared buffer; each thread builds its own over the same memory. The slot objects are made
 * once here and shared by every caller (they hold only the buffer and their offsets, and nothing can change them).
 */
export class SharedState {
  readonly buffer: SharedArrayBuffer;
  readonly counts: LayoutCounts;
  readonly offsets: LayoutOffsets;
  readonly i32: Int32Array;
  readonly i64: BigInt64Array;
  /** This thread's batched stats counters (core/shared/stat-batch.ts), shared by its slot objects. */
  readonly stats = new StatBatch();
  private readonly servers: readonly ServerSlot[];
  private readonly backends: readonly BackendSlot[];
  private readonly frontends: readonly FrontendSlot[];
  private readonly threads: readonly ThreadSlot[];

  private constructor(buffer: SharedArrayBuffer, counts: LayoutCounts) {
    this.buffer = buffer;
    this.counts = counts;
    const offsets = computeOffsets(counts);
    this.offsets = offsets;
    this.i32 = new Int32Array(buffer);
    this.i64 = new BigInt64Array(buffer);
    this.servers = Array.from(
      { length: counts.servers },
      (_, i) =>
        new ServerSlot(this.i32, this.i64, offsets.servers + i * SERVER_FIELDS.length, offsets.serverWide + i * SERVER_WIDE_FIELDS.length, this.stats),
    );
    this.backends = Array.from(
      { length: counts.backends },
      (_, i) => new BackendSlot(this.i32, offsets.backends + i * BACKEND_FIELDS.length, this.i64, offsets.backendWide + i * BACKEND_WIDE_FIELDS.length, this.stats),
    );
    this.frontends = Array.from(
      { length: counts.frontends },
      (_, i) => new FrontendSlot(this.i32, offsets.frontends + i * FRONTEND_FIELDS.length, this.i64, offsets.frontendWide + i * FRONTEND_WIDE_FIELDS.length, this.stats),
    );
    this.threads = Array.from({ length: counts.threads }, (_, i) => new ThreadSlot(this.i32, offsets.threads + i * THREAD_FIELDS.length));
  }

  /** Main thread only: a zeroed buffer with its header written. */
  static allocate(counts: LayoutCounts): SharedState {
    const offsets = computeOffsets(counts);
    const buffer = new SharedArrayBuffer(offsets.byteLength);
    const i32 = new Int32Array(buffer);
    i32[0] = LAYOUT_MAGIC;
    i32[1] = LAYOUT_VERSION;
    i32[2] = counts.servers;
    i32[3] = counts.backends;
    i32[4] = counts.frontends;
    i32[5] = counts.threads;
    i32[6] = counts.stickWords ?? 0;
    return new SharedState(buffer, counts);
  }

  /** Any thread: attach to a buffer received from the main thread. Throws if the header does not match. */
  static attach(buffer: SharedArrayBuffer): SharedState {
    const head = new Int32Array(buffer, 0, HEADER_WORDS);
    if (head[0] !== LAYOUT_MAGIC || head[1] !== LAYOUT_VERSION) {
      throw new Error(`shared buffer header mismatch: magic ${head[0]} version ${head[1]}`);
    }
    return new SharedState(buffer, {
      servers: head[2] ?? 0,
      backends: head[3] ?? 0,
      frontends: head[4] ?? 0,
      threads: head[5] ?? 0,
      // Absent rather than 0, as topologyOf leaves it without tables: both threads then hold equal counts.
      ...((head[6] ?? 0) === 0 ? {} : { stickWords: head[6] ?? 0 }),
    });
  }

  /** Server record `index` (global server index); the same object on every call. Throws RangeError outside the layout. */
  server(index: number): ServerSlot {
    return slotAt(this.servers, index, 'server');
  }

  /** Backend record `index`; the same object on every call. Throws RangeError outside the layout. */
  backend(index: number): BackendSlot {
    return slotAt(this.backends, index, 'backend');
  }

  /** Frontend record `index`; the same object on every call. Throws RangeError outside the layout. */
  frontend(index: number): FrontendSlot {
    return slotAt(this.frontends, index, 'frontend');
  }

  /** Forwarder thread record `index`; the same object on every call. Throws RangeError outside the layout. */
  thread(index: number): ThreadSlot {
    return slotAt(this.threads, index, 'thread');
  }

  /** Index in i32 of thread t's shadow `field` for server slot s (default: its slots in use). */
  threadServerIndex(thread: number, server: number, field: ThreadServerField = 'curConns'): number {
    const record = thread * this.counts.servers + server;
    return this.offsets.threadServers + record * THREAD_SERVER_FIELDS.length + THREAD_SERVER[field];
  }

  /** Index in i32 of thread t's shadow `field` for backend b (its backend-queue waiters). */
  threadBackendIndex(thread: number, backend: number, field: ThreadBackendField): number {
    const record = thread * this.counts.backends + backend;
    return this.offsets.threadBackends + record * THREAD_BACKEND_FIELDS.length + THREAD_BACKEND[field];
  }

  /** Index in i32 of thread t's shadow live-connection counter for frontend f. */
  threadFrontendIndex(thread: number, frontend: number): number {
    return this.offsets.threadFrontends + thread * this.counts.frontends + frontend;
  }

  /** Forwarder `thread` publishes its batched stats' state in its thread record (core/stats/settle-stats.ts reads it). */
  publishStats(thread: number): void {
    const t = this.thread(thread);
    this.stats.publishAs({ i32: this.i32, pendingAt: t.at('statsPending'), flushesAt: t.at('statsFlushes'), waitersAt: this.globalIndex('statsWaiters') });
  }

  /** Index in i32 of a global field, for Atomics.waitAsync / notify. */
  globalIndex(field: GlobalField): number {
    return this.offsets.global + GLOBAL[field];
  }

  loadGlobal(field: GlobalField): number {
    return Atomics.load(this.i32, this.offsets.global + GLOBAL[field]);
  }

  storeGlobal(field: GlobalField, value: number): void {
    Atomics.store(this.i32, this.offsets.global + GLOBAL[field], value);
  }

  addGlobal(field: GlobalField, delta: number): number {
    return Atomics.add(this.i32, this.offsets.global + GLOBAL[field], delta);
  }
}
