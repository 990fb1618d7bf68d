// The in-place reload (SIGUSR2; SIGHUP under -W/-Ws, as a haproxy master reloads on both, management.txt §4): the
// same -f files are read and validated again on this thread — off the traffic's path, main sees no connection — and
// any error keeps the running configuration, with the [ALERT] lines `orcalb -c` prints. A valid file is compared
// with the running one (config/config-diff.ts): a backend's servers added (spare slots), removed (drained, then the
// slot freed: reload-drain.ts), re-weighted, re-addressed or given a new maxconn, and a frontend's bind lines added
// (opened first: a port that cannot be bound refuses the reload) or removed (closed), and whole frontends and backends
// added (in the spare proxy slots) or removed (retired) are applied without a new process; any other change is refused whole, naming it (it needs a restart, `-sf`). With -Ws systemd hears RELOADING=1,
// then READY=1 whatever the outcome. Main thread.

import { applyBalanceChange, type BalanceChange } from '../config/balance-change.js';
import { applyBindsChange, type BindsChange } from '../config/binds-change.js';
import { checkReport } from '../config/check-report.js';
import { planReload, type ReloadPlan } from '../config/config-diff.js';
import { renderWarning } from '../config/config-error.js';
import { loadConfig, type LoadOptions } from '../config/load-config.js';
import type { BackendConfig, Config, FrontendConfig } from '../config/model.js';
import { applyProxySlotChange, noProxyChange, type ProxiesChange, type ProxySlotChange } from '../config/proxies-change.js';
import { applyTimeoutsChange, type TimeoutsChange } from '../config/timeouts-change.js';
import type { CliRelayAnswer, HealthRelayRequest, MainRelayRequest, ServerCommand } from '../core/cli/cli-relay.js';
import { initialHealth } from '../core/health/health-counter.js';
import { bindTarget, type ListenTarget } from '../core/accept/listeners.js';
import { serverTlsProblem } from '../core/forward/backend-runtime.js';
import type { Logger } from '../core/log.js';
import { writeBackendStart } from '../core/shared/initial-state.js';
import { clearBackendSlot, clearFrontendSlot } from '../core/shared/proxy-slots.js';
import { ipv4Word } from '../core/shared/server-address.js';
import { applyServerSetChange, freeServerSlots, ServerSlots, type ServerSetChange } from '../core/shared/server-slots.js';
import type { SharedState } from '../core/shared/state-buffer.js';
import { serverSlotsOf, type Topology } from '../core/shared/topology.js';
import { ProxyDrain } from './proxy-drain.js';
import { ServerDrain } from './reload-drain.js';
import type { BindRef } from './reload-listeners.js';
import type { Notifier } from './sd-notify.js';

/** What the reload drives (workers/supervisor.ts Supervisor): named here so this file imports no supervisor. */
export interface ReloadTarget {
  /** A server command for the health thread, the single writer of server state (started if it was not). */
  askHealth(request: HealthRelayRequest): Promise<CliRelayAnswer>;
  /** Tells every thread holding server configs of a slot coming into use, changing, or freed. */
  postServerSet(change: ServerSetChange): void;
  /** `set maxconn global|frontend` as the runtime API runs it (main writes the limit words admission reads). */
  answerMain(request: Extract<MainRelayRequest, { readonly kind: 'maxconn-global' | 'maxconn-frontend' }>): Promise<CliRelayAnswer>;
  /** Tells every thread whose sessions or checks read a proxy's timeouts of its new ones. */
  postTimeouts(change: TimeoutsChange): void;
  /** Tells every thread that reads a backend's `balance` line of its new one (the forwarders build their balancer again). */
  postBalance(change: BalanceChange): void;
  /** Opens the master sockets of binds a reload adds; returns why not (nothing opened), [] when done. */
  openBinds(targets: readonly ListenTarget[]): readonly string[];
  /** Tells every thread that reads binds of a frontend's new bind lines. */
  postBinds(change: BindsChange): void;
  /** Tells every thread holding a Config of the frontends and backends added (spare slots) or removed (retired). */
  postProxies(change: ProxySlotChange): void;
  /** The acceptor accepts on the added binds and closes the removed ones; resolves with an alert when unconfirmed. */
  changeListeners(added: readonly ListenTarget[], removed: readonly BindRef[]): Promise<string | undefined>;
  /**
   * Starts the health thread if it is not running: it recounts a backend's servers when its set changes and arms the
   * new servers' checks (a reload is an admin action, as the runtime API's).
   */
  ensureHealth(): void;
}

export interface ReloadOptions {
  readonly files: readonly string[];
  readonly load: LoadOptions;
  /** -q / -V over global quiet, as at start (undefined: the file decides). */
  readonly quiet: boolean | undefined;
  /** The configuration as read at start (before the fd-limit's maxconn was filled in): what the next read is compared with. */
  readonly loaded: Config;
  /** Main's live Config (the supervisor's, given to restarted threads): the reload keeps its server sets current. */
  readonly running: Config;
  readonly state: SharedState;
  readonly topology: Topology;
  readonly target: ReloadTarget;
  readonly logger: Logger;
  readonly notifier: Notifier;
}

/** How a reload ended: applied, refused (errors or changes that need a restart), or a step that failed midway. */
export type ReloadOutcome = 'applied' | 'refused' | 'failed';

export class Reloader {
  readonly #o: ReloadOptions;
  #loaded: Config;
  readonly #slots: ServerSlots;
  readonly #drain: ServerDrain;
  readonly #proxyDrain: ProxyDrain;
  /** The reload under way; a signal meanwhile asks for one more after it (the file may have changed again). */
  #running: Promise<ReloadOutcome> | undefined;
  #again = false;

  constructor(options: ReloadOptions) {
    this.#o = options;
    this.#loaded = options.loaded;
    this.#slots = new ServerSlots(options.running, options.state, options.topology);
    this.#drain = new ServerDrain(options.state, options.topology, (b, s) => {
      const change = this.#slots.retire(b, s);
      if (change === undefined) return;
      options.target.postServerSet(change);
      options.logger.log('notice', `reload: server ${options.running.backends[b]?.name ?? '?'}/${change.server.name} drained; its slot is free`);
    }, (b, s) => {
      const be = options.running.backends[b];
      options.logger.log('notice', `reload: server ${be?.name ?? '?'}/${be?.servers[s]?.name ?? '?'} put back in service by the runtime API: no longer drained (the next reload removes it again)`);
    });
    this.#proxyDrain = new ProxyDrain(options.state, options.topology, (kind, index) => {
      const name = (kind === 'frontend' ? options.running.frontends[index] : options.running.backends[index])?.name ?? '?';
      options.logger.log('notice', `reload: ${kind} ${name} drained; its slot is free`);
    });
  }

  /** Runs a reload (or queues one more behind the one under way); resolves with the last outcome. Never rejects. */
  reload(sig: string): Promise<ReloadOutcome> {
    if (this.#o.state.loadGlobal('stopping') !== 0) {
      this.#o.logger.log('notice', `${sig} received: stopping, no reload`);
      return Promise.resolve('refused');
    }
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    const run = async (): Promise<ReloadOutcome> => {
      let outcome: ReloadOutcome;
      do {
        this.#again = false;
        outcome = await this.#once(sig).catch((e: unknown) => {
          this.#o.logger.log('alert', `reload failed: ${e instanceof Error ? e.message : String(e)}`);
          return 'failed' as const;
        });
      } while (this.#again);
      this.#running = undefined;
      return outcome;
    };
    this.#running = run();
    return this.#running;
  }

  async #once(sig: string): Promise<ReloadOutcome> {
    const { logger, notifier } = this.#o;
    notifier.notify('RELOADING=1');
    try {
      logger.log('notice', `${sig} received: reloading the configuration from ${this.#o.files.join(', ')}`);
      const result = await loadConfig(this.#o.files, this.#o.load);
      const report = checkReport(result, process.pid, 'start');
      const next = result.config;
      if (report.exitCode !== 0 || next === undefined) {
        // The lines `orcalb -c` prints, so the log says what the check would.
        for (const e of result.errors) logger.log('alert', `config : ${e.render()}`);
        if (result.errors.length === 0) logger.log('alert', 'config : no enabled listener found');
        logger.log('alert', 'reload refused: the configuration has errors; orcalb keeps running the previous one');
        return 'refused';
      }
      if (this.#o.quiet !== undefined) next.global.quiet = this.#o.quiet;
      const plan = planReload(this.#loaded, this.#o.running, next, (b, s) => this.#drain.has(b, s), (kind, i) => this.#proxyDrain.isFree(kind, i));
      const reasons = plan.ok ? this.#unapplicable(plan) : plan.reasons;
      if (!plan.ok || reasons.length > 0) {
        for (const r of reasons) logger.log('alert', `reload: ${r}`);
        logger.log('alert', 'reload refused: these changes need a restart (orcalb -sf, or systemctl restart); orcalb keeps running the previous configuration');
        return 'refused';
      }
      // The last check that can refuse: the new binds are opened (and listening) before anything is applied.
      const added = plan.binds.flatMap((c) => addedTargets(this.#o.running, c, plan.proxies));
      const unbound = this.#o.target.openBinds(added);
      if (unbound.length > 0) {
        for (const r of unbound) logger.log('alert', `reload: ${r}`);
        logger.log('alert', 'reload refused: a new bind cannot be opened; orcalb keeps running the previous configuration');
        return 'refused';
      }
      for (const w of result.warnings) logger.log('warning', `config : ${renderWarning(w)}`);
      const back = plan.kept.filter((k) => this.#drain.has(k.backend, k.index)).length;
      const ok = await this.#apply(plan, added);
      const p = plan.proxies;
      this.#loaded = next;
      logger.log(
        ok ? 'notice' : 'alert',
        `reload ${ok ? 'done' : 'applied with errors (above)'}: ${plan.added.length} server(s) added, ${plan.removed.length} removed ` +
          `(draining: ${this.#drain.size}), ${plan.kept.length - back} changed, ${back} taken back from draining` +
          (plan.timeouts.length > 0 ? `; new timeouts for ${plan.timeouts.length} proxy section(s)` : '') +
          (noProxyChange(p)
            ? ''
            : `; proxies: ${[
              ...p.frontends.added.map((a) => `frontend ${a.proxy.name} added`),
              ...p.frontends.removed.map((r) => `frontend ${r.name} removed`),
              ...p.backends.added.map((a) => `backend ${a.proxy.name} added`),
              ...p.backends.removed.map((r) => `backend ${r.name} removed`),
            ].join(', ')}`) +
          (plan.balances.length > 0 ? `; new balance for ${plan.balances.map((c) => this.#o.running.backends[c.backend]?.name ?? c.backend).join(', ')}` : '') +
          (plan.limits.global !== undefined || plan.limits.frontends.length > 0 ? '; new maxconn limits' : '') +
          (plan.binds.length > 0
            ? `; binds: ${added.length} opened, ${plan.binds.reduce((n, c) => n + c.removed.length, 0)} closed, ` +
              `${plan.binds.reduce((n, c) => n + c.rebuilt.length, 0)} with new TLS contexts`
            : ''),
      );
      return ok ? 'applied' : 'failed';
    } finally {
      notifier.notify('READY=1');
    }
  }

  /** What the plan asks that this process cannot do in place (checked before anything is applied: never half-apply). */
  #unapplicable(plan: ReloadPlan): string[] {
    const reasons: string[] = [];
    const adds = new Map<number, number>();
    for (const a of plan.added) adds.set(a.backend, (adds.get(a.backend) ?? 0) + 1);
    for (const [b, n] of adds) {
      const be = this.#o.running.backends[b];
      const free = be === undefined ? 0 : freeServerSlots(be);
      if (n > free) reasons.push(`backend '${be?.name ?? b}': ${n} server(s) added, ${free} free server slot(s) (the spares reserved at start, drained servers not yet out)`);
    }
    for (const a of plan.added) {
      // Every forwarder builds the TLS client of a server added with `ssl` (core/forward/backend-runtime.ts
      // applyServerSet); built here first, so none of them fails to (a failure there leaves the server out).
      const problem = a.server.tls === undefined ? undefined : serverTlsProblem(this.#o.running, a.backend, a.server.tls);
      if (problem !== undefined) reasons.push(`server '${this.#o.running.backends[a.backend]?.name ?? a.backend}/${a.server.name}': its TLS client cannot be built: ${problem}`);
    }
    // The start's global maxconn sized the fd budget (workers/start-checks.ts): it is the ceiling, as the runtime API's
    // `set maxconn global` keeps haproxy's hardmaxconn.
    const hard = this.#o.running.global.maxconn;
    for (const v of [plan.limits.global, ...plan.limits.frontends.map((f) => f.maxconn)]) {
      if (v !== undefined && hard > 0 && v > hard) reasons.push(`maxconn ${v} is above the ${hard} the process was started with (its file-descriptor budget)`);
    }
    for (const c of plan.binds) {
      // Their listeners would have to start paused and leave LISTEN state as the rest do: not done yet.
      const name = this.#o.running.frontends[c.frontend]?.name ?? c.frontend;
      if (this.#o.state.loadGlobal('listenersPaused') === 1) reasons.push(`frontend '${name}': bind lines changed while the listeners are paused (SIGTTOU)`);
      else if (this.#o.state.frontend(c.frontend).load('adminPaused') === 1) reasons.push(`frontend '${name}': bind lines changed while it is disabled (runtime API)`);
    }
    for (const k of plan.kept) {
      if (k.address !== undefined && ipv4Word(k.address.host) === 0) {
        reasons.push(`server '${this.#o.running.backends[k.backend]?.name ?? k.backend}/${k.server.name}': new address ${k.address.host} is not IPv4 (a run-time address holds one)`);
      }
    }
    return reasons;
  }

  /**
   * The entries the plan's proxies take in the running Config: a new backend with its spare slot's server count (its
   * words written here, before any other thread knows the slot), a new frontend with the global maxconn where it sets
   * none (as at start) and no bind yet (its binds come as added bind lines), a removed proxy marked retired.
   */
  #proxyEntries(p: ProxiesChange): ProxySlotChange {
    const { running, state, topology } = this.#o;
    const hard = running.global.maxconn;
    const backends = [
      ...p.backends.added.map((a) => {
        const backend: BackendConfig = { ...a.proxy, serverSlots: running.proxySlots?.backendServerSlots[a.slot] ?? a.proxy.servers.length };
        // A removed backend's drained slot: nothing of its counters carries over.
        if (a.slot < running.backends.length) clearBackendSlot(state, topology, a.slot, backend.serverSlots ?? 0);
        this.#proxyDrain.taken('backend', a.slot);
        writeBackendStart(backend, a.slot, state, topology, initialHealth);
        return { index: a.slot, backend };
      }),
      ...p.backends.removed.flatMap((r) => {
        const be = running.backends[r.index];
        return be === undefined ? [] : [{ index: r.index, backend: { ...be, retired: true } }];
      }),
    ];
    const frontends = [
      ...p.frontends.added.map((a) => {
        if (a.slot < running.frontends.length) clearFrontendSlot(state, a.slot);
        this.#proxyDrain.taken('frontend', a.slot);
        return { index: a.slot, frontend: { ...a.proxy, binds: [], maxconn: a.proxy.maxconn || hard } satisfies FrontendConfig };
      }),
      ...p.frontends.removed.flatMap((r) => {
        const fe = running.frontends[r.index];
        return fe === undefined ? [] : [{ index: r.index, frontend: { ...fe, retired: true } }];
      }),
    ];
    return { frontends, backends };
  }

  /** Applies a checked plan. Resolves false when a thread refused a step (logged), true otherwise. */
  async #apply(plan: ReloadPlan, opened: readonly ListenTarget[]): Promise<boolean> {
    const { running, target } = this.#o;
    let ok = true;
    if (plan.added.length + plan.kept.length + plan.removed.length > 0 || !noProxyChange(plan.proxies)) target.ensureHealth();
    // Proxies first: a new backend is there before the frontends that name it, a new frontend's entry before its binds.
    if (!noProxyChange(plan.proxies)) {
      const change = this.#proxyEntries(plan.proxies);
      applyProxySlotChange(running, change);
      target.postProxies(change);
      for (const r of plan.proxies.backends.removed) {
        const be = running.backends[r.index];
        if (be !== undefined) this.#proxyDrain.add('backend', r.index, serverSlotsOf(be));
      }
      for (const r of plan.proxies.frontends.removed) this.#proxyDrain.add('frontend', r.index, 0);
    }
    const ask = async (b: number, name: string, command: ServerCommand): Promise<boolean> => {
      const answer = await target.askHealth({ kind: 'server', backend: running.backends[b]?.name ?? '', server: name, command });
      if (answer.ok) return true;
      ok = false;
      this.#o.logger.log('alert', `reload: ${running.backends[b]?.name ?? b}/${name}: ${answer.message?.trim() ?? 'refused'}`);
      return false;
    };
    // New servers first: the backend never has fewer servers than both configurations agree on.
    for (const a of plan.added) {
      const change = this.#slots.activateConfigured(a.backend, a.server, initialHealth);
      if (change === undefined) continue;
      target.postServerSet(change);
    }
    for (const k of plan.kept) {
      const change: ServerSetChange = { backend: k.backend, index: k.index, server: k.server };
      // Main's copy first (restarted threads get it), then every thread's, before the words that follow from it.
      applyServerSetChange(running, change);
      target.postServerSet(change);
      if (k.weight !== undefined) await ask(k.backend, k.server.name, { op: 'weight', weight: k.weight });
      if (k.maxconn !== undefined) await ask(k.backend, k.server.name, { op: 'maxconn', maxconn: k.maxconn });
      if (k.address !== undefined) await ask(k.backend, k.server.name, { op: 'addr', addrV4: ipv4Word(k.address.host), port: k.address.port });
      if (this.#drain.has(k.backend, k.index)) {
        // Back from draining: in service again, unless the file now says `disabled`.
        this.#drain.forget(k.backend, k.index);
        if (!k.server.disabled) await ask(k.backend, k.server.name, { op: 'state', value: 'ready' });
      } else if (k.disabled !== undefined) {
        await ask(k.backend, k.server.name, { op: 'state', value: k.disabled ? 'maint' : 'ready' });
      }
    }
    for (const r of plan.removed) {
      // Only a server in maintenance is drained and freed: one the health thread did not put there stays in service
      // (and listed), rather than be freed while a balancer may still pick it.
      if (await ask(r.backend, r.name, { op: 'state', value: 'maint' })) this.#drain.add(r.backend, r.index);
    }
    for (const change of plan.timeouts) {
      applyTimeoutsChange(running, change);
      target.postTimeouts(change);
    }
    for (const change of plan.balances) {
      applyBalanceChange(running, change);
      target.postBalance(change);
    }
    // Not written: the start's value (the ceiling above); a frontend without one gets it, as at start.
    const hard = running.global.maxconn;
    const limits = [
      ...(plan.limits.global === undefined ? [] : [{ kind: 'maxconn-global' as const, maxconn: plan.limits.global || hard }]),
      ...plan.limits.frontends.map((f) => ({ kind: 'maxconn-frontend' as const, frontend: f.index, maxconn: f.maxconn || hard })),
    ];
    for (const request of limits) {
      const answer = await target.answerMain(request);
      if (!answer.ok) {
        ok = false;
        this.#o.logger.log('alert', `reload: maxconn: ${answer.message?.trim() ?? 'refused'}`);
      }
    }
    for (const change of plan.binds) {
      applyBindsChange(running, change);
      target.postBinds(change);
    }
    const closed = plan.binds.flatMap((c) => c.removed.map((bind) => ({ frontend: c.frontend, bind })));
    const alert = await target.changeListeners(opened, closed);
    if (alert !== undefined) {
      ok = false;
      this.#o.logger.log('alert', `reload: binds: ${alert}`);
    }
    return ok;
  }
}

/**
 * The listen targets of the binds `change` adds, as they will sit in the running Config once it is applied (a new
 * frontend, `proxies`, in its spare slot). Pure.
 */
function addedTargets(running: Config, change: BindsChange, proxies: ProxiesChange): ListenTarget[] {
  const frontends = [...running.frontends];
  // A new frontend may take a removed one's slot: the new entry, not the retired one.
  const fe = proxies.frontends.added.find((a) => a.slot === change.frontend)?.proxy ?? running.frontends[change.frontend];
  if (fe === undefined) return [];
  frontends[change.frontend] = { ...fe, binds: change.binds };
  return change.added.map((bind) => bindTarget({ ...running, frontends }, change.frontend, bind));
}
