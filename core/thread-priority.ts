// Lowers the calling thread's scheduling priority (its nice value), for threads whose work may wait while the
// forwarders may not: the stats thread. Linux schedules threads one by one, so setpriority() on a thread id changes
// that thread only; the id comes from /proc/thread-self. Any thread; best effort.

import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Sets this thread's nice value to `nice` (0..19: higher yields the CPU sooner). Returns the thread id it changed,
 * or undefined where the platform gives no thread id or refuses the change (orcalb then runs as before).
 */
export function lowerThisThreadPriority(nice: number): number | undefined {
  try {
    // "/proc/thread-self" links to "<pid>/task/<tid>".
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return undefined;
    setPriority(tid, nice);
    return tid;
  } catch {
    return undefined;
  }
}
