// Issue 12, the HTML stats page in a real browser (Debian's chromium driven by playwright-core): the admin form's
// select-all checkbox ticks its own proxy's servers only (orcalb's script names no proxy, unlike haproxy's), and a
// hover box stays hidden until its cell is hovered.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { renderStatsPage } from '../../core/stats/html-page.js';
import type { StatsPageView } from '../../core/stats/html-view.js';
import { StatType } from '../../core/stats/stat-columns.js';
import { infoRowOf, statRowOf } from '../support/stat-snapshots.js';

const CHROMIUM = '/usr/bin/chromium';

const VIEW: StatsPageView = {
  uri: '/st', refreshSeconds: 0, hideDown: false, noRefresh: false, hideVersion: true, showLegends: true,
  showModules: false, admin: true, scope: '',
};

test('select-all ticks one proxy\'s servers, and hover boxes show only on hover', async (t) => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.after(() => browser.close());
  const page = await browser.newPage();
  // Proxy names with quotes: the select-all script must not depend on them.
  const rows = [0, 1].flatMap((p) => [
    statRowOf(`px'${p}"`, 'FRONTEND', StatType.FRONTEND, { status: 'OPEN' }),
    ...[0, 1, 2].map((s) => statRowOf(`px'${p}"`, `node${s}`, StatType.SERVER, { status: 'UP', sid: s + 1, addr: `10.0.0.${s + 1}:8848` })),
    statRowOf(`px'${p}"`, 'BACKEND', StatType.BACKEND, { status: 'UP' }),
  ]);
  await page.setContent(renderStatsPage({ info: infoRowOf(), rows }, VIEW));
  const boxes = page.locator('input[name=s]');
  assert.equal(await boxes.count(), 6);
  await page.locator('form[method=post]').nth(1).locator('th input[type=checkbox]').check();
  const ticked = await boxes.evaluateAll((els) => els.map((e) => (e as unknown as { checked: boolean }).checked));
  assert.deepEqual(ticked, [false, false, false, true, true, true]);
  const tipOf = page.locator('a[name="px\'0\\"/node0"] + a + div.tips');
  assert.equal(await tipOf.isVisible(), false);
  await page.hover('a[href="#px\'0\\"/node0"]');
  assert.equal(await tipOf.isVisible(), true);
  assert.match((await tipOf.textContent()) ?? '', /IPv4: 10\.0\.0\.1:8848, id: 1/);
});
