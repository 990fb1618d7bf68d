// What an HTTP session derives from the backend a request goes to (HAProxy 2.6 §4.2 use_backend: the backend is chosen
// per request, so everything here is per transaction): its runtime, its head rewrites, `timeout server`, its HTTP
// connection mode, the errorfiles searched, relative server ports, retry-on replays, its compiled rules, and the
// usable-server check of stick matches. One per session and backend used, built the first time a request goes there
// and kept (a session whose requests all go to one backend builds one, as it did before use_backend). Forwarder threads.

import type { FrontendConfig, HttpRules } from '../../config/model.js';
import { followsDestination } from './dispatch.js';
import type { BackendRuntime } from './backend-runtime.js';
import { httpModeOf, type HttpMode } from './l7-connection-mode.js';
import type { ProxyRuleSets } from './http-rules/compile-http-rules.js';
import type { BackendPlan } from './l7-plans.js';
import { SessionRewrite, type ClientAddresses } from './l7-rewrite.js';

export class SessionBackend {
  /** Index in Config.backends / SessionEnv.backends. */
  readonly index: number;
  readonly rt: BackendRuntime;
  readonly plan: BackendPlan;
  /** Its http rule sets for requests of this session's frontend (none for a listen section's own half). */
  readonly sets: ProxyRuleSets;
  readonly rewrite: SessionRewrite;
  /** The backend's `timeout server` (undefined: none). */
  readonly serverTimeout: number | undefined;
  readonly mode: HttpMode;
  /** errorfiles: the backend's, then the frontend's. */
  readonly errorRules: readonly (HttpRules | undefined)[];
  /** Some server of the backend is reached at the client's destination (0.0.0.0, or its port plus an offset). */
  readonly needsDstPort: boolean;
  /** retry-on names a response failure: a request head is kept for a replay. */
  readonly mayReplay: boolean;
  /** A stick-matched server may take the request: UP, or down under `option persist` (as a cookie's). */
  readonly usable: (server: number) => boolean;

  constructor(index: number, rt: BackendRuntime, plan: BackendPlan, sets: ProxyRuleSets, fe: FrontendConfig, addrs: ClientAddresses) {
    const be = rt.config;
    this.index = index;
    this.rt = rt;
    this.plan = plan;
    this.sets = sets;
    this.rewrite = new SessionRewrite(fe, be, addrs);
    this.serverTimeout = be.timeouts.server;
    this.mode = httpModeOf(be.options);
    this.errorRules = [be.http, fe.http];
    this.needsDstPort = be.servers.some(followsDestination);
    this.mayReplay = (be.retryOn ?? []).some((r) => r !== 'conn-failure');
    const persist = be.options.persist === true;
    this.usable = (server) => persist || rt.view.servers[server]?.isUp() === true;
  }
}
