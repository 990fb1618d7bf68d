// The forwarders' traffic log rings: one lock-free single-producer / single-consumer ring per forwarder slot in its
// own SharedArrayBuffer, plus one doorbell word all rings share. The forwarder (producer) copies each line into its
// ring, no syscall; the log writer (consumer, main thread: core/log/log-writer.ts) drains every ring, builds the
// headers and sends. A line that does not fit is dropped and counted by the producer (THREAD_FIELDS.logDrops).
// Hot path on the producer side (once per logged request): the line written in place (reserve, commit), no
// allocation, one Atomics.store, an Atomics.notify only when the writer sleeps. The rings live across forwarder
// restarts (main allocates them once per slot).

/**
 * Ring header, Int32 slots: HEAD (next write offset, stored by the producer only), TAIL (next read offset, stored by
 * the consumer only), 16 words apart so the two sides never share a cache line.
 */
const HEAD = 0;
const TAIL = 16;
const HEADER_BYTES = 128;
/** Record header: message bytes, structured-data bytes, frontend index, severity (4 × int32). */
const RECORD_HEADER = 16;
/** A message length that means "the rest of the ring is unused, continue at offset 0". */
const WRAP = -1;
/** Doorbell word: 1 while the writer sleeps (and waits on it), 0 while it runs or has been rung. */
const SLEEPING = 0;
/**
 * Second doorbell word: 1 while the writer, woken, lets lines gather (and waits on it), 0 once a producer whose ring
 * is past HIGH_WATER has rung it (drain now rather than at the end of the gathering time) or the gathering is over.
 */
const GATHERING = 1;
/** A ring this full (a fraction of its bytes) cuts the writer's gathering short. */
const HIGH_WATER_DIVISOR = 8;

/** Bytes of data per ring: 1 MiB holds ~5 000 lines of 200 bytes, about a second of a busy forwarder. */
export const LOG_RING_BYTES = 1 << 20;
/**
 * The longest message (and structured data) a record keeps: in UTF-16 units for a pushed string, in bytes for a line
 * written in place (reserve/commit, pushBytes); longer text is cut.
 */
export const MAX_RECORD_CHARS = 16_384;

/** The shared memory of every ring: main allocates it, each thread attaches. */
export interface LogRingMemory {
  /** One per forwarder slot. */
  readonly rings: readonly SharedArrayBuffer[];
  /** The doorbell (two Int32: SLEEPING, GATHERING). */
  readonly doorbell: SharedArrayBuffer;
}

/** Allocates `slots` rings of `bytes` data bytes each (a multiple of 4). Main thread. */
export function allocateLogRings(slots: number, bytes = LOG_RING_BYTES): LogRingMemory {
  return {
    rings: Array.from({ length: slots }, () => new SharedArrayBuffer(HEADER_BYTES + bytes)),
    doorbell: new SharedArrayBuffer(8),
  };
}

const align4 = (n: number): number => (n + 3) & ~3;

/** The producer end of one ring: the forwarder holding the slot. */
export class LogRingProducer {
  /** The ring's data bytes: reserve() says where in them a record's message may be written. */
  readonly bytes: Buffer;
  private readonly ctl: Int32Array;
  private readonly words: Int32Array;
  private readonly bell: Int32Array;
  private readonly cap: number;
  /** Where the record reserve() placed starts (-1: none reserved). */
  private reserved = -1;
  /** TAIL as place() last read it: how full the ring is when the record is published. */
  private seenTail = 0;
  private readonly highWater: number;

  constructor(ring: SharedArrayBuffer, doorbell: SharedArrayBuffer) {
    this.ctl = new Int32Array(ring, 0, HEADER_BYTES / 4);
    this.cap = ring.byteLength - HEADER_BYTES;
    this.words = new Int32Array(ring, HEADER_BYTES, this.cap / 4);
    this.bytes = Buffer.from(ring, HEADER_BYTES, this.cap);
    this.bell = new Int32Array(doorbell);
    this.highWater = Math.floor(this.cap / HIGH_WATER_DIVISOR);
  }

  /**
   * Copies one line into the ring and rings the writer if it sleeps. False when the ring has no room (the caller
   * counts the drop). Never blocks, never allocates; text past MAX_RECORD_CHARS is cut.
   */
  push(frontend: number, severity: number, message: string, sd: string): boolean {
    const msgChars = Math.min(message.length, MAX_RECORD_CHARS);
    const sdChars = Math.min(sd.length, MAX_RECORD_CHARS);
    // UTF-16 → UTF-8 takes at most 3 bytes per unit: room for that much is asked, what is written is recorded.
    const at = this.place(align4(RECORD_HEADER + 3 * (msgChars + sdChars)));
    if (at < 0) return false;
    const msgBytes = msgChars === 0 ? 0 : this.bytes.write(msgChars === message.length ? message : message.slice(0, msgChars), at + RECORD_HEADER, 'utf8');
    const sdBytes = sdChars === 0 ? 0 : this.bytes.write(sdChars === sd.length ? sd : sd.slice(0, sdChars), at + RECORD_HEADER + msgBytes, 'utf8');
    this.publish(at, frontend, severity, msgBytes, sdBytes);
    return true;
  }

  /**
   * Copies one message of `length` bytes from `src` (already encoded, no structured data) into the ring: false when
   * it has no room for exactly that many. For a line written elsewhere when reserve() found no room for the longest.
   */
  pushBytes(frontend: number, severity: number, src: Buffer, length: number): boolean {
    const at = this.place(align4(RECORD_HEADER + length));
    if (at < 0) return false;
    src.copy(this.bytes, at + RECORD_HEADER, 0, length);
    this.publish(at, frontend, severity, length, 0);
    return true;
  }

  /**
   * Reserves room for one record whose message has at most `maxBytes` bytes, for a caller that writes the message
   * straight into `bytes` (no string, no copy): the offset where the message goes, or -1 when the ring has no room
   * (the caller counts the drop). Nothing is visible to the writer until commit(); a reservation never committed
   * (the caller threw) is simply forgotten. Never blocks, never allocates.
   */
  reserve(maxBytes: number): number {
    const at = this.place(align4(RECORD_HEADER + maxBytes));
    this.reserved = at;
    return at < 0 ? -1 : at + RECORD_HEADER;
  }

  /** Publishes the reserved record: `msgBytes` bytes written at reserve()'s offset (no structured data). */
  commit(frontend: number, severity: number, msgBytes: number): void {
    const at = this.reserved;
    if (at < 0) return;
    this.reserved = -1;
    this.publish(at, frontend, severity, msgBytes, 0);
  }

  /**
   * Where a record of `need` bytes can go: at HEAD, or at 0 after a WRAP mark at HEAD (written now, seen by the
   * consumer only once HEAD moves past it); -1 when neither has room.
   */
  private place(need: number): number {
    const head = this.ctl[HEAD] ?? 0;
    // Acquire: the consumer's TAIL store released the space behind it.
    const tail = Atomics.load(this.ctl, TAIL);
    this.seenTail = tail;
    if (head >= tail) {
      // Free: [head, cap) and [0, tail); one word stays free so head === tail only means empty.
      if (this.cap - head - (tail === 0 ? 4 : 0) >= need) return head;
      if (tail - 4 >= need) {
        this.words[head >> 2] = WRAP;
        return 0;
      }
      return -1;
    }
    return tail - head - 4 >= need ? head : -1;
  }

  /** Writes the record header at `at`, moves HEAD past the record and rings the writer if it sleeps. */
  private publish(at: number, frontend: number, severity: number, msgBytes: number, sdBytes: number): void {
    const w = at >> 2;
    this.words[w] = msgBytes;
    this.words[w + 1] = sdBytes;
    this.words[w + 2] = frontend;
    this.words[w + 3] = severity;
    let head = at + align4(RECORD_HEADER + msgBytes + sdBytes);
    if (head === this.cap) head = 0;
    // Release: the record's bytes are visible to the consumer before the new HEAD is.
    Atomics.store(this.ctl, HEAD, head);
    if (Atomics.load(this.bell, SLEEPING) === 1) {
      if (Atomics.compareExchange(this.bell, SLEEPING, 1, 0) === 1) Atomics.notify(this.bell, SLEEPING, 1);
    } else if (Atomics.load(this.bell, GATHERING) === 1) {
      // Past the high-water mark while the writer lets lines gather: drain now (a burst must not fill the ring).
      const used = head >= this.seenTail ? head - this.seenTail : this.cap - this.seenTail + head;
      if (used >= this.highWater && Atomics.compareExchange(this.bell, GATHERING, 1, 0) === 1) Atomics.notify(this.bell, GATHERING, 1);
    }
  }
}

/** What the consumer hands its callback for one record: views valid only during the call. */
export type LogRecordSink = (frontend: number, severity: number, bytes: Buffer, msgOffset: number, msgBytes: number, sd: string) => void;

/** The consumer end of every ring, with the doorbell: the log writer (main thread). */
export class LogRingConsumer {
  private readonly rings: { ctl: Int32Array; words: Int32Array; bytes: Buffer; cap: number }[];
  private readonly bell: Int32Array;

  constructor(memory: LogRingMemory) {
    this.rings = memory.rings.map((ring) => {
      const cap = ring.byteLength - HEADER_BYTES;
      return {
        ctl: new Int32Array(ring, 0, HEADER_BYTES / 4),
        words: new Int32Array(ring, HEADER_BYTES, cap / 4),
        bytes: Buffer.from(ring, HEADER_BYTES, cap),
        cap,
      };
    });
    this.bell = new Int32Array(memory.doorbell);
  }

  /** Hands every committed record of every ring to `sink`, oldest first per ring; returns how many. */
  drain(sink: LogRecordSink): number {
    let n = 0;
    for (const r of this.rings) {
      let tail = r.ctl[TAIL] ?? 0;
      const head = Atomics.load(r.ctl, HEAD);
      while (tail !== head) {
        const w = tail >> 2;
        const msgBytes = r.words[w] ?? 0;
        if (msgBytes === WRAP) {
          tail = 0;
          continue;
        }
        const sdBytes = r.words[w + 1] ?? 0;
        const sd = sdBytes === 0 ? '' : r.bytes.toString('utf8', tail + RECORD_HEADER + msgBytes, tail + RECORD_HEADER + msgBytes + sdBytes);
        sink(r.words[w + 2] ?? 0, r.words[w + 3] ?? 0, r.bytes, tail + RECORD_HEADER, msgBytes, sd);
        tail += align4(RECORD_HEADER + msgBytes + sdBytes);
        if (tail === r.cap) tail = 0;
        n++;
      }
      // Release the space to the producer.
      Atomics.store(r.ctl, TAIL, tail);
    }
    return n;
  }

  /** True when some ring holds records not drained yet. */
  pending(): boolean {
    return this.rings.some((r) => Atomics.load(r.ctl, HEAD) !== Atomics.load(r.ctl, TAIL));
  }

  /** Wakes a sleep() or a gather() now (the writer is stopping). */
  wake(): void {
    Atomics.store(this.bell, SLEEPING, 0);
    Atomics.notify(this.bell, SLEEPING);
    Atomics.store(this.bell, GATHERING, 0);
    Atomics.notify(this.bell, GATHERING);
  }

  /**
   * Lets lines gather after a wake-up: resolves after `timeoutMs`, or sooner once a producer's ring passes its
   * high-water mark (an eighth of its bytes) and rings. One wake-up then drains many lines: the writer's cost per
   * wake-up (timers, the sink's reader woken, cold caches) is paid per batch, not per line.
   */
  async gather(timeoutMs: number): Promise<void> {
    Atomics.store(this.bell, GATHERING, 1);
    const w = Atomics.waitAsync(this.bell, GATHERING, 1, timeoutMs);
    if (w.async) await w.value;
    Atomics.store(this.bell, GATHERING, 0);
  }

  /**
   * Marks the writer asleep and resolves once a producer rings (or after `timeoutMs`). Checks the rings after the
   * mark, so a line pushed just before it is never left waiting.
   */
  async sleep(timeoutMs: number): Promise<void> {
    Atomics.store(this.bell, SLEEPING, 1);
    if (this.pending()) {
      Atomics.store(this.bell, SLEEPING, 0);
      return;
    }
    const w = Atomics.waitAsync(this.bell, SLEEPING, 1, timeoutMs);
    if (w.async) await w.value;
    Atomics.store(this.bell, SLEEPING, 0);
  }
}
