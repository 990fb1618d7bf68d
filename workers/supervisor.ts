// The main thread's supervisor: opens the listening sockets (before the privilege drop, kept until exit), starts the
// health checker, the forwarder pool and the acceptor, restarts any of them that dies (the others' connections
// untouched; a restarted thread listens on the same sockets), links the acceptor to every forwarder by a handoff
// port (this thread never sees a connection), pauses and resumes the listeners (SIGTTOU/SIGTTIN,
// listener-control.ts), runs the graceful / hard stop, and gathers every thread's memory figures for SIGQUIT. A
// listener that cannot be kept is fatal (onFatal). Main thread only.

import { randomBytes } from 'node:crypto';
import { TICKET_KEY_BYTES } from '../core/tls/session-tickets.js';
import { sessionCacheMemory } from '../core/tls/session-cache.js';
import { DEFAULT_SSL_CACHESIZE } from '../config/keywords/tls-global.js';
import type { Worker } from 'node:worker_threads';
import type { Config } from '../config/model.js';
import type { TimeoutsChange } from '../config/timeouts-change.js';
import type { BindsChange } from '../config/binds-change.js';
import type { ProxySlotChange } from '../config/proxies-change.js';
import type { BalanceChange } from '../config/balance-change.js';
import { threadMemory, type MemoryDump, type MemoryFigures, type ThreadMemory } from '../core/diagnostics/memory-usage.js';
import { OrcaError } from '../core/errors.js';
import { healthThreadNeededAtStart } from '../core/health/health-thread-need.js';
import { discardFd } from '../core/accept/fd-handoff.js';
import { cliTargets, listenTargets, statsTargets, type ListenTarget } from '../core/accept/listeners.js';
import { MasterSockets, type InheritedSockets, type ListenerPlan } from '../core/accept/master-sockets.js';
import type { Logger } from '../core/log.js';
import { LogWriter } from '../core/log/log-writer.js';
import { loadNativeAddon, type NativeAddon } from '../core/native-addon.js';
import { allocateLogRings, type LogRingMemory } from '../core/shared/log-ring.js';
import { ConnAccounting } from '../core/shared/conn-accounting.js';
import { HandoffTickets } from '../core/shared/handoff-tickets.js';
import type { SharedState } from '../core/shared/state-buffer.js';
import type { Topology } from '../core/shared/topology.js';
import type { CliRelayAnswer, HealthRelayRequest, MainRelayRequest } from '../core/cli/cli-relay.js';
import { applyLimit } from '../core/shared/runtime-limits.js';
import type { ServerSetChange } from '../core/shared/server-slots.js';
import { ForwarderPool } from './forwarder-pool.js';
import { HealthAsks } from './health-asks.js';
import { SessionAsks } from './session-asks.js';
import { ListenerControl } from './listener-control.js';
import { changeReloadListeners, openReloadBinds, type BindRef } from './reload-listeners.js';
import {
  asCliHealthDone, asCliRelay, asReport, asServerAdmin, asServerAdminDone, type AcceptMode, type CliRelayDoneMessage, type StatsData, type AcceptorData,
  type ControlMessage, type ForwarderLinkMessage, type HealthData,
  type ReportMessage,
} from './messages.js';

import { answerCliRelay } from './cli-relay.js';
import { answerControlRelay } from './control-relay.js';
import { ServerSetControl } from './server-set-control.js';
import { applyCertUpdate } from '../core/tls/cert-update.js';
import { spawnThread, waitFor } from './spawn.js';
import { PeersThread } from './peers-control.js';
import { peersThreadNeeded } from '../core/shared/topology.js';

type MemoryAnswer = Extract<ReportMessage, { type: 'memory' }>;

const START_TIMEOUT_MS = 10_000;
/** A graceful stop waits this long at most for the acceptor to stop handing connections over (it answers in ms). */
const ACCEPTOR_STOP_MS = 2000;
const ACCEPTOR = -1;

export interface SupervisorOptions {
  readonly config: Config;
  readonly state: SharedState;
  readonly topology: Topology;
  readonly threads: number;
  readonly accept: AcceptMode;
  readonly logger: Logger;
  /** The loaded addon (undefined: reuseport with Node's own listeners) and the path it came from, for the threads. */
  readonly addon: NativeAddon | undefined;
  readonly addonPath?: string;
  /** HAProxy's maxsock (start-checks.ts), for the accepting threads' fd-limit message. */
  readonly maxsock: number;
  /** `-sf`/`-st`: the old process's listening sockets, used before binding anew (listener-takeover.ts). */
  readonly inherited?: InheritedSockets;
  /** Called once when orcalb cannot go on (a listener lost after start): the caller logs it and exits 1. */
  readonly onFatal: (alert: string) => void;
}

export class Supervisor {
  private pool: ForwarderPool | undefined;
  /** The forwarders' traffic log rings (one per slot, kept across restarts) and their one writer, on this thread. */
  private readonly logRings: LogRingMemory;
  private readonly logWriter: LogWriter;
  private acceptor: Worker | undefined;
  private health: Worker | undefined;
  /** The peers thread, when a stick table is replicated (workers/peers-control.ts). */
  private peers: PeersThread | undefined;
  private stats: Worker | undefined;
  private masters: MasterSockets | undefined;
  /** The stats-only proxies' listening sockets (one row: the stats thread). */
  private statsMasters: MasterSockets | undefined;
  /** The `stats socket` lines' listening sockets (the runtime API, served by the stats thread). */
  private cliMasters: MasterSockets | undefined;
  private readonly startedMs = Date.now();
  private stopping = false;
  private started = false;
  private fatal = false;
  private readonly drained = new Set<number>();
  private readonly ready = new Set<number>();
  private readonly bound = new Set<number>();
  private readonly listeners: ListenerControl;
  private onChange: (() => void) | undefined;
  private firstError: OrcaError | undefined;
  private readonly tickets: HandoffTickets;
  private readonly accounting: ConnAccounting;
  /** Resolves the graceful stop's wait for the acceptor ('drained' report or exit). */
  private acceptorStopped: (() => void) | undefined;
  /** Open memory reports: id → collector of the answers. */
  private readonly memoryWaiters = new Map<number, (r: MemoryAnswer) => void>();
  private nextMemoryId = 1;
  private readonly o: SupervisorOptions;
  /** Runtime API requests waiting for the health thread. */
  private readonly healthAsks = new HealthAsks();
  /** Runtime API session requests waiting for the forwarders. */
  private readonly sessionAsks = new SessionAsks();
  /** `add server` / `del server`: main keeps the topology (its Config is what restarted threads get). */
  private readonly serverSet: ServerSetControl;
  /** The TLS session-id cache every forwarder shares (`tune.ssl.cachesize`; untouched pages cost nothing). */
  private readonly tlsSessions: SharedArrayBuffer | undefined;

  constructor(options: SupervisorOptions) {
    this.o = options;
    this.tlsSessions = sessionCacheMemory(options.config.global.tls?.cachesize ?? DEFAULT_SSL_CACHESIZE);
    this.tickets = new HandoffTickets(options.state);
    this.accounting = new ConnAccounting(options.state);
    this.serverSet = new ServerSetControl(options.config, options.state, options.topology, (change) => this.postServerSet(change));
    // Test hook: a small ring fills within a test's few hundred requests (tests/regressions/issue-0013-log-writer).
    const testRing = process.env['ORCALB_TEST_HOOKS'] === '1' ? Number(process.env['ORCALB_TEST_LOG_RING_BYTES'] ?? NaN) : NaN;
    // Without any frontend target no line is ever pushed: minimal rings (their pages would stay untouched anyway).
    const logs = options.config.frontends.some((fe) => (fe.log?.length ?? 0) > 0);
    this.logRings = allocateLogRings(options.threads, testRing >= 1024 ? testRing & ~3 : logs ? undefined : 1024);
    this.logWriter = new LogWriter(options.config, this.logRings, options.state, {
      addon: loadNativeAddon(options.addonPath),
      alert: (m) => options.logger.log('alert', m),
    });
    this.listeners = new ListenerControl({
      state: options.state,
      logger: options.logger,
      frontendNames: [...new Set(listenTargets(options.config).map((t) => t.frontendName))],
      accepting: options.accept === 'acceptor' ? 1 : options.threads,
      send: (msg) => this.toAccepting(msg),
      masters: () => this.masters,
      stopping: () => this.stopping,
    });
  }

  /**
   * Opens every listener, then starts every thread; resolves once all are bound. Rejects with OrcaError
   * ORCA_BIND_FAILED whose message holds one HAProxy alert per line when a listener cannot be bound.
   */
  async start(): Promise<void> {
    const plan = this.openMasters();
    // An idle health thread is a whole isolate (~12 MiB): without checks, load readings or stick tables it starts
    // on the first admin action instead (healthThread()).
    if (healthThreadNeededAtStart(this.o.config)) this.startHealth();
    if (this.logWriter.needed) this.logWriter.start();
    if (peersThreadNeeded(this.o.config)) {
      // Before any forwarder: the tables are learned from a peer before the first client is served.
      this.peers = new PeersThread({ config: this.o.config, buffer: this.o.state.buffer, threads: this.o.threads }, this.o.logger, (r) => this.onReport(r));
      await this.peers.start();
    }
    this.pool = new ForwarderPool(
      {
        config: this.o.config,
        buffer: this.o.state.buffer,
        threads: this.o.threads,
        accept: this.o.accept,
        maxsock: this.o.maxsock,
        logRings: this.logRings,
        // Made even without an ssl bind: a reload may add one, whose sessions then resume on any thread as well.
        tlsTicketKeys: randomBytes(TICKET_KEY_BYTES),
        // Sized once at start, like the keys (a reload's new cachesize waits for a restart).
        ...(this.tlsSessions === undefined ? {} : { tlsSessions: this.tlsSessions }),
        ...(this.o.accept === 'reuseport' ? { listeners: plan } : {}),
        ...(this.o.addonPath === undefined ? {} : { addonPath: this.o.addonPath }),
      },
      this.o.state, this.accounting, this.o.topology, this.o.logger,
      {
        onReport: (r) => this.onReport(r),
        linkTo: () => {
          const a = this.acceptor;
          if (a === undefined || this.stopping) return undefined;
          return (link) => {
            const msg: ForwarderLinkMessage = { type: 'forwarder-link', link };
            a.postMessage(msg, [link.port]);
          };
        },
      },
    );
    this.pool.start();
    // Every forwarder must hold its slot (and, in reuseport mode, its listeners) before we say ready.
    const want = this.o.accept === 'reuseport' ? this.bound : this.ready;
    await this.until(() => want.size >= this.o.threads, 'forwarders');
    if (this.o.accept === 'acceptor') {
      const a = this.startAcceptor(plan);
      await waitFor(a, 'bound', START_TIMEOUT_MS);
    }
    const statsPlan = this.openStatsMasters(statsTargets(this.o.config), (m) => (this.statsMasters = m));
    const cliPlan = this.openStatsMasters(cliTargets(this.o.config), (m) => (this.cliMasters = m));
    if (statsPlan.targets.length > 0 || cliPlan.targets.length > 0) {
      await waitFor(this.startStats(statsPlan, cliPlan), 'bound', START_TIMEOUT_MS);
    }
    this.started = true;
  }

  /**
   * The stats thread's sockets, the stats-only proxies' or the stats sockets' (before the privilege drop, as every
   * listener); without the addon the thread binds them itself.
   */
  private openStatsMasters(targets: ListenTarget[], keep: (m: MasterSockets) => void): ListenerPlan {
    const addon = this.o.addon;
    if (addon === undefined || targets.length === 0) return { targets };
    const opened = MasterSockets.open(targets, 1, addon, this.o.inherited);
    if (!opened.ok) {
      throw new OrcaError(
        'ORCA_BIND_FAILED',
        [...opened.alerts, '[orcalb.main()] Some protocols failed to start their listeners! Exiting.'].join('\n'),
      );
    }
    keep(opened.sockets);
    return opened.sockets.plan();
  }

  /**
   * The stats thread (workers/stats.ts): serves the stats-only proxies on dups of their master sockets, restarted
   * when it dies. Its admin requests go to the health thread and the answers back, through here.
   */
  private startStats(plan: ListenerPlan, cli: ListenerPlan): Worker {
    const data: StatsData = {
      config: this.o.config, buffer: this.o.state.buffer, threads: this.o.threads, listeners: dupPlan(plan, this.o.addon),
      cli: dupPlan(cli, this.o.addon), startedMs: this.startedMs,
    };
    const w = spawnThread('stats', data);
    this.stats = w;
    w.on('message', (msg: unknown) => {
      const relay = asCliRelay(msg);
      if (relay !== undefined) {
        // A CLI command that changes state: main hands it to its owner; a failure is an answer, never a throw.
        void answerCliRelay(relay.request, { config: this.o.config, state: this.o.state, control: (r) => answerControlRelay(r, this) })
          .catch((e: unknown) => ({ ok: false, message: e instanceof Error ? e.message : String(e) }))
          .then((answer) => {
            const done: CliRelayDoneMessage = { type: 'cli-relay-done', id: relay.id, answer };
            w.postMessage(done);
          });
        return;
      }
      const ask = asServerAdmin(msg);
      if (ask !== undefined) {
        if (this.stopping && this.health === undefined) w.postMessage({ type: 'server-admin-done', id: ask.id, answer: ask.request.servers.map(() => 'error') });
        else this.healthThread().postMessage(ask);
        // The form's `shutdown` kills the servers' sessions, held by the forwarders (as `shutdown sessions server`).
        if (ask.request.action === 'shutdown') this.cutServerSessions(ask.request.backend, ask.request.servers);
        return;
      }
      const r = asReport(msg);
      if (r?.type === 'memory') this.onReport(r);
    });
    w.on('error', (e) => this.o.logger.log('alert', `stats thread failed: ${String(e)}`));
    w.on('exit', () => {
      if (this.stats !== w) return;
      this.stats = undefined;
      // Its connections died with it: the stats-only frontends' live counts (only that thread writes them) go to 0.
      for (const t of plan.targets) {
        const f = this.o.state.frontend(t.frontend);
        f.add('curConns', -f.load('curConns'));
      }
      if (this.stopping) return;
      this.o.logger.log('warning', 'stats thread exited; restarting it');
      const next = this.startStats(plan, cli);
      waitFor(next, 'bound', START_TIMEOUT_MS).catch((e: unknown) =>
        this.lose(`the restarted stats thread could not listen: ${e instanceof Error ? e.message : String(e)}`),
      );
    });
    return w;
  }

  /** The master sockets, with the addon; without it each reuseport forwarder binds its own. */
  private openMasters(): ListenerPlan {
    const targets = listenTargets(this.o.config);
    const addon = this.o.addon;
    if (addon === undefined) return { targets };
    const rows = this.o.accept === 'reuseport' ? this.o.threads : 1;
    const opened = MasterSockets.open(targets, rows, addon, this.o.inherited);
    if (!opened.ok) {
      throw new OrcaError(
        'ORCA_BIND_FAILED',
        [...opened.alerts, '[orcalb.main()] Some protocols failed to start their listeners! Exiting.'].join('\n'),
      );
    }
    this.masters = opened.sockets;
    return opened.sockets.plan();
  }

  private onReport(r: ReportMessage): void {
    if (r.type === 'memory') return void this.memoryWaiters.get(r.id)?.(r);
    if (r.type === 'sessions') return void this.sessionAsks.settle(r);
    if (r.type === 'ready') this.ready.add(r.thread);
    else if (r.type === 'bound') this.bound.add(r.thread);
    else if (r.type === 'drained') this.drained.add(r.thread);
    else if (r.type === 'listeners-paused' || r.type === 'listeners-resumed') this.listeners.ack(r.type, r.thread);
    else if (r.type === 'listener-lost') this.lose(r.alert);
    else if (r.type === 'bind-error') {
      // Before start() resolves it fails the start; after, a restarted thread could not listen again.
      if (this.started) this.lose(r.error.message);
      else this.firstError ??= new OrcaError(r.error.code, r.error.message);
    }
    // In reuseport mode a forwarder is ready before it has bound: 'bound' is what start() waits for.
    if (r.type === 'ready' && this.o.accept === 'reuseport') return;
    this.onChange?.();
  }

  /** A listener orcalb promised to keep is gone: stop here rather than run without it. */
  private lose(alert: string): void {
    if (this.stopping || this.fatal) return;
    this.fatal = true;
    this.o.onFatal(alert);
  }

  /** Resolves when `cond` holds (re-checked on each report), rejects on a reported error or after a timeout. */
  private until(cond: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new OrcaError('ORCA_INTERNAL', `${what} did not start in time`)), START_TIMEOUT_MS);
      this.onChange = () => {
        if (this.firstError !== undefined) reject(this.firstError);
        else if (!cond()) return;
        else resolve();
        clearTimeout(timer);
        this.onChange = undefined;
      };
      this.onChange();
    });
  }

  /**
   * A runtime API change to one server (`set server`, `set weight`, `enable|disable server|health|agent`) or the
   * health thread's part of `clear counters all`, applied by the health thread, the single writer of server state
   * (workers/cli-relay.ts answerCliRelay calls this for those request kinds).
   */
  askHealth(request: HealthRelayRequest): Promise<CliRelayAnswer> {
    return this.healthAsks.ask(this.stopping && this.health === undefined ? undefined : this.healthThread(), request);
  }

  /**
   * `set maxconn frontend|global` (main writes the limit words) and `enable|disable frontend` (the listener pause
   * handshake for one frontend). workers/control-relay.ts calls this.
   */
  async answerMain(request: MainRelayRequest): Promise<CliRelayAnswer> {
    if (request.kind === 'add-server') return this.serverSet.add(request.backend, request.server, request.args);
    if (request.kind === 'del-server') return this.serverSet.del(request.backend, request.server);
    if (request.kind === 'peers') return { ok: true, message: (await this.peers?.show(request.section)) ?? '' };
    if (request.kind === 'sessions') {
      const got = await this.sessionAsks.ask((m) => this.pool?.post(m), this.o.threads, request.op);
      return { ok: true, data: request.op.op === 'show' ? got.lines : got.cut };
    }
    if (request.kind === 'ssl-cert') {
      // `commit ssl cert`: main's Config first (a forwarder restarted meanwhile gets it), then every forwarder's.
      applyCertUpdate(this.o.config, request.update);
      const got = await this.sessionAsks.ask((m) => this.pool?.post(m), this.o.threads, { op: 'ssl-cert', update: request.update });
      return { ok: true, data: got.cut };
    }
    if (request.kind !== 'frontend-state') return applyLimit(this.o.state, this.accounting, request);
    const name = this.o.config.frontends[request.frontend]?.name ?? '?';
    if (!listenTargets(this.o.config).some((t) => t.frontend === request.frontend)) {
      return { ok: false, message: `orcalb cannot pause frontend ${name}: it serves no traffic (a stats-only proxy).\n` };
    }
    const message = await this.listeners.setFrontend(request.frontend, request.enable);
    return { ok: message === '', message };
  }

  /**
   * A server slot comes into use, changes or is freed (`add server`, `del server`, a reload): every thread holding
   * server configs hears it, each on its own port in order (the stats thread hears of the server before the CLI answer
   * it then sends); a thread started later is given main's Config, which already holds it.
   */
  postServerSet(change: ServerSetChange): void {
    const msg: ControlMessage = { type: 'server-set', change };
    this.broadcast(msg);
    this.health?.postMessage(msg);
    this.stats?.postMessage(msg);
  }

  /** A reload's new `timeout` lines for one proxy: to every thread whose sessions or checks read them. */
  postTimeouts(change: TimeoutsChange): void {
    const msg: ControlMessage = { type: 'timeouts', change };
    this.broadcast(msg);
    this.health?.postMessage(msg);
    this.stats?.postMessage(msg);
  }

  /** A reload's new `balance` line for one backend: to every thread that reads it. */
  postBalance(change: BalanceChange): void {
    const msg: ControlMessage = { type: 'balance', change };
    this.broadcast(msg);
    this.health?.postMessage(msg);
    this.stats?.postMessage(msg);
  }

  /** A reload's frontends and backends added or removed: to every thread that holds a Config (main's has them). */
  postProxies(change: ProxySlotChange): void {
    const msg: ControlMessage = { type: 'proxies', change };
    // The log writer first: a new frontend's first lines may come as soon as a forwarder hears of it.
    this.logWriter.frontendsAdded(this.o.config, change.frontends.flatMap((f) => (f.frontend.retired === true ? [] : [f.index])));
    this.broadcast(msg);
    this.health?.postMessage(msg);
    this.stats?.postMessage(msg);
  }

  /** A reload's new binds: see openReloadBinds (workers/reload-listeners.ts). */
  openBinds(targets: readonly ListenTarget[]): readonly string[] {
    return openReloadBinds(this.o.accept === 'acceptor' ? this.masters : undefined, targets);
  }

  /** A reload's new bind lines of one frontend: to every thread that reads binds (main's Config already has them). */
  postBinds(change: BindsChange): void {
    const msg: ControlMessage = { type: 'binds', change };
    this.broadcast(msg);
    this.stats?.postMessage(msg);
  }

  /** After postBinds: see changeReloadListeners (workers/reload-listeners.ts). */
  changeListeners(added: readonly ListenTarget[], removed: readonly BindRef[]): Promise<string | undefined> {
    return changeReloadListeners(
      {
        masters: this.masters,
        acceptor: this.acceptor,
        // A memory report is a round trip every forwarder answers after the messages posted before it.
        forwardersHeard: () => this.memoryReport(START_TIMEOUT_MS).then(() => undefined),
      },
      added,
      removed,
    );
  }

  /** The health thread, started now if it was not running (workers/reload.ts: a reload is an admin action). */
  ensureHealth(): void {
    if (!this.stopping) this.healthThread();
  }

  /** Cuts every session on the named servers of `backend` (the stats form's `shutdown`); unknown names are skipped. */
  private cutServerSessions(backend: string, servers: readonly string[]): void {
    const b = this.o.config.backends.findIndex((be) => be.name === backend);
    const names = this.o.config.backends[b]?.servers.map((s) => s.name) ?? [];
    for (const name of servers) {
      const s = names.indexOf(name);
      if (s >= 0) void this.sessionAsks.ask((m) => this.pool?.post(m), this.o.threads, { op: 'shutdown-server', backend: b, server: s });
    }
  }

  /**
   * The health thread, started now if the config did not need it at start (healthThreadNeededAtStart): every
   * relay of an admin action to it (the single writer of server state) goes through here. A message posted before
   * the thread has loaded waits in its port's queue.
   */
  private healthThread(): Worker {
    return this.health ?? this.startHealth();
  }

  private startHealth(): Worker {
    const data: HealthData = { config: this.o.config, buffer: this.o.state.buffer, threads: this.o.threads };
    const w = spawnThread('health-checker', data);
    this.health = w;
    w.on('message', (msg: unknown) => {
      const done = asServerAdminDone(msg);
      if (done !== undefined) return void this.stats?.postMessage(done);
      const cliDone = asCliHealthDone(msg);
      if (cliDone !== undefined) return void this.healthAsks.settle(cliDone);
      const r = asReport(msg);
      if (r?.type === 'memory') this.onReport(r);
    });
    w.on('error', (e) => this.o.logger.log('alert', `health-check thread failed: ${String(e)}`));
    w.on('exit', () => {
      this.healthAsks.failAll();
      if (this.stopping) return;
      this.o.logger.log('warning', 'health-check thread exited; restarting it');
      this.startHealth();
    });
    return w;
  }

  private startAcceptor(plan: ListenerPlan): Worker {
    const forwarders = this.pool?.links() ?? [];
    const data: AcceptorData = {
      config: this.o.config,
      buffer: this.o.state.buffer,
      listeners: plan,
      forwarders,
      maxsock: this.o.maxsock,
      ...(this.o.addonPath === undefined ? {} : { addonPath: this.o.addonPath }),
    };
    const w = spawnThread('acceptor', data, forwarders.map((f) => f.port));
    this.acceptor = w;
    w.on('message', (msg: unknown) => {
      const r = asReport(msg);
      if (r?.type === 'drained') this.acceptorStopped?.();
      else if (r?.type === 'listeners-paused' || r?.type === 'listeners-resumed') this.listeners.ack(r.type, ACCEPTOR);
      else if (r?.type === 'listener-lost') this.lose(r.alert);
      else if (r?.type === 'memory') this.onReport(r);
    });
    w.on('error', (e) => this.o.logger.log('alert', `acceptor thread failed: ${String(e)}`));
    w.on('exit', () => {
      if (this.acceptor !== w) return;
      // No acceptor until the next one: forwarders started meanwhile get their link from it.
      this.acceptor = undefined;
      // Handoffs it made but never posted (it died in the middle of a burst) would wait forever: close them.
      this.tickets.cancelUnposted((fd, frontend) => {
        discardFd(fd);
        this.accounting.unadmitClient(frontend);
      });
      if (this.stopping) return void this.acceptorStopped?.();
      this.o.logger.log('warning', 'acceptor thread exited; restarting it');
      // The new acceptor listens on dups of the same master sockets: nothing is bound again.
      const since = Date.now();
      // A reload may have added or removed binds since the start: the masters hold today's list.
      const next = this.startAcceptor(this.masters?.plan() ?? plan);
      waitFor(next, 'bound', START_TIMEOUT_MS).then(
        () => this.o.logger.log('notice', `acceptor restarted in ${Date.now() - since} ms`),
        (e: unknown) => this.lose(`the restarted acceptor could not listen: ${e instanceof Error ? e.message : String(e)}`),
      );
    });
    return w;
  }

  /** To every forwarder. */
  private broadcast(msg: ControlMessage): void {
    this.pool?.post(msg);
  }

  /** To whichever threads accept: the acceptor, or every forwarder in reuseport mode. */
  private toAccepting(msg: ControlMessage): void {
    if (this.o.accept === 'acceptor') this.acceptor?.postMessage(msg);
    else this.broadcast(msg);
  }

  /**
   * SIGQUIT: asks every thread for its memory figures and resolves with what came back within `timeoutMs` (a
   * thread that does not answer is listed as such). Never rejects. Forwarders' live connections are read from the
   * shared buffer, not asked for, so they are there even for a wedged thread.
   */
  async memoryReport(timeoutMs: number): Promise<MemoryDump> {
    const id = this.nextMemoryId++;
    const names = ['acceptor', 'health-checker', 'stats'].filter(
      (n) => (n === 'acceptor' ? this.acceptor : n === 'stats' ? this.stats : this.health) !== undefined,
    );
    if (this.peers !== undefined) names.push('peers');
    for (let t = 0; t < this.o.threads; t++) names.push(`forwarder ${t}`);
    const answers = new Map<string, MemoryFigures>();
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.memoryWaiters.delete(id);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.memoryWaiters.set(id, (r) => {
        answers.set(r.kind === 'forwarder' ? `forwarder ${r.thread}` : r.kind, r.figures);
        if (names.every((n) => answers.has(n))) done();
      });
      const ask: ControlMessage = { type: 'memory-report', id };
      this.broadcast(ask);
      this.acceptor?.postMessage(ask);
      this.health?.postMessage(ask);
      this.stats?.postMessage(ask);
      this.peers?.post(ask);
    });
    const threads: ThreadMemory[] = [{ name: 'main', figures: threadMemory() }];
    for (const name of names) {
      const t = /^forwarder (\d+)$/.exec(name);
      const liveConns = t === null ? {} : { liveConns: this.o.state.thread(Number(t[1])).load('liveConns') };
      threads.push({ name, figures: answers.get(name), ...liveConns });
    }
    return { rss: process.memoryUsage.rss(), threads, liveConns: this.o.state.loadGlobal('curConns'), waitedMs: Date.now() - started };
  }


  /** SIGTTOU: see ListenerControl.pause (logs `Paused frontend X.` as HAProxy does). */
  pauseListeners(): Promise<void> {
    return this.listeners.pause();
  }

  /** SIGTTIN: see ListenerControl.resume (logs `Resumed frontend X.`). */
  resumeListeners(): Promise<void> {
    return this.listeners.resume();
  }

  /** Test hook: make forwarder t throw an uncaught exception (after blocking its loop for stallMs). */
  crashForwarder(t: number, stallMs = 0): void {
    this.broadcast(stallMs > 0 ? { type: 'stall', thread: t, ms: stallMs } : { type: 'crash', thread: t });
  }

  /** Test hook: make the stats thread throw an uncaught exception. */
  crashStats(): void {
    this.stats?.postMessage({ type: 'crash', thread: -2 });
  }

  /** Test hook: make the acceptor thread throw an uncaught exception. */
  crashAcceptor(): void {
    this.acceptor?.postMessage({ type: 'crash', thread: ACCEPTOR });
  }

  /**
   * Graceful stop: no new connections (the threads close their listeners and main its master sockets, so the ports
   * refuse connections once the last copy is gone); resolves when no forwarder has a live connection left.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.o.state.storeGlobal('stopping', 1);
    // Closing main's copy is safe at any time: a socket listens until its last fd closes, so a thread still polling
    // its own dup keeps a valid listener until it closes it too.
    this.masters?.close();
    this.cliMasters?.close();
    this.statsMasters?.close();
    this.stats?.postMessage({ type: 'stop' });
    // The acceptor stops first: once it has said so, every handoff it made is already queued on a forwarder's port,
    // so a forwarder that then hears 'stop' takes them before it counts itself drained (forwarder.ts).
    const a = this.acceptor;
    if (a !== undefined) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ACCEPTOR_STOP_MS);
        this.acceptorStopped = () => {
          clearTimeout(timer);
          resolve();
        };
        a.postMessage({ type: 'stop' });
      });
    }
    this.drained.clear();
    this.broadcast({ type: 'stop' });
    await new Promise<void>((resolve) => {
      this.onChange = () => {
        if (this.drained.size >= this.o.threads) resolve();
      };
      this.onChange();
    });
    await this.peers?.stop();
    // Every forwarder has drained: the lines of the last sessions are in the rings.
    await this.logWriter.stop();
  }

  /** Cuts every live connection, ends all threads and closes the listening sockets. */
  async hardStop(): Promise<void> {
    this.stopping = true;
    this.broadcast({ type: 'hard-stop' });
    await Promise.all([
      this.pool?.destroy().catch(() => undefined),
      this.acceptor?.terminate().catch(() => undefined),
      this.health?.terminate().catch(() => undefined),
      this.stats?.terminate().catch(() => undefined),
      this.peers?.stop(),
    ]);
    this.masters?.close();
    this.cliMasters?.close();
    this.statsMasters?.close();
    await this.logWriter.stop();
  }
}

/**
 * The stats thread's own copies of the stats master sockets: it closes them when it stops or dies (as Node closes a
 * listening fd it was given), while main keeps the masters for a restart.
 */
function dupPlan(plan: ListenerPlan, addon: NativeAddon | undefined): ListenerPlan {
  const row = plan.fds?.[0];
  if (row === undefined || addon === undefined) return plan;
  return { targets: plan.targets, fds: [row.map((fd) => addon.dup(fd))] };
}
