// What the HTTP sessions of one forwarder run besides forwarding (HAProxy 2.6 §4.2 use_backend, track-sc*, stick
// match/on/store-*): each frontend's content switching and http-request track rules, each backend's track and stick
// rules, compiled once per forwarder thread at start from the Config (the ACL engine's closures, core/acl/), so a
// request only runs closures. A proxy without rules has an empty plan: the session then creates no FetchContext and
// pays nothing per request. Forwarder threads (built in workers/forwarder.ts and the L7 test harness).

import { serverSlotsOf } from '../shared/topology.js';
import type { Config, TcpRule, TrackRule } from '../../config/model.js';
import { AclScope } from '../acl/condition.js';
import type { AclWorld, CompileEnv, Compiled } from '../acl/descriptor.js';
import { BackendSwitch } from '../acl/switching.js';
import { HttpRuleSet } from './http-rules/rule-set.js';
import { compileHttpRules, type CompiledHttpRules, type ProxyRuleSets } from './http-rules/compile-http-rules.js';
import { compileStickRules, compileTrackRules, type CompiledStickRules, type CompiledTrackRule } from '../stick/stick-rules.js';

/** A frontend's per-request program. */
export interface FrontendPlan {
  /** http-request, http-response and http-after-response rule sets (core/forward/http-rules/). */
  readonly sets: ProxyRuleSets;
  /** `use_backend` rules; undefined when the frontend has none (the default backend is used without a context). */
  readonly switch: BackendSwitch | undefined;
  /** Index of `default_backend` (a listen section's own), -1 when none (HAProxy answers 503). */
  readonly defaultBackend: number;
  /** Frontend `http-request track-sc*` rules, in order. */
  readonly track: readonly CompiledTrackRule[];
  /** Frontend `http-response track-sc*` rules, in order. */
  readonly trackResponse: readonly CompiledTrackRule[];
  /** `tcp-request content` rules, which haproxy runs once per request in a mode http frontend (the session's call). */
  readonly tcpContent: boolean;
  /** Some rule of this frontend (or of a backend it may reach) reads a fetch: the session keeps a FetchContext. */
  readonly active: boolean;
  /** Some rule reads the client's addresses (src, dst, ports, %ci…): the context gets them (system calls). */
  readonly needsAddresses: boolean;
}

/**
 * A backend's per-request program. Its rule sets depend on the frontend too (a listen section's own half runs none:
 * CompiledHttpRules.backend), so each session takes them with its SessionBackend.
 */
export interface BackendPlan {
  /** Backend `http-request track-sc*` rules, in order. */
  readonly track: readonly CompiledTrackRule[];
  /** Backend `http-response track-sc*` rules, in order. */
  readonly trackResponse: readonly CompiledTrackRule[];
  /** `stick match|on|store-*` rules; undefined when none. */
  readonly stick: CompiledStickRules | undefined;
  /** `tcp-request content` rules of the backend, run per request once it is chosen. */
  readonly tcpContent: boolean;
  readonly stickMatch: boolean;
  readonly storeRequest: boolean;
  readonly storeResponse: boolean;
  readonly active: boolean;
  readonly needsAddresses: boolean;
}

export interface ProxyPlans {
  readonly frontends: readonly FrontendPlan[];
  readonly backends: readonly BackendPlan[];
  /** Every proxy's http rule sets (core/forward/http-rules/compile-http-rules.ts). */
  readonly rules: CompiledHttpRules;
}

/**
 * The names fetches and log-format variables that read the client's addresses go by (src_* of stick tables too), and
 * the pre-defined ACL that does (LOCALHOST is `src 127.0.0.1/8`), and the actions that change them (set-src…: they
 * start from the connection's own).
 */
const ADDRESS_USE = /"name":"(src|dst|src_port|dst_port|src_[a-z0-9_]+|dst_[a-z0-9_]+)"|"kind":"var"|"acl":"LOCALHOST"|"(action|kind)":"set-(src|dst)/;

function readsAddresses(...specs: unknown[]): boolean {
  return specs.some((s) => s !== undefined && ADDRESS_USE.test(JSON.stringify(s)));
}

/** The ACL engine's view of a Config (names, servers' limits, userlists, stick tables). */
export function aclWorldOf(config: Config): AclWorld {
  return {
    frontends: config.frontends.map((f) => ({ name: f.name })),
    backends: config.backends.map((b) => ({
      name: b.name,
      // The config's own array: servers `add server` puts in this thread's config are seen by the fetches.
      servers: b.servers,
      serverSlots: serverSlotsOf(b),
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

/**
 * The track-sc rules of `stage` that the proxy's rule sets do not already run at their place (a set that holds a
 * track-sc action runs it in order with the other actions; the others run before the set).
 */
function httpTrack(rules: readonly TrackRule[] | undefined, sets: ProxyRuleSets, stage: 'http-request' | 'http-response' = 'http-request'): TrackRule[] {
  const inSets = new Set<string>();
  for (const set of [sets.request, sets.response]) {
    for (const spec of set.specs) if (spec.action === 'track-sc') inSets.add(`${spec.source.file}:${spec.source.line}`);
  }
  return (rules ?? [])
    .filter((r) => r.stage === stage && !inSets.has(`${r.source.file}:${r.source.line}`))
    .sort((a, b) => a.order - b.order);
}

/** The proxy has tcp-request content rules (actions or track-sc). */
function hasTcpContent(p: { readonly tcpRules?: readonly TcpRule[]; readonly trackRules?: readonly TrackRule[] }): boolean {
  return (p.tcpRules ?? []).some((r) => r.set === 'content') || (p.trackRules ?? []).some((r) => r.stage === 'tcp-request content');
}

function setsActive(s: ProxyRuleSets): boolean {
  return !s.request.empty || !s.response.empty || !s.afterResponse.empty;
}

function setsReadAddresses(s: ProxyRuleSets): boolean {
  return s.request.needsAddresses || s.response.needsAddresses || s.afterResponse.needsAddresses;
}

/** Compiles every proxy's plan for one forwarder thread. Throws only on a spec config load would have refused. */
export function compileProxyPlans(config: Config): ProxyPlans {
  const world = aclWorldOf(config);
  const rules = must(compileHttpRules(config), 'http rules');
  const feNames = config.frontends.map((f) => f.name);
  const beNames = config.backends.map((b) => b.name);
  const envOf = (name: string): CompileEnv => ({
    world,
    proxyName: name,
    frontend: feNames.indexOf(name),
    backend: beNames.indexOf(name),
    cache: new Map(),
  });
  const backends = config.backends.map((b, bi): BackendPlan & { readonly sets: ProxyRuleSets } => {
    const env = envOf(b.name);
    const scope = new AclScope([], env);
    // The backend's own sets (as any frontend but a listen's own half sees them): only to tell its track rules apart.
    const sets = rules.backend(bi, -2);
    const trackSpecs = httpTrack(b.trackRules, sets);
    const track = must(compileTrackRules(trackSpecs, scope), b.name);
    const resSpecs = httpTrack(b.trackRules, sets, 'http-response');
    const trackResponse = must(compileTrackRules(resSpecs, scope), b.name);
    const stickSpecs = b.stickRules ?? [];
    const stick = stickSpecs.length === 0 ? undefined : must(compileStickRules(stickSpecs, scope), b.name);
    const tcpContent = hasTcpContent(b);
    return {
      track,
      trackResponse,
      tcpContent,
      stick,
      stickMatch: stick?.has('match') === true,
      storeRequest: stick?.has('store-request') === true,
      storeResponse: stick?.has('store-response') === true,
      active: track.length > 0 || trackResponse.length > 0 || stick !== undefined || tcpContent,
      needsAddresses:
        readsAddresses(trackSpecs, resSpecs, stickSpecs, b.tcpRules, b.http?.requestRules, b.http?.responseRules, b.http?.afterResponseRules) ||
        setsReadAddresses(sets),
      sets,
    };
  });
  const frontends = config.frontends.map((f, fi): FrontendPlan => {
    const env = envOf(f.name);
    const scope = new AclScope([], env);
    const switching = f.useBackends ?? [];
    const sw = switching.length === 0 ? undefined : must(BackendSwitch.compile(switching, f.defaultBackend, env, scope), f.name);
    const sets = rules.frontend(fi);
    const trackSpecs = httpTrack(f.trackRules, sets);
    const track = must(compileTrackRules(trackSpecs, scope), f.name);
    const resSpecs = httpTrack(f.trackRules, sets, 'http-response');
    const trackResponse = must(compileTrackRules(resSpecs, scope), f.name);
    const defaultBackend = f.defaultBackend === undefined ? -1 : beNames.indexOf(f.defaultBackend);
    // The backends this frontend may hand a request to: their rules need the context too.
    const reach = sw === undefined ? [defaultBackend] : backends.map((_, i) => i);
    const beActive = reach.some((i) => backends[i]?.active === true || setsActive(rules.backend(i, fi)));
    const tcpContent = hasTcpContent(f);
    return {
      sets,
      tcpContent,
      switch: sw,
      defaultBackend,
      track,
      trackResponse,
      active: sw !== undefined || track.length > 0 || trackResponse.length > 0 || beActive || setsActive(sets) || tcpContent,
      needsAddresses:
        readsAddresses(switching, trackSpecs, resSpecs, f.tcpRules, f.http?.requestRules, f.http?.responseRules, f.http?.afterResponseRules) ||
        setsReadAddresses(sets) || reach.some((i) => backends[i]?.needsAddresses === true),
    };
  });
  return { frontends, backends: backends.map(({ sets: _sets, ...plan }) => plan), rules };
}


const NO_SETS: ProxyRuleSets = { request: HttpRuleSet.EMPTY, response: HttpRuleSet.EMPTY, afterResponse: HttpRuleSet.EMPTY };

/** The plan of a proxy with no rules (also the fallback of a session whose env lacks one). */
export const NO_BACKEND_PLAN: BackendPlan = {
  track: [],
  trackResponse: [],
  tcpContent: false,
  stick: undefined,
  stickMatch: false,
  storeRequest: false,
  storeResponse: false,
  active: false,
  needsAddresses: false,
};
export const NO_PLAN: FrontendPlan = { sets: NO_SETS, tcpContent: false, switch: undefined, defaultBackend: -1, track: [], trackResponse: [], active: false, needsAddresses: false };
