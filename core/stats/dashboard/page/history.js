// The page's memory: the last N frames' figures (10 minutes at one frame per second) in fixed-size ring buffers,
// one Float64Array per series, NaN where a frame had no value. Nothing grows past its capacity. Browser.

export class History {
  /** @param {number} capacity points kept per series */
  constructor(capacity) {
    this.capacity = capacity;
    /** Timestamps (ms) of the points, oldest first once read through at(). */
    this.times = new Float64Array(capacity);
    /** @type {Map<string, Float64Array>} */
    this.series = new Map();
    this.length = 0;
    this.head = 0; // index the next point is written at
  }

  /**
   * Starts a new point at `t`; every series gets NaN there until set() fills it.
   * @param {number} t
   */
  push(t) {
    this.times[this.head] = t;
    for (const values of this.series.values()) values[this.head] = NaN;
    this.head = (this.head + 1) % this.capacity;
    if (this.length < this.capacity) this.length++;
  }

  /**
   * Sets series `key` at the newest point (creating it, all NaN before, at its first non-null value).
   * @param {string} key
   * @param {number | null} value
   */
  set(key, value) {
    let values = this.series.get(key);
    if (values === undefined) {
      if (value === null) return;
      values = new Float64Array(this.capacity).fill(NaN);
      this.series.set(key, values);
    }
    values[(this.head - 1 + this.capacity) % this.capacity] = value ?? NaN;
  }

  /** Physical index of the i-th oldest point. @param {number} i */
  at(i) {
    return (this.head - this.length + i + this.capacity) % this.capacity;
  }

  /** Drops series that have held only NaN for the whole window (a server removed by a reload). */
  prune() {
    for (const [key, values] of this.series) {
      let any = false;
      for (let i = 0; i < this.length && !any; i++) any = !Number.isNaN(values[this.at(i)]);
      if (!any) this.series.delete(key);
    }
  }
}
