// Issue 12 end to end in a real browser: orcalb runs the seed's HTTP config (addresses on loopback, `inter 200ms`)
// with `stats dashboard` on its stats listener; headless Chromium (Debian's chromium, playwright-core) opens the
// dashboard behind the listener's Basic auth, a backend is killed, and its row turns DOWN on the page within 2 s of
// the stats thread reporting it DOWN (the health thread's `fall` checks come first). Test-runner thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { freeTcpPort } from '../support/haproxy-process.js';
import { statRow } from '../support/haproxy-stats.js';
import { startHttpBackends } from '../support/http-backends.js';
import { httpExchange } from '../support/http-exchange.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { seedHttpConfig } from '../support/seed-http-config.js';
import { pollUntil } from '../support/wait.js';

const CHROMIUM = '/usr/bin/chromium';
const AUTH = { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };
const NODES = ['node1', 'node2', 'node3', 'node4'] as const;

test('in Chromium, the dashboard served by orcalb shows a killed backend DOWN within 2 s of the stats saying so', async (t) => {
  const backends = await startHttpBackends(NODES);
  t.after(() => backends.close());
  const fe = await freeTcpPort();
  const seed = await seedHttpConfig(fe, backends.ports(), { inter: '200ms' });
  const config = seed.replace('    stats admin if TRUE', '    stats admin if TRUE\n    stats dashboard');
  const st = Number(/listen stats[\s\S]*?bind\s+127\.0\.0\.1:(\d+)/.exec(config)?.[1] ?? 0);
  const lb = await startOrcalb(config, { threads: 2 });
  t.after(() => lb.stop());
  const csv = async (): Promise<string> => (await httpExchange(st, 'GET', '/haproxyamdin;csv', { headers: AUTH })).body;
  await pollUntil(async () => {
    const text = await csv();
    return NODES.every((n) => statRow(text, 'ddb_backend', n)['status'] === 'UP');
  }, 10_000, 'every server UP', 50);

  const browser = await chromium.launch({ executablePath: CHROMIUM });
  t.after(() => browser.close());
  const context = await browser.newContext({ httpCredentials: { username: 'admin', password: 'admin' } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`http://127.0.0.1:${st}/haproxyamdin;dashboard`);
  const row = page.locator('tr[data-server="ddb_backend/node4"]');
  await row.waitFor({ timeout: 10_000 });
  assert.equal(await row.getAttribute('data-state'), 'UP');

  await backends.stop('node4');
  await pollUntil(async () => statRow(await csv(), 'ddb_backend', 'node4')['status'] === 'DOWN', 10_000, 'node4 DOWN in the stats', 20);
  await page.waitForSelector('tr[data-server="ddb_backend/node4"][data-state="DOWN"]', { timeout: 2000 });
  assert.equal(await page.locator('tr[data-server="ddb_backend/node1"]').getAttribute('data-state'), 'UP');
  assert.deepEqual(errors, []);
});
