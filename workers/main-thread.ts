// orcalb's main thread, loaded by workers/main.ts once the signal guard has run: the CLI (`orcalb -f haproxy.cfg
// --threads 12`, `orcalb -c -f FILE`, `-Ws -p FILE -sf PID`), config loading, the fd limit, the shared buffer, the
// supervisor, the PID file, systemd's READY=1, privilege drop and the operator's signals (HAProxy's meanings:
// workers/signals.ts).

import os from 'node:os';
import { createInterface } from 'node:readline';
import { checkReport } from '../config/check-report.js';
import { renderWarning } from '../config/config-error.js';
import { loadConfig } from '../config/load-config.js';
import { OrcaError } from '../core/errors.js';
import { IdleCompaction, residentTrim } from '../core/io/idle-compaction.js';
import { initialHealth } from '../core/health/health-counter.js';
import { createLogger } from '../core/log.js';
import { dropPrivileges } from '../core/privileges.js';
import { writeInitialState } from '../core/shared/initial-state.js';
import { computeOffsets } from '../core/shared/layout.js';
import { SharedState } from '../core/shared/state-buffer.js';
import { reserveProxySlots, topologyOf } from '../core/shared/topology.js';
import { parseCli, usage, type CliOptions } from './cli-options.js';
import { daemonReady, isDaemonChild, runAsDaemon } from './daemonize.js';
import { takeListeners, stopOldProcesses } from './listener-takeover.js';
import { PidFile } from './pid-file.js';
import { createNotifier } from './sd-notify.js';
import { assertNoInspector } from './signal-guard.js';
import { operatorActions } from './operator-actions.js';
import { Reloader } from './reload.js';
import { wireSignals } from './signals.js';
import { planStart } from './start-checks.js';
import { Supervisor } from './supervisor.js';
import { ORCALB_VERSION } from './version.js';

async function main(argv: readonly string[]): Promise<number> {
  let cli: CliOptions;
  try {
    cli = parseCli(argv);
  } catch (e) {
    process.stderr.write(`orcalb: ${e instanceof Error ? e.message : String(e)}\n${usage()}`);
    return 1;
  }
  if (cli.help || cli.version) {
    process.stdout.write(cli.help ? usage() : `orcalb version ${ORCALB_VERSION}\n`);
    return 0;
  }

  // What `pidof orcalb`, `ps` and `killall -0 orcalb` find (the command line otherwise starts with node's path).
  process.title = 'orcalb';
  const loadOptions = {
    ...(cli.defaultMaxconn === undefined ? {} : { defaultProxyMaxconn: cli.defaultMaxconn }),
    ...(cli.localPeer === undefined ? {} : { localPeer: cli.localPeer }),
  };
  const result = await loadConfig(cli.files, loadOptions);
  const report = checkReport(result, process.pid, cli.check ? 'check' : 'start');
  if (cli.check || report.exitCode !== 0 || result.config === undefined) {
    // -c prints everything; a refused start (errors, or nothing to listen on) prints the same diagnostics.
    // -c -q (the systemd unit's ExecReload check): haproxy prints nothing; orcalb still prints the errors.
    const silent = cli.quiet === true && report.exitCode !== 1;
    if (!silent) for (const line of report.lines) (report.exitCode !== 1 && cli.check ? process.stdout : process.stderr).write(`${line}\n`);
    return report.exitCode;
  }
  // -D / global daemon (-db overrides both; -Ws too: systemd's Type=notify wants the process it started, and
  // haproxy 2.6.12 -Ws stays in the foreground with `daemon`, measured): the detached copy of this process starts.
  const daemon = !cli.systemd && (cli.daemon ?? result.config.global.daemon);
  if (daemon && !isDaemonChild()) return runAsDaemon(argv);
  // -q / -V over global quiet, for every stderr writer of this thread (the operator's lines read it too).
  if (cli.quiet !== undefined) result.config.global.quiet = cli.quiet;
  const quiet = result.config.global.quiet === true;
  const logger = createLogger(result.config.global, { quiet });
  // The start-up lines (config warnings, the fd budget, start failures, ready) go to stderr only: haproxy 2.6.12
  // prints its ha_warning/ha_notice/ha_alert of the start there and sends none of them to the `log` targets
  // (measured with a syslog sink); what happens once running (state changes, signals, stops) goes to both.
  const startup = createLogger([], { quiet });
  for (const w of result.warnings) startup.log('warning', `config : ${renderWarning(w)}`);
  if (cli.pidfile !== undefined && result.config.global.pidfile !== undefined) {
    // haproxy 2.6.12's words (an ALERT, and it goes on with -p's file).
    startup.log('alert', `config : parsing [${result.config.global.source.file}] : 'pidfile' already specified. Continuing.`);
  }
  const pidPath = cli.pidfile ?? result.config.global.pidfile;

  const threads = cli.threads ?? result.config.global.nbthread ?? os.availableParallelism();
  const plan = planStart(result.config, cli.accept, threads, process.env['ORCALB_FD_DUP_ADDON'], startup);
  if (plan === undefined) return 1;
  const { accept } = plan;
  // The spare proxy slots a reload fills (core/shared/topology.ts): part of main's Config, so every thread, and any
  // restarted later, derives the same layout.
  const config = { ...plan.config, proxySlots: reserveProxySlots(plan.config) };
  const topology = topologyOf(config, threads);
  let state: SharedState;
  try {
    state = SharedState.allocate(topology.counts);
  } catch (e) {
    // Stick tables are reserved whole at start: a large `size` times the thread count can exceed what the system
    // lends, and the answer is an alert, not a stack trace.
    const mb = Math.ceil(computeOffsets(topology.counts).byteLength / 2 ** 20);
    startup.log('alert', `cannot allocate the ${mb} MB shared buffer (stick tables: ${topology.stick.tables.length}): ${String(e)}`);
    return 1;
  }
  writeInitialState(config, state, topology, initialHealth);

  let fatal: ((alert: string) => void) | undefined;
  // -sf/-st: the old orcalb's listening sockets become ours before anything binds (listener-takeover.ts).
  // Test hook ORCALB_TEST_SF_REUSEPORT=1: bind beside the old process instead, to measure what that loses.
  const reuseOnly = process.env['ORCALB_TEST_HOOKS'] === '1' && process.env['ORCALB_TEST_SF_REUSEPORT'] === '1';
  const inherited = cli.oldPids.length > 0 && !reuseOnly ? takeListeners(cli.oldPids, plan.addon, startup) : undefined;
  // The PID file before any thread starts (haproxy too creates it before enabling its listeners): once the acceptor
  // runs it takes connections from the accept queue it shares with an old process (-sf), and a start that failed
  // after that would close the connections it took (seen in CI).
  const pidFile = pidPath === undefined ? undefined : new PidFile(pidPath);
  try {
    pidFile?.write();
  } catch (e) {
    // HAProxy's words when the pidfile cannot be created; it exits 1 too.
    startup.log('alert', `[orcalb.main()] Cannot create pidfile ${pidPath ?? ''}: ${e instanceof Error ? e.message : String(e)}`);
    // The old process still has its copies: it serves on as if -sf had not been tried.
    inherited?.closeRest();
    return 1;
  }
  const supervisor = new Supervisor({
    // `config`, not plan's: the threads derive the layout, spare proxy slots included, from the Config they are given.
    ...plan, config, state, topology, threads, logger, onFatal: (alert) => fatal?.(alert), ...(inherited === undefined ? {} : { inherited }),
  });
  try {
    await supervisor.start();
  } catch (e) {
    for (const line of (e instanceof OrcaError ? e.message : String(e)).split('\n')) startup.log('alert', line);
    await supervisor.hardStop();
    pidFile?.revert();
    // The old process still has its copies: it serves on as if -sf had not been tried.
    inherited?.closeRest();
    return 1;
  }
  const unused = inherited?.closeRest() ?? 0;
  if (unused > 0) startup.log('notice', `-sf/-st: ${unused} taken socket(s) match no bind line of this configuration; closed`);
  dropPrivileges(config.global, startup);
  // A SIGUSR1 that came before the guard took it may have opened the inspector since: check again before serving.
  assertNoInspector();
  startup.log('notice', `orcalb ready: ${threads} forwarders, accept=${accept}, pid ${process.pid}`);
  const notifier = createNotifier(cli.systemd, process.env['NOTIFY_SOCKET'], plan.addon, logger);
  notifier.notify('READY=1');
  daemonReady();
  // Only now is every listener ours and accepting: the old processes may go (HAProxy signals them at this point).
  stopOldProcesses(cli.oldPids, cli.oldStop, logger);
  // Config loading's garbage and grown young generation back once idle (issue 10, idle RSS).
  new IdleCompaction({ fromStart: true, trim: residentTrim(plan.addon) });

  const code = await new Promise<number>((resolve) => {
    fatal = (alert) => {
      logger.log('alert', alert);
      void supervisor.hardStop().then(() => resolve(1));
    };
    // HAProxy's `-sf` handshake: a new process asks the old one to stop listening, and to listen again if it failed.
    const actions = operatorActions({ config, state, topology, supervisor, logger }, resolve);
    const reloader = new Reloader({
      files: cli.files, load: loadOptions, quiet: cli.quiet, loaded: result.config ?? config, running: config, state, topology,
      target: supervisor, logger, notifier,
    });
    const reload = (sig: NodeJS.Signals): Promise<void> => reloader.reload(sig).then(() => undefined);
    wireSignals(
      {
        ...actions,
        reload,
        // A haproxy master reloads on SIGHUP as on SIGUSR2; a plain haproxy dumps the server states (management.txt §4).
        'dump-servers': (sig) => (cli.masterWorker || config.global.masterWorker === true ? reload(sig) : actions['dump-servers'](sig)),
        // systemd hears STOPPING=1 as a stop begins; a hard stop never returns, so the PID file goes first.
        'soft-stop': (sig) => {
          notifier.notify('STOPPING=1');
          return actions['soft-stop'](sig);
        },
        'hard-stop': (sig) => {
          notifier.notify('STOPPING=1');
          pidFile?.remove();
          return actions['hard-stop'](sig);
        },
        pause: () => supervisor.pauseListeners(),
        resume: () => supervisor.resumeListeners(),
      },
      logger,
    );
    if (process.env['ORCALB_TEST_HOOKS'] === '1') {
      createInterface({ input: process.stdin }).on('line', (line) => {
        const m = /^(crash|stall)-forwarder (\d+)(?: (\d+))?$/.exec(line.trim());
        if (m !== null) supervisor.crashForwarder(Number(m[2]), m[1] === 'stall' ? Number(m[3] ?? 0) : 0);
        if (line.trim() === 'crash-acceptor') supervisor.crashAcceptor();
        if (line.trim() === 'crash-stats') supervisor.crashStats();
        const stall = /^stall-main (\d+)$/.exec(line.trim());
        if (stall !== null) stallMain(Number(stall[1]), logger);
      });
    }
  });
  pidFile?.remove();
  notifier.close();
  return code;
}

/**
 * Test hook (ORCALB_TEST_HOOKS `stall-main MS`): blocks this thread's event loop for MS ms, between two log lines, to
 * show that no connection needs the main thread (the acceptor hands fds to the forwarders directly).
 */
function stallMain(ms: number, logger: ReturnType<typeof createLogger>): void {
  logger.log('notice', `test hook: main thread stalls for ${ms} ms`);
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: this thread runs nothing else meanwhile
  }
  logger.log('notice', 'test hook: main thread stall over');
}

process.exitCode = await main(process.argv.slice(2));
// Worker threads or stdin may keep the loop alive after a stop: the exit code is final.
process.exit();
