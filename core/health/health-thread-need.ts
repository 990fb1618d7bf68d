// Whether a configuration gives the health-check thread work from the start (issue 10, idle RSS). The thread runs
// the checks, the dolphindb-load readings and the stick tables' expiry sweep, and applies server admin actions (the
// stats page's admin form, the runtime API's server commands) as the single writer of server state. A config with
// none of the first three leaves it idle until an admin action arrives, and an idle Worker costs ~12 MiB of RSS (a
// V8 isolate with Node's bootstrap: heap, code, its thread's malloc arena): the supervisor then starts it on the
// first admin action instead (workers/supervisor.ts healthThread()). HAProxy has no such thread to pay for; its
// checks are tasks of the same threads.
// Main thread (pure).

import type { Config } from '../../config/model.js';
import { readsLoad } from './load-reading.js';

/**
 * True when the health thread has work from the start, as HealthChecker.start() arms it: a server with `check` that
 * is not `disabled`, in a backend that is not disabled (a `disabled` server never gets checks, not even once the
 * admin form makes it ready), a server of the same kind in a backend balanced by the nodes' load (getPerf() readings every `inter`), or any stick
 * table (the expiry sweep). Pure.
 */
export function healthThreadNeededAtStart(config: Pick<Config, 'backends' | 'stickTables'>): boolean {
  if ((config.stickTables?.length ?? 0) > 0) return true;
  // dolphindb-discovery reads its controllers, and `server … resolvers` its nameservers, from this thread.
  return config.backends.some((b) => !b.disabled && (b.options.dolphindbDiscovery !== undefined || b.servers.some((s) => !s.disabled && (s.check || s.resolvers !== undefined || readsLoad(b)))));
}
