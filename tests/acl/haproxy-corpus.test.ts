// The ACL corpus (tests/fixtures/acl-corpus.ts and http-rules-corpus.ts, issue 11) answered by every subject of
// SUBJECTS, case by case: real haproxy 2.6.12 (whose answers the corpus records), orcalb's rule program in process (the
// group's config loaded as orcalb loads it, compiled as a forwarder compiles it, each request played through
// core/forward/http-rules/ and use_backend by tests/support/http-rule-program.ts), and the orcalb CLI with two forwarder
// threads (its HTTP and TCP sessions run the rules). Sockets on 127.0.0.1; backends name themselves and log heads.

import { serverSlotIndex, topologyOf } from '../../core/shared/topology.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FetchContext } from '../../core/acl/fetch-context.js';
import { RULE } from '../../core/forward/http-rules/rule-set.js';
import { ServerState } from '../../core/shared/layout.js';
import { SharedState } from '../../core/shared/state-buffer.js';
import { ACL_CORPUS, type CorpusCase, type CorpusGroup } from '../fixtures/acl-corpus.js';
import { HTTP_RULES_CORPUS } from '../fixtures/http-rules-corpus.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { RawHttpConnection } from '../support/http-client.js';
import { exchange, loadRuleProgram } from '../support/http-rule-program.js';
import { startTaggedHttpFarm, type TaggedHttpFarm } from '../support/http-tagged-backends.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbSubject } from '../support/lb-subject.js';

/** Every group of the corpus: the ACL language's, then the rule program's. */
const CORPUS: readonly CorpusGroup[] = [...ACL_CORPUS, ...HTTP_RULES_CORPUS];

const BACKENDS = ['be_a', 'be_b', 'be_default'] as const;
/** `openssl passwd -6 -salt abcdefgh secret`. */
const BOB_HASH = '$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.';

/** What one subject did with one request. */
interface Answer {
  /** 0 when the connection closed without a response. */
  readonly status: number;
  readonly backend: string | undefined;
  /** Request headers the backend received (lower-case names, last value of each). */
  readonly headers: ReadonlyMap<string, string>;
  /** The request line the backend received ('' when none did). */
  readonly requestLine: string;
  /** Response headers the client received (lower-case names, last value of each). */
  readonly clientHeaders: ReadonlyMap<string, string>;
  readonly body: string;
}

const CLOSED: Answer = { status: 0, backend: undefined, headers: new Map(), requestLine: '', clientHeaders: new Map(), body: '' };

interface CorpusRun {
  send(c: CorpusCase): Promise<Answer>;
  close(): Promise<void>;
}

/** A subject: how to run a group's frontend lines and answer its requests. */
interface CorpusSubject {
  readonly name: string;
  start(group: CorpusGroup, dir: string, farm: TaggedHttpFarm): Promise<CorpusRun>;
}

/** The group's whole config: its frontend, the three tagged backends, be_down and userlist L. */
function configText(group: CorpusGroup, dir: string, port: number, farm: TaggedHttpFarm): string {
  const mode = group.mode ?? 'http';
  return [
    ...(group.global === undefined ? [] : ['global', ...group.global.map((l) => `  ${l}`)]),
    'defaults',
    `  mode ${mode}`,
    '  timeout connect 2s',
    '  timeout client 5s',
    '  timeout server 5s',
    '  timeout tarpit 100ms',
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
          const r = await conn
            .response(5000, c.request.startsWith('HEAD '))
            .catch(() => undefined)
            .finally(() => conn.destroy());
          if (r === undefined) return CLOSED;
          const backend = r.headers.find(([n]) => n === 'x-served-by')?.[1];
          const head = backend === undefined ? '' : (farm.byName(backend).headLog.at(-1) ?? '');
          const clientHeaders = new Map(r.headers.map(([n, v]) => [n, v] as const));
          return { status: r.status, backend, headers: headerMap(head), requestLine: head.split('\r\n')[0] ?? '', clientHeaders, body: r.body.toString('latin1') };
        },
        close: () => proc.stop().then(() => undefined),
      };
    },
  };
}

/**
 * orcalb's rule program in process: the group's whole config (as configText writes it for haproxy) loaded and
 * compiled by production code, each request played through the frontend and backend rule sets and use_backend; the
 * tagged backend's response played through the response and after-response sets. A TCP group only switches on the
 * payload (its tcp-request rules belong to the TCP rules' engine: the whole request is inspected at once here).
 */
/** What the tagged farm answers to `request` (tests/support/http-tagged-backends.ts), X-Reply-Headers included. */
function taggedReply(name: string, request: string): string {
  const asked = /\r\nx-reply-headers:[ \t]*([^\r]*)/i.exec(request)?.[1];
  const pairs: unknown = asked === undefined ? [] : JSON.parse(asked);
  const extra = (Array.isArray(pairs) ? pairs : []).map((p) => (Array.isArray(p) ? `${String(p[0])}: ${String(p[1])}\r\n` : '')).join('');
  return `HTTP/1.1 200 OK\r\nx-served-by: ${name}\r\n${extra}Content-Length: ${name.length}\r\nConnection: close\r\n\r\n${name}`;
}

const ENGINE_SUBJECT: CorpusSubject = {
  name: 'orcalb rule program (in process)',
  async start(group, dir, farm) {
    const program = await loadRuleProgram(configText(group, dir, 18000, farm), ['tcp-request content', 'tcp-request inspect-delay']);
    // The backends' server slots as every thread places them (spare slots included: core/shared/topology.ts).
    const topology = topologyOf(program.config, 1);
    const state = SharedState.allocate(topology.counts);
    for (let i = 0; i < 3; i++) {
      state.server(serverSlotIndex(topology, i, 0)).store('state', ServerState.UP);
      state.backend(i).store('activeServers', 1);
    }
    state.server(serverSlotIndex(topology, 3, 0)).store('state', ServerState.MAINT);
    // HAProxy counts the connection being evaluated in fe_conn.
    state.frontend(0).add('curConns', 1);
    return {
      async send(c) {
        if ((group.mode ?? 'http') === 'tcp') {
          const ctx = new FetchContext();
          ctx.setSource('127.0.0.1', 50000);
          ctx.setDestination('127.0.0.1', 80);
          ctx.frontend = 0;
          ctx.state = state;
          const buf = Buffer.from(c.request, 'latin1');
          ctx.setPayload(buf, 0, buf.length, true);
          const b = program.switches[0]?.choose(ctx) ?? -1;
          return { ...CLOSED, status: 200, backend: program.config.backends[b]?.name };
        }
        let x: ReturnType<typeof exchange>;
        try {
          x = exchange(program, c.request, { state, respond: (name) => taggedReply(name, c.request) });
        } catch {
          return { ...CLOSED, status: 400 };
        }
        if (x.verdict === RULE.REJECT || x.verdict === RULE.SILENT_DROP || x.response === undefined) return CLOSED;
        const response = x.response;
        const end = response.indexOf('\r\n\r\n');
        const clientHeaders = headerMap(response.slice(0, end));
        const backend = clientHeaders.get('x-served-by');
        const forwarded = backend === undefined ? '' : (x.forwarded ?? '');
        return {
          status: Number(response.slice(9, 12)),
          backend,
          headers: headerMap(forwarded.slice(0, forwarded.indexOf('\r\n\r\n'))),
          requestLine: forwarded.split('\r\n')[0] ?? '',
          clientHeaders,
          body: response.slice(end + 4),
        };
      },
      close: async () => undefined,
    };
  },
};

/** Everything that answers the corpus: haproxy, the in-process engine, and the orcalb CLI (--threads 2). */
const SUBJECTS: readonly CorpusSubject[] = [lbCorpusSubject(HAPROXY_SUBJECT), ENGINE_SUBJECT, lbCorpusSubject(ORCALB_SUBJECT)];

test('the corpus holds at least 120 cases', () => {
  assert.ok(ACL_CORPUS.flatMap((g) => g.cases).length >= 120);
  assert.ok(HTTP_RULES_CORPUS.flatMap((g) => g.cases).length >= 60);
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
    for (const group of CORPUS) {
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
            if (e.requestLine !== undefined) assert.equal(got.requestLine, e.requestLine, 'request line');
            for (const [name, value] of Object.entries(e.clientHeaders ?? {})) {
              assert.equal(got.clientHeaders.get(name) ?? null, value, `response header ${name}`);
            }
            if (e.body !== undefined) assert.equal(got.body, e.body, 'body');
          });
        }
      });
    }
  });
}
