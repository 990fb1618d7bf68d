// Issue 16, Done-when (5): `option dolphindb-inspect` through a running orcalb (--threads 2), in mode tcp (binary-API
// clients and npm `dolphindb` clients, WebSocket relayed at L4) and in mode http (the npm client's WebSocket framed in
// the tunnel after its 101, and JSON-API calls, POST /), making known calls on two emulated nodes; orcalb's Prometheus
// counters per node, kind and status must agree exactly with what the nodes counted and what the test sent, errors
// exactly, the latency histogram must count every exchange, and the log line carries the error text in `%[ddb.err]`.
// Test-runner thread; orcalb is a child process.

import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { DDB } from 'dolphindb';
import { ddbScalar, ddbVector } from '../../core/dolphindb/objects.js';
import { connectDdb, startDdbCluster, type DdbCluster } from '../support/ddb-cluster.js';
import { DdbTcpClient } from '../support/ddb-tcp-client.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { executeCodeBody, httpExchange } from '../support/http-exchange.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import type { PromSample } from '../support/prometheus-exposition.js';
import { sampleSum as sum, scrapeSamples } from '../support/ddb-metrics.js';
import { startSyslogReceiver, type SyslogReceiver } from '../support/syslog-receiver.js';
import { pollFor, within } from '../support/wait.js';

const CALL_MS = 5000;
type Mode = 'tcp' | 'http';

/** What a test sent, by kind; `errors` failed calls (each a script). */
interface Sent { script: number; function: number; upload: number; connect: number; errors: number }

/** A JSON-API call on a connection of its own: its resultCode. */
async function jsonCall(port: number, body: string): Promise<string> {
  const res = await httpExchange(port, 'POST', '/', { body });
  assert.equal(res.status, 200);
  return (JSON.parse(res.body) as { resultCode: string }).resultCode;
}

/**
 * Waits until orcalb's per-node totals equal the nodes' own request counts (the last reply's count lands when its
 * bytes pass; a scrape may come a moment before), then checks the histogram of each node and the error count.
 * Returns the total for a label set.
 */
async function agreeWithNodes(cluster: DdbCluster, prom: number, sent: Sent): Promise<(labels: Record<string, string>) => number> {
  const want = cluster.nodes.map((n) => n.counters().requests);
  let got: PromSample[] = [];
  const agreed = await pollFor(async () => {
    got = await scrapeSamples(prom, CALL_MS);
    return cluster.nodes.every((n, i) => sum(got, 'orcalb_dolphindb_requests_total', { node: n.name }) === want[i]);
  }, CALL_MS, 50);
  assert.ok(agreed, `per-node totals ${JSON.stringify(cluster.nodes.map((n) => sum(got, 'orcalb_dolphindb_requests_total', { node: n.name })))} != nodes' ${JSON.stringify(want)}`);
  for (const n of cluster.nodes) {
    const calls = sum(got, 'orcalb_dolphindb_requests_total', { node: n.name });
    assert.ok(calls > 0, `${n.name} took calls`);
    assert.equal(sum(got, 'orcalb_dolphindb_request_seconds_count', { node: n.name }), calls);
    assert.equal(sum(got, 'orcalb_dolphindb_request_seconds_bucket', { node: n.name, le: '+Inf' }), calls);
    assert.ok(sum(got, 'orcalb_dolphindb_request_seconds_sum', { node: n.name }) > 0);
  }
  const total = (labels: Record<string, string>): number => sum(got, 'orcalb_dolphindb_requests_total', labels);
  assert.equal(total({ status: 'error' }), sent.errors);
  assert.equal(total({ kind: 'script', status: 'error' }), sent.errors);
  return total;
}

function config(mode: Mode, front: number, prom: number, nodes: readonly number[], syslog: number): string {
  return [
    'defaults', `  mode ${mode}`, '  timeout connect 1s', '  timeout client 30s', '  timeout server 30s',
    'frontend fe_prom', '  mode http', `  bind 127.0.0.1:${prom}`, '  http-request use-service prometheus-exporter if { path /metrics }',
    'frontend ddb', `  bind 127.0.0.1:${front}`, `  log 127.0.0.1:${syslog} local0`,
    `  log-format "%b/%s${mode === 'http' ? ' %ST' : ''} err=%[ddb.err]"`, '  default_backend nodes',
    'backend nodes', '  balance roundrobin', '  option dolphindb-inspect',
    ...nodes.map((p, i) => `  server node${i + 1} 127.0.0.1:${p}`),
    '',
  ].join('\n');
}

for (const mode of ['tcp', 'http'] as const) describe(`issue 16: option dolphindb-inspect in a running orcalb, mode ${mode}`, () => {
  let cluster: DdbCluster;
  let lb: OrcalbProcess;
  let syslog: SyslogReceiver;
  let front: number;
  let prom: number;
  const npm: DDB[] = [];

  before(async () => {
    cluster = await startDdbCluster(2);
    syslog = await startSyslogReceiver();
    front = await freeTcpPort();
    prom = await freeTcpPort();
    lb = await startOrcalb(config(mode, front, prom, cluster.ports(), syslog.port), { threads: 2 });
  });
  after(async () => {
    for (const d of npm) d.disconnect();
    await lb?.stop();
    await syslog?.close();
    await cluster?.close();
  });

  // Each mode has its own clients: binary API and WebSocket at L4; WebSocket tunnels and the JSON API at L7.
  if (mode === 'tcp') test('binary-API and WebSocket counts per node, kind and status agree with the calls made; the histogram counts each; %[ddb.err] logs the error', async () => {
    const sent = { script: 0, function: 0, upload: 0, connect: 0, errors: 0 };
    // Binary API: 4 sessions, so both nodes get two (roundrobin).
    for (let c = 0; c < 4; c++) {
      const cl = await DdbTcpClient.open(front);
      const hello = await cl.call({ kind: 'connect', login: { user: 'admin', password: '123456' } });
      assert.equal(hello.reply.kind, 'ok');
      sent.connect++;
      for (let i = 0; i < 5; i++) { await cl.run(`${i}+1`); sent.script++; }
      const table = await cl.run('table(1..3 as id, `tom`bob`tony as name, 1.5 2.25 3.0 as price)');
      assert.equal(table?.form, 'table');
      sent.script++;
      const v = await cl.call({ kind: 'function', name: 'version', args: [] });
      assert.equal(v.reply.kind, 'ok');
      sent.function++;
      const up = await cl.call({ kind: 'variable', names: ['x', 'y'], values: [ddbScalar('INT', 3), ddbVector('STRING', ['p', 'q'])] });
      assert.equal(up.reply.kind, 'ok');
      sent.upload++;
      await assert.rejects(cl.run('foo bar'), /Cannot recognize the token foo/);
      sent.script++;
      sent.errors++;
      cl.close();
    }
    // WebSocket at L4: the npm client's own calls (its connect sequence included) are counted by the nodes.
    for (let c = 0; c < 2; c++) {
      const ddb = await connectDdb(front, {}, CALL_MS);
      npm.push(ddb);
      assert.equal(await within(ddb.execute<number>('40+2'), CALL_MS, '40+2'), 42);
      await assert.rejects(within(ddb.execute('oops bad'), CALL_MS, 'oops bad'), /Cannot recognize the token oops/);
      sent.errors++;
    }
    const total = await agreeWithNodes(cluster, prom, sent);
    assert.equal(total({ kind: 'upload', status: 'ok' }), sent.upload);
    assert.ok(total({ kind: 'connect', status: 'ok' }) >= sent.connect + 2);
    // Binary sessions alone account for this many scripts; the npm clients add their own.
    assert.ok(total({ kind: 'script' }) >= sent.script + 4);
    assert.ok(total({ kind: 'function', status: 'ok' }) >= sent.function);
    // The text is escaped as HAProxy escapes client text in lines (`#` → `#23`): a reply cannot forge a line.
    await syslog.waitFor((all) => all.filter((m) => m.text.includes('err=Syntax Error: [line #231] Cannot recognize the token foo')).length === 4,
      CALL_MS, 'four binary sessions logged with their error text');
  });

  if (mode === 'http') test('WebSocket and JSON-API calls through the HTTP engine are counted per node, kind and status as the nodes saw them', async () => {
    const sent = { script: 0, function: 0, upload: 0, connect: 0, errors: 0 };
    // The npm client through the HTTP engine: an upgrade, then binary messages in the tunnel.
    for (let c = 0; c < 2; c++) {
      const ddb = await connectDdb(front, {}, CALL_MS);
      npm.push(ddb);
      for (let i = 0; i < 3; i++) assert.equal(await within(ddb.execute<number>(`${i}+1`), CALL_MS, 'script'), i + 1);
      await assert.rejects(within(ddb.execute('oops bad'), CALL_MS, 'oops bad'), /Cannot recognize the token oops/);
      sent.errors++;
    }
    // The JSON API: scripts (one failing), a function call and a login, each on a new connection.
    for (let i = 0; i < 4; i++) {
      assert.equal(await jsonCall(front, executeCodeBody(`${i}*2`)), '0');
      sent.script++;
    }
    assert.equal(await jsonCall(front, executeCodeBody('foo bar')), '1');
    sent.errors++;
    // On one kept-alive connection, a failed call then a good one: each line has its own transaction's %[ddb.err].
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const script of ['nope nope', '5+5']) {
        const res = await httpExchange(front, 'POST', '/', { body: executeCodeBody(script), agent });
        assert.equal(res.status, 200);
      }
    } finally {
      agent.destroy();
    }
    sent.script++;
    sent.errors++;
    assert.equal(await jsonCall(front, JSON.stringify({ sessionID: '0', functionName: 'version', params: [] })), '0');
    sent.function++;
    const login = JSON.stringify({ sessionID: '0', functionName: 'login', params: [
      { name: 'userId', form: 'scalar', type: 'string', value: 'admin' }, { name: 'password', form: 'scalar', type: 'string', value: '123456' },
    ] });
    assert.equal(await jsonCall(front, login), '0');
    sent.connect++;
    // A page is not a DolphinDB call: not counted.
    assert.equal((await httpExchange(front, 'GET', '/')).status, 200);
    const total = await agreeWithNodes(cluster, prom, sent);
    // The npm clients' own connects (2) and the JSON login; scripts: the test's plus the clients' 3 each.
    assert.equal(total({ kind: 'connect', status: 'ok' }), 2 + sent.connect);
    assert.ok(total({ kind: 'script', status: 'ok' }) >= sent.script + 6);
    assert.ok(total({ kind: 'function', status: 'ok' }) >= sent.function);
    await syslog.waitFor((all) => {
      const at = all.findIndex((m) => m.text.includes('Cannot recognize the token nope'));
      // The next line is the good call's (one connection, one thread, nothing else running meanwhile).
      return at >= 0 && / 200 err=-$/.test(all[at + 1]?.text ?? '');
    }, CALL_MS, 'the good call after the failed one on the same connection logs err=-');
    // The failed JSON call's line names its error; the WebSocket sessions' lines (at their close) theirs.
    await syslog.waitFor((all) => all.some((m) => /nodes\/node\d 200 err=Syntax Error: \[line #231\] Cannot recognize the token foo/.test(m.text)),
      CALL_MS, 'the JSON-API error logged in %[ddb.err]');
    for (const d of npm) d.disconnect();
    npm.length = 0;
    await syslog.waitFor((all) => all.filter((m) => m.text.includes('err=Syntax Error: [line #231] Cannot recognize the token oops')).length === 2,
      CALL_MS, 'both WebSocket sessions logged with their error text');
  });
});
