// The HTTP engine's DolphinDB side (issue 16): JSON-API transactions of a backend with `option dolphindb-inspect`
// (counted per node by kind and status, with their latency and `%[ddb.err]`) or `option dolphindb-json-affinity` (a
// request naming a sessionID goes to the node that answered that id, kept in the backend's own string stick table).
// The session feeds it the request's body bytes and the response's as they pass (core/dolphindb/inspect-json.ts
// reads the few fields wanted); WebSocket tunnels are framed by the L4 pipe (ddb-sessions.ts). Forwarder threads, one
// per HTTP session that reaches such a backend; allocation-free per transaction once built.

import { performance } from 'node:perf_hooks';
import { countExchange } from '../dolphindb/inspect-count.js';
import { JSON_FIELD, JsonApiFields } from '../dolphindb/inspect-json.js';
import { DDB_KIND } from '../dolphindb/session-framing.js';
import { stickyServer, storeSticky } from '../stick/persistence.js';
import type { StickTables } from '../stick/stick-tables.js';
import type { BackendRuntime } from './backend-runtime.js';

const F = JSON_FIELD;

/** Whether a backend's HTTP transactions are looked at: inspect or json-affinity set. */
export function wantsDdbExchange(rt: BackendRuntime): boolean {
  const o = rt.config.options;
  return o.dolphindbInspect !== undefined || o.dolphindbJsonAffinity !== undefined;
}

export class DdbHttpExchange {
  private readonly request = new JsonApiFields([F.sessionId, F.functionName]);
  private readonly reply = new JsonApiFields([F.sessionId, F.resultCode, F.msg]);
  /** The transaction is a JSON-API call being followed (a POST with a body, on such a backend). */
  private active = false;
  private rt: BackendRuntime | undefined = undefined;
  /** The affinity table's index in the thread's StickTables, -1 without json-affinity. */
  private table = -1;
  private startedAt = 0;
  private status = 0;
  /** Response bytes fed to the reply scan and bytes the relay has sent, both counted from the body's start. */
  private replyFed = 0;
  private replySent = 0;
  /** The reply's sessionID is in the affinity table already (stored once per transaction). */
  private stored = false;
  /** The transaction's JSON-API error text (`%[ddb.err]`), '' when none (or not followed). */
  lastError = '';

  /**
   * A request of `rt` begins: a POST with a body is followed, its body bytes at hand are src[bodyAt, end). Call
   * before the server is chosen (affinity reads the sessionID there).
   */
  begin(rt: BackendRuntime, tables: StickTables | undefined, post: boolean, src: Uint8Array, bodyAt: number, end: number): void {
    this.active = post;
    this.lastError = '';
    if (!post) return;
    this.rt = rt;
    this.table = rt.config.options.dolphindbJsonAffinity !== undefined && tables !== undefined ? (tables.indexOf(rt.config.name) ?? -1) : -1;
    this.request.reset();
    this.reply.reset();
    this.status = 0;
    this.replyFed = 0;
    this.replySent = 0;
    this.stored = false;
    this.startedAt = performance.now();
    this.request.feed(src, bodyAt, end);
  }

  /** A request of a backend without the options (use_backend moved the session): nothing is followed. */
  skip(): void {
    this.active = false;
    this.lastError = '';
  }

  /** More request body bytes went to the server. */
  requestBytes(src: Uint8Array, start: number, end: number): void {
    if (this.active && this.request.scanning) this.request.feed(src, start, end);
  }

  /**
   * The server that answered the request's sessionID before (json-affinity), or -1: no id at hand (in the body
   * bytes that came with the head), the new-session id "0", or no entry. Touches the entry (its expiry restarts).
   */
  stickyServer(tables: StickTables | undefined): number {
    if (!this.active || this.table < 0 || tables === undefined || !this.keyFrom(tables, this.request)) return -1;
    return stickyServer(tables, this.table, (this.rt as BackendRuntime).config.servers.length);
  }

  /** The final response head came (not a 101: a tunnel is framed by the pipe). */
  responseHead(status: number): void {
    this.status = status;
  }

  /**
   * Response body bytes src[start, end) are about to be relayed to the client: scanned now (each byte once, whatever
   * part of them the relay sends this time), and the reply's sessionID stored as soon as it is whole — before the
   * client can have the answer, so that its next request, on any connection and any thread, finds the entry (storing
   * after the write lost that race on a loaded machine).
   */
  replyAhead(tables: StickTables | undefined, server: number, src: Uint8Array, start: number, end: number): void {
    if (!this.active) return;
    const from = start + (this.replyFed - this.replySent);
    if (from < end && this.reply.scanning) {
      this.reply.feed(src, Math.max(from, start), end);
      this.replyFed = this.replySent + (end - start);
    }
    this.storeAffinity(tables, server);
  }

  /** `used` response body bytes went to the client. */
  replySentBytes(used: number): void {
    this.replySent += used;
  }

  /** The reply's sessionID → `server` in the affinity table, once, when the reply is a 200 that has one. */
  private storeAffinity(tables: StickTables | undefined, server: number): void {
    if (this.stored || this.table < 0 || tables === undefined || this.status !== 200 || !this.reply.has(F.sessionId)) return;
    this.stored = true;
    if (this.keyFrom(tables, this.reply)) storeSticky(tables, this.table, server);
  }

  /**
   * The response of server `server` has fully passed: counted (inspect) and its sessionID's node stored (affinity).
   * Never throws.
   */
  ended(tables: StickTables | undefined, server: number): void {
    if (!this.active) return;
    this.active = false;
    const rt = this.rt as BackendRuntime;
    const reply = this.reply;
    const ok = this.status === 200 && reply.equals(F.resultCode, '0');
    if (rt.config.options.dolphindbInspect !== undefined) {
      const slot = rt.serverSlots[server];
      if (slot !== undefined) countExchange(slot, this.kind(), ok, (performance.now() - this.startedAt) / 1000);
      if (!ok) this.lastError = reply.has(F.msg) && reply.bytes(F.msg).length > 0 ? reply.text(F.msg) : `HTTP ${this.status}`;
    }
    this.storeAffinity(tables, server);
  }

  /** The request's kind: executeCode runs a script, login connects, any other name calls that function. */
  private kind(): number {
    const r = this.request;
    if (!r.has(F.functionName)) return DDB_KIND.other;
    if (r.equals(F.functionName, 'executeCode')) return DDB_KIND.script;
    if (r.equals(F.functionName, 'login')) return DDB_KIND.connect;
    return DDB_KIND.function;
  }

  /** Writes `fields`' sessionID into the table's key; false without one, or for "0" / "" (a new session). */
  private keyFrom(tables: StickTables, fields: JsonApiFields): boolean {
    if (!fields.has(F.sessionId)) return false;
    const sid = fields.bytes(F.sessionId);
    if (sid.length === 0 || (sid.length === 1 && sid[0] === 0x30)) return false;
    const store = tables.store(this.table);
    const n = Math.min(sid.length, store.layout.keyLen);
    store.keyBytes.set(sid.subarray(0, n));
    store.keyBytes.fill(0, n);
    store.keyLen = n;
    return true;
  }
}
