// What the HTTP sessions of one forwarder run besides forwarding (HAProxy 2.6 §4.2 use_backend, track-sc*, stick
// match/on/store-*): each frontend's content switching and http-request track rules, each backend's track and stick
// rules, compiled once per forwarder thread at start from the Config (the ACL engine's closures, core/acl/), so a
// request only runs closures. A proxy without rules has an empty plan: the session then creates no FetchContext and
// pays nothing per request. Forwarder threads (built in workers/forwarder.ts and the L7 test harness).

import type { Config, TrackRule } from '../../config/model.js';
import { AclScope } from '../acl/condition.js';
import type { AclWorld, CompileEnv, Compiled } from '../acl/descriptor.js';
import { BackendSwitch } from '../acl/switching.js';
import { compileStickRules, compileTrackRules, type CompiledStickRules, type CompiledTrackRule } from '../stick/stick-rules.js';

/** A frontend's per-request program. */
export interface FrontendPlan {
  /** `use_backend` rules; undefined when the frontend has none (the default backend is used without a context). */
  readonly switch: BackendSwitch | undefined;
  /** Index of `default_backend` (a listen section's own), -1 when none (HAProxy answers 503). */
  readonly defaultBackend: number;
  /** Frontend `http-request track-sc*` rules, in order. */
  readonly track: readonly CompiledTrackRule[];
  /** Frontend `http-response track-sc*` rules, in order. */
  readonly trackResponse: readonly CompiledTrackRule[];
  /** Some rule of this frontend (or of a backend it may reach) reads a fetch: the session keeps a FetchContext. */
  readonly active: boolean;
  /** Some rule reads the client's addresses (src, dst, ports, %ci…): the context gets them (system calls). */
  readonly needsAddresses: boolean;
}

/** A backend's per-request program. */
export interface BackendPlan {
  /** Backend `http-request track-sc*` rules, in order. */
  readonly track: readonly CompiledTrackRule[];
  /** Backend `http-response track-sc*` rules, in order. */
  readonly trackResponse: readonly CompiledTrackRule[];
  /** `stick match|on|store-*` rules; undefined when none. */
  readonly stick: CompiledStickRules | undefined;
  readonly stickMatch: boolean;
  readonly storeRequest: boolean;
  readonly storeResponse: boolean;
  readonly active: boolean;
  readonly needsAddresses: boolean;
}

export interface ProxyPlans {
  readonly frontends: readonly FrontendPlan[];
  readonly backends: readonly BackendPlan[];
}

/** The names fetches and log-format variables that read the client's addresses go by (src_* of stick tables too). */
const ADDRESS_USE = /"name":"(src|dst|src_port|dst_port|src_[a-z0-9_]+|dst_[a-z0-9_]+)"|"kind":"var"/;

function readsAddresses(...specs: unknown[]): boolean {
  return specs.some((s) => s !== undefined && ADDRESS_USE.test(JSON.stringify(s)));
}

/** The ACL engine's view of a Config (names, servers' limits, userlists, stick tables). */
export function aclWorldOf(config: Config): AclWorld {
  return {
    frontends: config.frontends.map((f) => ({ name: f.name })),
    backends: config.backends.map((b) => ({
      name: b.name,
      servers: b.servers.map((s) => ({ name: s.name, maxconn: s.maxconn, maxqueue: s.maxqueue })),
      options: { allbackups: b.options.allbackups },
    })),
    ...(config.userlists === undefined ? {} : { userlists: config.userlists }),
    stickTables: (config.stickTables ?? []).map((t) => ({ name: t.name })),
  };
}

function must<T>(c: Compiled<T>, where: string): T {
  // Config load compiled the same specs (config/acl-references.ts): an error here is a bug, not bad input.
  if (typeof c === 'object' && c !== null && 'error' in c) throw new Error(`${where}: ${(c as { error: string }).error}`);
  return c as T;
}

function httpTrack(rules: readonly TrackRule[] | undefined, stage: 'http-request' | 'http-response' = 'http-request'): TrackRule[] {
  return (rules ?? []).filter((r) => r.stage === stage).sort((a, b) => a.order - b.order);
}

/** Compiles every proxy's plan for one forwarder thread. Throws only on a spec config load would have refused. */
export function compileProxyPlans(config: Config): ProxyPlans {
  const world = aclWorldOf(config);
  const feNames = config.frontends.map((f) => f.name);
  const beNames = config.backends.map((b) => b.name);
  const envOf = (name: string): CompileEnv => ({
    world,
    proxyName: name,
    frontend: feNames.indexOf(name),
    backend: beNames.indexOf(name),
    cache: new Map(),
  });
  const backends = config.backends.map((b): BackendPlan => {
    const env = envOf(b.name);
    const scope = new AclScope([], env);
    const trackSpecs = httpTrack(b.trackRules);
    const track = must(compileTrackRules(trackSpecs, scope), b.name);
    const resSpecs = httpTrack(b.trackRules, 'http-response');
    const trackResponse = must(compileTrackRules(resSpecs, scope), b.name);
    const stickSpecs = b.stickRules ?? [];
    const stick = stickSpecs.length === 0 ? undefined : must(compileStickRules(stickSpecs, scope), b.name);
    return {
      track,
      trackResponse,
      stick,
      stickMatch: stick?.has('match') === true,
      storeRequest: stick?.has('store-request') === true,
      storeResponse: stick?.has('store-response') === true,
      active: track.length > 0 || trackResponse.length > 0 || stick !== undefined,
      needsAddresses: readsAddresses(trackSpecs, resSpecs, stickSpecs),
    };
  });
  const frontends = config.frontends.map((f): FrontendPlan => {
    const env = envOf(f.name);
    const scope = new AclScope([], env);
    const rules = f.useBackends ?? [];
    const sw = rules.length === 0 ? undefined : must(BackendSwitch.compile(rules, f.defaultBackend, env, scope), f.name);
    const trackSpecs = httpTrack(f.trackRules);
    const track = must(compileTrackRules(trackSpecs, scope), f.name);
    const resSpecs = httpTrack(f.trackRules, 'http-response');
    const trackResponse = must(compileTrackRules(resSpecs, scope), f.name);
    const defaultBackend = f.defaultBackend === undefined ? -1 : beNames.indexOf(f.defaultBackend);
    // The backends this frontend may hand a request to: their rules need the context too.
    const reach = sw === undefined ? [defaultBackend] : backends.map((_, i) => i);
    const beActive = reach.some((i) => backends[i]?.active === true);
    return {
      switch: sw,
      defaultBackend,
      track,
      trackResponse,
      active: sw !== undefined || track.length > 0 || trackResponse.length > 0 || beActive,
      needsAddresses: readsAddresses(rules, trackSpecs, resSpecs) || reach.some((i) => backends[i]?.needsAddresses === true),
    };
  });
  return { frontends, backends };
}

/** The plan of a proxy with no rules (also the fallback of a session whose env lacks one). */
export const NO_BACKEND_PLAN: BackendPlan = {
  track: [],
  trackResponse: [],
  stick: undefined,
  stickMatch: false,
  storeRequest: false,
  storeResponse: false,
  active: false,
  needsAddresses: false,
};
export const NO_PLAN: FrontendPlan = { switch: undefined, defaultBackend: -1, track: [], trackResponse: [], active: false, needsAddresses: false };
