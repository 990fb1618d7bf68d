// config/config-diff.ts: what a reload may change in place (a backend's servers: added, removed, re-weighted,
// re-addressed, maxconn; a frontend's bind lines added or removed; a backend's balance line) and what it refuses, naming it (every other difference); where a line sits is no difference.
// Pure: loaded configs compared, nothing runs. Test-runner thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planReload, type ReloadPlan } from '../../config/config-diff.js';
import type { Config } from '../../config/model.js';
import { planProxiesChange } from '../../config/proxies-change.js';
import { reserveProxySlots, SPARE_BACKEND_SERVER_SLOTS, topologyOf } from '../../core/shared/topology.js';
import { load, TIMEOUTS, validConfig } from '../support/config-load.js';
import { makeTlsCerts } from '../support/tls-certs.js';

function cfg(servers: string, opts: { balance?: string; front?: string; extra?: string } = {}): string {
  return `defaults\n${TIMEOUTS}\nfrontend fe\n  bind 127.0.0.1:${opts.front ?? '8080'}\n  default_backend be\n` +
    `backend be\n  balance ${opts.balance ?? 'roundrobin'}\n${servers}\n${opts.extra ?? ''}`;
}

async function config(text: string): Promise<Config> {
  return validConfig(await load(text));
}

async function plan(before: string, after: string, draining: (b: number, s: number) => boolean = () => false): Promise<ReturnType<typeof planReload>> {
  const a = await config(before);
  return planReload(a, a, await config(after), draining);
}

function applied(p: ReturnType<typeof planReload>): ReloadPlan {
  assert.ok(p.ok, `refused: ${p.ok ? '' : p.reasons.join('; ')}`);
  return p;
}

const TWO = '  server s1 127.0.0.1:9001\n  server s2 127.0.0.1:9002';

test('the same file with its lines moved and comments added is no change', async () => {
  const p = applied(await plan(cfg(TWO), `# a comment\n\n${cfg(TWO).replace('\n', '\n\n# another\n')}`));
  assert.deepEqual([p.added, p.kept, p.removed], [[], [], []]);
});

test('a server added, one removed, one re-weighted and re-addressed are planned by name, not by position', async () => {
  const p = applied(await plan(cfg(TWO), cfg('  server s3 127.0.0.1:9003\n  server s2 127.0.0.1:9012 weight 5')));
  assert.deepEqual(p.added.map((a) => [a.backend, a.server.name]), [[0, 's3']]);
  assert.deepEqual(p.removed, [{ backend: 0, index: 0, name: 's1' }]);
  assert.equal(p.kept.length, 1);
  assert.deepEqual([p.kept[0]?.index, p.kept[0]?.weight, p.kept[0]?.address], [1, 5, { host: '127.0.0.1', port: 9012 }]);
});

test('a server being drained that the file has again is taken back; one still gone stays draining, not removed twice', async () => {
  const a = await config(cfg(TWO));
  const back = planReload(a, a, await config(cfg(TWO)), (_b, s) => s === 1);
  assert.deepEqual(applied(back).kept.map((k) => k.index), [1]);
  const gone = planReload(a, a, await config(cfg('  server s1 127.0.0.1:9001')), (_b, s) => s === 1);
  assert.deepEqual(applied(gone).removed, []);
});

test('every other difference refuses the reload whole, naming what changed', async () => {
  const cases: [string, string, RegExp][] = [
    [cfg(TWO), cfg(TWO, { balance: 'roundrobin\n  option redispatch' }), /backend 'be': 'options\.redispatch' changed/],
    [cfg(TWO), cfg(TWO).replace('8080', '8080 accept-proxy'), /frontend 'fe': 'bind 127\.0\.0\.1:8080 accept-proxy': 'acceptProxy' changed/],
    [cfg(TWO), cfg(TWO, { extra: 'backend other\n  server o 127.0.0.1:9009\n' }), /1 backend\(s\) added \('other'\), 0 free spare backend slot/],
    [cfg(TWO), cfg(TWO).replace('defaults', 'global\n  nbthread 3\ndefaults'), /the global section \('global\.nbthread'\) changed/],
    [cfg(TWO), cfg('  server s1 127.0.0.1:9001 rise 5\n  server s2 127.0.0.1:9002'), /server 'be\/s1': 'rise' changed/],
    [cfg(TWO), cfg('  server s1 127.0.0.1:9001 check\n  server s2 127.0.0.1:9002'), /server 'be\/s1': 'check' changed/],
    [cfg(TWO), cfg('  server s1 127.0.0.1:9001 send-proxy\n  server s2 127.0.0.1:9002'), /server 'be\/s1': 'sendProxy' changed/],
    [cfg(TWO, { balance: 'static-rr' }), cfg(`${TWO}\n  server s3 127.0.0.1:9003`, { balance: 'static-rr' }), /servers added \(s3\) under 'balance static-rr'/],
    [cfg('  server s1 127.0.0.1'), cfg('  server s1 127.0.0.2'), /has no fixed port/],
  ];
  for (const [before, after, reason] of cases) {
    const p = await plan(before, after);
    assert.ok(!p.ok, `${reason} should be refused`);
    assert.ok(p.reasons.some((r) => reason.test(r)), `${p.reasons.join('; ')} should match ${reason}`);
  }
});

test('disabled, backup and the check intervals of a server that stays are applied in place', async () => {
  const before = cfg('  server s1 127.0.0.1:9001\n  server s2 127.0.0.1:9002 check');
  const p = applied(await plan(before, cfg('  server s1 127.0.0.1:9001 disabled backup\n  server s2 127.0.0.1:9002 check inter 3s')));
  assert.deepEqual(p.kept.map((k) => [k.server.name, k.disabled, k.server.backup, k.server.inter]), [['s1', true, true, 2000], ['s2', undefined, false, 3000]]);
});

test('new timeouts are planned per proxy; a frontend serving the stats page takes them only at start: refused', async () => {
  const p = applied(await plan(cfg(TWO), cfg(TWO).replace('defaults\n', 'defaults\n  timeout tunnel 1h\n')));
  assert.deepEqual(p.timeouts.map((c) => [c.proxy, c.index, c.timeouts.tunnel]), [['frontend', 0, 3_600_000], ['backend', 0, 3_600_000]]);
  const stats = (t: string): string => `${cfg(TWO)}listen st\n  bind 127.0.0.1:8404\n  mode http\n  stats enable\n${t}`;
  const refused = await plan(stats(TIMEOUTS), stats(TIMEOUTS.replace('client 1s', 'client 2s')));
  assert.ok(!refused.ok && refused.reasons.some((r) => /frontend 'st': 'timeouts' changed \(its stats page/.test(r)), JSON.stringify(refused));
});

test('a refusal names every section that changed, each once', async () => {
  const after = cfg(TWO, { balance: 'roundrobin\n  option redispatch' }).replace('8080', '8080 backlog 7').replace('defaults', 'global\n  nbthread 3\ndefaults');
  const p = await plan(cfg(TWO), after);
  assert.ok(!p.ok);
  assert.equal(p.reasons.length, 3, p.reasons.join('\n'));
  const renamed = await plan(cfg(TWO), cfg(TWO).replace('frontend fe', 'frontend fe2').replaceAll(/backend be$/gm, 'backend be2'));
  assert.ok(!renamed.ok);
  // A hand-built start reserved no spare slot (workers/main-thread.ts reserves them): a rename is one removed, one added.
  assert.deepEqual(renamed.reasons, [
    "1 frontend(s) added ('fe2'), 0 free spare frontend slot(s) (reserved at start; a removed one's once its sessions ended)",
    "1 backend(s) added ('be2'), 0 free spare backend slot(s) (reserved at start; a removed one's once its sessions ended)",
  ]);
});

test('maxconn lines are planned as written (0: none), the global one and each frontend\'s', async () => {
  const p = applied(await plan(cfg(TWO), cfg(TWO).replace('defaults', 'global\n  maxconn 77\ndefaults').replace('  default_backend be', '  maxconn 5\n  default_backend be')));
  assert.deepEqual(p.limits, { global: 77, frontends: [{ index: 0, maxconn: 5 }] });
});

test('bind lines are matched by socket: a new port is one added and one removed (kept at its index, retired)', async () => {
  const p = applied(await plan(cfg(TWO), cfg(TWO, { front: '8081' })));
  assert.deepEqual(p.binds.map((c) => [c.frontend, c.added, c.removed]), [[0, [1], [0]]]);
  assert.deepEqual(p.binds[0]?.binds.map((b) => [b.port, b.retired === true]), [[8080, true], [8081, false]]);
  // An unchanged line moved below a new one keeps its index (and socket); nothing else is planned.
  const moved = applied(await plan(cfg(TWO), cfg(TWO).replace('  bind', '  bind 127.0.0.1:8082\n  bind')));
  assert.deepEqual(moved.binds.map((c) => [c.added, c.removed, c.binds.map((b) => b.port)]), [[[1], [], [8080, 8082]]]);
  assert.deepEqual([moved.added, moved.kept, moved.removed], [[], [], []]);
  assert.deepEqual(applied(await plan(cfg(TWO), cfg(TWO))).binds, []);
});

test('bind lines of a stats-only proxy are not changed in place', async () => {
  const stats = (port: number): string => `${cfg(TWO)}listen st\n  bind 127.0.0.1:${port}\n  mode http\n  stats enable\n`;
  const p = await plan(stats(8404), stats(8405));
  assert.ok(!p.ok && p.reasons.some((r) => /frontend 'st': bind lines changed on a stats-only proxy/.test(r)), JSON.stringify(p));
});

test('a retired bind of the running configuration is not matched again: the file having it again opens a new one', async () => {
  const a = await config(cfg(TWO));
  const first = applied(planReload(a, a, await config(cfg(TWO, { front: '8081' })), () => false));
  const running: Config = { ...a, frontends: a.frontends.map((fe, f) => (f === 0 ? { ...fe, binds: first.binds[0]?.binds ?? [] } : fe)) };
  const back = applied(planReload(a, running, await config(cfg(TWO)), () => false));
  assert.deepEqual(back.binds.map((c) => [c.added, c.removed]), [[[2], [1]]]);
});

test("a backend's balance line is planned in place (servers kept); to or from dolphindb-load, or servers added under static-rr, refused", async () => {
  const p = applied(await plan(cfg(TWO), cfg(TWO, { balance: 'source\n  hash-type consistent' })));
  assert.deepEqual(p.balances.map((c) => [c.backend, c.balance.algorithm, c.balance.hashType.method]), [[0, 'source', 'consistent']]);
  assert.deepEqual([p.added, p.kept, p.removed], [[], [], []]);
  const ddb = await plan(cfg(TWO), cfg(TWO, { balance: 'dolphindb-load' }));
  assert.ok(!ddb.ok && ddb.reasons.some((r) => /backend 'be': 'balance' changed to or from 'dolphindb-load'/.test(r)), JSON.stringify(ddb));
  const fixed = await plan(cfg(TWO), cfg(`${TWO}\n  server s3 127.0.0.1:9003`, { balance: 'static-rr' }));
  assert.ok(!fixed.ok && fixed.reasons.some((r) => /servers added \(s3\) under 'balance static-rr'/.test(r)), JSON.stringify(fixed));
});

test('a bind kept on its socket whose ssl part changed (other certificate, ssl added) is rebuilt, not reopened', async (t) => {
  const certs = await makeTlsCerts(t);
  const ssl = (crt: string): string => cfg(TWO).replace('bind 127.0.0.1:8080', `bind 127.0.0.1:8080 ssl crt ${crt}`);
  const p = applied(await plan(ssl(certs.rsa), ssl(certs.ecdsa)));
  assert.deepEqual(p.binds.map((c) => [c.added, c.removed, c.rebuilt]), [[[], [], [0]]]);
  assert.equal(p.binds[0]?.binds[0]?.tls?.certs[0]?.file, certs.ecdsa);
  const gained = applied(await plan(cfg(TWO), ssl(certs.rsa)));
  assert.deepEqual(gained.binds.map((c) => [c.added, c.removed, c.rebuilt]), [[[], [], [0]]]);
  assert.deepEqual(applied(await plan(ssl(certs.rsa), ssl(certs.rsa))).binds, []);
});

/** A running configuration as main starts it: with the spare proxy slots reserved (workers/main-thread.ts). */
async function started(text: string): Promise<Config> {
  const c = await config(text);
  return { ...c, proxySlots: reserveProxySlots(c) };
}

function proxyBlock(n: number, port: number): string {
  return `frontend f${n}\n  bind 127.0.0.1:${port}\n  default_backend b${n}\nbackend b${n}\n  server s 127.0.0.1:${9100 + n}\n`;
}

test('the spare proxy slots come after the configured proxies: no configured record moves, the layout is fixed', async () => {
  const plain = await config(cfg(TWO));
  const withSpares = await started(cfg(TWO));
  const a = topologyOf(plain, 2);
  const b = topologyOf(withSpares, 2);
  assert.deepEqual(b.firstServerSlot.slice(0, a.firstServerSlot.length), a.firstServerSlot);
  assert.deepEqual([b.counts.frontends, b.counts.backends], [1 + 4, 1 + 4]);
  assert.equal(b.counts.servers, a.counts.servers + 4 * SPARE_BACKEND_SERVER_SLOTS);
  // A thread restarted after a reload placed a backend in spare slot 1 derives the same layout from main's Config.
  const grown: Config = { ...withSpares, backends: [...withSpares.backends, ...(await config(cfg(TWO, { extra: proxyBlock(1, 8091) }))).backends.slice(1)] };
  assert.deepEqual(topologyOf(grown, 2).firstServerSlot, b.firstServerSlot);
  assert.equal(topologyOf(grown, 2).counts.servers, b.counts.servers);
});

test('proxies added and removed are planned by name into the free spare slots; a rename is one removed and one added', async () => {
  const running = await started(cfg(TWO, { extra: proxyBlock(1, 8091) }));
  const reasons: string[] = [];
  const p = planProxiesChange(running, await config(cfg(TWO, { extra: proxyBlock(2, 8092) })), reasons);
  assert.deepEqual(reasons, []);
  assert.deepEqual(p.frontends.added.map((a) => [a.proxy.name, a.slot, a.next]), [['f2', 2, 1]]);
  assert.deepEqual(p.frontends.removed, [{ index: 1, name: 'f1' }]);
  assert.deepEqual(p.backends.added.map((a) => [a.proxy.name, a.slot]), [['b2', 2]]);
  assert.deepEqual(p.backends.removed, [{ index: 1, name: 'b1' }]);
  // The same file again is no proxy change.
  const same = planProxiesChange(running, await config(`${cfg(TWO, { extra: proxyBlock(1, 8091) })}`), reasons);
  assert.deepEqual([same.frontends.added, same.backends.removed], [[], []]);
});

test('a fifth new backend beyond the four spare slots is refused, naming every new one; the reload plan is refused whole', async () => {
  const running = await started(cfg(TWO));
  const five = [1, 2, 3, 4, 5].map((n) => `backend b${n}\n  server s 127.0.0.1:${9100 + n}\n`).join('');
  const p = planReload(running, running, await config(cfg(TWO, { extra: five })), () => false);
  assert.ok(!p.ok);
  assert.match(p.reasons[0] ?? '', /^5 backend\(s\) added \('b1', 'b2', 'b3', 'b4', 'b5'\), 4 free spare backend slot\(s\)/);
  // Four fit, in slots 1..4, in the file's order.
  const four = applied(planReload(running, running, await config(cfg(TWO, { extra: five.replace(/backend b5[^]*$/, '') })), () => false));
  assert.deepEqual(four.proxies.backends.added.map((a) => [a.proxy.name, a.slot]), [['b1', 1], ['b2', 2], ['b3', 3], ['b4', 4]]);
  assert.deepEqual([four.added, four.kept, four.binds], [[], [], []]);
});

test('proxies the running process cannot take or let go of are refused, named: dolphindb-load, stats pages, too many servers', async () => {
  const running = await started(cfg(TWO));
  const cases: [string, RegExp][] = [
    ['backend d\n  balance dolphindb-load\n  server n 127.0.0.1:9101\n', /backend 'd' added: 'balance dolphindb-load'/],
    ['backend i\n  option dolphindb-inspect\n  server n 127.0.0.1:9101\n', /backend 'i' added: option dolphindb-inspect \(set up at start\)/],
    ['frontend st\n  bind 127.0.0.1:8099\n  stats enable\n  stats uri /s\n', /frontend 'st' added: it serves the stats page/],
    [`backend big\n${Array.from({ length: 17 }, (_, i) => `  server s${i} 127.0.0.1:${9200 + i}`).join('\n')}\n`, /backend 'big' added: 17 servers, a spare backend slot holds 16/],
  ];
  for (const [extra, want] of cases) {
    const reasons: string[] = [];
    planProxiesChange(running, await config(cfg(TWO, { extra })), reasons);
    assert.ok(reasons.some((r) => want.test(r)), `${want}: ${reasons.join('; ')}`);
  }
});

test('proxies are paired by name in the running slots: moved in the file they are no change, and their changes land on the right slot', async () => {
  const running = await started(cfg(TWO, { extra: proxyBlock(1, 8091) }));
  const swapped = (text: string): string => `defaults\n${TIMEOUTS}\n${text}${cfg(TWO).replace(`defaults\n${TIMEOUTS}\n`, '')}`;
  const same = applied(planReload(running, running, await config(swapped(proxyBlock(1, 8091))), () => false));
  assert.deepEqual([same.added, same.kept, same.removed, same.binds, same.timeouts, same.limits.frontends], [[], [], [], [], [], []]);
  // b1 (slot 1, first in the file now) gains a server; f1 a bind: both planned on slot 1.
  const grown = proxyBlock(1, 8091).replace('  server s 127.0.0.1:9101', '  server s 127.0.0.1:9101\n  server t 127.0.0.1:9102').replace('bind 127.0.0.1:8091', 'bind 127.0.0.1:8091\n  bind 127.0.0.1:8092');
  const p = applied(planReload(running, running, await config(swapped(grown)), () => false));
  assert.deepEqual(p.added.map((a) => [a.backend, a.server.name]), [[1, 't']]);
  assert.deepEqual(p.binds.map((c) => [c.frontend, c.added]), [[1, [1]]]);
});

test("a new frontend's binds are planned as added bind lines in its slot, a removed one's as removed ones, with its limit", async () => {
  const running = await started(cfg(TWO, { extra: proxyBlock(1, 8091) }));
  const p = applied(planReload(running, running, await config(cfg(TWO, { extra: proxyBlock(2, 8092) })), () => false));
  assert.deepEqual(p.binds.map((c) => [c.frontend, c.added, c.removed, c.binds.map((b) => b.retired === true)]), [[2, [0], [], [false]], [1, [], [0], [true]]]);
  assert.deepEqual(p.limits.frontends, [{ index: 2, maxconn: 0 }]);
  assert.deepEqual(p.removed, [], "a removed backend's servers are not drained one by one: the backend goes whole");
});

test("a removed proxy's slot is taken again only once it is drained (freed), before the unused spares", async () => {
  const base = await started(cfg(TWO, { extra: proxyBlock(1, 8091) }));
  // b1/f1 removed by an earlier reload: retired at slot 1.
  const running: Config = {
    ...base,
    frontends: base.frontends.map((f, i) => (i === 1 ? { ...f, retired: true } : f)),
    backends: base.backends.map((b, i) => (i === 1 ? { ...b, retired: true } : b)),
  };
  const next = await config(cfg(TWO, { extra: proxyBlock(2, 8092) }));
  const draining = applied(planReload(running, running, next, () => false, () => false));
  assert.deepEqual([draining.proxies.frontends.added[0]?.slot, draining.proxies.backends.added[0]?.slot], [2, 2]);
  assert.deepEqual([draining.proxies.frontends.removed, draining.proxies.backends.removed], [[], []], 'a retired proxy is not removed twice');
  const freed = applied(planReload(running, running, next, () => false, (_kind, i) => i === 1));
  assert.deepEqual([freed.proxies.frontends.added[0]?.slot, freed.proxies.backends.added[0]?.slot], [1, 1]);
  assert.deepEqual(freed.binds.map((c) => [c.frontend, c.added]), [[1, [0]]], "the new frontend's binds, in the slot it takes");
});
