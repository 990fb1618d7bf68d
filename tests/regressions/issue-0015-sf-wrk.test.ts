// Issue 15: `-sf` under wrk (HTTP keep-alive, 20 connections, 4 s), the new process started one second in: no
// connect error (the port never refuses during the handover) and no non-2xx answer, for orcalb and, side by side,
// haproxy 2.6.12 doing the same. No wrk read error for orcalb either: a keep-alive client the old process closes at
// its soft stop is never closed under a request on its way (haproxy's count is printed). Test-runner thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProcessGroup } from '../../native-bench/process-group.js';
import { runWrk, wrkAvailable } from '../../native-bench/load/wrk-run.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { startHttpBackends } from '../support/http-backends.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { delay } from '../support/wait.js';

function httpConfig(front: number, server: number): string {
  return `
global
    maxconn 500
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend fe
    bind 127.0.0.1:${front}
    default_backend be
backend be
    server s1 127.0.0.1:${server}
`;
}

for (const subject of ['orcalb', 'haproxy'] as const) {
  test(`${subject} -sf during a wrk run: no connect error, no non-2xx answer`, async (t) => {
    assert.ok(wrkAvailable(), 'wrk is installed (/usr/bin/wrk)');
    const farm = await startHttpBackends(['s1']);
    t.after(() => farm.close());
    const front = await freeTcpPort();
    const cfg = httpConfig(front, farm.ports()[0] ?? 0);
    const old = subject === 'orcalb' ? await startOrcalb(cfg, { threads: 2 }) : await startHaproxy(cfg);
    t.after(() => old.stop());
    const group = new ProcessGroup();
    t.after(() => group.stopAll());
    const run = runWrk(group, { port: front, conns: 20, durationS: 4, threads: 2, close: false, cpus: undefined, timeoutS: 5 });
    // Time is what this waits for: the handover must happen in the middle of the run.
    await delay(1000);
    const next =
      subject === 'orcalb'
        ? await startOrcalb(cfg, { threads: 2, args: ['-sf', String(old.pid)] })
        : await startHaproxy(cfg, { args: ['-sf', String(old.pid)] });
    t.after(() => next.stop());
    await old.exited;
    const report = await run;
    t.diagnostic(`${subject} -sf under wrk: ${report.requests} requests, socket errors ${JSON.stringify(report.socket)}, non-2xx ${report.non2xx}`);
    assert.equal(report.socket.connect, 0, 'no connection refused during the handover');
    assert.equal(report.non2xx, 0);
    // orcalb gives an idle keep-alive client a moment for the request already on its way (SOFT_STOP_IDLE_MS);
    // closed under it, wrk counted a read error per connection (up to 20 of 20, measured before).
    if (subject === 'orcalb') assert.equal(report.socket.read, 0, 'no keep-alive client closed under its request');
    assert.ok(report.requests > 100, `${report.requests} requests`);
  });
}
