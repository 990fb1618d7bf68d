// What the reload's drains share (proxy-drain.ts for removed frontends and backends, reload-drain.ts for removed
// servers): entries keyed by name, each read every DRAIN_POLL_MS once DRAIN_GRACE_MS has passed since it was added,
// and dropped when its check says it is settled; the timer runs only while an entry waits. Main thread.

/** How often the draining entries' counts are read; a reload is rare and a check is a few Atomics.load. */
const DRAIN_POLL_MS = 250;
/**
 * An entry is checked no sooner than this after it was added: a forwarder that picked it just before it read the new
 * state counts the connection a moment later (the pick and the count are two steps).
 */
const DRAIN_GRACE_MS = 1000;

export class DrainPoll<E> {
  readonly #entries = new Map<string, { readonly entry: E; readonly since: number }>();
  readonly #settled: (entry: E) => boolean;
  #timer: NodeJS.Timeout | undefined;

  /** `settled(entry)`: true when the entry is done (it is then dropped); it acts on the entry itself. */
  constructor(settled: (entry: E) => boolean) {
    this.#settled = settled;
  }

  add(key: string, entry: E): void {
    this.#entries.set(key, { entry, since: Date.now() });
    // unref: a drain never keeps a stopping process alive.
    this.#timer ??= setInterval(() => this.#poll(), DRAIN_POLL_MS).unref();
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  delete(key: string): void {
    this.#entries.delete(key);
    this.#stopIfIdle();
  }

  get size(): number {
    return this.#entries.size;
  }

  #poll(): void {
    const now = Date.now();
    for (const [k, d] of this.#entries) {
      if (now - d.since < DRAIN_GRACE_MS) continue;
      // Dropped only if the check did not put a new entry under the same key.
      if (this.#settled(d.entry) && this.#entries.get(k) === d) this.#entries.delete(k);
    }
    this.#stopIfIdle();
  }

  #stopIfIdle(): void {
    if (this.#entries.size > 0 || this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
