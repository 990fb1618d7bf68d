// config/config-diff.ts: what a reload may change in place (a backend's servers: added, removed, re-weighted,
// re-addressed, maxconn; a frontend's bind lines added or removed; a backend's balance line) and what it refuses, naming it (every other difference); where a line sits is no difference.
// Pure: loaded configs compared, nothing runs. Test-runner thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planReload, type ReloadPlan } from '../../config/config-diff.js';
import type { Config } from '../../config/model.js';
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
    [cfg(TWO), cfg(TWO, { extra: 'backend other\n  server o 127.0.0.1:9009\n' }), /the list of backends/],
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
  assert.deepEqual(renamed.reasons, ['the list of frontends (a frontend added, removed or renamed) changed', 'the list of backends (a backend added, removed or renamed) changed']);
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
