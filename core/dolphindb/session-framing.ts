// Request/reply framing of one DolphinDB session seen by an L4 pipe (issue 16: `option dolphindb-inspect`,
// `dolphindb-drain-idle`, `dolphindb-rebalance`): it is shown each chunk as it passes, both ways, and knows where every
// binary-API request and reply ends (protocol notes §3, §4) — or every WebSocket message, when the session is the npm
// client's or the web console's (§6: one message = one request or reply) — without decoding objects or copying bytes.
// A byte it cannot frame stops the tracking of that session only (`lost`); the bytes are forwarded all the same.
// Forwarder threads, one per inspected session; the L4 pipe calls it from its read path.
//
// Why a byte machine: the pipe reads into the thread's shared buffer (core/io/socket-io.ts), valid only until the read
// callback returns, so nothing may be kept; the headers are a few dozen bytes and are scanned byte by byte, the
// bodies and objects are skipped in bulk (object-skip.ts). The binary API is strictly one request at a time, so
// "a request in flight" is exact: from its first byte to the end of its reply. Async requests (flag 4) get no reply
// and reverse-streaming ones (flag 131072) turn the session into a push stream: tracking stops for those sessions.
// Over 400 lines on purpose: one machine whose two directions share the in-flight state (a reply is only expected
// after a request, a request only after the reply), and whose WebSocket and TCP paths share the header scans.

import { performance } from 'node:perf_hooks';
import { indexOfZero, ObjectSkipper, SKIP_ERROR } from './object-skip.js';
import { WsFrames, WS_LOST, type WsOwner } from './ws-frames.js';

/** What a request asks for (the counted body's first line). */
export const DDB_KIND = { connect: 0, script: 1, function: 2, upload: 3, other: 4 } as const;
export const DDB_KIND_NAMES = ['connect', 'script', 'function', 'upload', 'other'] as const;

/** Who hears about each exchange. Must not throw. */
export interface FrameSink {
  /** A reply ended (`ok` false: an error status line, its text in `framing.errorText()`). */
  exchangeEnded(kind: number, ok: boolean, startedAt: number): void;
}

const MODE = { start: 0, binary: 1, httpHead: 2, wsWait: 3, ws: 4, lost: 5 } as const;

// Request scan steps (byte by byte up to the body's first lines).
const RQ = { api: 0, api2: 1, sp: 2, sid: 3, len: 4, slash: 5, optSp: 6, flag: 7, rest: 8, body: 9, bodySkip: 10, args: 11, done: 12 } as const;
// Reply scan steps.
const RP = { start: 0, msgTag: 1, msgText: 2, sid: 3, count: 4, endian: 5, eol: 6, status: 7, object: 8, done: 9 } as const;

const FLAG_ASYNC = 4;
const FLAG_REVERSE_STREAMING = 131072;
const MAX_HEADER = 1024;
const MAX_STATUS = 64 * 1024;
const ERROR_KEEP = 240;
const MSG = [0x4d, 0x53, 0x47, 0x0a] as const;
const API = [0x41, 0x50, 0x49] as const;
const CRLFCRLF = [0x0d, 0x0a, 0x0d, 0x0a] as const;
const W_SCRIPT = Buffer.from('script');
const W_FUNCTION = Buffer.from('function');
const W_VARIABLE = Buffer.from('variable');
const W_CONNECT = Buffer.from('connect');

/** Index of byte `b` in buf[from, end), or -1 (never past `end`: the shared read buffer holds stale bytes). */
function indexOfByte(buf: Uint8Array, b: number, from: number, end: number): number {
  const i = buf.indexOf(b, from);
  return i >= 0 && i < end ? i : -1;
}

/** The clock of latencies: milliseconds, sub-millisecond resolution. */
const now = (): number => performance.now();

export class SessionFraming implements WsOwner {
  private mode: number = MODE.start;
  private readonly sink: FrameSink;
  /** Why tracking stopped ('' while tracking). */
  lostReason = '';
  // Request side.
  private rq: number = RQ.api;
  private rqi = 0;
  private headerBytes = 0;
  private bodyLeft = 0;
  private flags = 0;
  private kind: number = DDB_KIND.other;
  private readonly cmd = new Uint8Array(8);
  private cmdLen = 0;
  private bodyLine = 0;
  private argc = 0;
  private argLE = true;
  /** A request's first byte was seen and its reply has not ended. */
  private inFlight = false;
  private startedAt = 0;
  /** When the last reply ended (or the session started, or its WebSocket upgrade was answered): the idle clock. */
  lastReplyAt: number;
  // Reply side.
  private rp: number = RP.start;
  private rpi = 0;
  private replyCount = 0;
  private replyLE = true;
  private statusLen = 0;
  private statusOk = false;
  private readonly err = new Uint8Array(ERROR_KEEP);
  private errLen = 0;
  private readonly reqObjects = new ObjectSkipper();
  private readonly replyObjects = new ObjectSkipper();
  // WebSocket upgrade and frames.
  private headMatch = 0;
  private responseBytes = 0;
  private responseOk = false;
  private wsIn: WsFrames | undefined = undefined;
  private wsOut: WsFrames | undefined = undefined;

  constructor(sink: FrameSink) {
    this.sink = sink;
    this.lastReplyAt = now();
  }

  /**
   * The session is a WebSocket from its next byte on: the HTTP engine saw the upgrade and its 101 itself (an L7
   * tunnel, issue 16), so the pipe shows only frames. Only before the first byte; later calls do nothing.
   */
  startWebSocket(): void {
    if (this.mode !== MODE.start || this.headerBytes !== 0) return;
    this.mode = MODE.ws;
    this.wsIn = new WsFrames(true);
    this.wsOut = new WsFrames(false);
    this.lastReplyAt = now();
  }

  /** Still framing this session (false after a framing error or an async/streaming request). */
  get tracking(): boolean {
    return this.mode !== MODE.lost;
  }

  /**
   * Nothing in flight: no request started whose reply has not fully passed, and no WebSocket upgrade under way.
   * False while not tracking. A session that has not sent its first request yet is idle too: see `exchanges`.
   */
  get idle(): boolean {
    const m = this.mode;
    return (m === MODE.binary || m === MODE.ws || m === MODE.start) && !this.inFlight;
  }

  /** Replies that ended in this session (0: the client has not been answered once yet). */
  exchanges = 0;
  /** How long the client paused before its latest request (ms; 0 before its second request). */
  lastGap = 0;

  /** The last error reply's status line (at most 240 bytes), '' when the last reply was OK. Allocates a string. */
  errorText(): string {
    return Buffer.from(this.err.buffer, this.err.byteOffset, this.errLen).toString('utf8');
  }

  /** Bytes buf[pos, end) went from the client to the server. Never throws. */
  fromClient(buf: Uint8Array, pos: number, end: number): void {
    switch (this.mode) {
      case MODE.binary: return this.requestBytes(buf, pos, end);
      case MODE.start: return this.sniff(buf, pos, end);
      case MODE.httpHead: return this.clientHead(buf, pos, end);
      case MODE.ws: return this.wsClient(buf, pos, end);
      case MODE.wsWait: return this.lose('client bytes before the WebSocket upgrade was answered');
    }
  }

  /** Bytes buf[pos, end) went from the server to the client. Never throws. */
  fromServer(buf: Uint8Array, pos: number, end: number): void {
    switch (this.mode) {
      case MODE.binary: return this.replyBytes(buf, pos, end);
      case MODE.ws: return this.wsServer(buf, pos, end);
      case MODE.wsWait: return this.serverHead(buf, pos, end);
      case MODE.start: case MODE.httpHead: return this.lose('server spoke first');
    }
  }

  private lose(why: string): void {
    this.mode = MODE.lost;
    this.lostReason = why;
    this.inFlight = false;
  }

  /** The first client byte tells the binary API (`A`) from HTTP (a WebSocket upgrade, or not). */
  private sniff(buf: Uint8Array, pos: number, end: number): void {
    if (pos >= end) return;
    const b = buf[pos] as number;
    if (b === 0x41) {
      this.mode = MODE.binary;
      return this.requestBytes(buf, pos, end);
    }
    if (b === 0x47) {
      this.mode = MODE.httpHead;
      return this.clientHead(buf, pos, end);
    }
    this.lose('neither the binary API nor an HTTP GET');
  }

  // ---- WebSocket: the upgrade, then messages.

  private clientHead(buf: Uint8Array, pos: number, end: number): void {
    for (let i = pos; i < end; i++) {
      const b = buf[i] as number;
      this.headMatch = b === CRLFCRLF[this.headMatch] ? this.headMatch + 1 : b === 0x0d ? 1 : 0;
      if (++this.headerBytes > 64 * 1024) return this.lose('HTTP head too long');
      if (this.headMatch === 4) {
        if (i + 1 < end) return this.lose('client bytes after its HTTP head before the answer');
        this.mode = MODE.wsWait;
        this.headMatch = 0;
        return;
      }
    }
  }

  /** The server's answer to the upgrade: `HTTP/1.1 101` makes the session a WebSocket one; anything else is HTTP. */
  private serverHead(buf: Uint8Array, pos: number, end: number): void {
    for (let i = pos; i < end; i++) {
      const b = buf[i] as number;
      const at = this.responseBytes++;
      if (at === 9) this.responseOk = b === 0x31;
      else if ((at === 10 || at === 11) && b !== (at === 10 ? 0x30 : 0x31)) this.responseOk = false;
      if (at === 12 && !this.responseOk) return this.lose('HTTP, not a WebSocket session');
      this.headMatch = b === CRLFCRLF[this.headMatch] ? this.headMatch + 1 : b === 0x0d ? 1 : 0;
      if (at > 64 * 1024) return this.lose('HTTP answer head too long');
      if (this.headMatch === 4) {
        this.mode = MODE.ws;
        this.wsIn = new WsFrames(true);
        this.wsOut = new WsFrames(false);
        this.lastReplyAt = now();
        if (i + 1 < end) this.wsServer(buf, i + 1, end);
        return;
      }
    }
  }

  private wsClient(buf: Uint8Array, pos: number, end: number): void {
    this.wsFeed(this.wsIn as WsFrames, true, buf, pos, end);
  }

  private wsServer(buf: Uint8Array, pos: number, end: number): void {
    this.wsFeed(this.wsOut as WsFrames, false, buf, pos, end);
  }

  /** Feeds one direction's WebSocket frames; each message that ends is a request (client) or a reply (server) end. */
  private wsFeed(ws: WsFrames, fromClient: boolean, buf: Uint8Array, pos: number, end: number): void {
    let p = pos;
    // Bounded: each turn consumes bytes or ends a message.
    while (p < end) {
      p = ws.feed(buf, p, end, this);
      if (p === WS_LOST) return this.lose(ws.lostReason);
      if (ws.messageEnded) {
        ws.messageEnded = false;
        if (this.mode === MODE.lost) return;
        if (fromClient) this.requestMessageEnd();
        else this.replyMessageEnd();
      }
    }
  }

  /** WsFrames: one unmasked payload byte of a data message (only while scanBytes() says more are wanted). */
  payloadByte(client: boolean, b: number): void {
    if (client) this.requestByte(b);
    else this.replyByte(b);
  }

  /** WsFrames: whether the payload's next bytes still matter to the scan (else they are skipped in bulk). */
  wantsPayload(client: boolean): boolean {
    if (this.mode === MODE.lost) return false;
    return client ? this.rq < RQ.bodySkip : this.rp < RP.object && this.rp !== RP.msgText;
  }

  /** WsFrames: a message starts. */
  messageStart(client: boolean): void {
    if (client) {
      if (this.inFlight) return this.lose('a second request before the reply');
      this.beginRequest();
    } else {
      if (!this.inFlight) return this.lose('a reply nobody asked for');
      this.rp = RP.start;
      this.rpi = 0;
    }
  }

  private requestMessageEnd(): void {
    if (this.rq < RQ.body) return this.lose('a message that is not a request');
    this.requestComplete();
  }

  private replyMessageEnd(): void {
    if (this.rp === RP.msgText) return; // a print chunk: the reply follows in another message
    if (this.rp !== RP.object) return this.lose('a message that is not a reply');
    this.replyComplete();
  }

  // ---- The binary API on TCP: requests.

  private beginRequest(): void {
    this.rq = RQ.api;
    this.rqi = 0;
    this.headerBytes = 0;
    this.bodyLeft = 0;
    this.flags = 0;
    this.cmdLen = 0;
    this.bodyLine = 0;
    this.argc = 0;
    this.kind = DDB_KIND.other;
    this.inFlight = true;
    this.startedAt = now();
    if (this.exchanges > 0) this.lastGap = this.startedAt - this.lastReplyAt;
  }

  private requestBytes(buf: Uint8Array, pos: number, end: number): void {
    let p = pos;
    while (p < end) {
      if (!this.inFlight) this.beginRequest();
      else if (this.rq === RQ.done) return this.lose('client bytes while its request waits for the reply');
      if (this.rq === RQ.bodySkip) {
        const take = Math.min(this.bodyLeft, end - p);
        p += take;
        this.bodyLeft -= take;
        if (this.bodyLeft === 0) this.bodyDone();
        continue;
      }
      if (this.rq === RQ.args) {
        const q = this.reqObjects.feed(buf, p, end);
        if (q === SKIP_ERROR) return this.lose(`request arguments: ${this.reqObjects.error}`);
        p = q;
        if (this.reqObjects.done) this.requestComplete();
        continue;
      }
      if (this.rq === RQ.sid || this.rq === RQ.rest) {
        // The session id and the options after the flag matter only by their end: found with indexOf, not byte by byte.
        const stop = indexOfByte(buf, this.rq === RQ.sid ? 0x20 : 0x0a, p, end);
        const upTo = stop < 0 ? end : stop;
        this.headerBytes += upTo - p;
        if (this.headerBytes > MAX_HEADER) return this.lose('request header too long');
        p = upTo;
        if (stop < 0) return;
      }
      this.requestByte(buf[p++] as number);
      if (this.mode === MODE.lost) return;
    }
  }

  /** One byte of a request's header or of its body's first lines. */
  private requestByte(b: number): void {
    if (++this.headerBytes > MAX_HEADER && this.rq < RQ.body) return this.lose('request header too long');
    switch (this.rq) {
      case RQ.api:
        if (b !== API[this.rqi]) return this.lose('not a request');
        if (++this.rqi === 3) this.rq = RQ.api2;
        return;
      case RQ.api2:
        if (b === 0x20) this.rq = RQ.sid;
        else if (b === 0x32) this.rq = RQ.sp;
        else this.lose('not a request');
        return;
      case RQ.sp:
        if (b !== 0x20) return this.lose('not a request');
        this.rq = RQ.sid;
        return;
      case RQ.sid:
        if (b === 0x20) this.rq = RQ.len;
        else if (b < 0x30 || b > 0x39) this.lose('bad session id');
        return;
      case RQ.len:
        if (b >= 0x30 && b <= 0x39) {
          this.bodyLeft = this.bodyLeft * 10 + (b - 0x30);
          if (this.bodyLeft > 2 ** 40) this.lose('body length out of range');
        } else if (b === 0x20) this.rq = RQ.slash;
        else if (b === 0x0a) this.headerDone();
        else this.lose('bad body length');
        return;
      case RQ.slash:
        if (b !== 0x2f) return this.lose('bad request options');
        this.rq = RQ.optSp;
        return;
      case RQ.optSp:
        this.rq = RQ.flag;
        if (b === 0x20) return;
        return this.requestByte0(b);
      case RQ.flag:
        return this.requestByte0(b);
      case RQ.rest:
        if (b === 0x0a) this.headerDone();
        return;
      case RQ.body:
        return this.bodyByte(b);
    }
  }

  /** A byte of the flag field (its digits), or what ends it. */
  private requestByte0(b: number): void {
    if (b >= 0x30 && b <= 0x39) this.flags = (this.flags * 10 + (b - 0x30)) % 2 ** 31;
    else if (b === 0x0a) this.headerDone();
    else this.rq = RQ.rest;
  }

  private headerDone(): void {
    if ((this.flags & (FLAG_ASYNC | FLAG_REVERSE_STREAMING)) !== 0) return this.lose('async or streaming request');
    this.rq = RQ.body;
    if (this.bodyLeft === 0) this.bodyDone();
  }

  /** A byte of the counted body while its first lines are read: command, name, count, endian. */
  private bodyByte(b: number): void {
    this.bodyLeft--;
    if (b === 0x0a) {
      if (this.bodyLine === 0) this.classify();
      this.bodyLine++;
    } else if (this.bodyLine === 0) {
      if (this.cmdLen < 8) this.cmd[this.cmdLen] = b;
      this.cmdLen++;
    } else if (this.bodyLine === 2) {
      if (b >= 0x30 && b <= 0x39) this.argc = Math.min(this.argc * 10 + (b - 0x30), 1 << 20);
    } else if (this.bodyLine === 3) {
      this.argLE = b !== 0x30;
    }
    if (this.bodyLeft === 0) {
      if (this.bodyLine === 0) this.classify();
      return this.bodyDone();
    }
    // Past the lines that matter (script text, or the endian line): the rest is skipped in bulk.
    const needed = this.kind === DDB_KIND.function || this.kind === DDB_KIND.upload ? 4 : 1;
    if (this.bodyLine >= needed) this.rq = RQ.bodySkip;
  }

  /** The command line is read: its kind, compared byte by byte with the four words (no string, no closure). */
  private classify(): void {
    const n = this.cmdLen;
    const first = this.cmd[0];
    const word = n === 6 && first === 0x73 ? W_SCRIPT : n === 8 && first === 0x66 ? W_FUNCTION : n === 8 && first === 0x76 ? W_VARIABLE
      : n === 7 && first === 0x63 ? W_CONNECT : undefined;
    this.kind = DDB_KIND.other;
    if (word === undefined) return;
    for (let i = 1; i < n; i++) if (this.cmd[i] !== word[i]) return;
    this.kind = word === W_SCRIPT ? DDB_KIND.script : word === W_FUNCTION ? DDB_KIND.function : word === W_VARIABLE ? DDB_KIND.upload : DDB_KIND.connect;
  }

  /** The counted body is over: the argument objects follow (binary API), or the request is complete. */
  private bodyDone(): void {
    const withArgs = (this.kind === DDB_KIND.function || this.kind === DDB_KIND.upload) && this.argc > 0;
    if (this.mode === MODE.binary && withArgs) {
      this.rq = RQ.args;
      this.reqObjects.begin(this.argc, this.argLE);
      return;
    }
    if (this.mode === MODE.binary) this.requestComplete();
    else this.rq = RQ.bodySkip; // WebSocket: the message's end completes it
  }

  private requestComplete(): void {
    this.rq = RQ.done;
    this.rp = RP.start;
    this.rpi = 0;
  }

  // ---- Replies.

  private replyBytes(buf: Uint8Array, pos: number, end: number): void {
    let p = pos;
    while (p < end) {
      if (!this.inFlight) return this.lose('a reply nobody asked for');
      if (this.rp === RP.msgText) {
        const nul = indexOfZero(buf, p, end);
        if (nul < 0) return;
        p = nul + 1;
        this.rp = RP.start;
        this.rpi = 0;
        continue;
      }
      if (this.rp === RP.object) {
        const q = this.replyObjects.feed(buf, p, end);
        if (q === SKIP_ERROR) return this.lose(`reply object: ${this.replyObjects.error}`);
        p = q;
        if (this.replyObjects.done) this.replyComplete();
        continue;
      }
      if (this.rp === RP.sid || this.rp === RP.status) {
        // Bulk: the session id up to its space; the status line up to its newline, its first bytes kept.
        const status = this.rp === RP.status;
        const stop = indexOfByte(buf, status ? 0x0a : 0x20, p, end);
        const upTo = stop < 0 ? end : stop;
        if (status) {
          for (let i = p; i < upTo && this.errLen < ERROR_KEEP; i++) this.err[this.errLen++] = buf[i] as number;
          this.statusLen += upTo - p;
          if (this.statusLen > MAX_STATUS) return this.lose('status line too long');
        }
        p = upTo;
        if (stop < 0) return;
      }
      this.replyByte(buf[p++] as number);
      if (this.mode === MODE.lost) return;
      if (this.rp === RP.done) this.replyComplete();
    }
  }

  private replyByte(b: number): void {
    switch (this.rp) {
      case RP.start:
        this.replyCount = 0;
        this.statusLen = 0;
        this.errLen = 0;
        if (b === MSG[0]) { this.rp = RP.msgTag; this.rpi = 1; return; }
        if (b < 0x30 || b > 0x39) return this.lose('reply does not start with a session id');
        this.rp = RP.sid;
        return;
      case RP.msgTag:
        if (b !== MSG[this.rpi]) return this.lose('bad print chunk');
        if (++this.rpi === 4) this.rp = RP.msgText;
        return;
      case RP.msgText:
        if (b === 0) { this.rp = RP.start; this.rpi = 0; }
        return;
      case RP.sid:
        if (b === 0x20) this.rp = RP.count;
        else if (b < 0x30 || b > 0x39) this.lose('bad reply session id');
        return;
      case RP.count:
        if (b === 0x20) this.rp = RP.endian;
        else if (b >= 0x30 && b <= 0x39) this.replyCount = this.replyCount * 10 + (b - 0x30);
        else this.lose('bad reply object count');
        if (this.replyCount > 1) this.lose('reply with more than one object');
        return;
      case RP.endian:
        if (b !== 0x30 && b !== 0x31) return this.lose('bad reply endian flag');
        this.replyLE = b === 0x31;
        this.rp = RP.eol;
        return;
      case RP.eol:
        if (b !== 0x0a) return this.lose('bad reply header end');
        this.rp = RP.status;
        return;
      case RP.status:
        if (b === 0x0a) return this.statusDone();
        if (this.errLen < ERROR_KEEP) this.err[this.errLen++] = b;
        if (++this.statusLen > MAX_STATUS) this.lose('status line too long');
        return;
    }
  }

  private statusDone(): void {
    const e = this.err;
    this.statusOk = this.errLen === 2 && e[0] === 0x4f && e[1] === 0x4b;
    if (this.statusOk) this.errLen = 0;
    if (this.statusOk && this.replyCount === 1 && this.mode === MODE.binary) {
      this.rp = RP.object;
      this.replyObjects.begin(1, this.replyLE);
      return;
    }
    // WebSocket: the message's end completes the reply; the binary API: complete now.
    this.rp = this.mode === MODE.binary ? RP.done : RP.object;
  }

  private replyComplete(): void {
    this.rp = RP.start;
    this.rpi = 0;
    this.inFlight = false;
    this.rq = RQ.api;
    const t = now();
    this.lastReplyAt = t;
    this.exchanges++;
    this.sink.exchangeEnded(this.kind, this.statusOk, this.startedAt);
  }
}
