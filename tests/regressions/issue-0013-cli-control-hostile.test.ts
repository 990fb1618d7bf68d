// Issue 13, the control commands under fire: wrk keeps 50 keep-alive HTTP connections busy on orcalb (two
// forwarders) while a storm of runtime API changes hits one of its two servers (weights 0..256, drain/maint/ready,
// health down/up, maxconn 1/0/3, the frontend's and the process's maxconn, clear counters): no request fails, nothing
// wedges (the server comes back and takes its share once the storm ends), and no session is left behind (`show sess`
// empty once wrk is done).

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ProcessGroup } from '../../native-bench/process-group.js';
import { runWrk, wrkAvailable } from '../../native-bench/load/wrk-run.js';
import { cliCommand } from '../support/cli-client.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startHttpBackends } from '../support/http-backends.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { prng } from '../support/prng.js';
import { pollFor } from '../support/wait.js';

test('a storm of set weight/state/health/maxconn while wrk runs: no failed request, no wedge, no session left', async (t) => {
  assert.ok(wrkAvailable(), 'wrk is installed (/usr/bin/wrk)');
  const farm = await startHttpBackends(['s1', 's2']);
  t.after(() => farm.close());
  const [p1, p2] = farm.ports();
  const port = await freeTcpPort();
  const socket = join(mkdtempSync(join(tmpdir(), 'orcalb-cli-')), 'orcalb.sock');
  const body = [
    'global', '  maxconn 500', `  stats socket ${socket} level admin`,
    'defaults', '  mode http', '  timeout connect 2s', '  timeout queue 20s', '  timeout client 30s', '  timeout server 30s',
    'frontend fe', `  bind 127.0.0.1:${port}`, '  default_backend be',
    'backend be', '  balance roundrobin',
    `  server s1 127.0.0.1:${p1} check inter 30s`, `  server s2 127.0.0.1:${p2}`,
    '',
  ].join('\n');
  const orcalb = await startOrcalb(body, { threads: 2 });
  t.after(() => orcalb.stop());
  const orcalbLine = (line: string): Promise<string> => cliCommand(socket, line);
  const random = prng(13);
  const storm = [
    () => `set server be/s1 weight ${Math.floor(random() * 257)}`,
    () => `set weight be/s1 ${Math.floor(random() * 300)}%`,
    () => `set server be/s1 state ${['drain', 'maint', 'ready'][Math.floor(random() * 3)] ?? 'ready'}`,
    () => `set server be/s1 health ${['down', 'up', 'stopping'][Math.floor(random() * 3)] ?? 'up'}`,
    () => `set maxconn server be/s1 ${[0, 1, 3][Math.floor(random() * 3)] ?? 0}`,
    () => `set maxconn frontend fe ${[0, 100, 400][Math.floor(random() * 3)] ?? 0}`,
    () => `set maxconn global ${[0, 200, 500][Math.floor(random() * 3)] ?? 0}`,
    () => (random() < 0.5 ? 'clear counters' : 'clear counters all'),
    () => `${random() < 0.5 ? 'disable' : 'enable'} health be/s1`,
  ];

  const group = new ProcessGroup();
  t.after(() => group.stopAll());
  let running = true;
  const wrk = runWrk(group, { port, conns: 50, durationS: 3, threads: 2, close: false, cpus: undefined, timeoutS: 30 }).finally(() => {
    running = false;
  });
  let sent = 0;
  for (; running && sent < 3000; sent++) {
    const line = storm[Math.floor(random() * storm.length)]?.() ?? 'clear counters';
    const answer = await orcalbLine(line);
    assert.equal(answer, '\n', `${line}: ${answer}`);
  }
  const report = await wrk;
  t.diagnostic(`${sent} commands during wrk: ${report.requests} requests, ${report.reqPerS} req/s, ${report.errors} errors`);
  assert.ok(sent > 20, `only ${sent} commands went through during the run`);
  assert.equal(report.errors, 0);

  // No wedge: back to normal, s1 takes its turn again.
  for (const line of ['set server be/s1 state ready', 'set server be/s1 health up', 'set server be/s1 weight 1', 'set maxconn server be/s1 0']) {
    assert.equal(await orcalbLine(line), '\n', line);
  }
  const before = farm.connections('s1');
  const seen: string[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } });
    seen.push((await res.text()).trim());
  }
  assert.deepEqual([...new Set(seen)].sort(), ['s1', 's2']);
  assert.ok(farm.connections('s1') > before);
  // No session left once every client is gone (the last one may still be closing: its list empties).
  let last = '';
  const empty = await pollFor(async () => (last = await orcalbLine('show sess')) === '\n', 5000, 50);
  assert.ok(empty, `sessions left: ${last}`);
});
