// Issue 16, Done-when (5) in mode http: `option dolphindb-inspect` on an HTTP backend counts the npm `dolphindb`
// client's WebSocket calls (framed in the tunnel after the 101) and JSON-API calls (POST /) per node, kind and
// status; the counts must equal what the emulated nodes counted and what the test sent, errors exactly, the latency
// histogram must hold every exchange, and the HTTP log line carries a failed call's text in `%[ddb.err]`.
// Test-runner thread; orcalb is a child process.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DDB } from 'dolphindb';
import { connectDdb, startDdbCluster, type DdbCluster } from '../support/ddb-cluster.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { executeCodeBody, httpExchange } from '../support/http-exchange.js';
import { rawRequest } from '../support/http-client.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { parseExposition, type PromSample } from '../support/prometheus-exposition.js';
import { startSyslogReceiver, type SyslogReceiver } from '../support/syslog-receiver.js';
import { pollFor, within } from '../support/wait.js';

const CALL_MS = 5000;

function config(front: number, prom: number, nodes: readonly number[], syslog: number): string {
  return [
    'defaults', '  mode http', '  timeout connect 1s', '  timeout client 30s', '  timeout server 30s',
    'frontend fe_prom', `  bind 127.0.0.1:${prom}`, '  http-request use-service prometheus-exporter if { path /metrics }',
    'frontend ddb', `  bind 127.0.0.1:${front}`, `  log 127.0.0.1:${syslog} local0`,
    '  log-format "%b/%s %ST err=%[ddb.err]"', '  default_backend nodes',
    'backend nodes', '  balance roundrobin', '  option dolphindb-inspect',
    ...nodes.map((p, i) => `  server node${i + 1} 127.0.0.1:${p}`),
    '',
  ].join('\n');
}

async function metrics(prom: number): Promise<PromSample[]> {
  const res = await rawRequest(prom, 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', CALL_MS);
  assert.equal(res.status, 200);
  return parseExposition(res.body.toString()).flatMap((f) => f.samples);
}

function sum(samples: readonly PromSample[], name: string, match: Record<string, string>): number {
  return samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels.get(k) === v))
    .reduce((a, s) => a + s.value, 0);
}

/** A JSON-API call on a connection of its own: its resultCode. */
async function jsonCall(port: number, body: string): Promise<string> {
  const res = await httpExchange(port, 'POST', '/', { body });
  assert.equal(res.status, 200);
  return (JSON.parse(res.body) as { resultCode: string }).resultCode;
}

describe('issue 16: option dolphindb-inspect on an HTTP backend', () => {
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
    lb = await startOrcalb(config(front, prom, cluster.ports(), syslog.port), { threads: 2 });
  });
  after(async () => {
    for (const d of npm) d.disconnect();
    await lb?.stop();
    await syslog?.close();
    await cluster?.close();
  });

  test('WebSocket and JSON-API calls are counted per node, kind and status, exactly as the nodes saw them', async () => {
    const sent = { script: 0, function: 0, connect: 0, errors: 0, jsonErrors: 0 };
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
    sent.script++;
    sent.errors++;
    sent.jsonErrors++;
    assert.equal(await jsonCall(front, JSON.stringify({ sessionID: '0', functionName: 'version', params: [] })), '0');
    sent.function++;
    const login = JSON.stringify({ sessionID: '0', functionName: 'login', params: [
      { name: 'userId', form: 'scalar', type: 'string', value: 'admin' }, { name: 'password', form: 'scalar', type: 'string', value: '123456' },
    ] });
    assert.equal(await jsonCall(front, login), '0');
    sent.connect++;
    // A page is not a DolphinDB call: not counted.
    assert.equal((await httpExchange(front, 'GET', '/')).status, 200);

    const want = cluster.nodes.map((n) => n.counters().requests);
    let got: PromSample[] = [];
    const agreed = await pollFor(async () => {
      got = await metrics(prom);
      return cluster.nodes.every((n, i) => sum(got, 'orcalb_dolphindb_requests_total', { node: n.name }) === want[i]);
    }, CALL_MS, 50);
    assert.ok(agreed, `per-node totals ${JSON.stringify(cluster.nodes.map((n) => sum(got, 'orcalb_dolphindb_requests_total', { node: n.name })))} != nodes' ${JSON.stringify(want)}`);
    const total = (labels: Record<string, string>): number => sum(got, 'orcalb_dolphindb_requests_total', labels);
    assert.equal(total({ status: 'error' }), sent.errors);
    assert.equal(total({ kind: 'script', status: 'error' }), sent.errors);
    // The npm clients' own connects (2) and the JSON login; scripts: the test's plus the clients' own set-up.
    assert.equal(total({ kind: 'connect', status: 'ok' }), 2 + sent.connect);
    assert.ok(total({ kind: 'script', status: 'ok' }) >= sent.script - sent.jsonErrors + 6);
    assert.ok(total({ kind: 'function', status: 'ok' }) >= sent.function);
    for (const n of cluster.nodes) {
      const calls = sum(got, 'orcalb_dolphindb_requests_total', { node: n.name });
      assert.ok(calls > 0, `${n.name} took calls`);
      assert.equal(sum(got, 'orcalb_dolphindb_request_seconds_count', { node: n.name }), calls);
      assert.equal(sum(got, 'orcalb_dolphindb_request_seconds_bucket', { node: n.name, le: '+Inf' }), calls);
    }
    // The failed JSON call's line names its error; the WebSocket sessions' lines (at their close) theirs.
    await syslog.waitFor((all) => all.some((m) => /nodes\/node\d 200 err=Syntax Error: \[line #231\] Cannot recognize the token foo/.test(m.text)),
      CALL_MS, 'the JSON-API error logged in %[ddb.err]');
    for (const d of npm) d.disconnect();
    npm.length = 0;
    await syslog.waitFor((all) => all.filter((m) => m.text.includes('err=Syntax Error: [line #231] Cannot recognize the token oops')).length === 2,
      CALL_MS, 'both WebSocket sessions logged with their error text');
  });
});
