// Issue 15: ten reloads under load. The backends' file alternates between two server sets (a third web server and a
// third DolphinDB node in, then out) while wrk drives HTTP keep-alive traffic and `option http-server-close` traffic,
// and 20 WebSocket sessions (the npm `dolphindb` client) and 20 binary-API sessions stay open on the emulated nodes.
// orcalb reloads in place (SIGUSR2): no socket error, no non-2xx answer, every long session answers at the end (those
// on the node taken out included: it drains), and the server put back takes its share of the requests right after
// each reload. haproxy 2.6.12 -W runs the same as a reference: its losses are printed, not asserted. Test thread.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DDB } from 'dolphindb';
import { ProcessGroup } from '../../native-bench/process-group.js';
import { runWrk, wrkAvailable, type WrkReport } from '../../native-bench/load/wrk-run.js';
import { connectDdb, startDdbCluster } from '../support/ddb-cluster.js';
import { DdbTcpClient } from '../support/ddb-tcp-client.js';
import { freeTcpPort, listeningInodes, startHaproxy } from '../support/haproxy-process.js';
import { startHttpBackends } from '../support/http-backends.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { delay, pollUntil, within } from '../support/wait.js';

const RELOADS = 10;
const SESSIONS = 20;
const CALL_MS = 5000;
/** How long after a reload the requests are counted for the share of the server put back. */
const SHARE_WINDOW_MS = 400;

interface Ports {
  readonly ka: number;
  readonly close: number;
  readonly ws: number;
  readonly bin: number;
}

/** The frontends' file: it never changes (no bind is touched by the reloads). */
function frontFile(p: Ports): string {
  return `
global
    maxconn 2000
defaults
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout tunnel 120s
frontend ka
    mode http
    bind 127.0.0.1:${p.ka}
    option http-keep-alive
    default_backend web
frontend sclose
    mode http
    bind 127.0.0.1:${p.close}
    option http-server-close
    default_backend web
frontend ddb_ws
    mode http
    bind 127.0.0.1:${p.ws}
    default_backend ddb_http
frontend ddb_bin
    mode tcp
    bind 127.0.0.1:${p.bin}
    default_backend ddb_tcp
`;
}

/** The backends' file: two web servers and two nodes, or three of each (`wide`). */
function backFile(web: readonly number[], nodes: readonly number[], wide: boolean): string {
  const n = wide ? 3 : 2;
  const lines = (prefix: string, ports: readonly number[]): string =>
    ports.slice(0, n).map((port, i) => `    server ${prefix}${i + 1} 127.0.0.1:${port}`).join('\n');
  return `
backend web
    mode http
    balance roundrobin
${lines('w', web)}
backend ddb_http
    mode http
    balance roundrobin
${lines('n', nodes)}
backend ddb_tcp
    mode tcp
    balance roundrobin
${lines('n', nodes)}
`;
}

/** What both subjects are driven through: a start on two files, the reload signal, and how a reload is seen done. */
interface Subject {
  readonly name: 'orcalb' | 'haproxy';
  start(front: string, backFilePath: string): Promise<{ pid: number; stderr(): string; signal(s: NodeJS.Signals): void; stop(): Promise<unknown> }>;
  /** How many reloads the process says it finished (applied or refused). */
  reloadsDone(stderr: string): number;
  /** A pause after a finished reload before the next signal (haproxy's master loses a SIGUSR2 that comes too soon). */
  readonly settleMs: number;
}

const SUBJECTS: readonly Subject[] = [
  {
    name: 'orcalb',
    start: (front, back) => startOrcalb(front, { threads: 2, args: ['-f', back] }),
    reloadsDone: (stderr) => stderr.match(/reload (done|refused|applied)/g)?.length ?? 0,
    settleMs: 0,
  },
  {
    name: 'haproxy',
    start: (front, back) => startHaproxy(front, { args: ['-W', '-f', back] }),
    // The master says "Loading success" at start too; a SIGUSR2 sent before the last reload's line is lost.
    reloadsDone: (stderr) => (stderr.match(/Loading success|Loading failure/g)?.length ?? 1) - 1,
    // Measured: signalled at once after its "Loading success", the master re-executing itself missed the next one.
    settleMs: 500,
  },
];

for (const subject of SUBJECTS) {
  test(`${subject.name}: ${RELOADS} reloads alternating two server sets under wrk with 40 DolphinDB sessions open`, { timeout: 120_000 }, async (t) => {
    assert.ok(wrkAvailable(), 'wrk is installed (/usr/bin/wrk)');
    const farm = await startHttpBackends(['w1', 'w2', 'w3']);
    t.after(() => farm.close());
    const cluster = await startDdbCluster(3);
    t.after(() => cluster.close());
    const ports: Ports = { ka: await freeTcpPort(), close: await freeTcpPort(), ws: await freeTcpPort(), bin: await freeTcpPort() };
    const dir = mkdtempSync(join(tmpdir(), 'orcalb-reload-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const back = join(dir, 'backends.cfg');
    // Three of each at start, so that sessions land on the node the first reload takes out.
    writeFileSync(back, backFile(farm.ports(), cluster.ports(), true));
    const lb = await subject.start(frontFile(ports), back);
    t.after(() => lb.stop());

    const ws: DDB[] = [];
    const bin: DdbTcpClient[] = [];
    t.after(() => {
      for (const d of ws) d.disconnect();
      for (const c of bin) c.close();
    });
    const onThird = { ws: 0, bin: 0 };
    for (let i = 0; i < SESSIONS; i++) {
      const d = await connectDdb(ports.ws, {}, CALL_MS);
      ws.push(d);
      if ((await within(d.execute<string>('getNodeAlias()'), CALL_MS, 'alias')) === 'node3') onThird.ws++;
      const c = await DdbTcpClient.open(ports.bin);
      bin.push(c);
      const hello = await c.call({ kind: 'connect', login: { user: 'admin', password: '123456' } });
      assert.equal(hello.reply.kind, 'ok');
      const alias = await c.run('getNodeAlias()');
      if (alias?.form === 'scalar' && alias.value === 'node3') onThird.bin++;
    }
    assert.ok(onThird.ws > 0 && onThird.bin > 0, `sessions on node3 before it is taken out: ${JSON.stringify(onThird)}`);

    const group = new ProcessGroup();
    t.after(() => group.stopAll());
    const durationS = 20;
    const runs = [ports.ka, ports.close].map((port) =>
      runWrk(group, { port, conns: 10, durationS, threads: 1, close: false, cpus: undefined, timeoutS: 5 }));
    // Awaited below; a failure before that must not surface as an unhandled rejection.
    for (const run of runs) run.catch(() => undefined);
    const shares: number[] = [];
    const sockets = (): string[][] => [ports.ka, ports.close, ports.ws, ports.bin].map(listeningInodes);
    const socketsBefore = sockets();
    const started = Date.now();
    for (let r = 1; r <= RELOADS; r++) {
      const wide = r % 2 === 0;
      writeFileSync(back, backFile(farm.ports(), cluster.ports(), wide));
      lb.signal('SIGUSR2');
      await pollUntil(() => subject.reloadsDone(lb.stderr()) >= r, 10_000, `reload ${r} done`, 20);
      if (subject.settleMs > 0) await delay(subject.settleMs);
      if (!wide) {
        // orcalb: the web server taken out holds no long session, so it drains and its slot is freed before the
        // next reload puts it back (into another slot); node3 keeps its sessions and stays draining throughout.
        const out = r / 2 + 0.5;
        if (subject.name === 'orcalb') await pollUntil(() => (lb.stderr().match(/server web\/w3 drained/g)?.length ?? 0) >= out, 5000, `w3 drained ${out}`, 20);
        continue;
      }
      // The server put back: its share of what the backends served in the window right after the reload.
      const from = farm.requests.length;
      // Time is what is measured here: the requests of a fixed window.
      await delay(SHARE_WINDOW_MS);
      const window = farm.requests.slice(from);
      shares.push(window.filter((q) => q.server === 'w3').length / Math.max(1, window.length));
    }
    const reloadsMs = Date.now() - started;
    const socketsKept = JSON.stringify(sockets()) === JSON.stringify(socketsBefore);
    const reports: WrkReport[] = await Promise.all(runs);
    const alive = { ws: 0, bin: 0 };
    for (const d of ws) if ((await within(d.execute<number>('1+1'), CALL_MS, '1+1').catch(() => 0)) === 2) alive.ws++;
    for (const c of bin) {
      const two = await c.run('1+1').catch(() => undefined);
      if (two?.form === 'scalar' && two.value === 2) alive.bin++;
    }
    const [ka, sc] = reports;
    const line = (name: string, w: WrkReport | undefined): string =>
      `${name}: ${w?.requests ?? 0} requests, socket errors ${JSON.stringify(w?.socket)}, non-2xx ${w?.non2xx ?? 0}`;
    t.diagnostic(`${subject.name}: ${line('keep-alive', ka)}; ${line('http-server-close', sc)}`);
    t.diagnostic(`${subject.name}: sessions alive at the end: ${alive.ws}/${SESSIONS} WebSocket, ${alive.bin}/${SESSIONS} binary API`);
    t.diagnostic(`${subject.name}: w3's share right after each reload that put it back: ${shares.map((s) => s.toFixed(2)).join(' ')}`);
    t.diagnostic(`${subject.name}: the same listening sockets (inodes) after the reloads: ${socketsKept}; the reloads took ${reloadsMs} ms of wrk's ${durationS} s`);
    if (subject.name === 'haproxy') return;
    assert.doesNotMatch(lb.stderr(), /node3 drained/, 'node3 kept its sessions: never freed');
    assert.ok(socketsKept, 'no listening socket was closed and opened again');
    assert.ok(reloadsMs < durationS * 1000, 'the reloads all happened while wrk ran');
    for (const w of [ka, sc]) {
      assert.ok(w !== undefined && w.requests > 100, 'wrk ran');
      assert.deepEqual(w.socket, { connect: 0, read: 0, write: 0, timeout: 0 });
      assert.equal(w.non2xx, 0);
    }
    assert.deepEqual(alive, { ws: SESSIONS, bin: SESSIONS });
    // Round robin over three servers: a third each; a tenth is far from "not in the rotation" and from chance.
    for (const share of shares) assert.ok(share > 0.15, `w3 served ${share.toFixed(2)} of the requests after it came back`);
    assert.equal(shares.length, RELOADS / 2);
  });
}
