// What a forwarder runs for the proxies a reload adds or removes (config/proxies-change.ts, workers/reload.ts): the
// runtime of a backend added in a spare slot (its view, slots, balancer, queue, TLS clients), the lookups by name
// (a removed backend is picked by no new session), and the rules compiled per proxy (switching, http/tcp rules, log
// lines), compiled again over the new lists. A session already running keeps the runtime and plan it started with.
// Forwarder thread; a control message, never on a hot path.

import type { BackendConfig, Config, FrontendConfig } from '../../config/model.js';
import { frontendLines } from '../log/traffic-lines.js';
import type { SharedState } from '../shared/state-buffer.js';
import type { Topology } from '../shared/topology.js';
import { buildBackends, type BackendRuntime, type RuntimeOwner } from './backend-runtime.js';
import { compileProxyPlans } from './l7-plans.js';
import type { SessionEnv } from './session-env.js';
import { compileTcpPrograms } from './tcp-rules/tcp-rule-program.js';

/** The parts of a forwarder's SessionEnv this module sets again: the env is readonly to the sessions. */
type ProxyParts = { -readonly [K in 'plans' | 'tcpPrograms' | 'logLines' | 'backendByName']: SessionEnv[K] };

/**
 * After `config` (this thread's, already changed in place) gained or retired the backends `backends`: builds the
 * new ones' runtimes into `env.backends`, and every name lookup and compiled rule again. Throws when a runtime or a
 * rule cannot be built (the caller logs it; main checked the file first, so that is a bug).
 */
export function applyProxiesRuntime(env: SessionEnv, config: Config, backends: readonly number[], state: SharedState, topology: Topology, owner: RuntimeOwner): void {
  const runtimes = env.backends as BackendRuntime[];
  for (const b of backends) {
    const be = config.backends[b];
    if (be === undefined) continue;
    if (be.retired === true) {
      // No new session uses a removed backend: its idle pooled server connections would only wait to time out.
      be.servers.forEach((_srv, s) => env.idlePool.closeServer(b, s));
      continue;
    }
    // Only this backend: a sparse list keeps its index (its slot), and the others' runtimes are left as they run.
    const only: BackendConfig[] = [];
    only[b] = be;
    const built = buildBackends({ ...config, backends: only }, state, topology, owner)[b];
    if (built !== undefined) runtimes[b] = built;
  }
  const view = namesOfLiveOnly(config);
  const parts = env as unknown as ProxyParts;
  parts.backendByName = liveBackendsByName(config);
  parts.plans = compileProxyPlans(view);
  parts.tcpPrograms = compileTcpPrograms(view);
  env.trafficLog?.frontendsChanged?.(config);
  parts.logLines = frontendLines(config, env.trafficLog, env.state);
}

/** Backend index by name, the live backends only (a removed one keeps its entry while its sessions finish). Pure. */
export function liveBackendsByName(config: Config): Map<string, number> {
  return new Map(config.backends.flatMap((be, i) => (be.retired === true ? [] : [[be.name, i] as const])));
}

/**
 * The config as the rule compilers should see it: a retired proxy keeps its index but a name no section can have, so
 * a name (default_backend, use_backend, a listen's two halves) resolves to the live proxy that holds it. Pure.
 */
export function namesOfLiveOnly(config: Config): Config {
  const hide = <P extends FrontendConfig | BackendConfig>(p: P, i: number): P => (p.retired === true ? { ...p, name: `\0retired-${i}` } : p);
  return { ...config, frontends: config.frontends.map(hide), backends: config.backends.map(hide) };
}
