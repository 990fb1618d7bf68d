// Every bounded wait the tests use, in one place and with one argument order: what to wait for first, then the
// limit in ms, then what it is (for the message). A limit only stops a hung test; it is never a speed claim.
// Test-runner thread (and test workers).

import type { EventEmitter } from 'node:events';

/** The rejection of a wait that ran past its limit, so a test can tell "it hung" from "it failed". */
export class WaitTimeout extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}`);
    this.name = 'WaitTimeout';
  }
}

/**
 * Settles like `work`, or rejects with a WaitTimeout once `timeoutMs` pass first. The timer never outlives the race.
 * Use it on every promise that depends on another party (a socket, a thread, a process).
 */
export function within<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeout(what, timeoutMs)), timeoutMs);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

/**
 * Resolves once `predicate` holds, re-checking it on every `event` of `emitter` (and once at once); rejects with a
 * WaitTimeout after `timeoutMs`. The way to wait on anything that emits when it changes.
 */
export function waitOn(
  emitter: EventEmitter,
  event: string,
  predicate: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  if (predicate()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, check);
      reject(new WaitTimeout(what, timeoutMs));
    }, timeoutMs);
    const check = (): void => {
      if (!predicate()) return;
      clearTimeout(timer);
      emitter.off(event, check);
      resolve();
    };
    emitter.on(event, check);
  });
}

/**
 * Resolves once `predicate` (sync or async) holds, checking it every `everyMs`; rejects with a WaitTimeout after
 * `timeoutMs`. Only for what has no event to wait on: shared-buffer words, /proc, another process's state.
 */
export async function pollUntil(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  everyMs = 5,
): Promise<void> {
  if (!(await pollFor(predicate, timeoutMs, everyMs))) throw new WaitTimeout(what, timeoutMs);
}

/**
 * pollUntil that never rejects: resolves true once `predicate` holds, false once `timeoutMs` have passed without it.
 * For a caller that asserts the outcome itself, with a message that says more than "timed out".
 */
export async function pollFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 5,
): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const answer = predicate();
    // An async predicate that never settles (a stats socket gone silent) must not outlive the limit either.
    const held = typeof answer === 'boolean' ? answer : await settledBy(answer, end);
    if (held) return true;
    if (performance.now() > end) return false;
    await delay(everyMs);
  }
}

/** `answer`'s value, or false once the clock passes `end` first. */
async function settledBy(answer: Promise<boolean>, end: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, end - performance.now()));
  });
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves after `ms`. Only where time itself is what the test needs: letting a limit pass, or giving something that
 * must NOT happen the chance to happen. Never as a wait for something that will happen (use the waits above).
 */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
