// Content switching (manual §4.2 `use_backend`, `default_backend`): a frontend's use_backend rules compiled for one
// thread, evaluated in order; the first whose condition holds names the backend, statically or through a log-format
// evaluated per request (a name that matches no backend stops the rules and the default backend applies, as HAProxy
// does). The session calls choose() once per request (HTTP) or once the inspection allows (TCP). Compile: each
// forwarder at start; choose(): hot path, allocation-free for static names.

import type { UseBackendRule } from '../../config/model.js';
import { AclScope, COND, compileCondition, type CompiledCondition } from './condition.js';
import type { CompileEnv, Compiled } from './descriptor.js';
import type { FetchContext } from './fetch-context.js';
import { compileLogFormat, type CompiledLogFormat } from './log-format.js';

/** choose()'s answer when a rule's condition needs more bytes (the session waits for inspect-delay). */
export const SWITCH_WAIT = -2;

interface CompiledRule {
  readonly condition: CompiledCondition | undefined;
  /** The backend index for a static name (-1 when it names none, which config load refuses). */
  readonly backend: number;
  readonly format: CompiledLogFormat | undefined;
}

/** A frontend's switching rules. */
export class BackendSwitch {
  private readonly rules: readonly CompiledRule[];
  private readonly fallback: number;
  private readonly byName: ReadonlyMap<string, number>;

  private constructor(rules: readonly CompiledRule[], fallback: number, byName: ReadonlyMap<string, number>) {
    this.rules = rules;
    this.fallback = fallback;
    this.byName = byName;
  }

  /**
   * Compiles `rules` for the frontend of `env` (its ACLs already bound into the conditions by config load), with
   * `defaultBackend` (a backend name, or undefined: no default). Never throws.
   */
  static compile(rules: readonly UseBackendRule[] | undefined, defaultBackend: string | undefined, env: CompileEnv, scope = new AclScope([], env)): Compiled<BackendSwitch> {
    const byName = new Map(env.world.backends.map((b, i) => [b.name, i]));
    const out: CompiledRule[] = [];
    for (const rule of rules ?? []) {
      let condition: CompiledCondition | undefined;
      if (rule.condition !== undefined) {
        const c = compileCondition(rule.condition, scope);
        if ('error' in c) return c;
        condition = c;
      }
      if (rule.backend.kind === 'name') {
        out.push({ condition, backend: byName.get(rule.backend.name) ?? -1, format: undefined });
        continue;
      }
      const format = compileLogFormat(rule.backend.format, env);
      if ('error' in format) return format;
      out.push({ condition, backend: -1, format });
    }
    const fallback = defaultBackend === undefined ? -1 : (byName.get(defaultBackend) ?? -1);
    return new BackendSwitch(out, fallback, byName);
  }

  /**
   * The backend index for this request: the first rule that applies, else the default backend; -1 when there is
   * none (HAProxy answers 503); SWITCH_WAIT when a condition cannot be decided yet. Never throws.
   */
  choose(ctx: FetchContext): number {
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if (rule === undefined) continue;
      if (rule.condition !== undefined) {
        const v = rule.condition.verdict(ctx);
        if (v === COND.WAIT) return SWITCH_WAIT;
        if (v === COND.FALSE) continue;
      }
      if (rule.format === undefined) return rule.backend;
      // A dynamic name: "if the resulting backend name does not correspond to any valid backend, no other rule is
      // evaluated, and the default_backend directive is applied instead" (§4.2 use_backend).
      return this.byName.get(rule.format.evaluate(ctx)) ?? this.fallback;
    }
    return this.fallback;
  }
}
