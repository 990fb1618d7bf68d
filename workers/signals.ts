// The operator's signals, each with the meaning HAProxy 2.6 gives it in a foreground process (management.txt §4 and
// §6; haproxy.c registers soft stop, dump, pause/resume and ignores the rest): one table, wired by main.ts, listed in
// README (tests/workers/signals-contract.test.ts checks both). SIGUSR1 is held from the first module main.ts loads,
// so that Node's own SIGUSR1 handler, which opens the V8 inspector, never runs. Main thread only.

import { constants } from 'node:os';
import type { Logger } from '../core/log.js';

/**
 * What each signal does. `hard-stop` cuts every connection at once and the process ends killed by that signal, as
 * haproxy does (it leaves SIGTERM and SIGINT at their default action). `ignore`: haproxy survives them (SIGALRM is
 * its watchdog's signal) where Node's default would end the process.
 */
export const SIGNALS = [
  { signal: 'SIGUSR1', action: 'soft-stop', meaning: 'soft stop: unbind the listeners, let live connections finish (at most `hard-stop-after`), then exit 0; a second SIGUSR1 changes nothing' },
  { signal: 'SIGTERM', action: 'hard-stop', meaning: 'hard stop: every live connection is cut at once; the process ends killed by SIGTERM' },
  { signal: 'SIGINT', action: 'hard-stop', meaning: 'hard stop, as SIGTERM (Ctrl-C)' },
  { signal: 'SIGHUP', action: 'dump-servers', meaning: "log every server's state and each proxy's connection counts, in HAProxy's words; with -W/-Ws or global master-worker, reload as SIGUSR2, as a haproxy master does" },
  { signal: 'SIGQUIT', action: 'dump-memory', meaning: 'log the memory usage of every thread and the live connection counts' },
  { signal: 'SIGUSR2', action: 'reload', meaning: 'reload in place: read the -f files again; on any error keep the running configuration (the [ALERT] lines of `-c` in the log); else apply the server, timeout, maxconn, balance and bind changes (certificates included) without a new process, or refuse, naming them, what needs a restart' },
  { signal: 'SIGTTOU', action: 'pause', meaning: 'pause the listeners (first half of the `-sf` handshake)' },
  { signal: 'SIGTTIN', action: 'resume', meaning: 'resume the listeners after SIGTTOU' },
  { signal: 'SIGPIPE', action: 'ignore', meaning: 'ignored' },
  { signal: 'SIGALRM', action: 'ignore', meaning: 'ignored (HAProxy keeps it for its watchdog)' },
] as const satisfies readonly { signal: NodeJS.Signals; action: string; meaning: string }[];

export type SignalAction = (typeof SIGNALS)[number]['action'];

/** One handler per action. A handler may return a promise; a rejection is logged, never thrown. */
export type SignalHandlers = {
  readonly [A in Exclude<SignalAction, 'ignore'>]: (sig: NodeJS.Signals) => void | Promise<void>;
};

/**
 * Ignored signals that Node already ignores (SIG_IGN): no listener, which would wake the event loop on every write
 * to a closed socket.
 */
const IGNORED_BY_NODE: ReadonlySet<NodeJS.Signals> = new Set(['SIGPIPE']);
const ignore = (): void => undefined;

/**
 * Signals taken before wireSignals(), queued and acted on once orcalb is ready: SIGUSR1, whose default would open the
 * inspector, SIGTTOU/SIGTTIN, whose default would suspend the whole process during its start, and the reload signals
 * SIGUSR2/SIGHUP, whose default would end it (a `systemctl reload` racing the start, or the ready line).
 */
const HELD: readonly NodeJS.Signals[] = ['SIGUSR1', 'SIGTTOU', 'SIGTTIN', 'SIGUSR2', 'SIGHUP'];
const held: NodeJS.Signals[] = [];
const hold = (sig: NodeJS.Signals): void => void held.push(sig);
let holding = false;

/**
 * Takes SIGUSR1 away from Node's inspector: from now on it is queued until wireSignals() acts on it. Call it first
 * thing on the main thread (workers/signal-guard.ts does). Idempotent; never throws.
 */
export function holdSignals(): void {
  if (holding) return;
  holding = true;
  for (const sig of HELD) process.on(sig, hold);
}

/**
 * Installs one listener per signal of the table that has a handler, then replays the signals held since
 * holdSignals(), in arrival order. A held signal is never released to its default action (for SIGUSR1 that
 * would be the inspector). Main thread; call once, when the process is ready.
 */
export function wireSignals(handlers: SignalHandlers, logger: Logger): void {
  const run = (sig: NodeJS.Signals, action: SignalAction): void => {
    const handler = action === 'ignore' ? undefined : handlers[action];
    if (handler === undefined) return;
    try {
      void Promise.resolve(handler(sig)).catch((e: unknown) => logger.log('alert', `${sig}: ${String(e)}`));
    } catch (e) {
      logger.log('alert', `${sig}: ${String(e)}`);
    }
  };
  for (const { signal, action } of SIGNALS) {
    if (action === 'ignore') {
      if (!IGNORED_BY_NODE.has(signal)) process.on(signal, ignore);
      continue;
    }
    if (handlers[action] === undefined) continue;
    process.on(signal, () => run(signal, action));
    // The queued copy has done its job: the new listener keeps the signal away from its default action.
    if (HELD.includes(signal)) process.off(signal, hold);
  }
  for (const sig of held.splice(0)) {
    const entry = SIGNALS.find((s) => s.signal === sig);
    if (entry !== undefined) run(sig, entry.action);
  }
}

/**
 * The signals of the table (ignored ones aside) set in a SigBlk mask of /proc/PID/status (hex, bit n-1 for signal
 * n): they would never be delivered to a listener. Pure.
 */
export function blockedSignals(sigBlkHex: string): NodeJS.Signals[] {
  const mask = BigInt(`0x${sigBlkHex}`);
  return SIGNALS.filter((s) => s.action !== 'ignore' && ((mask >> BigInt(constants.signals[s.signal] - 1)) & 1n) === 1n).map(
    (s) => s.signal,
  );
}

/**
 * Ends the process killed by `sig`, as a process that never caught it: the parent (a shell, systemd) sees the same
 * status as for haproxy. The kernel closes every socket. Never returns.
 */
export function exitBySignal(sig: NodeJS.Signals): never {
  // With no listener left, libuv restores the default action, and a signal sent to oneself is delivered before
  // kill() returns.
  process.removeAllListeners(sig);
  process.kill(process.pid, sig);
  // Only reached if the default action was set to "ignore" from outside: exit with the shell's code for it.
  process.exit(128 + constants.signals[sig]);
}
