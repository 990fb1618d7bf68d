// Issue 12, the HTML stats page: a real haproxy 2.6.12 runs frontends, backends and servers in every state; its own
// `show stat`/`show info` answers become a StatSnapshot, orcalb's renderer draws it, and both pages are read with a
// real HTML parse (tests/support/html-tree.ts) and compared: proxies and rows in order, state classes, every cell
// and hover box, the admin form, links, legend, the `;st=` message, `;up`, scope, hide-version.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { renderStatsPage } from '../../core/stats/html-page.js';
import { refreshHeader, type StatsPageView } from '../../core/stats/html-view.js';
import { COL, type StatSnapshot } from '../../core/stats/stat-columns.js';
import { freeTcpPort, type HaproxyProcess, startHaproxy } from '../support/haproxy-process.js';
import { snapshotFromHaproxy, statRow, statsCommand } from '../support/haproxy-stats.js';
import { type HttpBackends, startHttpBackends } from '../support/http-backends.js';
import { RawHttpConnection, rawRequest, type RawResponse } from '../support/http-client.js';
import { type PageProxy, readStatsPage, type StatsPage } from '../support/stats-page.js';
import { pollUntil } from '../support/wait.js';

/** Check answers per server (`/h`); other paths answer 200 with the server's name. */
const HEALTH: Record<string, number> = { up1: 200, nolb: 404, maint: 200, drain: 200, nochk: 200, bk: 200, gd: 200, gu: 200, gdb: 200, t1: 200, drn: 200, bknolb: 404 };
const NAMES = Object.keys(HEALTH);

let backends: HttpBackends;
let haproxy: HaproxyProcess;
let dir: string;
const agents: Server[] = [];
let sock: string;
let ports: { stats: number; stats2: number; fe: number; tcp: number };

const VIEW: StatsPageView = {
  uri: '/st', refreshSeconds: 5, hideDown: false, noRefresh: false, hideVersion: false, showLegends: true,
  node: 'mynode', description: 'edge node 7', admin: true, scope: '', showModules: true,
  proxyDescriptions: new Map([['be', 'main farm']]),
};
const VIEW2: StatsPageView = {
  uri: '/adm?stats', refreshSeconds: 0, hideDown: false, noRefresh: false, hideVersion: true, showLegends: false, showModules: false,
  admin: false, scope: '', proxyDescriptions: new Map([['be', 'main farm']]), allowedProxies: ['stats2', 'be', 'tcpbe'],
};

before(async () => {
  backends = await startHttpBackends(NAMES, (name, req, res) => {
    // `/h` is the check; `/e404`, `/e503` answer those codes (response classes and their shares on the page).
    const code = req.url === '/h' ? (HEALTH[name] ?? 200) : req.url === '/e404' ? 404 : req.url === '/e503' ? 503 : 200;
    res.writeHead(code, { 'content-length': name.length + 1 });
    res.end(`${name}\n`);
  });
  const port = Object.fromEntries(NAMES.map((n, i) => [n, backends.ports()[i]]));
  const dead = await freeTcpPort();
  // Agents that answer every agent check with a fixed word (agent-check, configuration manual 5.2).
  for (const word of ['down', 'drain']) {
    const agent = createServer((c) => {
      c.on('error', () => undefined);
      c.end(`${word}\n`);
    });
    await new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', () => resolve()));
    agents.push(agent);
  }
  const agentPort = (i: number): number => (agents[i]?.address() as AddressInfo).port;
  ports = { stats: await freeTcpPort(), stats2: await freeTcpPort(), fe: await freeTcpPort(), tcp: await freeTcpPort() };
  dir = mkdtempSync(join(tmpdir(), 'orcalb-html-'));
  sock = join(dir, 'stats.sock');
  const at = (n: string): string => `127.0.0.1:${port[n]}`;
  haproxy = await startHaproxy(`global
  stats socket ${sock} level admin
  node mynode
  description edge node 7
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
listen stats
  bind 127.0.0.1:${ports.stats}
  stats enable
  stats uri /st
  stats refresh 5s
  stats admin if TRUE
  stats show-legends
  stats show-node
  stats show-desc
  stats show-modules
listen stats2
  bind 127.0.0.1:${ports.stats2}
  stats enable
  stats uri /adm?stats
  stats hide-version
  stats scope .
  stats scope be
  stats scope tcpbe
frontend fe
  bind 127.0.0.1:${ports.fe} name sock-main
  option socket-stats
  rate-limit sessions 1000
  maxconn 5000
  tcp-request connection reject if { src 127.0.0.2 }
  http-request deny if { path /deny }
  default_backend be
backend be
  description main farm
  option httpchk GET /h
  http-check disable-on-404
  cookie SRV insert
  default-server inter 1s
  server up1 ${at('up1')} check cookie c1 maxconn 50 maxqueue 20
  server down1 127.0.0.1:${dead} check
  server nolb ${at('nolb')} check
  server maint ${at('maint')} check disabled
  server drain ${at('drain')} check weight 0
  server nochk ${at('nochk')}
  server bk ${at('bk')} check backup
  server bkdown 127.0.0.1:${dead} check backup
  server gd ${at('gd')} check fall 1000 rise 2
  server gu ${at('gu')} check rise 1000 fall 2
  server gdb ${at('gdb')} check fall 1000 rise 2 backup
  server drn ${at('drn')} check
  server trk ${at('maint')} track be/maint
  server bknolb ${at('bknolb')} check backup
  server v6 [::1]:${dead} check
  server agd ${at('up1')} check agent-check agent-port ${agentPort(0)} agent-inter 1s
  server agdr ${at('up1')} check agent-check agent-port ${agentPort(1)} agent-inter 1s
listen tcpbe
  mode tcp
  bind 127.0.0.1:${ports.tcp}
  balance leastconn
  server t1 ${at('t1')} check
`);
  // Going down: health at its top, then failing checks (one per fastinter). Going up: health 0, then passing checks.
  for (const s of ['gd', 'gdb']) await statsCommand(sock, `set server be/${s} health up`);
  await statsCommand(sock, 'set server be/gu health down');
  await statsCommand(sock, 'set server be/drn state drain');
  HEALTH['gd'] = 500;
  HEALTH['gdb'] = 500;
  const want: Record<string, RegExp> = {
    up1: /^UP$/, down1: /^DOWN$/, nolb: /^NOLB$/, maint: /^MAINT$/, drain: /^UP$/, nochk: /^no check$/, bk: /^UP$/,
    bkdown: /^DOWN$/, gd: /^UP \d+\/1000$/, gu: /^DOWN \d+\/1000$/, gdb: /^UP \d+\/1000$/, drn: /^DRAIN$/,
    trk: /^MAINT \(via be\/maint\)$/, bknolb: /^NOLB$/, v6: /^DOWN$/, agd: /^DOWN \(agent\)$/,
    agdr: /^DRAIN \(agent\)$/,
  };
  let seen = '';
  await pollUntil(async () => {
    const csv = await statsCommand(sock, 'show stat');
    seen = Object.keys(want).map((sv) => `${sv}=${statRow(csv, 'be', sv)['status'] ?? ''}`).join(' ');
    return Object.entries(want).every(([sv, re]) => re.test(statRow(csv, 'be', sv)['status'] ?? ''));
  }, 20_000, 'every server in its state').catch((e: unknown) => {
    throw new Error(`${String(e)}; last seen: ${seen}`);
  });
  for (let i = 0; i < 12; i++) await rawRequest(ports.fe, `GET /r${i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  // Keep-alive traffic (connection reuse, counters past a thousand), a third of it 4xx/5xx; a bad request; TCP.
  for (let c = 0; c < 3; c++) {
    const conn = await RawHttpConnection.open(ports.fe);
    for (let i = 0; i < 400; i++) {
      conn.write(`GET /${['ok', 'e404', 'e503'][i % 3] ?? 'ok'} HTTP/1.1\r\nHost: x\r\n\r\n`);
      await conn.response(5000);
    }
    conn.destroy();
  }
  await rawRequest(ports.fe, 'GET /missing HTTP/1.0\r\n\r\n');
  await rawRequest(ports.fe, 'GET /deny HTTP/1.0\r\n\r\n');
  // A refused connection (denied connections) from a second loopback address.
  await new Promise<void>((resolve) => {
    const refused = connect({ port: ports.fe, host: '127.0.0.1', localAddress: '127.0.0.2' });
    refused.on('error', () => undefined);
    refused.once('close', () => resolve());
  });
  await rawRequest(ports.fe, 'BAD\r\n\r\n').catch(() => undefined);
  for (let i = 0; i < 3; i++) await rawRequest(ports.tcp, 'GET /tcp HTTP/1.0\r\n\r\n');
  // HAProxy's current rates fade over the second after the traffic, changing every millisecond: wait until they
  // read 0 so that a page and the counters around it can be of the same moment (the maxima stay).
  await pollUntil(async () => {
    const csv = await statsCommand(sock, 'show stat');
    return ['FRONTEND', 'BACKEND'].every((sv) => statRow(csv, 'fe', sv)['req_rate'] === '0' || statRow(csv, 'fe', sv)['req_rate'] === '')
      && statRow(csv, 'be', 'BACKEND')['rate'] === '0';
  }, 10_000, 'the rates after the traffic back to 0');
});

after(async () => {
  await haproxy?.stop();
  await backends?.close();
  for (const a of agents) a.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** The columns that move with the clock or the page's own request (compared between two reads of `show stat`). */
function stableRows(csv: string): string {
  return csv.split('\n').filter((l) => !l.startsWith('stats')).join('\n');
}

/**
 * haproxy's page at `path` and a snapshot of the same moment: `show stat`/`show info` before and after the page,
 * retried until nothing but the stats listeners' own rows moved in between.
 */
async function sameMoment(port: number, path: string): Promise<{ page: RawResponse; snapshot: StatSnapshot }> {
  let moved = '';
  for (let attempt = 0; attempt < 100; attempt++) {
    const csv = await statsCommand(sock, 'show stat');
    const info = await statsCommand(sock, 'show info');
    const page = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const csv2 = await statsCommand(sock, 'show stat');
    const info2 = await statsCommand(sock, 'show info');
    const uptime = (t: string): string => /^Uptime: (.*)$/m.exec(t)?.[1] ?? '';
    if (stableRows(csv) === stableRows(csv2) && uptime(info) === uptime(info2)) return { page, snapshot: snapshotFromHaproxy(csv, info) };
    const after = stableRows(csv2).split('\n');
    const names = (csv.split('\n')[0] ?? '').replace(/^# /, '').split(',');
    moved = stableRows(csv).split('\n').flatMap((l, i) => {
      const b = (after[i] ?? '').split(',');
      return l.split(',').flatMap((cell, k) => (cell === b[k] ? [] : [`${l.split(',').slice(0, 2).join('/')}.${names[k] ?? k}: ${cell} -> ${b[k] ?? ''}`]));
    }).join('; ');
  }
  throw new Error(`haproxy's counters never held still across one page request (last moved: ${moved})`);
}

const STATS_PROXIES = new Set(['stats', 'stats2']);

/** Compares two pages' proxy tables: every cell, except the stats listeners' own moving counters. */
function assertSameProxies(ours: readonly PageProxy[], theirs: readonly PageProxy[]): void {
  assert.deepEqual(ours.map((p) => p.name), theirs.map((p) => p.name), 'proxies in order');
  ours.forEach((px, i) => {
    const hp = theirs[i];
    assert.ok(hp !== undefined);
    assert.equal(px.nameTip, hp.nameTip, `${px.name}: name bar details`);
    assert.equal(px.desc, hp.desc, `${px.name}: description`);
    assert.deepEqual(px.form, hp.form, `${px.name}: admin form`);
    assert.deepEqual(px.rows.map((r) => [r.cls, r.checkbox, r.cells.length]), hp.rows.map((r) => [r.cls, r.checkbox, r.cells.length]), `${px.name}: rows`);
    if (STATS_PROXIES.has(px.name)) return;
    px.rows.forEach((row, j) => {
      row.cells.forEach((cell, k) => assert.deepEqual(cell, hp.rows[j]?.cells[k], `${px.name} row ${j} (${row.cls}) cell ${k}`));
    });
  });
}

/**
 * The process lines whose figures move with the page's own request are compared by their words only; the uptime
 * as seconds (haproxy's page rounds its uptime up to a second past `show info`'s, measured on 2.6.12).
 */
function processShape(page: StatsPage): string[] {
  return page.processLines.map((l) => {
    if (/^(current conns|Running tasks)/.test(l)) return l.replace(/[\d.]+ [kMG]?bps/, 'N bps').replace(/[\d.]+/g, 'N');
    const up = /^uptime = (\d+)d (\d+)h(\d+)m(\d+)s$/.exec(l);
    return up === null ? l : 'uptime = ' + (Number(up[1]) * 86400 + Number(up[2]) * 3600 + Number(up[3]) * 60 + Number(up[4]));
  });
}

/** Same process block, the uptimes at most one second apart. */
function assertSameProcess(ours: StatsPage, theirs: StatsPage): void {
  const a = processShape(ours);
  const b = processShape(theirs);
  const secs = (lines: string[]): number => Number(lines.find((l) => l.startsWith('uptime = '))?.slice(9));
  assert.ok(Math.abs(secs(a) - secs(b)) <= 1, `uptime ${secs(a)} vs ${secs(b)}`);
  const rest = (lines: string[]): string[] => lines.filter((l) => !l.startsWith('uptime = '));
  assert.deepEqual(rest(a), rest(b));
  assert.equal(a.length, b.length);
}

test('the page for haproxy 2.6.12\'s figures matches haproxy\'s own page: every proxy, row class, cell and hover box', async () => {
  const { page, snapshot } = await sameMoment(ports.stats, '/st');
  const theirs = readStatsPage(page.body.toString('latin1'));
  const ours = readStatsPage(renderStatsPage(snapshot, VIEW));
  // The figures behind the comparison are there: denied requests and connections, 4xx/5xx, reuse, > 1000 counts.
  const fe = snapshot.rows.find((r) => r.values[COL.pxname] === 'fe' && r.values[COL.svname] === 'FRONTEND');
  for (const c of ['dreq', 'dcon', 'ereq', 'hrsp_4xx', 'hrsp_5xx'] as const) assert.ok(Number(fe?.values[COL[c]]) > 0, c);
  assert.ok(Number(fe?.values[COL.req_tot]) > 1000);
  assertSameProxies(ours.proxies, theirs.proxies);
  assert.equal(ours.title.replace('orcalb', 'HAProxy'), theirs.title);
  assert.equal(ours.h2, theirs.h2);
  assert.equal(ours.h1, theirs.h1);
  assertSameProcess(ours, theirs);
  assert.deepEqual(ours.legend, theirs.legend);
  assert.deepEqual(ours.links, theirs.links);
  assert.equal(ours.message, undefined);
  // Every server state the page knows is on it.
  const classes = new Set(theirs.proxies.flatMap((p) => p.rows.map((r) => r.cls)));
  for (const c of ['active_up', 'active_down', 'active_nolb', 'maintain', 'active_draining', 'active_no_check', 'backup_up',
    'backup_down', 'active_going_down', 'active_going_up', 'backup_going_down', 'backup_nolb', 'socket']) assert.ok(classes.has(c), c);
  // HAProxy refreshes with a header; the view says the same.
  assert.equal(page.headers.find(([n]) => n === 'refresh')?.[1], refreshHeader(VIEW));
});

test(';up leaves out DOWN, going-up and MAINT servers and ;st=DONE shows its message, as haproxy does', async () => {
  const { page, snapshot } = await sameMoment(ports.stats, '/st;up;st=DONE');
  const theirs = readStatsPage(page.body.toString('latin1'));
  const ours = readStatsPage(renderStatsPage(snapshot, { ...VIEW, hideDown: true, actionStatus: 'DONE' }));
  assertSameProxies(ours.proxies, theirs.proxies);
  assert.deepEqual(ours.links, theirs.links);
  assert.deepEqual(ours.message, theirs.message);
  const shown = theirs.proxies.find((p) => p.name === 'be')?.rows.map((r) => r.checkbox).filter((s) => s !== undefined);
  assert.deepEqual(shown, ['up1', 'nolb', 'drain', 'nochk', 'bk', 'gd', 'gu', 'gdb', 'drn', 'bknolb', 'agdr']);
});

test('without admin, legends, refresh or version (hide-version), under stats scope, the page matches haproxy\'s', async () => {
  const { page, snapshot } = await sameMoment(ports.stats2, '/adm?stats');
  const theirs = readStatsPage(page.body.toString('latin1'));
  const ours = readStatsPage(renderStatsPage(snapshot, VIEW2));
  assert.deepEqual(theirs.proxies.map((p) => p.name), ['stats2', 'be', 'tcpbe']);
  assertSameProxies(ours.proxies, theirs.proxies);
  assert.equal(ours.h1.replace('orcalb', 'HAProxy'), theirs.h1);
  assert.equal(ours.h2, theirs.h2);
  assert.deepEqual(ours.links, theirs.links);
  assert.equal(page.headers.find(([n]) => n === 'refresh'), undefined);
  assert.equal(refreshHeader(VIEW2), undefined);
});

test('a scope= request shows the proxies whose names hold the text, case-insensitively, and links keep it', async () => {
  const { page, snapshot } = await sameMoment(ports.stats, '/st;norefresh?scope=BE');
  const theirs = readStatsPage(page.body.toString('latin1'));
  const ours = readStatsPage(renderStatsPage(snapshot, { ...VIEW, noRefresh: true, scope: 'BE' }));
  assert.deepEqual(theirs.proxies.map((p) => p.name), ['be', 'tcpbe']);
  assertSameProxies(ours.proxies, theirs.proxies);
  assert.deepEqual(ours.links, theirs.links);
});

for (const st of ['PART', 'NONE', 'DENY', 'ERRP', 'EXCD', 'UNKN'] as const) {
  test(`;st=${st} shows haproxy's message and colour`, async () => {
    const { page, snapshot } = await sameMoment(ports.stats, `/st;norefresh;st=${st}`);
    const theirs = readStatsPage(page.body.toString('latin1'));
    const ours = readStatsPage(renderStatsPage(snapshot, { ...VIEW, noRefresh: true, actionStatus: st }));
    assert.ok(theirs.message !== undefined);
    assert.deepEqual(ours.message, theirs.message);
  });
}

test(';norefresh on a listener without stats refresh leaves no trace in the links, as in haproxy', async () => {
  const { page, snapshot } = await sameMoment(ports.stats2, '/adm?stats;norefresh;up');
  const theirs = readStatsPage(page.body.toString('latin1'));
  const ours = readStatsPage(renderStatsPage(snapshot, { ...VIEW2, noRefresh: true, hideDown: true }));
  assert.deepEqual(ours.links, theirs.links);
  assertSameProxies(ours.proxies, theirs.proxies);
});
