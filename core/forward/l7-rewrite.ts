// What the head rewrites of one HTTP session read (core/http1/head-rewrite.ts: header rules, forwardfor/originalto,
// the connection mode's Connection values, persistence cookies), as one object per session whose per-message fields
// the session sets before each rewrite. The client's addresses are read from the socket only when a rule value, an
// option or a relative server port asks for them (HAProxy 2.6 §4.2 forwardfor/originalto, §7.3 src/dst fetches):
// they cost system calls per connection (../shared/perf/README.md §3, §5). Rules that change them (set-src…) change
// the connection's FetchContext; ClientAddresses follows it, so forwardfor, the PROXY line and the source hash see
// the change. Forwarder threads.

import type net from 'node:net';
import type { BackendConfig, FrontendConfig } from '../../config/model.js';
import type { ResponseCookieContext } from '../http1/head-cookie.js';
import type { ProxyRewrite, RequestRewrite, ResponseRewrite } from '../http1/head-rewrite.js';
import type { FetchContext } from '../acl/fetch-context.js';
import { clientAddresses, type ProxyAddresses } from '../proxy-protocol/addresses.js';
import { ruleAddresses } from './client-origin.js';
import type { RuleContext } from './header-rules.js';

/**
 * The client's addresses, read once and only when first asked: the PROXY header's (accept-proxy), or the socket's
 * own. Also the %[src] %[dst] %[src_port] %[dst_port] context of rule values (getters, so a rule that reads none of
 * them reads no address).
 */
export class ClientAddresses implements RuleContext {
  private readonly socket: net.Socket;
  private known = false;
  private addrs: ProxyAddresses | undefined = undefined;
  /** The connection's FetchContext once it has one: rules may change the addresses there (set-src…). */
  private fetch: FetchContext | undefined = undefined;
  /** fetch.addrEdits when `addrs` was last taken from it. */
  private seen = 0;

  constructor(socket: net.Socket) {
    this.socket = socket;
  }

  /**
   * The PROXY header announced them (`accept-proxy`): no socket read. undefined keeps the socket's own. A FetchContext
   * already followed (connection rules ran before the header) takes them too: the header replaces what they saw.
   */
  announce(addrs: ProxyAddresses | undefined): void {
    if (addrs === undefined) return;
    this.addrs = addrs;
    this.known = true;
    const f = this.fetch;
    if (f !== undefined) {
      f.setSource(addrs.srcAddress, addrs.srcPort);
      f.setDestination(addrs.dstAddress, addrs.dstPort);
      this.seen = f.addrEdits;
    }
  }

  /** From now on the rules' changes to `ctx`'s addresses (set-src, set-dst…) are the addresses (once per context). */
  follow(ctx: FetchContext): void {
    this.fetch = ctx;
  }

  get all(): ProxyAddresses | undefined {
    const f = this.fetch;
    // One comparison when no rule changes addresses; a rebuild (strings) only after a change.
    if (f !== undefined && f.addrEdits !== this.seen) {
      this.seen = f.addrEdits;
      this.addrs = ruleAddresses(f);
      this.known = true;
    }
    if (!this.known) {
      this.addrs = clientAddresses(this.socket);
      this.known = true;
    }
    return this.addrs;
  }

  get src(): string | undefined {
    return this.all?.srcAddress;
  }

  get srcPort(): number | undefined {
    return this.all?.srcPort;
  }

  get dst(): string | undefined {
    return this.all?.dstAddress;
  }

  get dstPort(): number | undefined {
    return this.all?.dstPort;
  }
}

/** The rewrite inputs of one session: constant ones from the config, per-message ones set by the session. */
export class SessionRewrite implements RequestRewrite, ResponseRewrite {
  readonly frontend: ProxyRewrite;
  readonly backend: ProxyRewrite;
  readonly ruleContext: RuleContext;
  private readonly addrs: ClientAddresses;
  private readonly wantsFor: boolean;
  private readonly wantsTo: boolean;
  /** Per request: the server connection closes after it. */
  serverClose = false;
  /** Per response: the client connection closes after it, and the request's version. */
  clientClose = false;
  requestVersion: '1.0' | '1.1' = '1.1';
  /** Per response of a backend with a `cookie` line: who answered and how the request got there. */
  cookie: ResponseCookieContext | undefined = undefined;

  constructor(fe: FrontendConfig, be: BackendConfig, addrs: ClientAddresses) {
    this.frontend = fe;
    this.backend = be;
    this.ruleContext = addrs;
    this.addrs = addrs;
    this.wantsFor = fe.options.forwardfor !== undefined || be.options.forwardfor !== undefined;
    this.wantsTo = fe.options.originalto !== undefined || be.options.originalto !== undefined;
  }

  /** For X-Forwarded-For; read only when a proxy has `option forwardfor`. */
  get clientAddress(): string | undefined {
    return this.wantsFor ? this.addrs.src : undefined;
  }

  /** For X-Original-To; read only when a proxy has `option originalto`. */
  get localAddress(): string | undefined {
    return this.wantsTo ? this.addrs.dst : undefined;
  }
}
