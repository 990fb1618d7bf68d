// SessionEnv: what every client session of one forwarder thread shares (the shared buffer, the backends built for
// this thread, the logger, the stop signals, the idle server connections kept for reuse). The forwarder thread
// creates one at start (workers/forwarder.ts) and hands it to each session; tests build their own (one per harness).

import type { FrontendConfig } from '../../config/model.js';
import type { Logger } from '../log.js';
import type { ConnAccounting } from '../shared/conn-accounting.js';
import type { SharedState } from '../shared/state-buffer.js';
import type { BackendRuntime } from './backend-runtime.js';
import type { IdleServerPool } from './l7-idle-pool.js';

/** One forwarder thread's environment, read by its L4 and L7 sessions; nothing in it is shared across threads. */
export interface SessionEnv {
  readonly state: SharedState;
  readonly accounting: ConnAccounting;
  readonly thread: number;
  readonly frontends: readonly FrontendConfig[];
  readonly backends: readonly BackendRuntime[];
  /** Backend index by name. */
  readonly backendByName: ReadonlyMap<string, number>;
  readonly logger: Logger;
  /**
   * This thread's idle server connections (HAProxy's `http-reuse safe` pool): L7 sessions park a server connection
   * here after a response and later requests take it. Per thread, as the sockets belong to this thread's loop.
   */
  readonly idlePool: IdleServerPool;
  /** Aborted on hard stop: sessions still waiting for a server give up. */
  readonly stopSignal: AbortSignal;
  /**
   * Aborted on a graceful stop: HTTP sessions idle between requests are closed, and the next response tells the
   * client `connection: close` (HAProxy's soft stop). TCP sessions ignore it. Optional for tests.
   */
  readonly softStopSignal?: AbortSignal;
}
