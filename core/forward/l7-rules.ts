// The rule points of an HTTP transaction, in HAProxy 2.6's order (§4.2, §7, §11): the request is counted on the
// connection's tracked entries, the frontend's http-request rules run (track-sc*), use_backend picks the backend
// (else default_backend; none: 503), the backend's http-request rules run, then `stick match` names a server and
// `stick store-request` keeps its keys for when the server is known; on the response `stick store-response`, and
// the status counted as a client error or a server failure on the tracked entries. Part of the session's class
// chain (l7-session-state.ts). Forwarder threads; hot path: nothing here runs for a frontend without rules, and with
// rules nothing allocates per request (the FetchContext and counters are the connection's).

import { FetchContext } from '../acl/fetch-context.js';
import { SWITCH_WAIT } from '../acl/switching.js';
import type { HeadView } from '../http1/head-view.js';
import { PendingStores } from '../stick/persistence.js';
import { StickCounters } from '../stick/stick-counters.js';
import type { StickTables } from '../stick/stick-tables.js';
import type { CompiledTrackRule } from '../stick/stick-rules.js';
import { L7ServerDial } from './l7-server-dial.js';
import type { CarriedConnection } from './session-env.js';

/** What routeRequest() decided. */
export const ROUTE = {
  /** Forward to the backend now in use. */
  FORWARD: 0,
  /** No backend (no use_backend applied and no default): HAProxy's 503. */
  NO_BACKEND: 1,
} as const;
export type RouteValue = (typeof ROUTE)[keyof typeof ROUTE];

export abstract class L7Rules extends L7ServerDial {
  /** The connection brought its FetchContext (tcp-request rules ran on it): the session uses it and its counters. */
  protected adoptCarried(carried: CarriedConnection): void {
    const ctx = carried.fetch;
    this.fetch = ctx;
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
    this.fetch = ctx;
    return ctx;
  }

  /**
   * The request rules up to the dispatch, for the request head `view`. Only called when the frontend's plan is
   * active or the connection carries a context. Leaves the chosen backend in use (useBackend) and, when a stick
   * rule matched, its server in stickServer.
   */
  protected routeRequest(view: HeadView): RouteValue {
    const plan = this.plan;
    const ctx = this.fetchContext();
    ctx.head = view;
    ctx.backend = -1;
    this.stickServer = -1;
    const counters = this.counters;
    const tables = this.env.stick;
    // HAProxy counts the request on the entries the connection already tracks before any rule runs.
    if (counters !== undefined) counters.countHttpRequest();
    if (counters !== undefined && tables !== undefined) runTrack(plan.track, ctx, counters, tables);
    let be = plan.switch === undefined ? plan.defaultBackend : plan.switch.choose(ctx);
    // Every byte of an HTTP head is there: a condition cannot wait for more (a payload fetch past it has no value).
    if (be === SWITCH_WAIT) be = plan.defaultBackend;
    if (be < 0 || this.env.backends[be] === undefined) return ROUTE.NO_BACKEND;
    ctx.backend = be;
    this.useBackend(be);
    const sb = this.be;
    if (sb === undefined || !sb.plan.active) return ROUTE.FORWARD;
    const bp = sb.plan;
    if (counters !== undefined && tables !== undefined) runTrack(bp.track, ctx, counters, tables);
    const stick = bp.stick;
    if (stick !== undefined && tables !== undefined) {
      if (bp.stickMatch) this.stickServer = stick.match(ctx, tables, sb.rt.config.servers.length, sb.usable);
      if (bp.storeRequest) stick.collectStores(ctx, tables, (this.pending ??= new PendingStores(tables)));
    }
    return ROUTE.FORWARD;
  }

  /**
   * A final response head from server `server` of the current backend (`view`): `stick store-response`, and the
   * status counted on the tracked entries (4xx a client error, 5xx other than 501/505 a server failure).
   */
  protected responseRules(view: HeadView, server: number): void {
    const ctx = this.fetch;
    if (ctx === undefined) return;
    const status = view.status;
    this.countStatus(status);
    const sb = this.be;
    const tables = this.env.stick;
    const counters = this.counters;
    if (sb === undefined || tables === undefined) return;
    ctx.head = view;
    // http-response rules: the backend's, then the frontend's.
    if (counters !== undefined) {
      runTrack(sb.plan.trackResponse, ctx, counters, tables, status);
      runTrack(this.plan.trackResponse, ctx, counters, tables, status);
    }
    if (!sb.plan.storeResponse || sb.plan.stick === undefined) return;
    const pending = (this.pending ??= new PendingStores(tables));
    sb.plan.stick.collectStores(ctx, tables, pending, true);
    pending.commit(server);
  }
}

function runTrack(rules: readonly CompiledTrackRule[], ctx: FetchContext, counters: StickCounters, tables: StickTables, status = 0): void {
  for (let i = 0; i < rules.length; i++) rules[i]?.run(ctx, counters, tables, status);
}
