// What each operator signal does to a running orcalb (the actions of workers/signals.ts): HAProxy's soft stop with
// hard-stop-after, its hard stop, the SIGHUP server-state dump and a per-thread memory dump for SIGQUIT (the reload,
// SIGUSR2, is workers/reload.ts). The lines are HAProxy 2.6's (core/diagnostics/). Main thread only.

import type { Config } from '../config/model.js';
import { memoryDumpLines } from '../core/diagnostics/memory-usage.js';
import { OperatorLog } from '../core/diagnostics/operator-log.js';
import { proxiesInConfigOrder } from '../core/diagnostics/proxy-list.js';
import {
  HARD_STOP_HEADER, SIGHUP_HEADER, proxyHardStoppedLines, proxyStoppedLines, sighupProxyHeader, sighupProxyLines,
} from '../core/diagnostics/proxy-state-lines.js';
import type { Logger } from '../core/log.js';
import type { SharedState } from '../core/shared/state-buffer.js';
import type { Topology } from '../core/shared/topology.js';
import { exitBySignal, type SignalHandlers } from './signals.js';
import type { Supervisor } from './supervisor.js';

/** How long SIGQUIT waits for the threads' answers: a thread silent that long is reported as not answering. */
const MEMORY_REPORT_WAIT_MS = 1000;

export interface OperatorContext {
  readonly config: Config;
  readonly state: SharedState;
  readonly topology: Topology;
  readonly supervisor: Supervisor;
  readonly logger: Logger;
}

/**
 * The signal handlers of a started orcalb. `exit(code)` is called once, when the soft stop is over (every
 * connection finished, or hard-stop-after cut the rest); the hard stop never returns. pause/resume
 * (SIGTTOU/SIGTTIN) are the supervisor's listener pause and reload the Reloader's, added by main-thread.ts.
 */
export function operatorActions(ctx: OperatorContext, exit: (code: number) => void): Omit<SignalHandlers, 'pause' | 'resume' | 'reload'> {
  const proxies = proxiesInConfigOrder(ctx.config);
  const out = new OperatorLog(ctx.config.global);
  let softStopping = false;
  let finished = false;
  const finish = async (): Promise<void> => {
    if (finished) return;
    finished = true;
    await ctx.supervisor.hardStop();
    exit(0);
  };

  return {
    'soft-stop': (sig) => {
      // HAProxy drops its SIGUSR1 handler after the first one: a second soft stop changes nothing.
      if (softStopping) return;
      softStopping = true;
      ctx.logger.log('notice', `${sig} received: soft stop; no new connections, waiting for live ones to finish`);
      for (const { proxy, line } of proxyStoppedLines(ctx.state, proxies)) {
        out.stderr('warning', line);
        out.proxy(proxy, 'warning', line);
      }
      const hardAfter = ctx.config.global.hardStopAfter;
      if (hardAfter !== undefined) {
        setTimeout(() => {
          if (finished) return;
          out.stderr('warning', HARD_STOP_HEADER);
          out.global('warning', HARD_STOP_HEADER);
          for (const { proxy, line } of proxyHardStoppedLines(ctx.state, proxies)) {
            out.stderr('warning', line);
            out.proxy(proxy, 'warning', line);
          }
          void finish();
        }, hardAfter).unref();
      }
      void ctx.supervisor.stop().then(finish);
    },

    'hard-stop': (sig) => {
      ctx.logger.log('notice', `${sig} received: hard stop; ${ctx.state.loadGlobal('curConns')} live connections are cut`);
      exitBySignal(sig);
    },

    'dump-servers': () => {
      out.stderr('warning', SIGHUP_HEADER);
      for (const p of proxies) {
        out.proxy(p, 'notice', sighupProxyHeader(p));
        for (const line of sighupProxyLines(ctx.config, ctx.state, ctx.topology, p)) {
          out.stderr('warning', line);
          out.proxy(p, 'notice', line);
        }
      }
    },

    'dump-memory': async () => {
      const dump = await ctx.supervisor.memoryReport(MEMORY_REPORT_WAIT_MS);
      for (const line of memoryDumpLines(dump)) ctx.logger.log('notice', line);
    },

  };
}
