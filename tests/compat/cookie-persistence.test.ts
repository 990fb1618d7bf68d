// Cookie persistence side by side with the real HAProxy 2.6: every case of tests/support/cookie-cases.ts goes through
// haproxy (mode http, balance first, tiny node backends that name themselves); what the client and the backend got
// must equal the recording, and core/forward/cookie-persistence.ts must produce the same headers from the same input.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  applyResponseCookie,
  persistedServer,
  persistenceDecision,
} from '../../core/forward/cookie-persistence.js';
import type { HeaderField } from '../../core/http1/header-list.js';
import type { RequestHead, ResponseHead } from '../../core/http1/parser.js';
import {
  CASE_SERVERS,
  COOKIE_CASES,
  DEAD_SERVER,
  DOWN_ANSWERING_SERVER,
  SERVER_COOKIES,
  caseServers,
  cookieConfigOf,
  type CookieCase,
} from '../support/cookie-cases.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { rawHttpRequest, startTaggedHttpFarm, type TaggedHttpFarm } from '../support/http-tagged-backends.js';

interface Observed {
  readonly status: number;
  readonly servedBy: string | null;
  readonly backendCookie: readonly string[];
  readonly setCookie: readonly string[];
  readonly cacheControl: readonly string[];
}

let farm: TaggedHttpFarm;
let deadPort: number;
const observed = new Map<string, Observed>();

// One haproxy, one `listen` section per distinct (cookie line, options, topology); its cases run in table order.
function groupKey(c: CookieCase): string {
  return JSON.stringify([c.cookie, c.options, c.topology]);
}

function listenSection(c: CookieCase, proxy: string, port: number): string[] {
  const servers = CASE_SERVERS[c.topology].map((name) => {
    const cookie = SERVER_COOKIES[name];
    const addr = name === DEAD_SERVER ? `127.0.0.1:${deadPort}` : `127.0.0.1:${farm.byName(name).port}`;
    let check = '';
    if (name === DEAD_SERVER) check = ' check inter 100ms fall 1 rise 1';
    // Checks probe a dead port, traffic goes to the live one: DOWN for haproxy, yet it answers.
    if (name === DOWN_ANSWERING_SERVER) check = ` check port ${deadPort} inter 100ms fall 1 rise 1`;
    return `  server ${name} ${addr}${cookie === undefined ? '' : ` cookie ${cookie}`}${check}`;
  });
  return [
    `listen ${proxy}`,
    `  bind 127.0.0.1:${port}`,
    '  balance first',
    `  cookie ${c.cookie}`,
    ...c.options.map((o) => `  ${o}`),
    ...servers,
  ];
}

async function runCase(c: CookieCase, port: number): Promise<Observed> {
  const lines = [`${c.method} /page HTTP/1.1`, 'Host: test'];
  for (const [n, v] of c.requestHeaders) lines.push(`${n}: ${v}`);
  lines.push(`X-Reply-Headers: ${JSON.stringify(c.responseHeaders)}`);
  if (c.method === 'POST') lines.push('Content-Length: 0');
  const before = new Map(farm.backends.map((b) => [b.name, b.cookieLog.length]));
  const res = await rawHttpRequest(port, lines.join('\r\n'));
  const servedBy = res.values('x-served-by')[0] ?? null;
  const log = servedBy === null ? undefined : farm.byName(servedBy).cookieLog;
  const backendCookie = log !== undefined && log.length > (before.get(servedBy ?? '') ?? 0) ? (log.at(-1) ?? []) : [];
  return {
    status: res.status,
    servedBy,
    backendCookie,
    setCookie: res.values('set-cookie'),
    cacheControl: res.values('cache-control'),
  };
}

before(async () => {
  farm = await startTaggedHttpFarm(['s0', 's1', 's2', 's4']);
  deadPort = await freeTcpPort();
  const groups = new Map<string, CookieCase[]>();
  for (const c of COOKIE_CASES) groups.set(groupKey(c), [...(groups.get(groupKey(c)) ?? []), c]);
  const proxies: { name: string; port: number; cases: CookieCase[] }[] = [];
  for (const cases of groups.values()) proxies.push({ name: `px${proxies.length}`, port: await freeTcpPort(), cases });
  const config = [
    'defaults',
    '  mode http',
    '  timeout connect 200ms',
    '  timeout client 3s',
    '  timeout server 3s',
    '  retries 1',
    ...proxies.flatMap((p) => (p.cases[0] === undefined ? [] : listenSection(p.cases[0], p.name, p.port))),
    '',
  ].join('\n');
  const last = proxies.at(-1);
  const hp = await startHaproxy(config, last === undefined ? {} : { readyPort: last.port });
  try {
    // Every down server must be DOWN before any request, as the cases assume (haproxy logs each transition).
    const downLines = proxies.flatMap((p) =>
      CASE_SERVERS[p.cases[0]?.topology ?? 'standard']
        .filter((n) => n === DEAD_SERVER || n === DOWN_ANSWERING_SERVER)
        .map((n) => `${p.name}/${n} is DOWN`),
    );
    await hp.waitForStderrLines((lines) => downLines.every((l) => lines.some((line) => line.includes(l))), 5000, 'the down servers');
    for (const p of proxies) for (const c of p.cases) observed.set(c.name, await runCase(c, p.port));
  } finally {
    await hp.stop();
  }
});
after(() => farm.close());

function requestHead(c: CookieCase): RequestHead {
  return { method: c.method, target: '/page', version: '1.1', headers: c.requestHeaders.map(([name, value]) => ({ name, value })) };
}

/** What our functions say for a case: route, forwarded Cookie lines, client-side headers. */
function ours(c: CookieCase): Observed {
  const cookie = cookieConfigOf(c.cookie);
  const servers = caseServers(c.topology);
  const head = requestHead(c);
  const lookup = persistedServer(cookie, head, servers);
  const running = (i: number): boolean => servers[i]?.name !== DEAD_SERVER && servers[i]?.name !== DOWN_ANSWERING_SERVER;
  const answers = (i: number): boolean => servers[i]?.name !== DEAD_SERVER;
  const decision = persistenceDecision(lookup, running, {
    persist: c.options.includes('option persist'),
    redispatch: c.options.includes('option redispatch'),
  });
  // Connecting to the dead server fails: redispatch or give up, as the decision says. `balance first` picks the
  // first running server.
  let direct = decision.server !== undefined;
  let served = decision.server;
  if (served !== undefined && !answers(served)) {
    if (decision.redispatch === 'never') {
      // The engine answers 503 with HAProxy's error page (which says cache-control: no-cache); no cookie is set.
      return { status: 503, servedBy: null, backendCookie: [], setCookie: [], cacheControl: ['no-cache'] };
    }
    direct = false;
    served = undefined;
  }
  served ??= servers.findIndex((_, i) => running(i));
  const server = servers[served];
  assert.ok(server !== undefined);
  const forwarded: HeaderField[] = lookup.rewrittenHeaders ?? head.headers;
  const response: ResponseHead = {
    version: '1.1',
    status: 200,
    reason: 'OK',
    headers: [{ name: 'x-served-by', value: server.name }, ...c.responseHeaders.map(([name, value]) => ({ name, value }))],
  };
  const out = applyResponseCookie(cookie, server, head, response, direct);
  const pick = (list: readonly HeaderField[], name: string): string[] =>
    list.filter((h) => h.name.toLowerCase() === name).map((h) => h.value);
  return {
    status: 200,
    servedBy: server.name,
    backendCookie: pick(forwarded, 'cookie'),
    setCookie: pick(out, 'set-cookie'),
    cacheControl: pick(out, 'cache-control'),
  };
}

for (const c of COOKIE_CASES) {
  test(`haproxy and orcalb agree: ${c.name}`, () => {
    const got = observed.get(c.name);
    assert.ok(got !== undefined, 'haproxy run missing');
    assert.deepEqual(got, c.expect, 'haproxy no longer matches the recording');
    assert.deepEqual(ours(c), c.expect, 'cookie-persistence.ts differs from haproxy');
  });
}
