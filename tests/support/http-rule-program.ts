// Test support for the HTTP rule program (core/forward/http-rules/): a config text loaded as `orcalb -c` loads it
// (with the program's keywords accepted: the sessions do not run them yet), its rule sets compiled as a forwarder
// compiles them, and one exchange played through them in process as the L7 session will: frontend request set,
// use_backend, backend request set; then the backend's response through the backend's and frontend's response sets
// and both after-response sets. Bytes in, bytes out. Test-runner thread.

import { loadConfigText } from '../../config/load-config.js';
import { RULE_PROGRAM_KEYS } from '../../config/keywords/http-rules.js';
import type { Config } from '../../config/model.js';
import { AclScope } from '../../core/acl/condition.js';
import { FetchContext } from '../../core/acl/fetch-context.js';
import { BackendSwitch } from '../../core/acl/switching.js';
import { HeadEdit } from '../../core/http1/head-edit.js';
import { parseRequest, parseResponse } from '../../core/http1/head-parse.js';
import { HeadView } from '../../core/http1/head-view.js';
import { compileHttpRules, type CompiledHttpRules, type ProxyRuleSets } from '../../core/forward/http-rules/compile-http-rules.js';
import { HttpRuleSet, RULE, RuleAnswer } from '../../core/forward/http-rules/rule-set.js';
import type { SharedState } from '../../core/shared/state-buffer.js';
import type { StickCounters } from '../../core/stick/stick-counters.js';
import type { StickTables } from '../../core/stick/stick-tables.js';

/** A loaded and compiled program. */
export interface RuleProgram {
  readonly config: Config;
  readonly rules: CompiledHttpRules;
  readonly switches: readonly BackendSwitch[];
}

/** Loads `text` (the rule program's keywords accepted) and compiles it. Throws with the errors on a bad config. */
export async function loadRuleProgram(text: string, extraKeys: readonly string[] = []): Promise<RuleProgram> {
  const loaded = await loadConfigText(text, 'rules.cfg', { env: {}, implemented: [...RULE_PROGRAM_KEYS, ...extraKeys] });
  if (loaded.config === undefined) throw new Error(loaded.errors.map((e) => e.render()).join('\n'));
  const config = loaded.config;
  const rules = compileHttpRules(config);
  if ('error' in rules) throw new Error(rules.error);
  const switches = config.frontends.map((fe, i) => {
    const env = { world: config, proxyName: fe.name, frontend: i, backend: -1, cache: new Map<string, unknown>() };
    const sw = BackendSwitch.compile(fe.useBackends, fe.defaultBackend, env, new AclScope([], env));
    if ('error' in sw) throw new Error(sw.error);
    return sw;
  });
  return { config, rules, switches };
}

/** What one exchange gave. */
export interface Exchange {
  /** RULE verdict of the request stages (CONTINUE when the request went to a backend). */
  readonly verdict: number;
  /** The request head the backend got (undefined when a rule answered or closed). */
  readonly forwarded?: string;
  readonly backend?: string;
  /** The response the client got: the rule's answer (Connection as a keep-alive HTTP/1.1 exchange) or the edited one. */
  readonly response?: string;
}

export interface ExchangeOptions {
  readonly frontend?: number;
  readonly src?: string;
  /** The backend's response head and body (default: a 200 naming the backend, as the tagged farm answers). */
  readonly respond?: (backend: string) => string;
  readonly state?: SharedState;
  /** Give the request's raw bytes to the payload fetches (req.payload), as a session inspecting them does. */
  readonly payload?: boolean;
  /** The thread's stick tables and the connection's counters (track-sc, sc-inc-gpc, sc_* fetches). */
  readonly stickTables?: StickTables;
  readonly stickCounters?: StickCounters;
}

const taggedResponse = (name: string): string =>
  `HTTP/1.1 200 OK\r\nx-served-by: ${name}\r\nContent-Length: ${name.length}\r\nConnection: close\r\n\r\n${name}`;

function runSet(set: HttpRuleSet, ctx: FetchContext, edit: HeadEdit, answer: RuleAnswer): number {
  return set.empty ? RULE.CONTINUE : set.run(ctx, edit, answer);
}

/** The after-response sets (backend's, then frontend's) over a response given as bytes. */
function afterResponse(bytes: Buffer, sets: readonly ProxyRuleSets[], ctx: FetchContext): string {
  const view = new HeadView();
  const n = parseResponse(bytes, 0, bytes.length, view, { maxHeadBytes: 65536 });
  if (n <= 0) return bytes.toString('latin1');
  const edit = new HeadEdit();
  edit.begin(view);
  ctx.response = view;
  const scratch = new RuleAnswer();
  for (const s of sets) runSet(s.afterResponse, ctx, edit, scratch);
  return Buffer.concat([edit.toBuffer(), bytes.subarray(n)]).toString('latin1');
}

/** Plays `request` through the program. Throws when the request does not parse (a test bug). */
export function exchange(program: RuleProgram, request: string, options: ExchangeOptions = {}): Exchange {
  const fe = options.frontend ?? 0;
  const ctx = new FetchContext();
  ctx.setSource(options.src ?? '127.0.0.1', 50000);
  ctx.setDestination('127.0.0.1', 80);
  ctx.frontend = fe;
  ctx.state = options.state;
  ctx.stickTables = options.stickTables;
  ctx.stickCounters = options.stickCounters;
  const buf = Buffer.from(request, 'latin1');
  const head = new HeadView();
  if (parseRequest(buf, 0, buf.length, head, { maxHeadBytes: 65536 }) <= 0) throw new Error(`request does not parse: ${JSON.stringify(request)}`);
  ctx.head = head;
  if (options.payload === true) ctx.setPayload(buf, 0, buf.length, true);
  const edit = new HeadEdit();
  edit.begin(head);
  const answer = new RuleAnswer();
  const feSets = program.rules.frontend(fe);
  const answered = (verdict: number, sets: readonly ProxyRuleSets[]): Exchange => {
    if (verdict === RULE.REJECT || verdict === RULE.SILENT_DROP) return { verdict };
    // The client's own wish to close (HTTP/1.0 without keep-alive, Connection: close), as the session judges it.
    const clientClose = head.connClose || (head.version === '1.0' && !head.connKeepAlive);
    return { verdict, response: afterResponse(answer.toBytes(head.version, clientClose), sets, ctx) };
  };
  let v = runSet(feSets.request, ctx, edit, answer);
  if (v >= RULE.ANSWER) return answered(v, [feSets]);
  const be = program.switches[fe]?.choose(ctx) ?? -1;
  ctx.backend = be;
  const beSets = program.rules.backend(be, fe);
  v = runSet(beSets.request, ctx, edit, answer);
  if (v >= RULE.ANSWER) return answered(v, [beSets, feSets]);
  const name = program.config.backends[be]?.name ?? '';
  const forwarded = edit.toBuffer().toString('latin1');
  const resBytes = Buffer.from((options.respond ?? taggedResponse)(name), 'latin1');
  const res = new HeadView();
  const n = parseResponse(resBytes, 0, resBytes.length, res, { maxHeadBytes: 65536 });
  if (n <= 0) throw new Error('backend response does not parse');
  const resEdit = new HeadEdit();
  resEdit.begin(res);
  ctx.response = res;
  for (const sets of [beSets, feSets]) {
    const rv = runSet(sets.response, ctx, resEdit, answer);
    if (rv === RULE.ALLOW) continue;
    if (rv !== RULE.CONTINUE) return { ...answered(rv, [beSets, feSets]), forwarded, backend: name };
  }
  for (const sets of [beSets, feSets]) runSet(sets.afterResponse, ctx, resEdit, answer);
  const response = Buffer.concat([resEdit.toBuffer(), resBytes.subarray(n)]).toString('latin1');
  return { verdict: RULE.CONTINUE, forwarded, backend: name, response };
}
