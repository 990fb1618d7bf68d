// Differential test of the byte-level rewriter (core/http1/head-edit.ts, head-rewrite.ts, head-rules.ts,
// head-cookie.ts) against today's list-and-string path (l7-session.ts: cleanConnection, applyHeaderRules,
// forwardedFor/originalTo, persistedServer/applyResponseCookie, withConnection, lowerNames, serialize*Head): for every
// head the parsers accept among the corpus, everyday heads and seeded mutations, under random rules, forwardfor,
// originalto, cookie modes and connection modes, both write the same bytes. `todayRequest`/`todayResponse` transcribe
// the steps of l7-session.ts (its methods are private): they are the reference, not a second engine.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CookieConfig, HeaderRule, ProxyOptions, ServerConfig } from '../../config/model.js';
import { applyResponseCookie, persistedServer } from '../../core/forward/cookie-persistence.js';
import { forwardedFor, originalTo } from '../../core/forward/forwardfor.js';
import { applyHeaderRules, lowerNames, type RuleContext } from '../../core/forward/header-rules.js';
import {
  cleanConnection,
  connFlags,
  requestConnValue,
  responseConnValue,
  withConnection,
} from '../../core/forward/l7-connection-mode.js';
import { requestCookie } from '../../core/http1/head-cookie.js';
import { HeadEdit } from '../../core/http1/head-edit.js';
import { parseRequest, parseResponse } from '../../core/http1/head-parse.js';
import { rewriteRequest, rewriteResponse, rewriteSwitch, type ProxyRewrite } from '../../core/http1/head-rewrite.js';
import { HeadView } from '../../core/http1/head-view.js';
import {
  parseRequestHead,
  parseResponseHead,
  serializeRequestHead,
  serializeResponseHead,
  withoutFramingFields,
  type RequestHead,
  type ResponseHead,
} from '../../core/http1/parser.js';
import { parseNetwork } from '../../core/net/network.js';
import { mutateHead } from '../support/http-head-mutations.js';
import { REQUEST_SEEDS, RESPONSE_SEEDS } from '../support/http-head-seeds.js';
import { prng } from '../support/prng.js';

const LIMITS = { maxHeadBytes: 16384, maxHeaders: 101 };
const CASES = 6_000;
const SOURCE = { file: 'test.cfg', line: 1 };

type Rng = () => number;
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

const RULE_NAMES = ['X-A', 'x-a', 'Connection', 'Host', 'Set-Cookie', 'Cookie', 'Content-Length', 'X-Forwarded-For', 'Upgrade', '\xc9-x'];
const RULE_VALUES = [
  'v',
  '%[src]:%[src_port]',
  '%ci-%cp %fi %fp %% %[foo]',
  '',
  'keep-alive',
  'close, x',
  'SRV=x; path=/',
  '\xe9',
  // Long values take the native copy path: Latin-1 bytes must stay one byte each there too.
  `caf\xe9 ${'\xe9'.repeat(60)} %[src]`,
];
const CONDITIONS: readonly (HeaderRule['condition'] | undefined)[] = [
  undefined,
  undefined,
  { negate: false, text: 'TRUE' },
  { negate: false, text: 'FALSE' },
  { negate: true, text: 'FALSE' },
  { negate: false, text: 'src 1.2.3.4' },
];

function randomRules(r: Rng): HeaderRule[] {
  const rules: HeaderRule[] = [];
  const n = r() < 0.5 ? 0 : Math.floor(r() * 5);
  for (let k = 0; k < n; k++) {
    const action = pick(r, ['set-header', 'add-header', 'del-header'] as const);
    const condition = pick(r, CONDITIONS);
    const rule: HeaderRule = { source: SOURCE, action, name: pick(r, RULE_NAMES), value: pick(r, RULE_VALUES) };
    rules.push(condition === undefined ? rule : { ...rule, condition });
  }
  return rules;
}

function randomOptions(r: Rng): ProxyOptions {
  const base: ProxyOptions = {
    redispatch: false,
    allbackups: false,
    dontlognull: false,
    tcplog: false,
    httplog: false,
    httpServerClose: false,
    httpKeepAlive: false,
    httpClose: false,
  };
  const net = parseNetwork(pick(r, ['127.0.0.0/8', '10.0.0.0/8', '::1']));
  if (r() < 0.5) {
    const ff = { header: pick(r, ['X-Forwarded-For', 'X-Client', 'x-a', 'HOST']), ifNone: r() < 0.5 };
    base.forwardfor = r() < 0.3 && net !== undefined ? { ...ff, except: net } : ff;
  }
  if (r() < 0.3) base.originalto = { header: pick(r, ['X-Original-To', 'X-A']) };
  return base;
}

function randomProxy(r: Rng): ProxyRewrite {
  return { options: randomOptions(r), http: { request: randomRules(r), response: randomRules(r), errorfiles: {} } };
}

const SERVERS: ServerConfig[] = ['s1', 's2', undefined, 's1'].map((cookie, i) => {
  const s: ServerConfig = {
    source: SOURCE,
    name: `srv${i}`,
    address: '127.0.0.1',
    port: 1000 + i,
    weight: 1,
    backup: false,
    disabled: false,
    maxconn: 0,
    maxqueue: 0,
    check: false,
    inter: 2000,
    fastinter: 2000,
    downinter: 2000,
    rise: 2,
    fall: 3,
    sendProxy: 'none',
    checkSendProxy: false,
    slowstart: 0,
  };
  return cookie === undefined ? s : { ...s, cookie };
});

function randomCookie(r: Rng): CookieConfig | undefined {
  if (r() < 0.5) return undefined;
  return {
    source: SOURCE,
    name: pick(r, ['SRV', 'SERVERID', 'a']),
    mode: pick(r, ['insert', 'rewrite', 'prefix'] as const),
    indirect: r() < 0.5,
    nocache: r() < 0.5,
    postonly: r() < 0.3,
    httponly: r() < 0.5,
    secure: r() < 0.5,
    domains: r() < 0.3 ? ['.example.com'] : [],
  };
}

interface Plan {
  readonly frontend: ProxyRewrite;
  readonly backend: ProxyRewrite;
  readonly ctx: RuleContext;
  readonly src: string | undefined;
  readonly dst: string | undefined;
  readonly serverClose: boolean;
  readonly clientClose: boolean;
  readonly cookie: CookieConfig | undefined;
  readonly server: ServerConfig;
  readonly direct: boolean;
  readonly method: string;
  readonly requestVersion: '1.0' | '1.1';
}

function randomPlan(r: Rng): Plan {
  const src = pick(r, ['127.0.0.1', '10.1.2.3', '::1', undefined]);
  const dst = pick(r, ['127.0.0.2', '::ffff:1.2.3.4', undefined]);
  const ctx: RuleContext = src === undefined ? {} : { src, srcPort: 40000, ...(dst === undefined ? {} : { dst, dstPort: 80 }) };
  return {
    frontend: randomProxy(r),
    backend: randomProxy(r),
    ctx,
    src,
    dst,
    serverClose: r() < 0.3,
    clientClose: r() < 0.3,
    cookie: randomCookie(r),
    server: pick(r, SERVERS),
    direct: r() < 0.3,
    method: pick(r, ['GET', 'POST', 'HEAD']),
    requestVersion: pick(r, ['1.0', '1.1'] as const),
  };
}

/** Today: l7-session.ts transaction() + requestHeaders() for one request head. */
function todayRequest(head: RequestHead, p: Plan): { bytes: Buffer; persisted: unknown } {
  let req = head;
  let persisted: unknown;
  if (p.cookie !== undefined) {
    const found = persistedServer(p.cookie, req, SERVERS);
    persisted = { server: found.server, matches: found.matches, present: found.present };
    if (found.rewrittenHeaders !== undefined) req = { ...req, headers: found.rewrittenHeaders };
  }
  let headers = cleanConnection(req.headers);
  headers = applyHeaderRules(p.frontend.http?.request, headers, p.ctx);
  headers = applyHeaderRules(p.backend.http?.request, headers, p.ctx);
  const xff = forwardedFor(p.frontend.options, p.backend.options, p.src, headers);
  if (xff !== undefined) headers.push(xff);
  const xot = originalTo(p.frontend.options, p.backend.options, p.dst);
  if (xot !== undefined) headers.push(xot);
  const value = req.mustClose === true && !p.serverClose ? undefined : requestConnValue(p.serverClose, req.version);
  headers = withConnection(lowerNames(headers), value, connFlags(req.headers).upgrade);
  return { bytes: serializeRequestHead({ ...req, headers }), persisted };
}

/** Today: the response path of l7-session.ts transaction() for one final response head. */
function todayResponse(res: ResponseHead, p: Plan): Buffer {
  let headers = cleanConnection(res.status < 100 ? withoutFramingFields(res.headers) : res.headers);
  headers = applyHeaderRules(p.backend.http?.response, headers, p.ctx);
  headers = applyHeaderRules(p.frontend.http?.response, headers, p.ctx);
  if (p.cookie !== undefined) {
    const req: RequestHead = { method: p.method, target: '/', version: p.requestVersion, headers: [] };
    headers = applyResponseCookie(p.cookie, p.server, req, { ...res, headers }, p.direct);
  }
  const connValue = res.status < 100 ? undefined : responseConnValue(p.clientClose, res.version, p.requestVersion);
  headers = withConnection(lowerNames(headers), connValue, connFlags(res.headers).upgrade);
  return serializeResponseHead({ ...res, headers });
}

const view = new HeadView();
const edit = new HeadEdit();
const out = Buffer.alloc(64 * 1024);

/** edit written at a random offset of a dirty buffer; also checks write() refuses a buffer one byte short. */
function written(r: Rng): Buffer {
  const length = edit.byteLength();
  const at = Math.floor(r() * 32);
  out.fill(0x5a, 0, at + length + 8);
  assert.equal(edit.write(out.subarray(0, at + length - 1), at), -1);
  assert.equal(edit.write(out, at), length);
  assert.equal(out[at + length], 0x5a, 'wrote past byteLength()');
  return Buffer.from(out.subarray(at, at + length));
}

function checkRequest(bytes: Buffer, r: Rng): boolean {
  const old = parseRequestHead(bytes, LIMITS);
  if (old.kind !== 'ok') return false;
  assert.equal(parseRequest(bytes, 0, bytes.length, view, LIMITS), old.length);
  const p = randomPlan(r);
  const today = todayRequest(old.head, p);
  edit.begin(view);
  if (p.cookie !== undefined) assert.deepEqual(requestCookie(edit, p.cookie, SERVERS), today.persisted);
  rewriteRequest(edit, view, {
    frontend: p.frontend,
    backend: p.backend,
    ruleContext: p.ctx,
    clientAddress: p.src,
    localAddress: p.dst,
    serverClose: p.serverClose,
  });
  assert.equal(written(r).toString('latin1'), today.bytes.toString('latin1'));
  return true;
}

function checkResponse(bytes: Buffer, r: Rng): boolean {
  const old = parseResponseHead(bytes, LIMITS);
  if (old.kind !== 'ok') return false;
  assert.equal(parseResponse(bytes, 0, bytes.length, view, LIMITS), old.length);
  const p = randomPlan(r);
  // An interim 1xx is relayed as parsed; a 101 loses its close/keep-alive tokens; a final head gets it all.
  edit.begin(view);
  assert.equal(written(r).toString('latin1'), serializeResponseHead({ ...old.head, headers: lowerNames(old.head.headers) }).toString('latin1'));
  edit.begin(view);
  rewriteSwitch(edit);
  const switched = serializeResponseHead({ ...old.head, headers: lowerNames(cleanConnection(old.head.headers)) });
  assert.equal(written(r).toString('latin1'), switched.toString('latin1'));
  edit.begin(view);
  const cookie = p.cookie === undefined ? undefined : { cookie: p.cookie, server: p.server, method: p.method, status: view.status, version: view.version, direct: p.direct };
  rewriteResponse(edit, view, {
    frontend: p.frontend,
    backend: p.backend,
    ruleContext: p.ctx,
    clientClose: p.clientClose,
    requestVersion: p.requestVersion,
    cookie,
  });
  assert.equal(written(r).toString('latin1'), todayResponse(old.head, p).toString('latin1'));
  return true;
}

describe('byte-level rewriter writes what today’s serialiser writes', () => {
  test('every accepted seed head under 40 random plans each', () => {
    const r = prng(0xed17);
    let heads = 0;
    for (const seed of REQUEST_SEEDS) {
      for (let k = 0; k < 40; k++) {
        try {
          if (checkRequest(seed, r)) heads++;
        } catch (e) {
          assert.fail(`${JSON.stringify(seed.toString('latin1').slice(0, 200))}: ${String(e)}`);
        }
      }
    }
    for (const seed of RESPONSE_SEEDS) {
      for (let k = 0; k < 40; k++) {
        try {
          if (checkResponse(seed, r)) heads++;
        } catch (e) {
          assert.fail(`${JSON.stringify(seed.toString('latin1').slice(0, 200))}: ${String(e)}`);
        }
      }
    }
    assert.ok(heads > 4000, `only ${heads} accepted seed runs`);
  });

  test(`${CASES} seeded mutations of the seeds, each under a random plan`, (t) => {
    const r = prng(0x5eed5);
    const all = [...REQUEST_SEEDS, ...RESPONSE_SEEDS];
    let requests = 0;
    let responses = 0;
    for (let i = 0; i < CASES; i++) {
      const req = mutateHead(pick(r, REQUEST_SEEDS), r, all);
      const res = mutateHead(pick(r, RESPONSE_SEEDS), r, all);
      try {
        if (checkRequest(req, r)) requests++;
      } catch (e) {
        assert.fail(`mutation ${i}, request ${JSON.stringify(req.toString('latin1').slice(0, 200))}: ${String(e)}`);
      }
      try {
        if (checkResponse(res, r)) responses++;
      } catch (e) {
        assert.fail(`mutation ${i}, response ${JSON.stringify(res.toString('latin1').slice(0, 200))}: ${String(e)}`);
      }
    }
    t.diagnostic(`accepted and rewritten: ${requests} requests, ${responses} responses`);
    assert.ok(requests > CASES / 20 && responses > CASES / 20);
  });
});
