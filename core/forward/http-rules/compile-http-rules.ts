// Every http rule set of a configuration compiled for one forwarder thread (HAProxy 2.6 §4.2): per frontend its
// http-request set (monitor-uri first, legacy redirects last), http-response and http-after-response sets; per
// backend the same three. The session runs, for a request: the frontend's request set, then the backend's; for a
// response: the backend's response set, then the frontend's; then the backend's and the frontend's after-response
// sets on every response, the proxy's own answers included. Compile: each forwarder at start.

import type { Config, HttpRuleSpec, HttpRules } from '../../../config/model.js';
import { AclScope } from '../../acl/condition.js';
import type { CompileEnv, Compiled } from '../../acl/descriptor.js';
import { HttpRuleSet, type RuleSetPlace } from './rule-set.js';

/** The three sets of one proxy side. */
export interface ProxyRuleSets {
  readonly request: HttpRuleSet;
  readonly response: HttpRuleSet;
  readonly afterResponse: HttpRuleSet;
}

/**
 * The sets of every proxy, by index in Config.frontends / Config.backends. A listen section is one proxy: its rules
 * are in both halves, and backend() gives no rules for the listen's own backend half when the request came in
 * through that listen (HAProxy runs a proxy's rules once: the backend's only when it is not the frontend).
 */
export class CompiledHttpRules {
  private readonly fe: readonly ProxyRuleSets[];
  private readonly be: readonly ProxyRuleSets[];
  /** Per backend: the index of the frontend that is the same listen section, or -1. */
  private readonly sameAs: readonly number[];

  constructor(fe: readonly ProxyRuleSets[], be: readonly ProxyRuleSets[], sameAs: readonly number[]) {
    this.fe = fe;
    this.be = be;
    this.sameAs = sameAs;
  }

  /** Frontend `i`'s sets (request: monitor-uri, http-request, legacy redirect; response; after-response). */
  frontend(i: number): ProxyRuleSets {
    return this.fe[i] ?? NO_RULES;
  }

  /** Backend `be`'s sets for a request that came in through frontend `fe` (none when both are one listen). */
  backend(be: number, fe: number): ProxyRuleSets {
    if (this.sameAs[be] === fe) return NO_RULES;
    return this.be[be] ?? NO_RULES;
  }

  /** True when no proxy has any rule (the session can skip every rule call). */
  get empty(): boolean {
    return [...this.fe, ...this.be].every((s) => s.request.empty && s.response.empty && s.afterResponse.empty);
  }
}

const NO_RULES: ProxyRuleSets = { request: HttpRuleSet.EMPTY, response: HttpRuleSet.EMPTY, afterResponse: HttpRuleSet.EMPTY };

function compileSide(http: HttpRules | undefined, env: CompileEnv, errorRules: readonly (HttpRules | undefined)[]): Compiled<ProxyRuleSets> {
  if (http === undefined) return NO_RULES;
  const scope = new AclScope([], env);
  const place = (stage: RuleSetPlace['stage']): RuleSetPlace => ({ stage, proxyName: env.proxyName, errorRules });
  const one = (rules: readonly HttpRuleSpec[] | undefined, stage: RuleSetPlace['stage']): Compiled<HttpRuleSet> =>
    HttpRuleSet.compile(rules, env, scope, place(stage));
  const request = one(http.requestRules, 'request');
  if ('error' in request) return request;
  const response = one(http.responseRules, 'response');
  if ('error' in response) return response;
  const afterResponse = one(http.afterResponseRules, 'after-response');
  if ('error' in afterResponse) return afterResponse;
  return { request, response, afterResponse };
}

/**
 * Compiles every set of `config` (conditions were bound to their proxies' ACLs at load). `cache` is the thread's
 * compile cache (userlists…). Never throws; the first problem is returned as { error } (config load has checked
 * the same rules, so this is a bug or a hand-built config).
 */
export function compileHttpRules(config: Config, cache: Map<string, unknown> = new Map()): Compiled<CompiledHttpRules> {
  const frontends: ProxyRuleSets[] = [];
  for (let i = 0; i < config.frontends.length; i++) {
    const fe = config.frontends[i];
    if (fe === undefined) continue;
    const env: CompileEnv = { world: config, proxyName: fe.name, frontend: i, backend: config.backends.findIndex((b) => b.name === fe.name), cache };
    const sets = compileSide(fe.http, env, [fe.http]);
    if ('error' in sets) return { error: `frontend '${fe.name}': ${sets.error}` };
    frontends.push(sets);
  }
  const backends: ProxyRuleSets[] = [];
  for (let i = 0; i < config.backends.length; i++) {
    const be = config.backends[i];
    if (be === undefined) continue;
    const env: CompileEnv = { world: config, proxyName: be.name, frontend: config.frontends.findIndex((f) => f.name === be.name), backend: i, cache };
    // A backend's answers use its errorfiles; the frontend's come second at run time (the session knows which).
    const sets = compileSide(be.http, env, [be.http]);
    if ('error' in sets) return { error: `backend '${be.name}': ${sets.error}` };
    backends.push(sets);
  }
  const sameAs = config.backends.map((b) => {
    const f = config.frontends.findIndex((x) => x.name === b.name);
    return f >= 0 && b.section === 'listen' ? f : -1;
  });
  return new CompiledHttpRules(frontends, backends, sameAs);
}
