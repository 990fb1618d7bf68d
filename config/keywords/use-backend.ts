// `use_backend <backend> [{if | unless} <condition>]` (manual §4.2): content switching to a named backend, or to the
// one a log-format string names at run time (`use_backend %[req.hdr(host),lower,map(hosts.map)]`). Kept in order as
// config/model.ts UseBackendRule; static names are checked by validate.ts, conditions by keywords/acl.ts. HAProxy
// 2.6's messages. Main thread, config parsing.

import { parseLogFormat } from '../../core/acl/log-format.js';
import type { ConditionSpec, UseBackendRule } from '../model.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { parseRuleCondition, readPatternFile, rulePlaces } from './acl.js';
import { placeProblem } from './rule-places.js';

/** Parses a use_backend line into the proxy's switching rules. Never throws; problems go to ctx.diag. */
export function parseUseBackendLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const name = args[1] ?? '';
  if (name === '') {
    diag.error('ORCA_CONFIG_SYNTAX', "'use_backend' expects a backend name.", at);
    return;
  }
  const word = args[2];
  if (word !== undefined && word !== 'if' && word !== 'unless') {
    diag.error('ORCA_CONFIG_SYNTAX', `unexpected keyword '${word}' after switching rule, only 'if' and 'unless' are allowed.`, at, { found: word });
    return;
  }
  let condition: ConditionSpec | undefined;
  if (word !== undefined) {
    condition = parseRuleCondition(ctx, args.slice(3), word === 'unless', 'use_backend', (m) => `error detected while parsing switching rule : ${m}.`);
    if (condition === undefined) return;
  }
  let backend: UseBackendRule['backend'] = { kind: 'name', name };
  if (name.includes('%')) {
    const places = rulePlaces('use_backend', proxy.kind);
    const parsed = parseLogFormat(name, { readFile: readPatternFile }, (expr) => placeProblem(expr, places));
    if (!parsed.ok) {
      if (parsed.notImplemented !== undefined) {
        diag.notImplemented(`log-format ${parsed.notImplemented}`, at, 'the rule is ignored', { shown: parsed.notImplemented });
        return;
      }
      diag.badValue(`failed to parse use_backend rule '${name}' : ${parsed.message}.`, at);
      return;
    }
    // A format without any expression or variable is a plain name after all (`%%` stands for `%`).
    const plain = parsed.spec.parts.every((p) => p.kind === 'text');
    backend = plain ? { kind: 'name', name: parsed.spec.parts.map((p) => (p.kind === 'text' ? p.text : '')).join('') } : { kind: 'dynamic', format: parsed.spec };
  }
  if (backend.kind === 'name') proxy.useBackends.push({ name: backend.name, source: at });
  proxy.backendRules.push({ source: at, backend, ...(condition === undefined ? {} : { condition }) });
  // Both engines switch: TCP sessions once their inspection allows (core/forward/tcp-rules/), HTTP sessions per
  // request (core/forward/l7-rules.ts).
}
