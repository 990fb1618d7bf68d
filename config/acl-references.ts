// The checks of the ACL language that need the whole configuration (HAProxy's argument resolution after parsing):
// every ACL test, anonymous condition term and log-format expression is compiled against the proxies, servers and
// userlists, so `nbsrv(nosuch)`, `srv_is_up(b/nosuch)`, `http_auth(nosuch)` or `nbsrv` in a frontend are errors at
// their line, as `haproxy -c` reports them. Main thread, after parsing (validate.ts).

import { compileTest } from '../core/acl/acl-compile.js';
import { rulePieces } from './http-rule-build.js';
import type { AclWorld, CompileEnv } from '../core/acl/descriptor.js';
import { compileLogFormat } from '../core/acl/log-format.js';
import { compileSampleExpr } from '../core/acl/sample-expr.js';
import type { ParsedConfig } from './config-parser.js';
import type { Diagnostics } from './diagnostics.js';
import type { AclTestSpec, ConditionSpec, LogFormatSpec, SampleExprSpec, SourceRef } from './model.js';
import { DEFAULT_SERVER_MAXCONN, DEFAULT_SERVER_MAXQUEUE } from './defaults.js';
import { type ProxyDraft, hasBackendCap, hasFrontendCap } from './sections/proxy-draft.js';
import { stickTables } from './stick-refs.js';

/** The proxies, servers and userlists as the compile step sees them, from the parsed sections. */
function worldOf(parsed: ParsedConfig): AclWorld {
  return {
    frontends: parsed.proxies.filter((p) => hasFrontendCap(p.kind)).map((p) => ({ name: p.name })),
    backends: parsed.proxies
      .filter((p) => hasBackendCap(p.kind))
      .map((p) => ({
        name: p.name,
        servers: p.servers.map((s) => ({
          name: s.name,
          maxconn: s.settings.maxconn ?? p.defaultServer.maxconn ?? DEFAULT_SERVER_MAXCONN,
          maxqueue: s.settings.maxqueue ?? p.defaultServer.maxqueue ?? DEFAULT_SERVER_MAXQUEUE,
        })),
        options: { allbackups: p.options.allbackups },
      })),
    userlists: parsed.userlists,
    // Table names, in the order config/stick-refs.ts builds Config.stickTables (first of a name; duplicates are errors).
    stickTables: stickTables(parsed.proxies, parsed.peers).map((t) => ({ name: t.name })),
  };
}

function anonymousTests(spec: ConditionSpec | undefined): AclTestSpec[] {
  return (spec?.terms ?? []).flatMap((g) => g.flatMap((t) => ('anonymous' in t ? [t.anonymous] : [])));
}

/** Compiles every ACL-language piece of every proxy, reporting what does not resolve. Never throws. */
export function checkAclReferences(parsed: ParsedConfig, diag: Diagnostics): void {
  const world = worldOf(parsed);
  const frontends = world.frontends.map((f) => f.name);
  const backends = world.backends.map((b) => b.name);
  for (const p of parsed.proxies) {
    const env: CompileEnv = {
      world,
      proxyName: p.name,
      frontend: hasFrontendCap(p.kind) ? frontends.indexOf(p.name) : -1,
      backend: hasBackendCap(p.kind) ? backends.indexOf(p.name) : -1,
      cache: new Map(),
    };
    const tests: AclTestSpec[] = [...p.acls.values()].flat();
    const formats: { format: LogFormatSpec; source: SourceRef }[] = [];
    for (const r of [...p.httpRequestRules, ...p.httpResponseRules]) {
      tests.push(...anonymousTests(r.condition));
      if (r.valueFormat !== undefined) formats.push({ format: r.valueFormat, source: r.source });
    }
    for (const r of p.tcpRules) tests.push(...anonymousTests(r.condition));
    for (const r of p.backendRules) {
      tests.push(...anonymousTests(r.condition));
      if (r.backend.kind === 'dynamic') formats.push({ format: r.backend.format, source: r.source });
    }
    // Stick rules: their conditions, and their keys compiled as the sessions will (a table argument must resolve).
    const keys: { expr: SampleExprSpec; source: SourceRef }[] = [];
    // The rule program's rules: conditions, values, answers, variables (track-sc keys are the stick rules' own).
    const d = p.httpRuleSpecs;
    for (const r of [...d.request, ...d.response, ...d.after, ...d.redirects]) {
      tests.push(...anonymousTests(r.condition));
      const pieces = rulePieces(r);
      for (const format of pieces.formats) formats.push({ format, source: r.source });
      for (const expr of pieces.exprs) keys.push({ expr, source: r.source });
    }
    for (const c of d.monitorFail) tests.push(...anonymousTests(c));
    for (const r of [...p.stick.trackRules, ...p.stick.stickRules]) {
      tests.push(...anonymousTests(r.condition));
      keys.push({ expr: r.key, source: r.source });
    }
    checkProxy(p, env, tests, formats, diag);
    for (const { expr, source } of keys) {
      const c = compileSampleExpr(expr, env);
      if ('error' in c) diag.error('ORCA_CONFIG_REFERENCE', `${c.error}.`, source, { found: p.name });
    }
  }
}

function checkProxy(
  p: ProxyDraft,
  env: CompileEnv,
  tests: readonly AclTestSpec[],
  formats: readonly { format: LogFormatSpec; source: SourceRef }[],
  diag: Diagnostics,
): void {
  for (const t of tests) {
    const c = compileTest(t, env);
    if ('error' in c) diag.error('ORCA_CONFIG_REFERENCE', `${c.error}.`, t.source, { found: p.name });
  }
  for (const { format, source } of formats) {
    const c = compileLogFormat(format, env);
    if ('error' in c) diag.error('ORCA_CONFIG_REFERENCE', `${c.error}.`, source, { found: p.name });
  }
}
