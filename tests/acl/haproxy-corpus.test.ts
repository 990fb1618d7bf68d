// The ACL corpus (tests/fixtures/acl-corpus.ts, issue 11) answered by every subject of SUBJECTS, case by case: real
// haproxy 2.6.12 (whose answers the corpus records), orcalb's ACL engine in process (production parse, compile and
// evaluate of the same lines, with the three actions the corpus uses played by applyRules below), and the orcalb CLI
// with two forwarder threads (its HTTP sessions run the rules; a mode tcp group, whose tcp-request rules the TCP
// sessions do not run yet, must be refused at start). Sockets on 127.0.0.1; backends name themselves and log heads.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bindCondition } from '../../config/keywords/acl-bind.js';
import type { AclTestSpec, ConditionSpec, UseBackendRule } from '../../config/model.js';
import { tokenizeLine } from '../../config/tokenize.js';
import { parseAclTest } from '../../core/acl/acl-parse.js';
import { AclScope, COND, compileCondition, parseCondition, type CompiledCondition } from '../../core/acl/condition.js';
import type { AclWorld, CompileEnv } from '../../core/acl/descriptor.js';
import { FetchContext } from '../../core/acl/fetch-context.js';
import { compileLogFormat, parseLogFormat, type CompiledLogFormat } from '../../core/acl/log-format.js';
import { BackendSwitch } from '../../core/acl/switching.js';
import { parseRequest } from '../../core/http1/head-parse.js';
import { HeadView } from '../../core/http1/head-view.js';
import { ServerState } from '../../core/shared/layout.js';
import { SharedState } from '../../core/shared/state-buffer.js';
import { ACL_CORPUS, type CorpusCase, type CorpusGroup } from '../fixtures/acl-corpus.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { RawHttpConnection } from '../support/http-client.js';
import { startTaggedHttpFarm, type TaggedHttpFarm } from '../support/http-tagged-backends.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbSubject } from '../support/lb-subject.js';

const BACKENDS = ['be_a', 'be_b', 'be_default'] as const;
/** `openssl passwd -6 -salt abcdefgh secret`. */
const BOB_HASH = '$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.';

/** What one subject did with one request. */
interface Answer {
  readonly status: number;
  readonly backend: string | undefined;
  /** Request headers the backend received (lower-case names, last value of each). */
  readonly headers: ReadonlyMap<string, string>;
}

interface CorpusRun {
  send(c: CorpusCase): Promise<Answer>;
  close(): Promise<void>;
}

/** A subject: how to run a group's frontend lines and answer its requests. */
interface CorpusSubject {
  readonly name: string;
  start(group: CorpusGroup, dir: string, farm: TaggedHttpFarm): Promise<CorpusRun>;
  /**
   * The refusal this subject answers a group's config with while it does not run that group's rules (fail closed:
   * orcalb's TCP sessions do not run tcp-request content or switch backends yet, issue 11's TCP part), else
   * undefined. Such a group is checked to be refused at start, instead of case by case.
   */
  refuses?(group: CorpusGroup): RegExp | undefined;
}

/** The group's whole config: its frontend, the three tagged backends, be_down and userlist L. */
function configText(group: CorpusGroup, dir: string, port: number, farm: TaggedHttpFarm): string {
  const mode = group.mode ?? 'http';
  return [
    'defaults',
    `  mode ${mode}`,
    '  timeout connect 2s',
    '  timeout client 5s',
    '  timeout server 5s',
    'userlist L',
    '  group admins',
    '  group ops',
    '  user alice insecure-password secret groups admins',
    `  user bob password ${BOB_HASH} groups ops`,
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    ...group.lines.map((l) => `  ${l.replaceAll('@DIR@', dir)}`),
    '  default_backend be_default',
    ...BACKENDS.flatMap((b) => [`backend ${b}`, `  server s 127.0.0.1:${farm.byName(b).port}`]),
    'backend be_down',
    `  server s 127.0.0.1:${farm.byName('be_a').port} disabled`,
    '',
  ].join('\n');
}

/** Lower-case name → last value of the header lines of a head. */
function headerMap(head: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) map.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, ''));
  }
  return map;
}

/** A load balancer process (haproxy today, the orcalb CLI once sessions run rules) as a corpus subject. */
function lbCorpusSubject(lb: LbSubject): CorpusSubject {
  return {
    name: lb.name,
    async start(group, dir, farm) {
      const port = await freeTcpPort();
      const proc = await lb.start(configText(group, dir, port, farm), port);
      return {
        async send(c) {
          const conn = await RawHttpConnection.open(port);
          conn.write(Buffer.from(c.request, 'latin1'));
          const r = await conn.response(5000, c.request.startsWith('HEAD ')).finally(() => conn.destroy());
          const backend = r.headers.find(([n]) => n === 'x-served-by')?.[1];
          const head = backend === undefined ? '' : (farm.byName(backend).headLog.at(-1) ?? '');
          return { status: r.status, backend, headers: headerMap(head) };
        },
        close: () => proc.stop().then(() => undefined),
      };
    },
  };
}

/** The world of every group: its frontend, the backends of configText (be_down's server in maintenance), L. */
const WORLD: AclWorld = {
  frontends: [{ name: 'fe' }],
  backends: [...BACKENDS, 'be_down'].map((name) => ({ name, servers: [{ name: 's', maxconn: 0, maxqueue: 0 }] })),
  userlists: [
    {
      source: { file: 'corpus', line: 1 },
      name: 'L',
      groups: ['admins', 'ops'],
      users: [
        { name: 'alice', password: { kind: 'clear', value: 'secret' }, groups: ['admins'] },
        { name: 'bob', password: { kind: 'hash', value: BOB_HASH }, groups: ['ops'] },
      ],
    },
  ],
};

type Rule =
  | { readonly kind: 'set-header'; readonly name: string; readonly value: CompiledLogFormat; readonly cond: CompiledCondition | undefined }
  | { readonly kind: 'deny'; readonly status: number; readonly cond: CompiledCondition | undefined };

/**
 * orcalb's ACL engine in process: the group's lines parsed by core/acl/ (acl, use_backend, http-request set-header and
 * deny; tcp-request lines need nothing here since the whole request is inspected at once), then each request
 * evaluated on a FetchContext as a session fills it.
 */
const ENGINE_SUBJECT: CorpusSubject = {
  name: 'orcalb ACL engine (in process)',
  async start(group, dir) {
    const env: CompileEnv = { world: WORLD, proxyName: 'fe', frontend: 0, backend: -1, cache: new Map() };
    const files = new Map<string, string>();
    for (const name of Object.keys(group.files ?? {})) files.set(join(dir, name), await readFile(join(dir, name), 'latin1'));
    const reader = (path: string): string | { error: string } => files.get(path) ?? { error: `failed to open pattern file <${path}>` };
    const acls = new Map<string, AclTestSpec[]>();
    const useBackends: UseBackendRule[] = [];
    const condition = (words: readonly string[]): ConditionSpec | undefined => {
      const at = words.findIndex((w) => w === 'if' || w === 'unless');
      if (at < 0) return undefined;
      const parsed = parseCondition(words.slice(at + 1), words[at] === 'unless', {
        declared: (n) => acls.has(n),
        parseAnonymous: (inner) => parseAclTest(inner, { file: 'corpus', line: 1 }, { readFile: reader }),
      });
      if (!parsed.ok) throw new Error(`${words.join(' ')}: ${parsed.message}`);
      return parsed.spec;
    };
    const specs: { words: string[]; cond: ConditionSpec | undefined }[] = [];
    for (const line of group.lines) {
      const tok = tokenizeLine(Buffer.from(line.replaceAll('@DIR@', dir)), { env: {}, file: 'corpus', line: 1, section: 'fe' });
      if (!tok.ok) throw new Error(`${line}: ${tok.message}`);
      const words = tok.words.map((w) => w.text);
      if (words[0] === 'acl') {
        const parsed = parseAclTest(words.slice(2), { file: 'corpus', line: 1 }, { readFile: reader });
        if (!parsed.ok) throw new Error(`${line}: ${parsed.message}`);
        acls.set(words[1] ?? '', [...(acls.get(words[1] ?? '') ?? []), parsed.spec]);
      } else if (words[0] === 'use_backend') {
        const name = words[1] ?? '';
        const cond = condition(words);
        const format = parseLogFormat(name, { readFile: reader });
        if (!format.ok) throw new Error(`${line}: ${format.message}`);
        const dynamic = format.spec.parts.some((p) => p.kind !== 'text');
        useBackends.push({
          source: { file: 'corpus', line: 1 },
          backend: dynamic ? { kind: 'dynamic', format: format.spec } : { kind: 'name', name },
          ...(cond === undefined ? {} : { condition: cond }),
        });
      } else if (words[0] === 'http-request') {
        specs.push({ words, cond: condition(words) });
      } else if (words[0] !== 'tcp-request') {
        throw new Error(`the engine subject does not play '${line}'`);
      }
    }
    const scope = new AclScope([...acls].map(([name, tests]) => ({ name, tests })), env);
    const compileCond = (spec: ConditionSpec | undefined): CompiledCondition | undefined => {
      if (spec === undefined) return undefined;
      const c = compileCondition(bindCondition(spec, acls), scope);
      if ('error' in c) throw new Error(c.error);
      return c;
    };
    const rules: Rule[] = specs.map(({ words, cond }) => {
      if (words[1] === 'deny') {
        const status = words[2] === 'deny_status' ? Number(words[3]) : 403;
        return { kind: 'deny', status, cond: compileCond(cond) };
      }
      const parsed = parseLogFormat(words[3] ?? '', { readFile: reader });
      if (!parsed.ok) throw new Error(`${words.join(' ')}: ${parsed.message}`);
      const value = compileLogFormat(parsed.spec, env);
      if ('error' in value) throw new Error(value.error);
      return { kind: 'set-header', name: (words[2] ?? '').toLowerCase(), value, cond: compileCond(cond) };
    });
    const bound = useBackends.map((r) => (r.condition === undefined ? r : { ...r, condition: bindCondition(r.condition, acls) }));
    const sw = BackendSwitch.compile(bound, 'be_default', env, scope);
    if ('error' in sw) throw new Error(sw.error);
    const state = SharedState.allocate({ servers: 4, backends: 4, frontends: 1, threads: 1 });
    for (let i = 0; i < 3; i++) {
      state.server(i).store('state', ServerState.UP);
      state.backend(i).store('activeServers', 1);
    }
    state.server(3).store('state', ServerState.MAINT);
    // HAProxy counts the connection being evaluated in fe_conn.
    state.frontend(0).add('curConns', 1);
    return {
      async send(c) {
        const ctx = new FetchContext();
        ctx.setSource('127.0.0.1', 50000);
        ctx.setDestination('127.0.0.1', 80);
        ctx.frontend = 0;
        ctx.state = state;
        const buf = Buffer.from(c.request, 'latin1');
        const headers = new Map<string, string>();
        if ((group.mode ?? 'http') === 'http') {
          const head = new HeadView();
          if (parseRequest(buf, 0, buf.length, head, { maxHeadBytes: 16384 }) <= 0) return { status: 400, backend: undefined, headers };
          ctx.head = head;
          for (let i = 0; i < head.count; i++) if (head.live(i)) headers.set(head.nameString(i).toLowerCase(), head.valueString(i));
        }
        ctx.setPayload(buf, 0, buf.length, true);
        for (const rule of rules) {
          if (rule.cond !== undefined && rule.cond.verdict(ctx) !== COND.TRUE) continue;
          if (rule.kind === 'deny') return { status: rule.status, backend: undefined, headers: new Map() };
          headers.set(rule.name, rule.value.evaluate(ctx, true));
        }
        const b = sw.choose(ctx);
        return { status: 200, backend: WORLD.backends[b]?.name, headers };
      },
      close: async () => undefined,
    };
  },
};

/** Everything that answers the corpus: haproxy, the in-process engine, and the orcalb CLI (--threads 2). */
const ORCALB_CORPUS: CorpusSubject = {
  ...lbCorpusSubject(ORCALB_SUBJECT),
  refuses: (group) => (group.mode === 'tcp' ? /does not implement 'tcp-request content' yet; refusing to start/ : undefined),
};

const SUBJECTS: readonly CorpusSubject[] = [lbCorpusSubject(HAPROXY_SUBJECT), ENGINE_SUBJECT, ORCALB_CORPUS];

test('the corpus holds at least 120 cases', () => {
  assert.ok(ACL_CORPUS.flatMap((g) => g.cases).length >= 120);
});

for (const subject of SUBJECTS) {
  describe(`ACL corpus on ${subject.name}`, () => {
    let farm: TaggedHttpFarm;
    before(async () => {
      farm = await startTaggedHttpFarm(BACKENDS);
    });
    after(async () => {
      await farm.close();
    });
    for (const group of ACL_CORPUS) {
      const refusal = subject.refuses?.(group);
      if (refusal !== undefined) {
        test(`${group.name}: refused at start (fail closed)`, async (t) => {
          const dir = await mkdtemp(join(tmpdir(), 'orcalb-acl-corpus-'));
          t.after(() => rm(dir, { recursive: true, force: true }));
          for (const [name, text] of Object.entries(group.files ?? {})) await writeFile(join(dir, name), text);
          await assert.rejects(subject.start(group, dir, farm), refusal);
        });
        continue;
      }
      describe(group.name, () => {
        let run: CorpusRun;
        let dir: string;
        before(async () => {
          dir = await mkdtemp(join(tmpdir(), 'orcalb-acl-corpus-'));
          for (const [name, text] of Object.entries(group.files ?? {})) await writeFile(join(dir, name), text);
          run = await subject.start(group, dir, farm);
        });
        after(async () => {
          await run.close();
          await rm(dir, { recursive: true, force: true });
        });
        for (const c of group.cases) {
          test(c.name, async () => {
            const got = await run.send(c);
            const e = c.expect;
            assert.equal(got.status, e.status, 'status');
            assert.equal(got.backend, e.backend, 'backend');
            for (const [name, value] of Object.entries(e.headers ?? {})) {
              assert.equal(got.headers.get(name) ?? null, value, `header ${name}`);
            }
          });
        }
      });
    }
  });
}
