// The conditions of a stats proxy (`stats admin if|unless`, `stats http-request … if|unless`: manual §4.2, §7),
// compiled once with the ACL engine the forwarders use (core/acl/) and evaluated per stats request on the same
// FetchContext: the connection's addresses, and the request head re-parsed into a HeadView so that L7 fetches
// (hdr, path, http_auth, …) read what they read in a session. Stats thread; allocates per request (not a hot path).

import type { IncomingMessage } from 'node:http';
import type { Config, ConditionSpec } from '../../config/model.js';
import { AclScope, COND, compileCondition, type CompiledCondition } from '../acl/condition.js';
import type { CompileEnv } from '../acl/descriptor.js';
import { FetchContext } from '../acl/fetch-context.js';
import { HeadView } from '../http1/head-view.js';
import { parseRequest } from '../http1/head-parse.js';
import type { SharedState } from '../shared/state-buffer.js';

/** One request's conditions, as evaluated against its connection and head. */
export interface RequestConditions {
  /** True when `spec` (one of the proxy's, compiled at start) holds for this request (`unless` applied). */
  holds(spec: ConditionSpec): boolean;
}

/** The compiled conditions of one stats proxy. */
export class StatsConditions {
  private readonly compiled = new Map<ConditionSpec, CompiledCondition>();
  private readonly frontend: number;
  private readonly state: SharedState;
  private readonly bufsize: number;

  /**
   * Compiles every condition of `specs` against the proxy's world (`frontend` index, `backend` index or -1).
   * Throws Error with HAProxy's text when one does not compile (config load already checked them).
   */
  constructor(config: Config, frontend: number, backend: number, specs: readonly ConditionSpec[], state: SharedState) {
    this.frontend = frontend;
    this.state = state;
    this.bufsize = config.global.bufsize;
    const env: CompileEnv = {
      world: config,
      proxyName: config.frontends[frontend]?.name ?? '',
      frontend,
      backend,
      cache: new Map(),
    };
    const scope = new AclScope([], env);
    for (const spec of specs) {
      const c = compileCondition(spec, scope);
      if ('error' in c) throw new Error(c.error);
      this.compiled.set(spec, c);
    }
  }

  /** The request's evaluator: its addresses and head, parsed once on first use. Never throws. */
  request(req: IncomingMessage): RequestConditions {
    let ctx: FetchContext | undefined;
    const context = (): FetchContext => {
      if (ctx !== undefined) return ctx;
      ctx = new FetchContext();
      const sock = req.socket;
      ctx.setSource(sock.remoteAddress ?? '', sock.remotePort ?? 0);
      ctx.setDestination(sock.localAddress ?? '', sock.localPort ?? 0);
      ctx.frontend = this.frontend;
      ctx.state = this.state;
      const head = headBytes(req);
      const view = new HeadView();
      if (parseRequest(head, 0, head.length, view, { maxHeadBytes: Math.max(this.bufsize, head.length) }) > 0) ctx.head = view;
      return ctx;
    };
    return {
      holds: (spec) => {
        const c = this.compiled.get(spec);
        // A condition that never compiled never holds: the stats thread fails closed.
        if (c === undefined) return false;
        return c.verdict(context()) === COND.TRUE;
      },
    };
  }
}

/** The request head as the client sent it (node:http keeps the raw header lines). */
function headBytes(req: IncomingMessage): Buffer {
  let text = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) text += `${raw[i] ?? ''}: ${raw[i + 1] ?? ''}\r\n`;
  return Buffer.from(`${text}\r\n`, 'latin1');
}
