// TCP content inspection (manual §4.2 `tcp-request inspect-delay`, `tcp-request content`): a TCP session's content
// rules are run on the client's first bytes as they arrive (the ClientHold keeps them contiguous), again after each
// read, until they decide or the fetches become final: the inspect delay expired, the buffer is full (HAProxy's
// bufsize less its rewrite reserve) or the client sent its FIN; then a rule still short of bytes counts as not
// matching, as in HAProxy. `timeout client` runs meanwhile from the last read: a client silent that long is closed
// without a server, as haproxy 2.6 does (measured). The wait costs the thread nothing between reads: one Deadline on
// the sweep. An HTTP request in the bytes is parsed into the FetchContext's head when some rule reads it (HAProxy's
// on-the-fly parse). Forwarder threads; one per TCP connection (and rule set) with content rules.

import type { FetchContext } from '../../acl/fetch-context.js';
import { parseRequest } from '../../http1/head-parse.js';
import { HEAD, HeadView } from '../../http1/head-view.js';
import { Deadline, type DeadlineOwner, type DeadlineSweep } from '../../io/deadline-sweep.js';
import type { StickCounters } from '../../stick/stick-counters.js';
import type { StickTables } from '../../stick/stick-tables.js';
import type { ClientHold } from '../l4-client-hold.js';
import { TCP, type TcpRuleProgram, type TcpVerdict } from './tcp-rule-program.js';

/** The thread's view for the on-the-fly parse (rules run one at a time; the view is read during the run only). */
const head = new HeadView();

/** What the inspection ended with: the content verdict (never WAIT), or GONE when the client left or timed out first. */
export const INSPECTION_GONE = -1;

/** One connection's inspection; `result` settles once, never rejects. */
export class ContentInspection implements DeadlineOwner {
  readonly result: Promise<TcpVerdict | typeof INSPECTION_GONE>;
  private readonly settle: (v: TcpVerdict | typeof INSPECTION_GONE) => void;
  private readonly program: TcpRuleProgram;
  private readonly ctx: FetchContext;
  private readonly counters: StickCounters | undefined;
  private readonly tables: StickTables | undefined;
  private readonly hold: ClientHold;
  private readonly sweep: DeadlineSweep;
  private readonly maxHeadBytes: number;
  private deadline: Deadline | undefined = undefined;
  /** When the inspect delay ends, and the client's `timeout client` (undefined: none), on the sweep's clock. */
  private readonly inspectEnd: number;
  private readonly clientTimeout: number | undefined;
  private lastRead: number;
  private expired = false;
  private done = false;

  constructor(
    program: TcpRuleProgram,
    ctx: FetchContext,
    counters: StickCounters | undefined,
    tables: StickTables | undefined,
    hold: ClientHold,
    sweep: DeadlineSweep,
    limit: number,
    clientTimeout: number | undefined,
  ) {
    const r = Promise.withResolvers<TcpVerdict | typeof INSPECTION_GONE>();
    this.result = r.promise;
    this.settle = r.resolve;
    this.program = program;
    this.ctx = ctx;
    this.counters = counters;
    this.tables = tables;
    this.hold = hold;
    this.sweep = sweep;
    this.maxHeadBytes = limit;
    const now = sweep.now();
    this.inspectEnd = program.inspectDelay > 0 ? now + program.inspectDelay : now;
    this.clientTimeout = clientTimeout;
    this.lastRead = now;
    hold.inspect(limit, () => this.onBytes());
    if (hold.signal.aborted) {
      this.finish(INSPECTION_GONE);
      return;
    }
    hold.signal.addEventListener('abort', () => this.finish(INSPECTION_GONE), { once: true });
    if (program.inspectDelay > 0) {
      this.deadline = new Deadline(this);
      this.deadline.due = this.nextDue();
      sweep.arm(this.deadline);
    }
    this.evaluate();
  }

  private nextDue(): number {
    const idle = this.clientTimeout === undefined ? Infinity : this.lastRead + this.clientTimeout;
    return Math.min(this.inspectEnd, idle);
  }

  /** The hold read bytes (or the FIN): `timeout client` starts again (a later due needs no arm()), then the rules. */
  private onBytes(): void {
    this.lastRead = this.sweep.now();
    if (this.deadline !== undefined) this.deadline.due = this.nextDue();
    this.evaluate();
  }

  /** DeadlineOwner: the inspect delay is over (the fetches are final now), or the client was silent too long. */
  onDeadline(now: number): void {
    if (this.done) return;
    const d = this.deadline;
    if (now >= this.inspectEnd) {
      this.deadline = undefined;
      this.expired = true;
      this.evaluate();
      return;
    }
    if (this.clientTimeout !== undefined && now >= this.lastRead + this.clientTimeout) {
      this.deadline = undefined;
      this.finish(INSPECTION_GONE);
      return;
    }
    if (d === undefined) return;
    d.due = this.nextDue();
    this.sweep.arm(d);
  }

  /** Runs the content rules on the bytes so far; settles unless they wait and more bytes may come. */
  private evaluate(): void {
    if (this.done) return;
    const ctx = this.ctx;
    const hold = this.hold;
    const final = this.expired || this.program.inspectDelay === 0 || hold.inspectionFull();
    const buf = hold.inspected();
    const size = hold.inspectedSize();
    ctx.setPayload(buf, 0, size, final);
    ctx.waitEnded = this.expired;
    ctx.head = undefined;
    if (this.program.needsHead) {
      const r = parseRequest(buf, 0, size, head, { maxHeadBytes: this.maxHeadBytes });
      // Not yet a whole head, but it may become one: the rules that read it wait (HAProxy's MAY_CHANGE).
      if (r === HEAD.INCOMPLETE && !final) return;
      if (r > 0) ctx.head = head;
    }
    let v: TcpVerdict;
    try {
      v = this.program.run('content', ctx, this.counters, this.tables);
    } finally {
      ctx.head = undefined;
    }
    if (v === TCP.WAIT) {
      if (!final) return;
      // Final fetches never ask to wait; a rule that still does is treated as not matching: go on.
      v = TCP.PASS;
    }
    this.finish(v);
  }

  private finish(v: TcpVerdict | typeof INSPECTION_GONE): void {
    if (this.done) return;
    this.done = true;
    this.hold.endInspection();
    if (this.deadline !== undefined) {
      this.sweep.disarm(this.deadline);
      this.deadline = undefined;
    }
    this.settle(v);
  }
}

/**
 * Runs `fn` with ctx.head set to the HTTP request in ctx's payload when it holds a whole head (undefined otherwise),
 * for the switching rules after the inspection. Forwarder threads.
 */
export function withRequestHead<T>(ctx: FetchContext, fn: () => T): T {
  const r = parseRequest(ctx.payload, ctx.payloadStart, ctx.payloadEnd, head, { maxHeadBytes: ctx.payloadEnd - ctx.payloadStart + 1 });
  ctx.head = r > 0 ? head : undefined;
  try {
    return fn();
  } finally {
    ctx.head = undefined;
  }
}
