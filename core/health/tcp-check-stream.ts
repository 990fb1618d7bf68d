// The moving parts under `option tcp-check`: the check connection's input as HAProxy sees it (bytes received but
// not yet read, end of stream, error), the check deadline, and the three `tcp-check expect` matchers with their
// HAProxy 2.6 texts (src/tcpcheck.c). Runs on the health-check thread.

import { performance } from 'node:perf_hooks';
import type net from 'node:net';
import type { TcpCheckRule } from '../../config/model.js';

type ExpectRule = Extract<TcpCheckRule, { kind: 'expect' }>;

/** Received bytes kept beyond this pause the socket: an expect never judges more than tune.bufsize anyway. */
const PENDING_HIGH_WATER = 64 * 1024;

/** A check connection's input: what arrived, whether the server ended, and the first socket error. */
export class CheckStream {
  readonly #socket: net.Socket;
  readonly #pending: Buffer[] = [];
  #pendingBytes = 0;
  #wake: (() => void) | undefined;
  ended = false;
  error: Error | undefined;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      if (this.#pendingBytes >= PENDING_HIGH_WATER) socket.pause();
      this.#notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.#notify();
    });
    socket.on('error', (err: Error) => {
      this.error ??= err;
      this.#notify();
    });
    socket.on('close', () => {
      // A close without 'end' (reset, destroy) still means no more bytes will come.
      this.ended = true;
      this.#notify();
    });
  }

  /** Resolves once there is something to read, or the stream ended or failed. */
  readable(): Promise<void> {
    if (this.#pendingBytes > 0 || this.ended || this.error !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  /** Removes and returns up to `max` received bytes (HAProxy's recv into the check buffer's free room). */
  take(max: number): Buffer {
    if (max <= 0 || this.#pendingBytes === 0) return Buffer.alloc(0);
    const all = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending);
    const out = all.subarray(0, max);
    const rest = all.subarray(out.length);
    this.#pending.length = 0;
    if (rest.length > 0) this.#pending.push(rest);
    this.#pendingBytes = rest.length;
    if (this.#pendingBytes < PENDING_HIGH_WATER && this.#socket.isPaused()) this.#socket.resume();
    return out;
  }

  /** Writes and resolves with the write error, or undefined once the bytes are handed to the kernel. */
  write(data: Uint8Array): Promise<Error | undefined> {
    if (this.error !== undefined) return Promise.resolve(this.error);
    return new Promise((resolve) => {
      this.#socket.write(data, (err) => resolve(err ?? undefined));
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** The check task's expiry: every wait of a check races it. An abort of `signal` expires it at once. */
export class Deadline {
  readonly #signal: AbortSignal | undefined;
  #at = Number.POSITIVE_INFINITY;

  constructor(signal?: AbortSignal) {
    this.#signal = signal;
  }

  /** Sets the expiry, in performance.now() milliseconds. */
  set(at: number): void {
    this.#at = at;
  }

  /** `p`'s value, or 'timeout' if the deadline passes (or the signal aborts) first. A rejection reads as 'timeout'. */
  race<T>(p: Promise<T>): Promise<T | 'timeout'> {
    if (this.#signal?.aborted === true) return Promise.resolve('timeout');
    const left = this.#at - performance.now();
    if (left <= 0) return Promise.resolve('timeout');
    const signal = this.#signal;
    return new Promise((resolve) => {
      let settled = false;
      const onAbort = (): void => done('timeout');
      const timer = Number.isFinite(left) ? setTimeout(onAbort, Math.ceil(left)) : undefined;
      function done(v: T | 'timeout'): void {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      p.then(done, onAbort);
    });
  }
}

interface CompiledExpect {
  readonly bytes: Buffer | undefined;
  readonly regex: RegExp | undefined;
}

const compiled = new WeakMap<ExpectRule, CompiledExpect>();

/** The pattern as bytes (string: UTF-8 text; binary: the hex digits decoded) or as a RegExp (rstring). */
function compile(rule: ExpectRule): CompiledExpect {
  let c = compiled.get(rule);
  if (c === undefined) {
    if (rule.match === 'rstring') {
      let regex: RegExp;
      try {
        regex = new RegExp(rule.pattern);
      } catch {
        // The config validator rejects bad regexes; if one slips through it simply never matches.
        regex = /(?!)/;
      }
      c = { bytes: undefined, regex };
    } else {
      c = { bytes: Buffer.from(rule.pattern, rule.match === 'binary' ? 'hex' : 'utf8'), regex: undefined };
    }
    compiled.set(rule, c);
  }
  return c;
}

/** HAProxy's b_full(): the check buffer cannot take more, so what is there is all an expect will ever see. */
export function isFull(buf: Buffer, bufsize: number): boolean {
  return buf.length >= bufsize;
}

/**
 * Whether `buf` contains the pattern anywhere (HAProxy searches, it does not anchor); 'short' when the read is not
 * final and holds fewer bytes than a string/binary pattern. rstring runs on the bytes read as Latin-1. Pure.
 */
export function matchExpect(rule: ExpectRule, buf: Buffer, lastRead: boolean): boolean | 'short' {
  const c = compile(rule);
  if (c.regex !== undefined) return c.regex.test(buf.toString('latin1'));
  const bytes = c.bytes ?? Buffer.alloc(0);
  if (!lastRead && buf.length < bytes.length) return 'short';
  return buf.indexOf(bytes) >= 0;
}

/** `expect string 'PONG'`, `expect binary '<raw bytes>'` or `expect regex`, as HAProxy names a step. Pure. */
export function expectDescription(rule: ExpectRule): string {
  switch (rule.match) {
    case 'string':
      return `expect string '${rule.pattern}'`;
    case 'binary':
      return `expect binary '${printedBytes(rule)}'`;
    case 'rstring':
      return 'expect regex';
  }
}

/** HAProxy's generic expect failure text, without " at step N". Pure. */
export function expectFailure(rule: ExpectRule, matched: boolean): string {
  const head = matched ? 'TCPCHK matched unwanted content' : 'TCPCHK did not match content';
  switch (rule.match) {
    case 'string':
      return `${head} '${rule.pattern}'`;
    case 'binary':
      return `${head} (binary)`;
    case 'rstring':
      return `${head} (regex)`;
  }
}

/** HAProxy prints a binary pattern's raw bytes with %.*s: they stop at the first NUL. */
function printedBytes(rule: ExpectRule): string {
  const bytes = compile(rule).bytes ?? Buffer.alloc(0);
  const nul = bytes.indexOf(0);
  return bytes.subarray(0, nul < 0 ? bytes.length : nul).toString('latin1');
}
