// Issue 16, `option dolphindb-inspect` through a running orcalb (--threads 2, mode tcp): binary-API clients and npm
// `dolphindb` clients (WebSocket, relayed at L4) make known calls on two emulated nodes; orcalb's Prometheus counters
// per node, kind and status must agree exactly with what the nodes counted and what the test sent, the latency
// histogram must count every exchange, and the tcplog line carries the session's error text in `%[ddb.err]`.
// Test-runner thread; orcalb is a child process.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DDB } from 'dolphindb';
import { ddbScalar, ddbVector } from '../../core/dolphindb/objects.js';
import { connectDdb, startDdbCluster, type DdbCluster } from '../support/ddb-cluster.js';
import { DdbTcpClient } from '../support/ddb-tcp-client.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { rawRequest } from '../support/http-client.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { parseExposition, type PromSample } from '../support/prometheus-exposition.js';
import { startSyslogReceiver, type SyslogReceiver } from '../support/syslog-receiver.js';
import { pollFor, within } from '../support/wait.js';

const CALL_MS = 5000;

function config(front: number, prom: number, nodes: readonly number[], syslog: number): string {
  return [
    'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 30s', '  timeout server 30s',
    'frontend fe_prom', '  mode http', `  bind 127.0.0.1:${prom}`, '  http-request use-service prometheus-exporter if { path /metrics }',
    'frontend ddb', `  bind 127.0.0.1:${front}`, `  log 127.0.0.1:${syslog} local0`,
    '  log-format "%b/%s err=%[ddb.err]"', '  default_backend nodes',
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

describe('issue 16: option dolphindb-inspect in a running orcalb', () => {
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

  test('counts per node, kind and status agree with the calls made; the histogram counts each; %[ddb.err] logs the error', async () => {
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
    const want = cluster.nodes.map((n) => n.counters().requests);
    let got: PromSample[] = [];
    // The last reply's count lands when its bytes pass; the scrape may come a moment before that.
    const agreed = await pollFor(async () => {
      got = await metrics(prom);
      return cluster.nodes.every((n, i) => sum(got, 'orcalb_dolphindb_requests_total', { node: n.name }) === want[i]);
    }, CALL_MS, 50);
    assert.ok(agreed, `per-node totals ${JSON.stringify(cluster.nodes.map((n) => sum(got, 'orcalb_dolphindb_requests_total', { node: n.name })))} != nodes' ${JSON.stringify(want)}`);
    const total = (labels: Record<string, string>): number => sum(got, 'orcalb_dolphindb_requests_total', labels);
    assert.equal(total({ status: 'error' }), sent.errors);
    assert.equal(total({ kind: 'upload', status: 'ok' }), sent.upload);
    assert.equal(total({ kind: 'script', status: 'error' }), sent.errors);
    assert.ok(total({ kind: 'connect', status: 'ok' }) >= sent.connect + 2);
    // Binary sessions alone account for this many scripts; the npm clients add their own.
    assert.ok(total({ kind: 'script' }) >= sent.script + 4);
    assert.ok(total({ kind: 'function', status: 'ok' }) >= sent.function);
    for (const n of cluster.nodes) {
      const calls = sum(got, 'orcalb_dolphindb_requests_total', { node: n.name });
      assert.equal(sum(got, 'orcalb_dolphindb_request_seconds_count', { node: n.name }), calls);
      assert.equal(sum(got, 'orcalb_dolphindb_request_seconds_bucket', { node: n.name, le: '+Inf' }), calls);
      assert.ok(sum(got, 'orcalb_dolphindb_request_seconds_sum', { node: n.name }) > 0);
    }
    // The text is escaped as HAProxy escapes client text in lines (`#` → `#23`): a reply cannot forge a line.
    await syslog.waitFor((all) => all.filter((m) => m.text.includes('err=Syntax Error: [line #231] Cannot recognize the token foo')).length === 4,
      CALL_MS, 'four binary sessions logged with their error text');
  });
});
