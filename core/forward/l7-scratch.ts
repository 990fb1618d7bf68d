// What the HTTP engine of one forwarder thread reuses for every message: the out buffer where what leaves in ONE write
// is assembled (a rewritten head followed by the body bytes that arrived with it, or a re-chunked body), and the
// byte-level head views and editor (core/http1/head-view.ts, head-edit.ts) a message is parsed into and rewritten
// with. Forwarder threads; hot path (every head, every body read that needs assembling). Each use is synchronous and
// complete within one socket callback, so one set per thread serves every session.
//
// Why (../shared/perf/README.md §1, §5): writing the head and its body separately costs a system call, a TCP segment
// and a wake-up of the peer per message (3 writes per request where HAProxy makes 2; coalescing alone gave +17 %).
// Assembling in a reused buffer instead of Buffer.concat allocates nothing: SocketIo.write copies only what the
// kernel did not take, so the buffer is free again as soon as the write returns (its contents are never retained).

import type net from 'node:net';
import { statHeadBytes } from '../http1/head-bytes.js';
import { HeadEdit } from '../http1/head-edit.js';
import { HeadView } from '../http1/head-view.js';
import type { SocketIo } from '../io/socket-io.js';
import { RuleAnswer } from './http-rules/rule-answer.js';

/** A head (≤ 16 KiB, rewrites included) plus one read (64 KiB) fits without growing. */
const INITIAL_BYTES = 128 * 1024;

/** Bytes being assembled for one write. Use: reset(), text()/bytes() in order, then flush(). Synchronous only. */
export class OutBuffer {
  private buf: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private len = 0;
  /** Header lines of the head appended from an edit since reset(), -1 when none was (or it came as bytes). */
  private headFields = -1;

  reset(): void {
    this.len = 0;
    this.headFields = -1;
  }

  get length(): number {
    return this.len;
  }

  /** Appends a Latin-1 string (a head: one byte per char). */
  text(s: string): void {
    this.ensure(s.length);
    this.len += this.buf.write(s, this.len, 'latin1');
  }

  /** Appends the outgoing head `edit` describes (HeadEdit.write: byte for byte what the rewrite decided). */
  head(edit: HeadEdit): void {
    this.ensure(edit.byteLength());
    this.len += edit.write(this.buf, this.len);
    this.headFields = edit.liveCount();
  }

  /** Appends a head: an edit in progress, or one already written out (kept for a connect or a replay). */
  prefix(head: HeadEdit | Buffer): void {
    if (head instanceof HeadEdit) this.head(head);
    else this.bytes(head, 0, head.length);
  }

  /** Appends src[start, end). */
  bytes(src: Buffer, start: number, end: number): void {
    if (end <= start) return;
    this.ensure(end - start);
    this.len += src.copy(this.buf, this.len, start, end);
  }

  /**
   * HAProxy's stats count of the head assembled at [0, end) (core/http1/head-bytes.ts statHeadBytes): from the edit's
   * header count when it came from one (no scan), else by scanning the bytes.
   */
  headStatBytes(end: number): number {
    return this.headFields >= 0 ? end - 4 * this.headFields : statHeadBytes(this.buf, end);
  }

  /** Writes what was assembled to `dst` (SocketIo.write: true when all is in the kernel) and empties the buffer. */
  flush(io: SocketIo, dst: net.Socket): boolean {
    const n = this.len;
    this.len = 0;
    return io.write(dst, this.buf, 0, n);
  }

  private ensure(more: number): void {
    if (this.len + more <= this.buf.length) return;
    // Rare (a huge errorfile, a body span larger than a read): grow, keeping what is assembled.
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + more));
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }
}

/** One thread's reusable pieces. */
export interface L7Scratch {
  readonly out: OutBuffer;
  /** A request head parsed from the shared read buffer (a session parsing a head across reads has its own). */
  readonly request: HeadView;
  readonly response: HeadView;
  /** The outgoing form of the head being forwarded. */
  readonly edit: HeadEdit;
}

const perThread = new WeakMap<SocketIo, L7Scratch>();

/**
 * The answer of the HTTP rule that fired (deny, return, redirect…), one per thread (module instances are per thread):
 * rules run one at a time and the session turns the answer into bytes before anything else runs.
 */
export const ruleAnswer = new RuleAnswer();

/**
 * The scratch of the thread that owns `io` (one SocketIo per forwarder thread, so one set per thread; a test
 * harness's own SocketIo gets its own). Looked up once per session.
 */
export function scratchOf(io: SocketIo): L7Scratch {
  let s = perThread.get(io);
  if (s === undefined) {
    s = { out: new OutBuffer(), request: new HeadView(), response: new HeadView(), edit: new HeadEdit() };
    perThread.set(io, s);
  }
  return s;
}
