// Issue 12, the HTML stats page under hostile names: proxy, server and listener names, addresses, cookies, check
// texts, node, description, the stats URI and the scope text all reach the page as text, never as markup or script
// (haproxy 2.6.12 writes `show-desc` text unescaped; orcalb escapes it). Parsed with tests/support/html-tree.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderStatsPage, statsPageChunks } from '../../core/stats/html-page.js';
import type { StatsPageView } from '../../core/stats/html-view.js';
import { StatType } from '../../core/stats/stat-columns.js';
import { findAll, hasClass, parseHtml, textOf } from '../support/html-tree.js';
import { readStatsPage } from '../support/stats-page.js';
import { statRowOf, syntheticSnapshot } from '../support/stat-snapshots.js';

const EVIL = `<script>alert(1)</script>"' onmouseover="x()" --><img src=x onerror=y()>&amp;`;

const VIEW: StatsPageView = {
  uri: `/st"><script>u()</script>`, refreshSeconds: 5, hideDown: false, noRefresh: false, hideVersion: false,
  showLegends: true, showModules: false, node: EVIL, description: EVIL, admin: true, actionStatus: 'DONE', scope: `x"><b>`,
};

function hostileSnapshot(): ReturnType<typeof syntheticSnapshot> {
  const base = syntheticSnapshot(1, 1, () => EVIL);
  const rows = [
    ...base.rows.slice(0, 1),
    statRowOf(EVIL, EVIL, StatType.LISTENER, { status: 'OPEN', addr: EVIL, sid: 1, iid: 1 }),
    statRowOf(EVIL, EVIL, StatType.SERVER, {
      addr: EVIL, cookie: EVIL, check_desc: EVIL, last_chk: EVIL, check_status: EVIL, check_code: EVIL, status: `MAINT (via ${EVIL})`,
      tracked: EVIL, throttle: EVIL, chkfail: undefined,
    }),
    ...base.rows.slice(1),
  ];
  return { info: base.info.map((v, i) => (i === 0 ? EVIL : v)), rows };
}

test('hostile names, addresses, check texts, node, description, URI and scope never become markup or script', () => {
  // The scope must let the hostile proxy through: it is a substring of its name.
  const html = renderStatsPage(hostileSnapshot(), { ...VIEW, scope: 'script' });
  const root = parseHtml(html);
  assert.deepEqual(findAll(root, (e) => e.name === 'script' || e.name === 'img'), []);
  const handlers = findAll(root, (e) => Object.keys(e.attrs).some((a) => a.startsWith('on')));
  // The only handler is the proxy's select-all checkbox, and it names nothing.
  assert.equal(handlers.length, 1);
  assert.ok(!(handlers[0]?.attrs['onclick'] ?? '').includes('alert'));
  const page = readStatsPage(html);
  assert.equal(page.proxies.length, 1);
  // Every hostile value round-trips as the same text.
  const decoded = textOf({ name: 'x', attrs: {}, children: [EVIL] }).replace(/[\s\u00a0]+/g, ' ').trim();
  assert.equal(page.proxies[0]?.name, decoded);
  assert.ok(page.h2.includes(decoded), page.h2);
  const boxes = page.proxies[0]?.rows.map((r) => r.checkbox).filter((c) => c !== undefined);
  assert.deepEqual(boxes, [EVIL, 's0']);
  assert.ok(findAll(root, (e) => e.name === 'div' && hasClass(e, 'tips')).some((d) => textOf(d).includes(decoded)));
  // Links keep the URI and scope inside their attribute.
  assert.ok(page.links.every(([, href]) => href.startsWith('/st"><script>u()</script>') || href.startsWith('http')));
});

test('a page of empty, missing and non-numeric cells renders without throwing', () => {
  const rows = [
    statRowOf('a', 'FRONTEND', StatType.FRONTEND, { mode: undefined }),
    statRowOf('a', 's', StatType.SERVER, { status: 'weird', weight: 'x', lastchg: -5, chkfail: undefined, bck: undefined }),
    statRowOf('a', 'BACKEND', StatType.BACKEND, { qcur: undefined, stot: 'many' }),
    statRowOf('', '', 99),
  ];
  const { node: _node, description: _desc, ...plain } = VIEW;
  const html = renderStatsPage({ info: [], rows }, { ...plain, scope: '' });
  const page = readStatsPage(html);
  assert.deepEqual(page.proxies.map((p) => p.name), ['a', '']);
  assert.equal(page.proxies[0]?.rows[1]?.cls, 'active_no_check');
});

test('the page written chunk by chunk (one proxy per chunk) is the page rendered whole', () => {
  const snapshot = syntheticSnapshot(5, 3);
  const view: StatsPageView = { ...VIEW, scope: '', node: 'n', description: 'd' };
  const chunks = [...statsPageChunks(snapshot, view)];
  assert.equal(chunks.length, 1 + 5 + 1);
  assert.equal(chunks.join(''), renderStatsPage(snapshot, view));
});

test('without the health columns the moving states still get their arrows from the status text', () => {
  const rows = [
    statRowOf('p', 'a', StatType.SERVER, { status: 'UP 1/3', weight: 1, lastchg: 3600 }),
    statRowOf('p', 'b', StatType.SERVER, { status: 'DOWN 1/2', weight: 1, lastchg: 3600 }),
    statRowOf('p', 'c', StatType.SERVER, { status: 'UP', weight: 1, lastchg: 3600 }),
  ];
  const page = readStatsPage(renderStatsPage({ info: [], rows }, { ...VIEW, scope: '' }));
  const status = page.proxies[0]?.rows.map((r) => [r.cls, r.cells[23]?.text]);
  assert.deepEqual(status, [['active_going_down', '1h0m UP 1/3 ↓'], ['active_going_up', '1h0m DOWN 1/2 ↑'], ['active_up', '1h0m UP']]);
});
