// Waiting for message heads in HTTP mode (HAProxy 2.6 §4.2 timeouts, retry-on): a client's request head under
// `timeout http-request` / `http-keep-alive` (the slowloris defence), a server's final response head under `timeout
// server` (a deadline that partial heads do not push back) with 1xx interim answers relayed on the way, and the
// `retry-on` rules for a failed wait. Forwarder threads.

import type net from 'node:net';
import type { Timeouts } from '../../config/model.js';
import { lowerNames } from './header-rules.js';
import {
  parseRequestHead,
  parseResponseHead,
  serializeResponseHead,
  type ParseLimits,
  type RequestHead,
  type ResponseHead,
} from '../http1/parser.js';
import type { ServerConn } from './l7-idle-pool.js';
import { writeAll, type SocketReader } from './l7-socket-reader.js';

/** tune.bufsize and tune.http.maxhdr, HAProxy's defaults (the parser keeps tune.maxrewrite free itself). */
export const HEAD_LIMITS: ParseLimits = { maxHeadBytes: 16384, maxHeaders: 101 };

/** A request wait: a head, a head HAProxy refuses (answer, then close), or a silent close. */
export type RequestWait =
  | { kind: 'head'; head: RequestHead }
  | { kind: 'refuse'; status: 400 | 408 | 422 }
  | { kind: 'close' };

export interface RequestWaitContext {
  /** The frontend's timeouts: http-request, http-keep-alive, client (the fallbacks HAProxy uses). */
  readonly timeouts: Timeouts;
  /** The connection's first request: `timeout http-request` runs from the accept, and an empty wait is a 408. */
  readonly first: boolean;
  /** Graceful stop under way: an idle keep-alive connection is not waited on. */
  readonly stopping: () => boolean;
  /** Told true while waiting idle between requests (a graceful stop may then close the connection at once). */
  readonly idle: (idle: boolean) => void;
}

/**
 * Waits for a complete request head. The first request must arrive within `timeout http-request` from the accept
 * (else 408, even with no byte, as HAProxy 2.6 does); later ones may idle `timeout http-keep-alive` first (then a
 * silent close), and once a byte came the head must complete within `timeout http-request` (else 408). A rejected
 * head is a 400 (HAProxy 2.6.12 answers even an over-long URI so), or 422 when the parser says so. Never rejects.
 */
export async function waitRequestHead(reader: SocketReader, ctx: RequestWaitContext): Promise<RequestWait> {
  const t = ctx.timeouts;
  const requestLimit = t.httpRequest ?? t.client;
  const idleLimit = t.httpKeepAlive ?? t.httpRequest ?? t.client;
  let deadline = ctx.first && requestLimit !== undefined ? performance.now() + requestLimit : undefined;
  for (;;) {
    if (reader.size > 0) {
      if (deadline === undefined && requestLimit !== undefined) deadline = performance.now() + requestLimit;
      const parsed = parseRequestHead(reader.peek(), HEAD_LIMITS);
      if (parsed.kind === 'ok') {
        reader.consume(parsed.length);
        return { kind: 'head', head: parsed.head };
      }
      if (parsed.kind === 'error') return { kind: 'refuse', status: parsed.status === 422 ? 422 : 400 };
    }
    // A client that leaves mid-head gets nothing more (HAProxy closes silently on a truncated request).
    if (reader.atEnd) return { kind: 'close' };
    const waiting = reader.size > 0 || ctx.first;
    if (!waiting && ctx.stopping()) return { kind: 'close' };
    const limit = waiting ? (deadline === undefined ? undefined : deadline - performance.now()) : idleLimit;
    ctx.idle(!waiting);
    const got = await reader.wait(limit, reader.size > 0);
    ctx.idle(false);
    if (got === 'timeout') return waiting ? { kind: 'refuse', status: 408 } : { kind: 'close' };
  }
}

/** What the wait produced: the final head, a failure HAProxy answers with 502/504, or a client that went away. */
export type ResponseWait =
  | { kind: 'head'; head: ResponseHead }
  | { kind: 'error'; status: 502 | 504; retryable: boolean; empty?: boolean }
  | { kind: 'aborted' };

export interface ResponseWaitContext {
  /** `timeout server` (ms; undefined = none). */
  readonly server: number | undefined;
  /** `timeout client`, for relaying interim answers. */
  readonly client: number | undefined;
  readonly method: string;
  /** True once the client side failed (its upload, or its socket): stop waiting. */
  readonly aborted: () => boolean;
  /** When the request body last moved to the server (performance.now()); HAProxy counts that as server activity. */
  readonly uploadActivity: () => number;
}

/**
 * Reads the final response head from `conn` (a 101 or a code under 100 counts as final), forwarding any other 1xx
 * head to `client`. 502 on an invalid head or a close before it (`empty` when not a byte came), 504 on `timeout
 * server`. The timeout runs from the request, a relayed 1xx or the last request body bytes sent, whichever is latest:
 * bytes of an unfinished head do not re-arm it (measured on haproxy 2.6.12: a server dribbling its head one byte every
 * 200 ms gets a 504 at `timeout server`). Never rejects.
 */
export async function waitResponseHead(conn: ServerConn, client: net.Socket, ctx: ResponseWaitContext): Promise<ResponseWait> {
  let since = performance.now();
  for (;;) {
    if (ctx.aborted()) return { kind: 'aborted' };
    if (conn.reader.size > 0) {
      const parsed = parseResponseHead(conn.reader.peek(), HEAD_LIMITS);
      if (parsed.kind === 'error') return { kind: 'error', status: 502, retryable: true };
      if (parsed.kind === 'ok') {
        conn.reader.consume(parsed.length);
        const head = parsed.head;
        if (head.status >= 200 || head.status < 100 || head.status === 101) return { kind: 'head', head };
        // What came in the same read after an interim answer is judged before the interim is relayed (as haproxy
        // 2.6.12 does): a 1xx followed by garbage (a 1xx "body") is a bare 502. Only runs when bytes follow a 1xx.
        if (conn.reader.size > 0 && parseResponseHead(conn.reader.peek(), HEAD_LIMITS).kind === 'error') {
          return { kind: 'error', status: 502, retryable: true };
        }
        const interim = serializeResponseHead({ ...head, headers: lowerNames(head.headers) });
        if (!(await writeAll(client, interim, ctx.client))) return { kind: 'aborted' };
        since = performance.now();
        continue;
      }
    }
    if (conn.reader.atEnd) {
      if (ctx.aborted()) return { kind: 'aborted' };
      // Closed before a complete head: `empty` when not a byte came (retry-on empty-response, abort_keep_alive).
      return { kind: 'error', status: 502, retryable: ctx.method !== 'CONNECT', empty: conn.reader.size === 0 };
    }
    let left: number | undefined;
    if (ctx.server !== undefined) {
      left = Math.max(since, ctx.uploadActivity()) + ctx.server - performance.now();
      if (left <= 0) return { kind: 'error', status: 504, retryable: true };
    }
    // A timeout here is re-checked against the deadline above (upload progress may have moved it).
    await conn.reader.wait(left, conn.reader.size > 0);
  }
}

/**
 * True when `retry-on` (HAProxy's default: conn-failure only) allows replaying a request after this failure:
 * `response-timeout` for a 504, `empty-response` for a close without a byte, `junk-response` for an invalid or cut
 * head, `all-retryable-errors` for all of them. The caller adds the safety conditions (idempotent, no body). Pure.
 */
export function retryAllowed(retryOn: readonly string[] | undefined, status: 502 | 504, empty: boolean): boolean {
  const on = retryOn ?? ['conn-failure'];
  if (on.includes('all-retryable-errors')) return true;
  if (status === 504) return on.includes('response-timeout');
  return on.includes(empty ? 'empty-response' : 'junk-response');
}
