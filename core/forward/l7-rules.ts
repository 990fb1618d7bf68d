// The rule points of an HTTP transaction, in HAProxy 2.6's order (§4.2, §7, §11): the request is counted on the
// connection's tracked entries, the frontend's http-request rules run (track-sc*), use_backend picks the backend
// (else default_backend; none: 503), the backend's http-request rules run, then `stick match` names a server and
// `stick store-request` keeps its keys for when the server is known; on the response `stick store-response`, and
// the status counted as a client error or a server failure on the tracked entries. Part of the session's class
// chain (l7-session-state.ts). Forwarder threads; hot path: nothing here runs for a frontend without rules, and with
// rules nothing allocates per request (the FetchContext and counters are the connection's).

import { FetchContext } from '../acl/fetch-context.js';
import { SWITCH_WAIT } from '../acl/switching.js';
import type { HeadEdit } from '../http1/head-edit.js';
import type { HeadView } from '../http1/head-view.js';
import type net from 'node:net';
import { RULE, type HttpRuleSet, type RuleVerdict } from './http-rules/rule-set.js';
import { ruleAnswer } from './l7-scratch.js';
import { C } from './l7-session-state.js';
import { PendingStores } from '../stick/persistence.js';
import { StickCounters } from '../stick/stick-counters.js';
import type { StickTables } from '../stick/stick-tables.js';
import type { CompiledTrackRule } from '../stick/stick-rules.js';
import { L7ServerDial } from './l7-server-dial.js';
import { TCP, type TcpRuleProgram } from './tcp-rules/tcp-rule-program.js';

const EMPTY = Buffer.alloc(0);
import type { CarriedConnection } from './session-env.js';

/** What routeRequest() decided. */
export const ROUTE = {
  /** Forward to the backend now in use. */
  FORWARD: 0,
  /** No backend (no use_backend applied and no default): HAProxy's 503. */
  NO_BACKEND: 1,
  /** A rule answered (deny, return, redirect, auth…): ruleAnswer holds the response. */
  ANSWER: 2,
  /** `tarpit`: hold the client, then send ruleAnswer. */
  TARPIT: 3,
  /** `reject` / `silent-drop`: close the client connection without an answer. */
  CLOSE: 4,
  /** `tcp-request content silent-drop`: reset the client connection. */
  RESET: 5,
} as const;


/** A rule set's verdict as the route it means (CONTINUE and ALLOW go on: ALLOW stops only its own set). */
function routeOf(v: RuleVerdict): RouteValue {
  switch (v) {
    case RULE.ANSWER:
      return ROUTE.ANSWER;
    case RULE.TARPIT:
      return ROUTE.TARPIT;
    case RULE.REJECT:
    case RULE.SILENT_DROP:
      return ROUTE.CLOSE;
    default:
      return ROUTE.FORWARD;
  }
}
export type RouteValue = (typeof ROUTE)[keyof typeof ROUTE];

export abstract class L7Rules extends L7ServerDial {
  /**
   * The stats: a request rule's verdict `v` that denies (deny/tarpit answers, reject) counts in the frontend's dreq,
   * and in the backend's too when a backend rule gave it (measured on 2.6.12).
   */
  private statDenied(v: RuleVerdict, backend: boolean): void {
    const denied = v === RULE.REJECT || v === RULE.TARPIT || (v === RULE.ANSWER && ruleAnswer.denied);
    if (!denied) return;
    this.env.state.frontend(this.feIndex).add('deniedReq', 1);
    const be = this.statBackend;
    if (backend && be >= 0) this.env.backends[be]?.slot.add('deniedReq', 1);
  }

  /** The connection brought its FetchContext (tcp-request rules ran on it): the session uses it and its counters. */
  protected adoptCarried(carried: CarriedConnection, chosen: number): void {
    const ctx = carried.fetch;
    this.fetch = ctx;
    // The connection rules may have changed its addresses already (tcp-request connection set-src…).
    this.addrs?.follow(ctx);
    this.carriedBackend = chosen;
    ctx.frontend = this.feIndex;
    ctx.state ??= this.env.state;
    if (ctx.stickTables === undefined && this.env.stick !== undefined) ctx.stickTables = this.env.stick;
    if (ctx.stickCounters === undefined && ctx.stickTables !== undefined) ctx.stickCounters = new StickCounters(ctx.stickTables);
    this.counters = ctx.stickCounters;
  }

  /** The session's FetchContext, created for its first request that needs one. */
  protected fetchContext(): FetchContext {
    const have = this.fetch;
    if (have !== undefined) return have;
    const ctx = new FetchContext();
    ctx.frontend = this.feIndex;
    ctx.state = this.env.state;
    if (this.client !== undefined) ctx.setClientSocket(this.client);
    const tables = this.env.stick;
    if (tables !== undefined) {
      ctx.stickTables = tables;
      ctx.stickCounters = new StickCounters(tables);
      this.counters = ctx.stickCounters;
    }
    // Addresses cost system calls: read only when a rule reads them (or the PROXY header gave them).
    if (this.plan.needsAddresses) {
      const a = this.addrs?.all;
      if (a !== undefined) {
        ctx.setSource(a.srcAddress, a.srcPort);
        ctx.setDestination(a.dstAddress, a.dstPort);
      }
    }
    this.addrs?.follow(ctx);
    this.fetch = ctx;
    return ctx;
  }

  /**
   * The request rules up to the dispatch, for the request head `view`. Only called when the frontend's plan is
   * active or the connection carries a context. Leaves the chosen backend in use (useBackend) and, when a stick
   * rule matched, its server in stickServer.
   */
  protected routeRequest(view: HeadView, edit: HeadEdit): RouteValue {
    const plan = this.plan;
    const ctx = this.fetchContext();
    ctx.head = view;
    ctx.response = undefined;
    ctx.backend = -1;
    this.stickServer = -1;
    const counters = this.counters;
    const tables = this.env.stick;
    // `tcp-request content` in a mode http frontend: once per request, on the parsed head (haproxy 2.6.12, measured
    // by i11-tcp-rules), before the request is counted and the http-request rules run.
    if (plan.tcpContent) {
      const r = this.tcpContent(this.env.tcpPrograms?.frontends[this.feIndex], ctx);
      if (r !== ROUTE.FORWARD) return r;
    }
    // HAProxy counts the request on the entries the connection already tracks before any rule runs.
    if (counters !== undefined) counters.countHttpRequest();
    if (counters !== undefined && tables !== undefined) runTrack(plan.track, ctx, counters, tables);
    const feSet = plan.sets.request;
    if (!feSet.empty) {
      const v = feSet.run(ctx, edit, ruleAnswer);
      const r = routeOf(v);
      if (r !== ROUTE.FORWARD) {
        this.statDenied(v, false);
        return r;
      }
    }
    // The TCP rules' choice (switch-mode http) stands in for default_backend: use_backend still runs per request.
    const fallback = this.carriedBackend >= 0 ? this.carriedBackend : plan.defaultBackend;
    let be = plan.switch === undefined ? fallback : plan.switch.choose(ctx);
    // Every byte of an HTTP head is there: a condition cannot wait for more (a payload fetch past it has no value).
    if (be === SWITCH_WAIT || (be === plan.defaultBackend && this.carriedBackend >= 0)) be = fallback;
    if (be < 0 || this.env.backends[be] === undefined) return ROUTE.NO_BACKEND;
    ctx.backend = be;
    this.useBackend(be);
    const sb = this.be;
    if (sb === undefined) return ROUTE.FORWARD;
    // HAProxy counts the request on the backend before its rules run (measured: a backend deny is in its req_tot).
    this.statBackendChosen(sb.rt);
    const bp = sb.plan;
    if (bp.tcpContent) {
      const r = this.tcpContent(this.env.tcpPrograms?.backends[be], ctx);
      if (r !== ROUTE.FORWARD) return r;
    }
    if (counters !== undefined && tables !== undefined) runTrack(bp.track, ctx, counters, tables);
    const beSet = sb.sets.request;
    if (!beSet.empty) {
      const v = beSet.run(ctx, edit, ruleAnswer);
      const r = routeOf(v);
      if (r !== ROUTE.FORWARD) {
        this.statDenied(v, true);
        return r;
      }
    }
    const stick = bp.stick;
    if (stick !== undefined && tables !== undefined) {
      if (bp.stickMatch) this.stickServer = stick.match(ctx, tables, sb.rt.config.servers.length, sb.usable);
      if (bp.storeRequest) stick.collectStores(ctx, tables, (this.pending ??= new PendingStores(tables)));
    }
    return ROUTE.FORWARD;
  }

  /** A proxy's tcp-request content rules on this request (every byte of its head is there: nothing waits). */
  private tcpContent(program: TcpRuleProgram | undefined, ctx: FetchContext): RouteValue {
    if (program === undefined || !program.has('content')) return ROUTE.FORWARD;
    // req.payload does not read the head's bytes in an HTTP stream (measured): an empty, final payload.
    ctx.setPayload(EMPTY, 0, 0, true);
    const v = program.run('content', ctx, this.counters, this.env.stick);
    if (v === TCP.REJECT || v === TCP.DROP) this.statDenied(RULE.REJECT, ctx.backend >= 0);
    return v === TCP.REJECT ? ROUTE.CLOSE : v === TCP.DROP ? ROUTE.RESET : ROUTE.FORWARD;
  }

  /**
   * A final response head from server `server` of the current backend (`view`): `stick store-response`, and the
   * status counted on the tracked entries (4xx a client error, 5xx other than 501/505 a server failure).
   */
  protected responseRules(view: HeadView, server: number, edit: HeadEdit): RouteValue {
    const ctx = this.fetch;
    if (ctx === undefined) return ROUTE.FORWARD;
    const status = view.status;
    this.countStatus(status);
    const sb = this.be;
    const tables = this.env.stick;
    const counters = this.counters;
    if (sb === undefined) return ROUTE.FORWARD;
    // The response's fetches read it; the request's head view is the thread's and no longer this request's.
    ctx.head = undefined;
    ctx.response = view;
    // http-response rules: the backend's, then the frontend's; then http-after-response, the backend's first.
    if (counters !== undefined && tables !== undefined) {
      runTrack(sb.plan.trackResponse, ctx, counters, tables, status);
      runTrack(this.plan.trackResponse, ctx, counters, tables, status);
    }
    // (A listen section serving its own request has no backend sets: it runs its rules once, as the frontend.)
    let r = runSet(sb.sets.response, ctx, edit);
    if (r === ROUTE.FORWARD) r = runSet(this.plan.sets.response, ctx, edit);
    if (r === ROUTE.FORWARD) r = runSet(sb.sets.afterResponse, ctx, edit);
    if (r === ROUTE.FORWARD) r = runSet(this.plan.sets.afterResponse, ctx, edit);
    if (r !== ROUTE.FORWARD) return r;
    if (tables === undefined || !sb.plan.storeResponse || sb.plan.stick === undefined) return ROUTE.FORWARD;
    const pending = (this.pending ??= new PendingStores(tables));
    sb.plan.stick.collectStores(ctx, tables, pending, true);
    pending.commit(server);
    return ROUTE.FORWARD;
  }

  /**
   * Sends the answer a rule left in ruleAnswer (deny, return, redirect, auth, http-response deny…) in place of a
   * server's response: counted on the tracked entries, then the connection goes on (keep-alive) or closes as the
   * answer, the client's mode and an unread request body say.
   */
  protected sendRuleAnswer(): void {
    const a = ruleAnswer;
    const close = a.closes(this.clientClose) || this.upload !== 'done' || this.stopping();
    if (this.counters !== undefined) this.countStatus(a.status);
    const bytes = this.answerBytes(a.toBytes(this.reqVersion, close));
    this.statAnswer(a.status, -1, bytes);
    this.releaseSlot();
    this.env.io.writeOwned(this.client as net.Socket, bytes);
    if (close) return this.closeClient();
    this.nextRequest();
  }

  /**
   * `tarpit`: the client is held (its bytes kept, no server asked) for `timeout tarpit`, else `timeout connect`,
   * then gets the answer (HAProxy's 500 by default, or deny_status); the hold is on the session's deadline.
   */
  protected startTarpit(): void {
    const a = ruleAnswer;
    const close = a.closes(this.clientClose) || this.upload !== 'done' || this.stopping();
    this.tarpitBytes = this.answerBytes(a.toBytes(this.reqVersion, close));
    this.tarpitClose = close;
    this.tarpitStatus = a.status;
    this.cstate = C.wait;
    const t = this.fe.timeouts;
    const limit = t.tarpit ?? this.rt?.config.timeouts.tarpit ?? t.connect ?? this.rt?.config.timeouts.connect ?? 0;
    this.tarpitDue = this.now() + limit;
    this.rearm();
  }
}

function runSet(set: HttpRuleSet, ctx: FetchContext, edit: HeadEdit): RouteValue {
  return set.empty ? ROUTE.FORWARD : routeOf(set.run(ctx, edit, ruleAnswer));
}

function runTrack(rules: readonly CompiledTrackRule[], ctx: FetchContext, counters: StickCounters, tables: StickTables, status = 0): void {
  for (let i = 0; i < rules.length; i++) rules[i]?.run(ctx, counters, tables, status);
}
