// The health checker: runs every server's check on its own timer, moves the rise/fall counter, and publishes
// state, counters, effective weight and backend totals into the shared buffer (HAProxy src/check.c + the
// srv_update_status part of src/server.c). Runs on the health-check thread, the single writer of those fields.
// Past 400 lines because the admin actions (stats form, runtime API) must share the private state-change steps
// (#setState, #recount, #bumpGeneration) with the checks: split it with those steps into their own class next.

import { performance } from 'node:perf_hooks';
import type { BackendConfig, Config, DolphinDbCheckConfig, HttpCheckConfig, ServerConfig } from '../../config/model.js';
import type { Logger } from '../log.js';
import { ConnAccounting } from '../shared/conn-accounting.js';
import { ServerState } from '../shared/layout.js';
import { hasNoAddress, withRuntimeAddress } from '../shared/server-address.js';
import type { ServerSlot } from '../shared/server-slot.js';
import type { SharedState } from '../shared/state-buffer.js';
import { serverSlotIndex, type Topology } from '../shared/topology.js';
import { CHECK_STATUS } from './check-status.js';
import { AdminFlag } from '../stats/status-text.js';
import type { AdminAction, AdminOutcome } from './server-admin.js';
import { applyCheckResult, maxHealth, startHealth, type RiseFall } from './health-counter.js';
import { clearLoadScore, placedBeforeReading, publishReading, readingLogin, readsLoad } from './load-reading.js';
import { probeDolphinDb, readDolphinDbLoad, type DolphinDbProbeResult, type PerfReading } from './probe-dolphindb.js';
import { probeHttp } from './probe-http.js';
import { probeTcpCheck } from './probe-tcp-check.js';
import { probeTcp, type ProbeResult } from './probe-tcp.js';
import { CheckScheduler, checkDeadlines, type PeriodicCheck, checkInterval, firstCheckDelays, type CheckDeadlines, type Clock } from './scheduler.js';
import { WeightRamp } from './slowstart.js';
import { StateChangeLog, type ServerChange, type SyslogFor } from './state-change-log.js';

export interface HealthCheckerOptions {
  /**
   * Syslog side of the state-change lines. Given: `logger` is treated as stderr and this one receives HAProxy's
   * send_log levels (alert for DOWN, notice for UP, emerg for no server). Absent: `logger` gets everything.
   */
  readonly syslog?: Logger | SyslogFor;
  /** Time source for check timers and slowstart steps (tests). Sockets always run on real time. */
  readonly clock?: Clock;
}

/** `option httpchk` with no arguments: HAProxy 2.6 sends `OPTIONS / HTTP/1.0`. */
const DEFAULT_HTTP_CHECK: HttpCheckConfig = { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [] };

/** `option dolphindb-check` with no arguments: no login, `version()`. */
const DEFAULT_DOLPHINDB_CHECK: DolphinDbCheckConfig = { script: 'version()' };

/** One checked server and what its checks need. */
interface Checked {
  readonly backend: BackendConfig;
  readonly backendIndex: number;
  /** Replaced (never mutated) by the runtime API: `set server B/S check-port`. */
  server: ServerConfig;
  readonly slot: ServerSlot;
  readonly deadlines: CheckDeadlines;
  readonly ramp: WeightRamp | undefined;
  /** `balance dolphindb-load`: read getPerf() at each check. */
  readonly load: boolean;
  /** Its entry in the scheduler (removed with the server: `del server`). */
  readonly task: PeriodicCheck;
}

/**
 * Owns the checks of every `check` server in the config. Servers without `check` are never probed and keep the
 * state the main thread wrote (UP, or MAINT when disabled). Construct on the thread that will run the checks
 * (the health thread, or the main thread in tests); nothing starts before start().
 */
export class HealthChecker {
  readonly #config: Config;
  readonly #state: SharedState;
  readonly #topology: Topology;
  readonly #log: StateChangeLog;
  readonly #clock: Clock | undefined;
  readonly #scheduler: CheckScheduler;
  readonly #abort = new AbortController();
  readonly #checked: Checked[] = [];
  /** Unchecked servers whose DolphinDB load is read (dolphindb-load): scheduled, not in #checked. */
  readonly #loadReaders: Checked[] = [];
  #started = false;
  #stopped = false;

  constructor(config: Config, state: SharedState, topology: Topology, logger: Logger, options: HealthCheckerOptions = {}) {
    this.#config = config;
    this.#state = state;
    this.#topology = topology;
    this.#log = new StateChangeLog(logger, options.syslog);
    this.#clock = options.clock;
    this.#scheduler = new CheckScheduler(options.clock);
  }

  /**
   * Writes the starting counters, recounts every backend and arms the first checks, staggered as HAProxy's
   * start_checks() does. Idempotent; does not throw.
   */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    const loadOnly: Checked[] = [];
    this.#config.backends.forEach((backend, b) => {
      backend.servers.forEach((_, s) => {
        const c = this.#watch(b, s);
        if (c !== undefined && !c.server.check) loadOnly.push(c);
      });
      this.#recount(b);
    });
    const delays = firstCheckDelays(this.#checked.map((c) => this.#interval(c)));
    this.#checked.forEach((c, i) => this.#scheduler.add(c.task, delays[i] ?? 0));
    for (const c of loadOnly) this.#scheduler.add(c.task, 0);
  }

  /**
   * What server `s` of backend `b` needs from this thread: a checked entry (in #checked) for a `check` server, a
   * load-reading one (returned, not kept) for an unchecked server under dolphindb-load, else nothing. Nothing is
   * armed here.
   */
  #watch(b: number, s: number): Checked | undefined {
    const backend = this.#config.backends[b];
    const server = backend?.servers[s];
    if (backend === undefined || server === undefined || server.retired === true || server.disabled || backend.disabled || backend.retired === true) return undefined;
    const slot = this.#state.server(serverSlotIndex(this.#topology, b, s));
    const load = readsLoad(backend);
    if (load) clearLoadScore(slot);
    const st = slot.load('state');
    // A server the admin form put in MAINT keeps its checks armed (they skip it while it is there), so that `ready`
    // after a restart of this thread finds them; only a `disabled` one (config MAINT) has none.
    // A slot without an address (RMAINT: init-addr none, a template slot discovery has not filled) keeps them too,
    // for the node discovery will put there.
    if (st === ServerState.MAINT && (slot.load('adminState') & (AdminFlag.MAINT | AdminFlag.RMAINT)) === 0) return undefined;
    const deadlines = checkDeadlines(server.inter, backend.timeouts);
    // A server without `check` is never probed; under dolphindb-load its load is still read every `inter`.
    if (!server.check) {
      if (!load) return undefined;
      const c: Checked = { backend, backendIndex: b, server, slot, deadlines, ramp: undefined, load, task: { run: () => this.#readLoad(c), nextDelayMs: () => c.server.inter } };
      this.#loadReaders.push(c);
      return c;
    }
    slot.store('health', resumeHealth(slot.load('health'), server, st === ServerState.UP));
    if (slot.load('checkStatus') === CHECK_STATUS.UNKNOWN.code) slot.store('checkStatus', CHECK_STATUS.INI.code);
    const ramp =
      server.slowstart > 0
        ? new WeightRamp(slot.load('userWeight'), server.slowstart, (w) => this.#publishWeight(b, slot, w), this.#clock)
        : undefined;
    // After a restart of this thread, a runtime address (`set server … addr`) still holds.
    const c: Checked = {
      backend, backendIndex: b, server: withRuntimeAddress(slot, server), slot, deadlines, ramp, load,
      task: { run: () => this.#runCheck(c), nextDelayMs: () => this.#interval(c) },
    };
    this.#checked.push(c);
    return c;
  }

  /**
   * `add server` / `del server` (core/shared/server-slots.ts), once this thread's Config holds the change: a new
   * server's checks are armed (they skip it while it is in maintenance, as haproxy's do, and its results are ignored
   * until `enable health`); a retired one's are stopped for good. Health thread only; never throws.
   */
  serverSetChanged(b: number, s: number): void {
    if (!this.#started || this.#stopped) return;
    const slot = this.#state.server(serverSlotIndex(this.#topology, b, s));
    // A slot may come back with another server: whatever ran for the previous one stops first.
    for (const list of [this.#checked, this.#loadReaders]) {
      for (const old of list.filter((x) => x.slot === slot)) {
        old.ramp?.cancel();
        this.#scheduler.remove(old.task);
      }
      list.splice(0, list.length, ...list.filter((x) => x.slot !== slot));
    }
    const c = this.#watch(b, s);
    if (c !== undefined) this.#scheduler.add(c.task, 0);
    this.#recount(b);
  }

  /** Cancels timers and ramps, aborts the checks in flight and waits for them. Nothing is written afterwards. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    for (const c of this.#checked) c.ramp?.cancel();
    await this.#scheduler.stop();
  }

  #interval(c: Checked): number {
    return checkInterval(c.server, c.slot.load('health'), c.slot.load('state') === ServerState.DOWN);
  }

  async #runCheck(c: Checked): Promise<void> {
    // No address to check (resolution maintenance): its placeholder 0.0.0.0 would reach this very host.
    if (this.#stopped || (c.slot.load('adminState') & AdminFlag.RMAINT) !== 0) return;
    const startedAt = performance.now();
    const signal = this.#abort.signal;
    const bufsize = this.#config.global.bufsize;
    const placed = c.load ? placedBeforeReading(c.slot) : 0;
    const result = await this.#probe(c, bufsize, signal);
    const durationMs = Math.floor(performance.now() - startedAt);
    // A check cut short by stop() says nothing about the server.
    if (this.#stopped) return;
    if (c.load) {
      // The reading is published before the state: a server coming back UP is seen with its fresh score.
      const reading = result.perf ?? (await this.#separateReading(c, result, signal));
      if (this.#stopped) return;
      publishReading(c.slot, reading, placed);
    }
    this.#apply(c, result, durationMs);
  }

  /** The probe of the backend's check type (HAProxy: the check option last set in the proxy). */
  #probe(c: Checked, bufsize: number, signal: AbortSignal): Promise<DolphinDbProbeResult> {
    const hc = c.backend.healthCheck;
    switch (hc.type) {
      case 'tcp-check':
        return probeTcpCheck(hc.rules, c.server, c.deadlines, bufsize, signal);
      case 'http':
        return probeHttp(hc.http ?? DEFAULT_HTTP_CHECK, c.server, c.deadlines, bufsize, signal);
      case 'dolphindb':
        // Under dolphindb-load the reading rides on the check's own connection, right after the script.
        return probeDolphinDb(hc.dolphindb ?? DEFAULT_DOLPHINDB_CHECK, c.server, c.deadlines, signal, c.load);
      default:
        return probeTcp(c.server, c.deadlines, signal);
    }
  }

  /** getPerf() on its own connection, when the check itself could not read it: only after a passed check. */
  #separateReading(c: Checked, result: ProbeResult, signal: AbortSignal): Promise<PerfReading> {
    if (result.status.result !== 'passed' && result.status.result !== 'condpass') {
      return Promise.resolve({ ok: false, reason: `check failed: ${result.status.desc}` });
    }
    return readDolphinDbLoad(readingLogin(c.backend), c.server, c.deadlines, signal);
  }

  /** A load reading for a server that has no `check`: the score moves, the state never does. */
  async #readLoad(c: Checked): Promise<void> {
    if (this.#stopped || (c.slot.load('adminState') & AdminFlag.RMAINT) !== 0) return;
    const placed = placedBeforeReading(c.slot);
    const reading = await readDolphinDbLoad(readingLogin(c.backend), c.server, c.deadlines, this.#abort.signal);
    if (!this.#stopped) publishReading(c.slot, reading, placed);
  }

  /** set_server_check_status + check_notify_failure/success: counter, counters, then the state change if any. */
  #apply(c: Checked, result: ProbeResult, durationMs: number): void {
    const slot = c.slot;
    const st = slot.load('state');
    const admin = slot.load('adminState');
    if (st === ServerState.MAINT || (admin & AdminFlag.NOCHECK) !== 0) return;
    // hnolb holds until the next check speaks (HAProxy: the next result sets the state again).
    if ((admin & AdminFlag.NOLB) !== 0) {
      slot.store('adminState', admin & ~AdminFlag.NOLB);
      if ((admin & AdminFlag.DRAIN) === 0 && st === ServerState.UP) this.#publishWeightNow(c);
    }
    const step = applyCheckResult(slot.load('health'), result.status.result, c.server, st === ServerState.UP);
    if (step.moved && result.status.result === 'failed') slot.store('checkFails', slot.load('checkFails') + 1);
    slot.store('health', step.health);
    slot.store('checkStatus', result.status.code);
    slot.store('checkDurationMs', durationMs);
    slot.store('checkCode', result.code ?? 0);
    if (step.moved && c.backend.options.logHealthChecks === true) {
      const rf = c.server;
      const drained = slot.load('userWeight') === 0;
      const counts = this.#usable(c.backendIndex);
      this.#log.checkResult(this.#change(c, result, durationMs, counts), { health: step.health, rise: rf.rise, fall: rf.fall, drained });
    }
    if (step.transition === 'down') this.#markDown(c, result, durationMs);
    else if (step.transition === 'up') this.#markUp(c, result, durationMs);
  }

  #markDown(c: Checked, result: ProbeResult, durationMs: number): void {
    const before = this.#usable(c.backendIndex);
    c.ramp?.cancel();
    c.slot.store('state', ServerState.DOWN);
    // lastChangeSec is the start of the DOWN spell: the UP transition adds it to downtimeSec.
    c.slot.store('lastChangeSec', this.#unixSeconds());
    c.slot.store('downTransitions', c.slot.load('downTransitions') + 1);
    const after = this.#recount(c.backendIndex);
    this.#bumpGeneration(c.backendIndex);
    this.#log.serverDown(this.#change(c, result, durationMs, after), c.backend.options.logHealthChecks !== true);
    if (before.active + before.backups > 0 && after.active + after.backups === 0) {
      this.#log.noServer(c.backend.section, c.backend.name);
    }
  }

  #markUp(c: Checked, result: ProbeResult, durationMs: number): void {
    this.#closeDownSpell(c.slot);
    // The weight goes out before the state: a balancer that sees UP must already see the warm-up weight (0 drained).
    const drained = (c.slot.load('adminState') & (AdminFlag.DRAIN | AdminFlag.NOLB)) !== 0;
    if (c.ramp !== undefined) c.ramp.setWeight(c.slot.load('userWeight'));
    c.slot.store('effectiveWeight', drained ? 0 : (c.ramp?.initialWeight() ?? c.slot.load('userWeight')));
    c.slot.store('state', ServerState.UP);
    c.slot.store('lastChangeSec', this.#unixSeconds());
    const after = this.#recount(c.backendIndex);
    this.#bumpGeneration(c.backendIndex);
    c.ramp?.start();
    this.#log.serverUp(this.#change(c, result, durationMs, after), c.backend.options.logHealthChecks !== true);
  }

  /** A slowstart step: new weight, then a generation bump so balancers rebuild their weighted schedules. */
  #publishWeight(backendIndex: number, slot: ServerSlot, weight: number): void {
    if (this.#stopped || slot.load('state') !== ServerState.UP) return;
    if ((slot.load('adminState') & (AdminFlag.DRAIN | AdminFlag.NOLB)) !== 0) return;
    slot.store('effectiveWeight', weight);
    this.#bumpGeneration(backendIndex);
  }

  /**
   * A stats admin action on server `s` of backend `b` (core/health/server-admin.ts). Health thread only: it is the
   * single writer of state, health, effective weight and admin flags. Never throws.
   */
  admin(b: number, s: number, action: AdminAction): AdminOutcome {
    const backend = this.#config.backends[b];
    const server = backend?.servers[s];
    if (backend === undefined || server === undefined || this.#stopped) return 'error';
    const slot = this.#state.server(serverSlotIndex(this.#topology, b, s));
    const c = this.#checked.find((x) => x.slot === slot);
    const flags = slot.load('adminState');
    const rf = { rise: server.rise, fall: server.fall };
    switch (action) {
      case 'maint':
        if (slot.load('state') !== ServerState.MAINT) {
          c?.ramp?.cancel();
          this.#setState(b, slot, ServerState.MAINT);
        }
        slot.store('adminState', flags | AdminFlag.MAINT);
        break;
      case 'ready':
      case 'drain': {
        const drain = action === 'drain';
        slot.store('adminState', (flags & ~(AdminFlag.MAINT | AdminFlag.DRAIN)) | (drain ? AdminFlag.DRAIN : 0));
        // Resolution maintenance stays: only an address lifts it (HAProxy clears the forced flag only).
        if (slot.load('state') === ServerState.MAINT && !server.disabled && (flags & AdminFlag.RMAINT) === 0) {
          // HAProxy: "start OK but check immediately": health = rise, UP, going down until a check passes.
          if (server.check) slot.store('health', rf.rise);
          slot.store('effectiveWeight', drain ? 0 : slot.load('userWeight'));
          this.#setState(b, slot, ServerState.UP);
        } else {
          slot.store('effectiveWeight', drain ? 0 : (c?.ramp?.current() ?? slot.load('userWeight')));
          this.#recount(b);
          this.#bumpGeneration(b);
        }
        break;
      }
      case 'dhlth':
        if (!server.check) return 'none';
        slot.store('adminState', flags | AdminFlag.NOCHECK);
        break;
      case 'ehlth':
        if (!server.check) return 'none';
        slot.store('adminState', flags & ~AdminFlag.NOCHECK);
        break;
      case 'hrunn':
      case 'hdown':
      case 'hnolb': {
        if (!server.check || slot.load('state') === ServerState.MAINT) return server.check ? 'done' : 'none';
        if (action === 'hrunn') {
          slot.store('health', maxHealth(rf));
          slot.store('adminState', flags & ~AdminFlag.NOLB);
          if ((flags & AdminFlag.DRAIN) === 0) slot.store('effectiveWeight', slot.load('userWeight'));
          this.#setState(b, slot, ServerState.UP);
        } else if (action === 'hdown') {
          slot.store('health', 0);
          this.#setState(b, slot, ServerState.DOWN);
        } else {
          slot.store('adminState', flags | AdminFlag.NOLB);
          slot.store('effectiveWeight', 0);
          this.#recount(b);
          this.#bumpGeneration(b);
        }
        break;
      }
      case 'shutdown':
        // HAProxy kills the server's sessions: they live on the forwarders, main cuts them (Supervisor, after this).
        break;
      default:
        // Agent actions: orcalb runs no agent checks, and 2.6 answers NONE for a server without an agent.
        return 'none';
    }
    return 'done';
  }

  /**
   * `set server B/S weight` / `set weight` (HAProxy's uweight): the user weight `weight` (0..256), which every later
   * transition (UP after DOWN, ready after drain/maint, slowstart) restores instead of the config weight. A server
   * taking traffic now gets it at once (scaled by a ramp in progress). Health thread only. False: unknown server.
   */
  setUserWeight(b: number, s: number, weight: number): boolean {
    if (this.#config.backends[b]?.servers[s] === undefined || this.#stopped) return false;
    const slot = this.#state.server(serverSlotIndex(this.#topology, b, s));
    const c = this.#checked.find((x) => x.slot === slot);
    slot.store('userWeight', weight);
    c?.ramp?.setWeight(weight);
    const taking = slot.load('state') === ServerState.UP && (slot.load('adminState') & (AdminFlag.DRAIN | AdminFlag.NOLB)) === 0;
    if (taking) slot.store('effectiveWeight', c?.ramp?.current() ?? weight);
    this.#recount(b);
    this.#bumpGeneration(b);
    return true;
  }

  /**
   * `clear counters all`'s part that only this thread writes: every server's failed checks and UP→DOWN transitions
   * (haproxy 2.6.12 zeroes its chkfail and chkdown; a backend's chkdown stays). Health thread only.
   */
  clearCheckCounters(): { readonly ok: true } {
    this.#config.backends.forEach((backend, b) => {
      backend.servers.forEach((_, s) => {
        const slot = this.#state.server(serverSlotIndex(this.#topology, b, s));
        slot.store('checkFails', 0);
        slot.store('downTransitions', 0);
      });
    });
    return { ok: true };
  }

  /**
   * `set maxconn server B/S N` (0 = no limit): the word dispatch reads on every pick; a raised limit wakes the
   * queues of every thread at once (the same wake as a freed slot). Health thread only. False: unknown server.
   */
  setMaxconn(b: number, s: number, maxconn: number): boolean {
    if (this.#config.backends[b]?.servers[s] === undefined || this.#stopped) return false;
    this.#state.server(serverSlotIndex(this.#topology, b, s)).store('maxconn', Math.max(0, maxconn));
    new ConnAccounting(this.#state).notifyReleased(b);
    return true;
  }

  /**
   * `set server B/S addr A [port P]`: publishes the new IPv4 address (its word) and/or port for the forwarders' next
   * dials, and the checks go there from the next one on (unless `addr`/`port` on the server line sends them
   * elsewhere). Health thread only. False: unknown server.
   */
  setAddress(b: number, s: number, addrV4: number | undefined, port: number | undefined): boolean {
    if (this.#config.backends[b]?.servers[s] === undefined || this.#stopped) return false;
    const slot = this.#state.server(serverSlotIndex(this.#topology, b, s));
    if (addrV4 !== undefined) slot.store('addrV4', addrV4);
    if (port !== undefined) slot.store('addrPort', port + 1);
    const c = this.#checked.find((x) => x.slot === slot);
    if (c !== undefined) c.server = withRuntimeAddress(slot, c.server);
    return true;
  }

  /**
   * dolphindb-discovery's change to server `s` of backend `b`, a slot of its template (core/dolphindb/discovery-
   * runner.ts). 'fill': the node's address goes in and resolution maintenance ends; a checked server starts DOWN
   * with its checks run at once, so it takes traffic after `rise` passed checks (slowstart then ramps it); an
   * unchecked one is UP at once. A forced MAINT (`disable server`) stays. 'down' / 'empty': resolution maintenance
   * (HAProxy's RMAINT), logged with `reason`. Health thread only (single writer of state); false: unknown server.
   */
  discoverySet(b: number, s: number, change: DiscoveryChange): boolean {
    const backend = this.#config.backends[b];
    const server = backend?.servers[s];
    if (backend === undefined || server === undefined || server.retired === true || this.#stopped) return false;
    const slot = this.#state.server(serverSlotIndex(this.#topology, b, s));
    const flags = slot.load('adminState');
    const label = `${backend.name}/${server.name}`;
    if (change.kind !== 'fill') {
      if ((flags & AdminFlag.RMAINT) !== 0) return true;
      this.#checked.find((x) => x.slot === slot)?.ramp?.cancel();
      slot.store('adminState', flags | AdminFlag.RMAINT);
      this.#setState(b, slot, ServerState.MAINT);
      const left = this.#usable(b);
      this.#log.note(backend.name, `Server ${label} is going DOWN for maintenance (${change.reason}). ${left.active} active and ${left.backups} backup servers left.`);
      return true;
    }
    // Already at this address (a restarted health thread reads the cluster again, a server resolved at start gets
    // the same answer at run time): nothing to redo, no traffic lost.
    const held = this.slotAddress(b, s);
    if (held?.address === change.address && held.port === change.port) return true;
    this.setAddress(b, s, change.addrV4, change.port);
    slot.store('adminState', flags & ~AdminFlag.RMAINT);
    this.#log.note(backend.name, `Server ${label} takes DolphinDB node ${change.node} at ${change.address}:${change.port} (dolphindb-discovery).`);
    if ((flags & AdminFlag.MAINT) !== 0 || server.disabled || backend.disabled) return true;
    if (!server.check) {
      slot.store('health', server.rise);
      slot.store('effectiveWeight', slot.load('userWeight'));
      this.#setState(b, slot, ServerState.UP);
      return true;
    }
    // A new node proves itself first: DOWN with the counter at 0, the first check now, UP after `rise` of them.
    slot.store('health', 0);
    slot.store('checkStatus', CHECK_STATUS.INI.code);
    if (slot.load('state') !== ServerState.DOWN) {
      slot.store('state', ServerState.DOWN);
      slot.store('lastChangeSec', this.#unixSeconds());
      this.#recount(b);
      this.#bumpGeneration(b);
    }
    const c = this.#checked.find((x) => x.slot === slot) ?? this.#watch(b, s);
    if (c !== undefined) {
      this.#scheduler.remove(c.task);
      this.#scheduler.add(c.task, 0);
    }
    return true;
  }

  /** The address server `s` of backend `b` holds now (runtime or configured), undefined in resolution maintenance. */
  slotAddress(b: number, s: number): { readonly address: string; readonly port: number } | undefined {
    const server = this.#config.backends[b]?.servers[s];
    if (server === undefined) return undefined;
    const slot = this.#state.server(serverSlotIndex(this.#topology, b, s));
    if ((slot.load('adminState') & AdminFlag.RMAINT) !== 0 || hasNoAddress(slot, server)) return undefined;
    const at = withRuntimeAddress(slot, server);
    return { address: at.address, port: at.port };
  }

  /** A line about backend `backend` (dolphindb-discovery's): stderr as a warning, the backend's syslog at notice. */
  note(backend: string, text: string): void {
    this.#log.note(backend, text);
  }

  /** `set dolphindb B/S score-cost C` (C ×1000): the balancers read it at their next pick. Health thread only. */
  setScoreCost(b: number, s: number, cost: number): boolean {
    if (this.#config.backends[b]?.servers[s] === undefined || this.#stopped) return false;
    this.#state.server(serverSlotIndex(this.#topology, b, s)).store('scoreCost', cost + 1);
    return true;
  }

  /** The forced admin flags of server `s` of backend `b` (AdminFlag), 0 when unknown. */
  adminFlags(b: number, s: number): number {
    if (this.#config.backends[b]?.servers[s] === undefined) return 0;
    return this.#state.server(serverSlotIndex(this.#topology, b, s)).load('adminState');
  }

  /**
   * `set server B/S check-port P`: the checks of this server go to port `port` from the next one on. 'none' when the
   * server has no checks (HAProxy refuses), 'error' when unknown. Health thread only (the checks run here).
   */
  setCheckPort(b: number, s: number, port: number): AdminOutcome {
    const server = this.#config.backends[b]?.servers[s];
    if (server === undefined || this.#stopped) return 'error';
    const slot = this.#state.server(serverSlotIndex(this.#topology, b, s));
    const c = this.#checked.find((x) => x.slot === slot);
    if (c === undefined || !server.check) return 'none';
    c.server = { ...c.server, checkPort: port };
    return 'done';
  }

  /** Moves a server to `next` (UP/DOWN/MAINT) with its lastchg and downtime, then recounts its backend. */
  #setState(b: number, slot: ServerSlot, next: number): void {
    const prev = slot.load('state');
    if (prev === next) {
      this.#recount(b);
      this.#bumpGeneration(b);
      return;
    }
    if (prev === ServerState.DOWN) this.#closeDownSpell(slot);
    if (next === ServerState.DOWN) slot.store('downTransitions', slot.load('downTransitions') + 1);
    slot.store('state', next);
    slot.store('lastChangeSec', this.#unixSeconds());
    this.#recount(b);
    this.#bumpGeneration(b);
  }

  /** A DOWN spell ends: its length goes into downtimeSec. */
  #closeDownSpell(slot: ServerSlot): void {
    if (slot.load('state') !== ServerState.DOWN) return;
    slot.store('downtimeSec', slot.load('downtimeSec') + Math.max(0, this.#unixSeconds() - slot.load('lastChangeSec')));
  }

  /** The configured weight back after a NOLB spell (the ramp, if any, restarts with the next UP). */
  #publishWeightNow(c: Checked): void {
    c.slot.store('effectiveWeight', c.ramp?.current() ?? c.slot.load('userWeight'));
    this.#recount(c.backendIndex);
    this.#bumpGeneration(c.backendIndex);
  }

  #change(c: Checked, result: ProbeResult, durationMs: number, counts: Usable): ServerChange {
    return {
      backend: c.backend.name,
      server: c.server.name,
      backup: c.server.backup,
      status: result.status,
      info: result.info,
      code: result.code ?? 0,
      durationMs,
      active: counts.active,
      backups: counts.backups,
      sessions: c.slot.load('curConns'),
      queued: c.slot.load('queued'),
    };
  }

  /** HAProxy recount_servers: usable = UP with an effective weight above 0, split active/backup. */
  #usable(b: number): Usable {
    const backend = this.#config.backends[b];
    let active = 0;
    let backups = 0;
    backend?.servers.forEach((server, s) => {
      const slot = this.#state.server(serverSlotIndex(this.#topology, b, s));
      if (slot.load('state') !== ServerState.UP || slot.load('effectiveWeight') <= 0) return;
      if (server.backup) backups++;
      else active++;
    });
    return { active, backups };
  }

  #recount(b: number): Usable {
    const counts = this.#usable(b);
    const slot = this.#state.backend(b);
    const wasUsable = slot.load('activeServers') + slot.load('backupServers') > 0;
    const isUsable = counts.active + counts.backups > 0;
    if (this.#started && wasUsable !== isUsable) {
      // The backend's own lastchg/chkdown/downtime (HAProxy counts them when it loses or regains its last server).
      const now = this.#unixSeconds();
      if (isUsable) slot.store('downtimeSec', slot.load('downtimeSec') + Math.max(0, now - slot.load('lastChangeSec')));
      else slot.store('downTransitions', slot.load('downTransitions') + 1);
      slot.store('lastChangeSec', now);
    }
    slot.store('activeServers', counts.active);
    slot.store('backupServers', counts.backups);
    return counts;
  }

  #bumpGeneration(b: number): void {
    const slot = this.#state.backend(b);
    // Single writer (this thread): load+store cannot lose an update, and readers only compare for change.
    slot.store('generation', slot.load('generation') + 1);
  }

  #unixSeconds(): number {
    return Math.floor(Date.now() / 1000);
  }
}

/**
 * The counter to continue from: the main thread wrote HAProxy's starting value (rise, "up, but will fall down at
 * first failure"); after a restart of this thread the slot holds the live one. Either is kept when it agrees with
 * the state, otherwise the state's starting value is used.
 */
function resumeHealth(health: number, rf: RiseFall, up: boolean): number {
  if (up) return health >= rf.rise && health <= maxHealth(rf) ? health : startHealth(rf, true);
  return health >= 0 && health < rf.rise ? health : startHealth(rf, false);
}

/** One change dolphindb-discovery makes to a template slot (HealthChecker.discoverySet). */
export type DiscoveryChange =
  | { readonly kind: 'fill'; readonly node: string; readonly address: string; readonly addrV4: number; readonly port: number }
  | { readonly kind: 'down' | 'empty'; readonly reason: string };

interface Usable {
  readonly active: number;
  readonly backups: number;
}
