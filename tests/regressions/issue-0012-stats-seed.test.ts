// Issue 12: the seed's HTTP config (addresses on loopback) under haproxy 2.6.12 and under orcalb --threads 2, the same
// script against both: the stats listener's 401 with its realm, the `;csv` header byte for byte, the same proxies and
// servers, counters (stot, bin, bout, status, check_status) after the same traffic, maint/drain/ready through the
// admin form changing routing, and a killed server shown DOWN after `fall` checks. Test-runner thread.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CSV_HEADER } from '../../core/stats/csv.js';
import { startHaproxy, freeTcpPort } from '../support/haproxy-process.js';
import { startHttpBackends, type HttpBackends } from '../support/http-backends.js';
import { httpExchange, type HttpAnswer } from '../support/http-exchange.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { seedHttpConfig } from '../support/seed-http-config.js';
import { statRow } from '../support/haproxy-stats.js';
import { pollUntil } from '../support/wait.js';

const NODES = ['node1', 'node2', 'node3', 'node4'] as const;
const AUTH = { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };
const URI = '/haproxyamdin';

/** What one subject showed; must be equal between haproxy and orcalb. */
interface Transcript {
  unauthorized: { status: number; realm: string | undefined; body: string };
  csvHeader: string;
  rows: string[];
  counters: Record<string, string>[];
  routing: Record<string, string[]>;
  admin: string[];
  killed: { status: string; check: string };
  /** `;json`: "objType field" → "origin nature scope type" of every typed cell; and the `;json-schema` text. */
  jsonTags: Record<string, string>;
  jsonSchema: string;
  /** lastsess and rate_max of the servers and the backend after the 8 requests. */
  timing: Record<string, string>[];
}

/** The tags of every cell of a `;json` answer, by object type and field name (one entry per pair). */
function jsonTags(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  const rows = JSON.parse(body) as { objType: string; field: { name: string }; tags: { origin: string; nature: string; scope: string }; value: { type: string } }[][];
  for (const row of rows) {
    for (const c of row) out[`${c.objType} ${c.field.name}`] = `${c.tags.origin} ${c.tags.nature} ${c.tags.scope} ${c.value.type}`;
  }
  return out;
}

function statsPortOf(config: string): number {
  const m = /listen stats[\s\S]*?bind\s+127\.0\.0\.1:(\d+)/.exec(config);
  return Number(m?.[1] ?? 0);
}

async function csv(port: number): Promise<string> {
  const r = await httpExchange(port, 'GET', `${URI};csv`, { headers: AUTH });
  assert.equal(r.status, 200);
  return r.body;
}

async function post(port: number, body: string): Promise<HttpAnswer> {
  return httpExchange(port, 'POST', URI, { headers: AUTH, body, contentType: 'application/x-www-form-urlencoded' });
}

/** `count` requests through the frontend, each on its own connection: which server answered each. */
async function route(port: number, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await httpExchange(port, 'GET', `/r${i}`);
    out.push(r.status === 200 ? r.body.trim() : String(r.status));
  }
  return out.sort();
}

async function run(kind: 'haproxy' | 'orcalb', backends: HttpBackends): Promise<Transcript> {
  const fe = await freeTcpPort();
  const config = await seedHttpConfig(fe, backends.ports(), { inter: '200ms' });
  const stats = statsPortOf(config);
  const lb = kind === 'haproxy' ? await startHaproxy(config, { readyPort: fe }) : await startOrcalb(config, { threads: 2, fileName: 'haproxy.cfg' });
  try {
    const upAll = async (): Promise<boolean> => {
      const text = await csv(stats);
      return NODES.every((n) => statRow(text, 'ddb_backend', n)['status'] === 'UP');
    };
    await pollUntil(upAll, 10_000, 'every server UP', 50);
    const u = await httpExchange(stats, 'GET', URI);
    const unauthorized = { status: u.status, realm: u.headers['www-authenticate'], body: u.body };
    const first = await csv(stats);
    const csvHeader = first.split('\n')[0] ?? '';
    const rows = first.trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 2).join(','));
    await route(fe, 8);
    const after8 = await csv(stats);
    const timing: Record<string, string>[] = [];
    const pick = (r: Record<string, string>, names: readonly string[]): Record<string, string> =>
      Object.fromEntries(names.map((n) => [n, r[n] ?? '']));
    // lastsess and rate_max hang on where a second ends during the run: checked by range in the test below.
    // smax too: whether one request's session is released yet when the next connects is the same FIN-versus-connect
    // race as the frontend's (a backend smax of 2 against haproxy's 1 was seen in CI); checked by range below.
    const cols = ['stot', 'bin', 'bout', 'hrsp_2xx', 'req_tot', 'status', 'check_status'];
    // check_status starts with "* " while a check is in flight at the moment of the scrape (either balancer, seen in
    // CI): when a check runs is not what this compares, so the marker is dropped.
    const counters = ['node1', 'node2', 'node3', 'node4', 'BACKEND'].map((sv): Record<string, string> => {
      const row = pick(statRow(after8, 'ddb_backend', sv), cols);
      return { sv, ...row, check_status: (row['check_status'] ?? '').replace(/^\* /, '') };
    });
    // The frontend's smax is left out: whether the previous client connection is closed yet when the next one comes
    // is a race between the client's FIN and its next connect, on either balancer.
    timing.push(...['node1', 'node2', 'node3', 'node4', 'BACKEND'].map((sv) => pick(statRow(after8, 'ddb_backend', sv), ['lastsess', 'rate_max', 'smax'])));
    counters.push({ sv: 'FRONTEND', ...pick(statRow(after8, 'ddb_fronted', 'FRONTEND'), ['stot', 'bin', 'bout', 'hrsp_2xx', 'req_tot', 'status', 'ereq']) });
    const jsonTagsSeen = jsonTags((await httpExchange(stats, 'GET', `${URI};json`, { headers: AUTH })).body);
    const jsonSchema = (await httpExchange(stats, 'GET', `${URI};json-schema`, { headers: AUTH })).body;
    const admin: string[] = [];
    const act = async (body: string): Promise<void> => {
      const r = await post(stats, body);
      admin.push(`${r.status} ${String(r.headers.location)}`);
    };
    const routing: Record<string, string[]> = {};
    await act('s=node1&s=node2&action=maint&b=ddb_backend');
    routing['maint'] = await route(fe, 4);
    await act('s=node1&s=node2&action=ready&b=ddb_backend');
    await act('s=node3&action=drain&b=ddb_backend');
    routing['drain'] = await route(fe, 6);
    await act('s=node3&action=ready&b=ddb_backend');
    await act('s=nodeX&action=maint&b=ddb_backend');
    await act('s=node1&action=bogus&b=ddb_backend');
    await act('action=ready&b=ddb_backend');
    await pollUntil(upAll, 10_000, 'every server UP again', 50);
    routing['ready'] = await route(fe, 8);
    await backends.stop('node4');
    await pollUntil(async () => statRow(await csv(stats), 'ddb_backend', 'node4')['status'] === 'DOWN', 10_000, 'node4 DOWN', 50);
    const k = statRow(await csv(stats), 'ddb_backend', 'node4');
    return { unauthorized, csvHeader, rows, counters, routing, admin, killed: { status: k['status'] ?? '', check: k['check_status'] ?? '' }, jsonTags: jsonTagsSeen, jsonSchema, timing };
  } finally {
    await lb.stop();
  }
}

describe('issue 12: the seed stats listener, haproxy 2.6.12 and orcalb side by side', () => {
  const seen: Partial<Record<'haproxy' | 'orcalb', Transcript>> = {};
  before(async () => {
    for (const kind of ['haproxy', 'orcalb'] as const) {
      const backends = await startHttpBackends(NODES);
      try {
        seen[kind] = await run(kind, backends);
      } finally {
        await backends.close();
      }
    }
  });
  after(() => undefined);

  test('401 with the realm and the same page', () => {
    assert.deepEqual(seen.orcalb?.unauthorized, seen.haproxy?.unauthorized);
    assert.equal(seen.haproxy?.unauthorized.realm, 'Basic realm="Haproxy"');
  });

  test(';csv header byte for byte, and the same proxies and servers in order', () => {
    assert.equal(seen.haproxy?.csvHeader, CSV_HEADER.trimEnd());
    assert.equal(seen.orcalb?.csvHeader, seen.haproxy?.csvHeader);
    assert.deepEqual(seen.orcalb?.rows, seen.haproxy?.rows);
  });

  test('stot, bin, bout, hrsp_2xx, req_tot, status and check_status agree after the same traffic', () => {
    assert.deepEqual(seen.orcalb?.counters, seen.haproxy?.counters);
  });

  test('lastsess (seconds), rate_max (sessions in one second) and smax within what 8 requests in a row allow, on both', () => {
    for (const kind of ['haproxy', 'orcalb'] as const) {
      for (const [i, r] of (seen[kind]?.timing ?? []).entries()) {
        const most = i === 4 ? 8 : 2;
        assert.ok(Number(r['lastsess']) >= 0 && Number(r['lastsess']) <= 2, `${kind} ${JSON.stringify(r)}`);
        assert.ok(Number(r['rate_max']) >= 1 && Number(r['rate_max']) <= most, `${kind} ${JSON.stringify(r)}`);
        // One request at a time: at most the one in flight plus one not yet released.
        assert.ok(Number(r['smax']) >= 1 && Number(r['smax']) <= 2, `${kind} ${JSON.stringify(r)}`);
      }
    }
    assert.equal(seen.orcalb?.timing.length, 5);
  });

  test('maint, drain and ready through the admin form change routing as in haproxy, with the same ;st= codes', () => {
    assert.deepEqual(seen.orcalb?.admin, seen.haproxy?.admin);
    assert.deepEqual(seen.orcalb?.routing, seen.haproxy?.routing);
    assert.ok(!(seen.orcalb?.routing['maint'] ?? ['node1']).some((n) => n === 'node1' || n === 'node2'));
    assert.ok(!(seen.orcalb?.routing['drain'] ?? ['node3']).includes('node3'));
  });

  test(';json cells carry 2.6.12\'s tags and value types, and ;json-schema is its schema byte for byte', () => {
    const ours = seen.orcalb?.jsonTags ?? {};
    const theirs = seen.haproxy?.jsonTags ?? {};
    const shared = Object.keys(ours).filter((k) => k in theirs);
    assert.ok(shared.length > 100, `${shared.length} cells in common`);
    for (const k of shared) assert.equal(ours[k], theirs[k], k);
    assert.equal(seen.orcalb?.jsonSchema, seen.haproxy?.jsonSchema);
  });

  test('a killed server shows DOWN after fall', () => {
    assert.deepEqual(seen.orcalb?.killed, seen.haproxy?.killed);
  });
});
