// Issue 12 end to end through the stats thread: the seed's stats listener with `stats dashboard` and `stats refresh`,
// and `http-request use-service prometheus-exporter` in a proxy of its own, side by side with haproxy 2.6.12 where it
// has the behaviour: /metrics with the same metric families and label names and the same values for the same
// traffic; the HTML page (every proxy and server, the admin form, `refresh`, `;up`); the dashboard's page behind the
// page's auth and its WebSocket frames. Test-runner thread.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { startHttpBackends, type HttpBackends } from '../support/http-backends.js';
import { httpExchange } from '../support/http-exchange.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { parseExposition, type PromFamily } from '../support/prometheus-exposition.js';
import { seedHttpConfig } from '../support/seed-http-config.js';
import { statRow } from '../support/haproxy-stats.js';
import { pollUntil, within } from '../support/wait.js';

const NODES = ['node1', 'node2', 'node3', 'node4'] as const;
const AUTH = { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };
const URI = '/haproxyamdin';

interface Run {
  families: PromFamily[];
  page: { status: number; refresh: string | undefined; body: string };
  up: string;
  badScope: number;
}

function statsPortOf(config: string): number {
  return Number(/listen stats[\s\S]*?bind\s+127\.0\.0\.1:(\d+)/.exec(config)?.[1] ?? 0);
}

/** The seed, plus a Prometheus frontend; orcalb's listener also gets `stats dashboard` (orcalb's own keyword). */
async function configFor(kind: 'haproxy' | 'orcalb', fe: number, ports: readonly number[], prom: number, tracked: number): Promise<string> {
  const seed = await seedHttpConfig(fe, ports, { inter: '200ms' });
  const extra = kind === 'orcalb' ? '    stats dashboard\n' : '';
  // A frontend tracking its clients in a stick table: the exporter's haproxy_sticktable_* families (size, used).
  const trackedFe = `\nfrontend tracked\n    mode http\n    bind 127.0.0.1:${tracked}\n    stick-table type ip size 1k expire 30s store http_req_cnt\n    http-request track-sc0 src\n    default_backend ddb_backend\n`;
  return `${seed.replace('    stats admin if TRUE', `    stats admin if TRUE\n    stats refresh 7s\n${extra}`)}\nfrontend prom\n    mode http\n    bind 127.0.0.1:${prom}\n    http-request use-service prometheus-exporter if { path /metrics }\n${trackedFe}`;
}

describe('issue 12: the page, the exporter and the dashboard through the stats thread', () => {
  const seen: Partial<Record<'haproxy' | 'orcalb', Run>> = {};
  let backends: HttpBackends | undefined;
  let dashboard: { page: number; unauth: number; frame: unknown } | undefined;
  before(async () => {
    backends = await startHttpBackends(NODES);
    for (const kind of ['haproxy', 'orcalb'] as const) {
      const fe = await freeTcpPort();
      const prom = await freeTcpPort();
      const tracked = await freeTcpPort();
      const config = await configFor(kind, fe, backends.ports(), prom, tracked);
      const st = statsPortOf(config);
      const lb = kind === 'haproxy' ? await startHaproxy(config, { readyPort: fe }) : await startOrcalb(config, { threads: 2 });
      try {
        await pollUntil(async () => {
          const csv = (await httpExchange(st, 'GET', `${URI};csv`, { headers: AUTH })).body;
          return NODES.every((n) => statRow(csv, 'ddb_backend', n)['status'] === 'UP');
        }, 10_000, 'every server UP', 50);
        for (let i = 0; i < 8; i++) await httpExchange(fe, 'GET', `/r${i}`);
        await httpExchange(tracked, 'GET', '/tracked');
        await httpExchange(st, 'POST', URI, { headers: AUTH, body: 's=node2&action=maint&b=ddb_backend', contentType: 'application/x-www-form-urlencoded' });
        const metrics = await httpExchange(prom, 'GET', '/metrics');
        const page = await httpExchange(st, 'GET', URI, { headers: AUTH });
        const up = (await httpExchange(st, 'GET', `${URI};up`, { headers: AUTH })).body;
        const badScope = (await httpExchange(prom, 'GET', '/metrics?scope=nonsense')).status;
        seen[kind] = {
          families: parseExposition(metrics.body),
          page: { status: page.status, refresh: page.headers['refresh'] as string | undefined, body: page.body },
          up,
          badScope,
        };
        if (kind === 'orcalb') {
          const dpage = await httpExchange(st, 'GET', `${URI};dashboard`, { headers: AUTH });
          const unauth = (await httpExchange(st, 'GET', `${URI};dashboard`)).status;
          const frame = await within(
            new Promise<unknown>((resolve, reject) => {
              const ws = new WebSocket(`ws://127.0.0.1:${st}${URI};dashboard/ws`, { headers: AUTH });
              ws.once('message', (data: Buffer) => {
                resolve(JSON.parse(data.toString('utf8')) as unknown);
                ws.close();
              });
              ws.once('error', reject);
            }),
            5000,
            'a dashboard frame',
          );
          dashboard = { page: dpage.status, unauth, frame };
        }
      } finally {
        await lb.stop();
      }
    }
  });
  after(() => backends?.close());

  test('/metrics: every family haproxy exposes, with the same label names', () => {
    const ours = new Map((seen.orcalb?.families ?? []).map((f) => [f.name, f]));
    const theirs = seen.haproxy?.families ?? [];
    assert.ok(theirs.length > 50, `${theirs.length} families from haproxy`);
    for (const f of theirs) {
      const o = ours.get(f.name);
      assert.ok(o !== undefined, `${f.name} is exposed by orcalb`);
      assert.equal(o.type, f.type, f.name);
      const labels = (fam: PromFamily): string[] => [...new Set(fam.samples.map((s) => [...s.labels.keys()].sort().join(',')))].sort();
      assert.deepEqual(labels(o), labels(f), `${f.name} label names`);
    }
  });

  test('/metrics: the same values for the same traffic (sessions, bytes, 2xx, server states)', () => {
    const value = (kind: 'haproxy' | 'orcalb', family: string, labels: Record<string, string>): number | undefined => {
      const f = seen[kind]?.families.find((x) => x.name === family);
      return f?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels.get(k) === v))?.value;
    };
    const probes: [string, Record<string, string>][] = [
      ['haproxy_server_sessions_total', { proxy: 'ddb_backend', server: 'node1' }],
      ['haproxy_server_bytes_in_total', { proxy: 'ddb_backend', server: 'node1' }],
      ['haproxy_server_bytes_out_total', { proxy: 'ddb_backend', server: 'node1' }],
      ['haproxy_backend_http_responses_total', { proxy: 'ddb_backend', code: '2xx' }],
      ['haproxy_frontend_http_requests_total', { proxy: 'ddb_fronted' }],
      ['haproxy_server_status', { proxy: 'ddb_backend', server: 'node2', state: 'MAINT' }],
      ['haproxy_server_status', { proxy: 'ddb_backend', server: 'node1', state: 'UP' }],
      // node2 is in MAINT: the backend's weights count the three others only.
      ['haproxy_backend_weight', { proxy: 'ddb_backend' }],
      ['haproxy_backend_uweight', { proxy: 'ddb_backend' }],
      ['haproxy_sticktable_size', { name: 'tracked' }],
      ['haproxy_sticktable_used', { name: 'tracked' }],
    ];
    for (const [family, labels] of probes) {
      assert.equal(value('orcalb', family, labels), value('haproxy', family, labels), `${family} ${JSON.stringify(labels)}`);
    }
    assert.equal(seen.orcalb?.badScope, seen.haproxy?.badScope);
    assert.equal(seen.orcalb?.badScope, 400);
  });

  test('the HTML page lists every proxy and server, has the admin form and the refresh header; ;up hides MAINT', () => {
    const page = seen.orcalb?.page;
    assert.equal(page?.status, 200);
    assert.equal(page?.refresh, seen.haproxy?.page.refresh);
    assert.equal(page?.refresh, '7');
    for (const name of ['ddb_fronted', 'ddb_backend', 'stats', ...NODES]) {
      assert.ok(page?.body.includes(name), name);
      assert.ok(seen.haproxy?.page.body.includes(name), `haproxy: ${name}`);
    }
    // The admin form (stats admin if TRUE): haproxy's field names, in both pages.
    for (const body of [page?.body ?? '', seen.haproxy?.page.body ?? '']) {
      assert.match(body, /name="?action"?/);
      assert.match(body, /name="?b"?/);
    }
    // node2 is in MAINT: gone from the ;up page, as in haproxy's.
    assert.equal(seen.orcalb?.up.includes('>node2<'), seen.haproxy?.up.includes('>node2<'));
  });

  test('the dashboard: its page behind the stats auth, and a frame on its WebSocket', () => {
    assert.equal(dashboard?.page, 200);
    assert.equal(dashboard?.unauth, 401);
    assert.equal(typeof dashboard?.frame, 'object');
  });
});
