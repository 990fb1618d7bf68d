// Issue 15: a reload that adds or removes frontends and backends in place (config/proxies-change.ts, the spare proxy
// slots of core/shared/topology.ts, workers/reload.ts, core/forward/proxies-runtime.ts). A frontend and backend added
// answer on the new port from the new backend's servers; removed, the port refuses while a session it accepted goes
// on; a rename is a removal and an addition; a removed proxy's slot, once drained, is taken again with its counters
// zeroed; more new backends than free slots refuse the whole file, naming them; the existing frontend serves every connection across the reloads; the stats CSV lists the added proxies
// and not the removed ones; HTTP proxies come and go while wrk drives the existing frontend with 0 errors. Real sockets, orcalb as a child process. Test-runner thread.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { ProcessGroup } from '../../native-bench/process-group.js';
import { runWrk, wrkAvailable } from '../../native-bench/load/wrk-run.js';
import { connectTagged, probeConnect } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startHttpBackends } from '../support/http-backends.js';
import { count, startOnFile, tags, type Running } from '../support/reload-file.js';
import { startSyslogReceiver } from '../support/syslog-receiver.js';
import { tcpConfig } from '../support/tcp-config.js';
import { delay } from '../support/wait.js';

/** A frontend `f` on `port` whose default backend `b` holds one server on `server`. */
const proxy = (f: string, port: number, b: string, server: number): string =>
  `frontend ${f}\n    bind 127.0.0.1:${port}\n    default_backend ${b}\n` +
  `backend ${b}\n    balance roundrobin\n    server n1 127.0.0.1:${server}\n`;

/** A stats page (unchanged by every reload here) whose CSV lists the running proxies. */
const stats = (port: number): string => `listen stats\n    mode http\n    bind 127.0.0.1:${port}\n    stats enable\n    stats uri /st\n`;

async function csvNames(port: number): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${port}/st;csv`, { signal: AbortSignal.timeout(5000) });
  const body = await res.text();
  return [...new Set(body.split('\n').slice(1).filter((l) => l !== '').map((l) => l.split(',')[0] ?? ''))];
}

/** The stats CSV's rows by `pxname/svname`, each a column → cell map. */
async function csvRows(port: number): Promise<Map<string, Record<string, string>>> {
  const res = await fetch(`http://127.0.0.1:${port}/st;csv`, { signal: AbortSignal.timeout(5000) });
  const [head = '', ...lines] = (await res.text()).split('\n');
  const cols = head.replace(/^# /, '').split(',');
  const out = new Map<string, Record<string, string>>();
  for (const l of lines.filter((x) => x !== '')) {
    const cells = l.split(',');
    out.set(`${cells[0]}/${cells[1]}`, Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? ''])));
  }
  return out;
}

/**
 * Connections to `port`, one after the other, until `stop()`: how many were served and what failed. The existing
 * frontend must serve every one across the reloads.
 */
function steadyTraffic(port: number): { stop(): Promise<{ served: number; errors: string[] }> } {
  let running = true;
  const errors: string[] = [];
  let served = 0;
  const loop = (async (): Promise<void> => {
    while (running) {
      try {
        await tags(port, 1);
        served++;
      } catch (e) {
        errors.push(String(e));
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { served, errors };
    },
  };
}

/**
 * An HTTP orcalb on one web server (h1) whose file `http(front, true)` adds frontend web2 on `port` with backend pool2
 * on another (h2); `defaults` is appended to the keep-alive defaults.
 */
async function startHttp(t: Parameters<typeof startOnFile>[0], defaults: string): Promise<{ r: Running; port: number; http: (front: number, withNew: boolean) => string }> {
  const web = await startHttpBackends(['h1', 'h2']);
  t.after(() => web.close());
  const [h1, h2] = web.ports() as [number, number];
  const port = await freeTcpPort();
  const http = (front: number, withNew: boolean): string =>
    tcpConfig(front, [h1], { defaults: `    mode http\n    option http-keep-alive${defaults}` }).replace('mode tcp', 'mode http') +
    (withNew ? proxy('web2', port, 'pool2', h2) : '');
  const r = await startOnFile(t, ['s1'], (front) => http(front, false));
  return { r, port, http };
}

async function start(t: Parameters<typeof startOnFile>[0]): Promise<{ r: Running; st: number; cfg: (extra: string) => string }> {
  const st = await freeTcpPort();
  const r = await startOnFile(t, ['s1', 's2', 's3'], (front, farm) => tcpConfig(front, [farm.port('s1')]) + stats(st));
  const cfg = (extra: string): string => tcpConfig(r.front, [r.farm.port('s1')]) + stats(st) + extra;
  return { r, st, cfg };
}

test('a frontend and backend added by a reload serve on the new port; removed, the port refuses while its session goes on', async (t) => {
  const { r, st, cfg } = await start(t);
  const port = await freeTcpPort();
  const traffic = steadyTraffic(r.front);
  assert.equal(await probeConnect(port), 'refused');

  assert.match(await r.reload(cfg(proxy('fe2', port, 'be2', r.farm.port('s2')))), /reload done: .*proxies: frontend fe2 added, backend be2 added.*binds: 1 opened/);
  assert.deepEqual(count(await tags(port, 4)), { s2: 4 }, "the new frontend's connections go to the new backend's server");
  assert.deepEqual(count(await tags(r.front, 2)), { s1: 2 }, 'the existing frontend keeps its backend');
  const listed = await csvNames(st);
  assert.ok(listed.includes('fe2') && listed.includes('be2'), `stats CSV lists the added proxies: ${listed.join(' ')}`);
  const held = await connectTagged(port);
  t.after(() => held.destroy());
  assert.equal(held.tag, 's2');
  assert.equal((await held.exchange('before')).toString(), 'before');

  assert.match(await r.reload(cfg('')), /reload done: .*proxies: frontend fe2 removed, backend be2 removed.*binds: 0 opened, 1 closed/);
  assert.equal(await probeConnect(port), 'refused', 'the removed frontend accepts no new connection');
  assert.equal((await held.exchange('after')).toString(), 'after', 'a session it accepted goes on to its end');
  const after = await csvNames(st);
  assert.ok(!after.includes('fe2') && !after.includes('be2'), `stats CSV no longer lists them: ${after.join(' ')}`);
  // Their slots stay taken while the session lives (past the drain's 1 s grace), and are freed once it ends.
  await delay(1500);
  assert.doesNotMatch(r.lb.stderr(), /drained; its slot is free/);
  assert.equal((await held.exchange('still')).toString(), 'still');
  held.destroy();
  await r.lb.waitForStderr(/reload: frontend fe2 drained; its slot is free/, 5000);
  await r.lb.waitForStderr(/reload: backend be2 drained; its slot is free/, 5000);

  const { served, errors } = await traffic.stop();
  assert.deepEqual(errors, [], 'the existing frontend served every connection across the reloads');
  assert.ok(served > 0);
});

test('a rename is one proxy removed and one added; a drained slot is taken again, clean; more new backends than free slots are refused, named', async (t) => {
  const { r, st, cfg } = await start(t);
  const [port, port4] = [await freeTcpPort(), await freeTcpPort()];
  const traffic = steadyTraffic(r.front);
  assert.match(await r.reload(cfg(proxy('fe2', port, 'be2', r.farm.port('s2')))), /reload done/);
  assert.deepEqual(count(await tags(port, 2)), { s2: 2 });

  // Renamed (and its server changed): the old ones go, the new ones take the next spare slots, on the same port.
  assert.match(await r.reload(cfg(proxy('fe3', port, 'be3', r.farm.port('s3')))), /reload done: .*frontend fe3 added, frontend fe2 removed, backend be3 added, backend be2 removed/);
  assert.deepEqual(count(await tags(port, 3)), { s3: 3 });
  const listed = await csvNames(st);
  assert.ok(listed.includes('be3') && !listed.includes('be2'), listed.join(' '));
  await r.lb.waitForStderr(/reload: backend be2 drained; its slot is free/, 5000);
  await r.lb.waitForStderr(/reload: frontend fe2 drained; its slot is free/, 5000);

  // Free backend slots now: be2's and the two spares never used. Four new ones are one too many: refused, named.
  const backends = (ns: readonly number[]): string => ns.map((n) => `backend be${n}\n    server n1 127.0.0.1:${r.farm.port('s2')}\n`).join('');
  const kept = proxy('fe3', port, 'be3', r.farm.port('s3'));
  assert.match(await r.reload(cfg(kept + backends([4, 5, 6, 7]))), /reload refused: these changes need a restart/);
  assert.match(r.lb.stderr(), /reload: 4 backend\(s\) added \('be4', 'be5', 'be6', 'be7'\), 3 free spare backend slot\(s\)/);
  assert.deepEqual(count(await tags(port, 2)), { s3: 2 }, 'the running configuration keeps serving');
  assert.ok(!(await csvNames(st)).includes('be4'), 'nothing of the refused file applied');

  // Three fit; be4 takes be2's drained slot and fe4 fe2's, their counters zeroed (be2 and fe2 had served 2).
  assert.match(await r.reload(cfg(kept + proxy('fe4', port4, 'be4', r.farm.port('s1')) + backends([5, 6]))), /reload done/);
  const rows = await csvRows(st);
  assert.deepEqual([rows.get('be4/BACKEND')?.['stot'], rows.get('fe4/FRONTEND')?.['stot']], ['0', '0'], 'a slot taken again starts clean');
  assert.deepEqual(count(await tags(port4, 2)), { s1: 2 });
  assert.equal((await csvRows(st)).get('be4/BACKEND')?.['stot'], '2');

  const { errors } = await traffic.stop();
  assert.deepEqual(errors, []);
});

test('HTTP: a frontend and backend added and removed by 6 reloads under wrk on the existing frontend: 0 errors, the new one answers', async (t) => {
  assert.ok(wrkAvailable(), 'wrk is installed (/usr/bin/wrk)');
  const { r, port, http } = await startHttp(t, '');
  const group = new ProcessGroup();
  t.after(() => group.stopAll());
  const run = runWrk(group, { port: r.front, conns: 10, durationS: 4, threads: 1, close: false, cpus: undefined, timeoutS: 5 });
  run.catch(() => undefined);
  for (let i = 1; i <= 6; i++) {
    const added = i % 2 === 1;
    assert.match(await r.reload(http(r.front, added)), added ? /reload done: .*frontend web2 added, backend pool2 added/ : /reload done: .*frontend web2 removed, backend pool2 removed/);
    if (added) {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) });
      assert.equal([res.status, await res.text()].join(' '), '200 h2\n', "the new frontend answers from the new backend's server");
    } else {
      assert.equal(await probeConnect(port), 'refused');
    }
  }
  const report = await run;
  t.diagnostic(`wrk across 6 proxy reloads: ${report.requests} requests, socket errors ${JSON.stringify(report.socket)}, non-2xx ${report.non2xx}`);
  assert.ok(report.requests > 100, 'wrk ran');
  assert.equal(report.errors, 0);
  assert.equal(report.non2xx, 0);
});

test('forwarders restarted after proxies came and went lay the buffer out as before and pick the live proxy of a name', async (t) => {
  const st = await freeTcpPort();
  const r = await startOnFile(t, ['s1', 's2', 's3'], (front, farm) => tcpConfig(front, [farm.port('s1')]) + stats(st), {
    accept: 'acceptor',
    env: { ORCALB_TEST_HOOKS: '1' },
  });
  const cfg = (extra: string): string => tcpConfig(r.front, [r.farm.port('s1')]) + stats(st) + extra;
  const [port, other] = [await freeTcpPort(), await freeTcpPort()];
  // fe1/be1 take spare slot 2, fe2/be2 slot 3; both removed and drained, be2 comes back into the lowest free slot,
  // 2, while the retired be2 stays at 3: a lookup by name that took the last entry would find the retired one.
  assert.match(await r.reload(cfg(proxy('fe1', other, 'be1', r.farm.port('s1')) + proxy('fe2', port, 'be2', r.farm.port('s2')))), /reload done/);
  assert.match(await r.reload(cfg('')), /reload done: .*backend be1 removed, backend be2 removed/);
  await r.lb.waitForStderr(/backend be1 drained/, 5000);
  await r.lb.waitForStderr(/backend be2 drained/, 5000);
  assert.match(await r.reload(cfg(proxy('fe2', port, 'be2', r.farm.port('s3')))), /reload done: .*frontend fe2 added, backend be2 added/);
  assert.deepEqual(count(await tags(port, 2)), { s3: 2 });
  for (const f of [0, 1]) {
    r.lb.send(`crash-forwarder ${f}`);
    await r.lb.waitForStderr(new RegExp(`forwarder ${f} restarted`), 10_000);
  }
  assert.deepEqual(count(await tags(port, 4)), { s3: 4 }, 'the restarted threads serve be2 of now, not the retired one');
  assert.deepEqual(count(await tags(r.front, 2)), { s1: 2 });
});

test("a frontend added by a reload logs its traffic to its own log targets, from its first connection", async (t) => {
  const { r, cfg } = await start(t);
  // The running configuration logs nothing: the log writer on main starts with the new frontend's targets.
  const sink = await startSyslogReceiver();
  t.after(() => sink.close());
  const port = await freeTcpPort();
  const withLog = `frontend fe3\n    bind 127.0.0.1:${port}\n    log 127.0.0.1:${sink.port} local0\n    option tcplog\n    default_backend be2\n` +
    `backend be2\n    balance roundrobin\n    server n1 127.0.0.1:${r.farm.port('s2')}\n`;
  assert.match(await r.reload(cfg(withLog)), /reload done: .*frontend fe3 added/);
  assert.deepEqual(count(await tags(port, 2)), { s2: 2 });
  await sink.waitFor((all) => all.filter((m) => / fe3 be2\/n1 /.test(m.text)).length >= 2, 5000, "two tcplog lines of fe3's connections");
  assert.ok(sink.messages().every((m) => / fe3 /.test(m.text)), 'only the new frontend logs');
});

test('a backend added with two servers balances over both (each starts UP with its weight)', async (t) => {
  const { r, st, cfg } = await start(t);
  const port = await freeTcpPort();
  const pair = `frontend fe2\n    bind 127.0.0.1:${port}\n    default_backend be2\n` +
    `backend be2\n    balance roundrobin\n    server n1 127.0.0.1:${r.farm.port('s2')}\n    server n2 127.0.0.1:${r.farm.port('s3')}\n`;
  assert.match(await r.reload(cfg(pair)), /reload done: .*backend be2 added/);
  const rows = await csvRows(st);
  for (const n of ['be2/n1', 'be2/n2']) assert.equal(rows.get(n)?.['status'], 'no check', `${n} in service, as a server line at start`);
  assert.deepEqual(count(await tags(port, 4)), { s2: 2, s3: 2 }, "round robin over the new backend's two servers");
});

test("a removed HTTP frontend's idle keep-alive client is closed as at a soft stop, so its slot drains and its names can come back", async (t) => {
  const { r, port, http } = await startHttp(t, '\n    timeout http-keep-alive 60s');
  assert.match(await r.reload(http(r.front, true)), /reload done: .*frontend web2 added/);
  // One keep-alive client of the new frontend, idle after its first response (its keep-alive timeout is 60 s).
  const client = connect({ host: '127.0.0.1', port });
  t.after(() => client.destroy());
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  const answered = new Promise<string>((resolve) => {
    let got = '';
    client.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('h2\n')) resolve(got);
    });
  });
  client.write(`GET / HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.match(await answered, /^HTTP\/1\.1 200/);
  assert.match(await r.reload(http(r.front, false)), /reload done: .*frontend web2 removed/);
  await Promise.race([closed, delay(3000).then(() => assert.fail('the idle keep-alive client of a removed frontend is still open 3 s later'))]);
  await r.lb.waitForStderr(/reload: frontend web2 drained; its slot is free/, 5000);
  assert.match(await r.reload(http(r.front, true)), /reload done: .*frontend web2 added/);
  const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) });
  assert.equal(await res.text(), 'h2\n');
});
