// Test support for core/acl/: hand-built FetchContexts (a raw request parsed by the production head parser, the
// connection's addresses, payload bytes, a real SharedState with two backends), and one call that parses, compiles
// and evaluates a condition or an expression the way config load and a forwarder do. Test-runner thread.

import type { AclSpec, UserlistConfig } from '../../config/model.js';
import { parseAclTest } from '../../core/acl/acl-parse.js';
import { ACL, type AclResult } from '../../core/acl/acl-compile.js';
import { AclScope, COND, compileCondition, parseCondition, type CondVerdict } from '../../core/acl/condition.js';
import type { AclWorld, CompileEnv } from '../../core/acl/descriptor.js';
import { FetchContext } from '../../core/acl/fetch-context.js';
import { compileLogFormat, parseLogFormat } from '../../core/acl/log-format.js';
import { parseRequest } from '../../core/http1/head-parse.js';
import { HEAD, HeadView } from '../../core/http1/head-view.js';
import { ServerState } from '../../core/shared/layout.js';
import { SharedState } from '../../core/shared/state-buffer.js';

/** Two backends (`app` with servers a1..a3, `static` with s1), a frontend `web`, a userlist `L`. */
export const TEST_WORLD: AclWorld = {
  frontends: [{ name: 'web' }],
  backends: [
    {
      name: 'app',
      servers: [
        { name: 'a1', maxconn: 10, maxqueue: 5 },
        { name: 'a2', maxconn: 10, maxqueue: 5 },
        { name: 'a3', maxconn: 10, maxqueue: 5 },
      ],
    },
    { name: 'static', servers: [{ name: 's1', maxconn: 0, maxqueue: 0 }] },
  ],
  userlists: [
    {
      source: { file: 't', line: 1 },
      name: 'L',
      groups: ['admins', 'ops'],
      users: [
        { name: 'alice', password: { kind: 'clear', value: 'secret' }, groups: ['admins'] },
        // `openssl passwd -6 -salt abcdefgh secret`
        {
          name: 'bob',
          password: { kind: 'hash', value: '$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.' },
          groups: ['ops'],
        },
      ],
    } satisfies UserlistConfig,
  ],
};

/** A compile environment for the frontend `web` (or, with `backend`, for a listen-like proxy with that backend). */
export function testEnv(backend = -1): CompileEnv {
  return { world: TEST_WORLD, proxyName: backend >= 0 ? 'app' : 'web', frontend: 0, backend, cache: new Map() };
}

/** A SharedState for TEST_WORLD: every server up, counts at 0. */
export function testState(): SharedState {
  const state = SharedState.allocate({ servers: 4, backends: 2, frontends: 1, threads: 1 });
  for (let i = 0; i < 4; i++) state.server(i).store('state', ServerState.UP);
  state.backend(0).store('activeServers', 3);
  state.backend(1).store('activeServers', 1);
  return state;
}

export interface ContextSpec {
  /** A raw HTTP/1 request head (CRLF line ends), parsed with the production parser. */
  readonly request?: string;
  /** Raw request bytes for the payload fetches (Latin-1), and whether more may come (default: final). */
  readonly payload?: string | Buffer;
  readonly final?: boolean;
  readonly src?: string;
  readonly srcPort?: number;
  readonly dst?: string;
  readonly dstPort?: number;
  readonly backend?: number;
  readonly state?: SharedState;
  readonly waitEnded?: boolean;
}

/** A FetchContext as a session would fill it. Throws when the request does not parse (a test bug). */
export function testContext(spec: ContextSpec = {}): FetchContext {
  const ctx = new FetchContext();
  ctx.setSource(spec.src ?? '192.168.1.10', spec.srcPort ?? 40000);
  ctx.setDestination(spec.dst ?? '10.0.0.1', spec.dstPort ?? 8080);
  ctx.frontend = 0;
  ctx.backend = spec.backend ?? -1;
  ctx.state = spec.state;
  ctx.waitEnded = spec.waitEnded === true;
  if (spec.request !== undefined) {
    const buf = Buffer.from(spec.request, 'latin1');
    const head = new HeadView();
    const n = parseRequest(buf, 0, buf.length, head, { maxHeadBytes: 16384 });
    if (n === HEAD.INCOMPLETE || n === HEAD.ERROR) throw new Error(`test request does not parse: ${JSON.stringify(spec.request)}`);
    ctx.head = head;
  }
  if (spec.payload !== undefined) {
    const buf = typeof spec.payload === 'string' ? Buffer.from(spec.payload, 'latin1') : spec.payload;
    ctx.setPayload(buf, 0, buf.length, spec.final ?? true);
  }
  return ctx;
}

/** How tests hand file contents to the parsers (config load reads them with config/keywords/acl.ts readPatternFile). */
export type FileReader = (path: string) => string | { readonly error: string };

const NO_FILES: { readonly readFile: FileReader } = { readFile: (path) => ({ error: `failed to open pattern file <${path}>` }) };

/** Parses `acl` lines (`name criterion …`) into the proxy's ACLs, as config load does. Throws on a parse error. */
export function testAcls(lines: readonly string[], readFile: FileReader = NO_FILES.readFile): AclSpec[] {
  const byName = new Map<string, AclSpec['tests'][number][]>();
  for (const line of lines) {
    const [name = '', ...words] = line.split(' ').filter((w) => w !== '');
    const parsed = parseAclTest(words, { file: 't', line: 1 }, { readFile });
    if (!parsed.ok) throw new Error(`acl ${line}: ${parsed.message}`);
    byName.set(name, [...(byName.get(name) ?? []), parsed.spec]);
  }
  return [...byName].map(([name, tests]) => ({ name, tests }));
}

/**
 * The verdict of `if <condition>` (or `unless`, with `negate`) over ctx, with `acls` declared: COND.TRUE, FALSE or
 * WAIT. Words are split on spaces. Throws on a parse or compile error.
 */
export function conditionVerdict(condition: string, ctx: FetchContext, acls: readonly AclSpec[] = [], negate = false, env = testEnv()): CondVerdict {
  const words = condition.split(' ').filter((w) => w !== '');
  const parsed = parseCondition(words, negate, {
    declared: (name) => acls.some((a) => a.name === name),
    parseAnonymous: (inner) => parseAclTest(inner, { file: 't', line: 1 }, NO_FILES),
  });
  if (!parsed.ok) throw new Error(`condition ${condition}: ${parsed.message}`);
  const compiled = compileCondition(parsed.spec, new AclScope(acls, env));
  if ('error' in compiled) throw new Error(`condition ${condition}: ${compiled.error}`);
  return compiled.verdict(ctx);
}

/** The three-valued result of one ACL test written as words (`path_beg /api`). */
export function testResult(words: string, ctx: FetchContext, env = testEnv()): AclResult {
  const acls = testAcls([`t ${words}`]);
  const scope = new AclScope(acls, env);
  const acl = scope.get('t');
  if ('error' in acl) throw new Error(`${words}: ${acl.error}`);
  return acl.evaluate(ctx);
}

/** A log-format evaluated over ctx (`%[req.hdr(host),lower]`). Throws on a parse or compile error. */
export function formatValue(format: string, ctx: FetchContext, env = testEnv(), readFile: FileReader = NO_FILES.readFile): string {
  const parsed = parseLogFormat(format, { readFile });
  if (!parsed.ok) throw new Error(`${format}: ${parsed.message}`);
  const compiled = compileLogFormat(parsed.spec, env);
  if ('error' in compiled) throw new Error(`${format}: ${compiled.error}`);
  return compiled.evaluate(ctx);
}

/** A ClientHello record (TLS 1.2 framing) with an SNI extension naming `host`, or none. */
export function clientHello(host: string | undefined): Buffer {
  const ext: number[] = [];
  if (host !== undefined) {
    const name = [...Buffer.from(host)];
    const entry = [0, (name.length >> 8) & 0xff, name.length & 0xff, ...name];
    const list = [(entry.length >> 8) & 0xff, entry.length & 0xff, ...entry];
    ext.push(0, 0, (list.length >> 8) & 0xff, list.length & 0xff, ...list);
  }
  // An unrelated extension first (supported_groups), so the walk has to skip one.
  ext.unshift(0, 10, 0, 4, 0, 2, 0, 29);
  const body = [3, 3, ...new Array<number>(32).fill(7), 0, 0, 2, 0x13, 0x01, 1, 0, (ext.length >> 8) & 0xff, ext.length & 0xff, ...ext];
  const hs = [1, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff, ...body];
  return Buffer.from([0x16, 3, 1, (hs.length >> 8) & 0xff, hs.length & 0xff, ...hs]);
}

export { ACL, COND };
