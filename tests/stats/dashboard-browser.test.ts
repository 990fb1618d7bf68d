// The live dashboard in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// loads the page behind Basic auth from a real http.Server on 127.0.0.1, the source turns one server DOWN and the
// page's row for it turns DOWN (and the event list says so) within 2 s; a screenshot goes to the temp dir, or to
// native-bench/results/dashboard.png for the README with ORCALB_UPDATE_SCREENSHOT=1 (a plain test run must not
// rewrite a tracked file: every engineer's run changed it and every merge conflicted on it). Test-runner thread.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { attachDashboard } from '../../core/stats/dashboard/attach-dashboard.js';
import type { DashboardExtra, DashboardOptions } from '../../core/stats/dashboard/dashboard-types.js';
import { fakeBackends, fakeServer, fakeSnapshot } from '../support/dashboard-source.js';
import { pollUntil } from '../support/wait.js';

const CHROMIUM = '/usr/bin/chromium';
const RESULTS =
  process.env['ORCALB_UPDATE_SCREENSHOT'] === '1'
    ? fileURLToPath(new URL('../../../native-bench/results/', import.meta.url))
    : `${tmpdir()}/`;
const AUTH = `Basic ${Buffer.from('admin:admin').toString('base64')}`;

test('in Chromium, a server the source turns DOWN turns DOWN on the page within 2 s, with an event', async (t) => {
  const backends = fakeBackends(3, 3);
  backends[0]!.name = 'ddb_http';
  backends[1]!.name = 'ddb_tcp';
  backends[2]!.name = 'api';
  let tick = 0;
  // Traffic that moves: each frame sees counters grown by an amount that varies per server and over time.
  const source = (): ReturnType<typeof fakeSnapshot> => {
    tick++;
    backends.forEach((b, bi) => b.servers.forEach((s, si) => {
      if (s.status !== 'UP') return;
      const n = 40 + 30 * bi + 10 * si + Math.round(25 * Math.sin(tick / 4 + si));
      s.stot += n;
      s.reqTot += n;
      s.scur = 3 + ((tick + si) % 7);
      s.bin += BigInt(n * 420);
      s.bout += BigInt(n * 2600);
      s.hrsp5xx += tick % 9 === si ? 2 : 0;
      s.econ += tick % 13 === si ? 1 : 0;
      s.rtime = 3 + ((tick * (si + 1)) % 5);
      s.ttime = s.rtime + 2;
    }));
    return fakeSnapshot(backends);
  };
  const extra = (): DashboardExtra => ({
    threads: [1, 2].map((i) => ({ thread: i, currentConnections: 10 + ((tick + i * 3) % 6), connectionsTotal: tick * (50 + i * 7), cpuUserSeconds: tick * (0.04 + 0.01 * i + 0.01 * Math.sin(tick / 5)), cpuSystemSeconds: tick * 0.02 })),
    dolphindbNodes: backends[0]!.servers.map((s, i) => ({ proxy: 'ddb_http', server: s.name, loadScore: 200 + i * 150 + ((tick * 37) % 100) })),
    // option dolphindb-inspect on ddb_tcp: 20 calls per frame per node, node i answering in about 2 + 3i ms.
    dolphindbRequests: backends[1]!.servers.map((s, i) => ({
      proxy: 'ddb_tcp', node: s.name, counts: [], buckets: [tick * 20, 0, 0, 0, 0, 0, 0, 0, 0], sumSeconds: tick * 20 * (0.002 + 0.003 * i),
    })),
  });
  const authorize: DashboardOptions['authorize'] = (req) => req.headers.authorization === AUTH ? true
    : { status: 401, headers: { 'www-authenticate': 'Basic realm="Haproxy"' }, body: '401 Unauthorized\n' };

  const server = createServer();
  const dash = attachDashboard(server, { statsUri: '/haproxyamdin', source, extra, authorize, periodMs: 250 });
  server.on('request', (req, res) => {
    if (!dash.handleRequest(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  t.after(async () => {
    await browser.close();
    await dash.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const context = await browser.newContext({
    httpCredentials: { username: 'admin', password: 'admin' },
    viewport: { width: 1440, height: 1250 },
    colorScheme: 'dark',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`http://127.0.0.1:${port}/haproxyamdin;dashboard`);
  const row = page.locator('tr[data-server="ddb_tcp/s1"]');
  await row.waitFor({ timeout: 10_000 });
  assert.equal(await row.getAttribute('data-state'), 'UP');
  assert.equal(await page.locator('#conn').getAttribute('data-live'), 'true', 'the WebSocket passed the same Basic auth');
  // Let the charts gather some history (the browser's own ring buffers) before the change.
  await pollUntil(() => tick >= 24, 20_000, 'two dozen frames');
  // The inspected nodes' latency chart is shown, one legend entry per node.
  assert.equal(await page.locator('#f-ddbms').isVisible(), true);
  assert.match(String(await page.locator('#l-ddbms').textContent()), /ddb_tcp\/s0.*ddb_tcp\/s1.*ddb_tcp\/s2/s);

  const s1 = fakeServer(backends, 'ddb_tcp', 's1');
  s1.status = 'DOWN';
  s1.checkStatus = 'L4CON';
  s1.scur = 0;
  await page.waitForSelector('tr[data-server="ddb_tcp/s1"][data-state="DOWN"]', { timeout: 2000 });
  assert.equal((await row.locator('.badge').textContent())?.trim(), 'DOWN');
  const event = page.locator('#events li[data-server="ddb_tcp/s1"]');
  await event.waitFor({ timeout: 2000 });
  assert.match(String(await event.textContent()), /UP → DOWN \(L4CON\)/);
  assert.equal(await page.locator('tr[data-server="ddb_tcp/s0"]').getAttribute('data-state'), 'UP');
  // "only not UP" leaves the DOWN server and its backend's row; the name filter narrows by name.
  const visible = (): Promise<string[]> => page.locator('#servers tbody tr:visible').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-server') ?? ''));
  await page.locator('#problems').check();
  assert.deepEqual(await visible(), ['ddb_tcp/BACKEND', 'ddb_tcp/s1']);
  await page.locator('#problems').uncheck();
  await page.locator('#filter').fill('api');
  assert.deepEqual(await visible(), ['api/BACKEND', 'api/s0', 'api/s1', 'api/s2']);
  await page.locator('#filter').fill('');
  await page.locator('#filter').blur();
  assert.equal((await visible()).length, 12);
  assert.deepEqual(errors, [], 'no script error, no CSP violation');

  await pollUntil(() => tick >= 32, 20_000, 'a few frames after the change');
  mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: `${RESULTS}dashboard.png`, fullPage: true });
});
