// Issue 16, hostile pass on the HTTP side of `option dolphindb-inspect` and `option dolphindb-json-affinity` (mode
// http, --threads 2, 2 emulated nodes): bodies that are not the JSON API, a chunked body, forged and endless
// sessionIDs, garbage inside a DolphinDB WebSocket. Each gets its answer, nobody else's call fails, a framing error
// only stops inspection for its session, and orcalb keeps serving and counting. Test-runner thread.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sampleSum, scrapeSamples } from '../support/ddb-metrics.js';
import { startDdbCluster, type DdbCluster } from '../support/ddb-cluster.js';
import { DdbWsClient } from '../support/ddb-ws-client.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { rawRequest } from '../support/http-client.js';
import { executeCode, executeCodeBody, httpExchange, type JsonApiAnswer } from '../support/http-exchange.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';

const CALL_MS = 5000;

function config(front: number, prom: number, nodes: readonly number[]): string {
  return [
    'defaults', '  mode http', '  timeout connect 1s', '  timeout client 30s', '  timeout server 30s',
    'frontend fe_prom', `  bind 127.0.0.1:${prom}`, '  http-request use-service prometheus-exporter if { path /metrics }',
    'frontend fe', `  bind 127.0.0.1:${front}`, '  default_backend nodes',
    'backend nodes', '  balance roundrobin', '  stick-table type string len 32 size 100 expire 1h',
    '  option dolphindb-json-affinity', '  option dolphindb-inspect',
    ...nodes.map((p, i) => `  server node${i + 1} 127.0.0.1:${p}`),
    '',
  ].join('\n');
}

async function errorsCounted(prom: number): Promise<number> {
  return sampleSum(await scrapeSamples(prom, CALL_MS), 'orcalb_dolphindb_requests_total', { status: 'error' });
}

describe('issue 16: hostile JSON-API and WebSocket traffic through an inspecting HTTP backend', () => {
  let cluster: DdbCluster;
  let lb: OrcalbProcess;
  let front: number;
  let prom: number;

  before(async () => {
    cluster = await startDdbCluster(2);
    front = await freeTcpPort();
    prom = await freeTcpPort();
    lb = await startOrcalb(config(front, prom, cluster.ports()), { threads: 2 });
  });
  after(async () => {
    await lb?.stop();
    await cluster?.close();
  });

  test('bodies that are not the API, forged and endless ids are answered and counted; a chunked body keeps its affinity', async () => {
    const before = await errorsCounted(prom);
    const junk = await httpExchange(front, 'POST', '/', { body: '{"sessionID": "12", not json' });
    assert.equal(junk.status, 400);
    const binary = await httpExchange(front, 'POST', '/', { body: '\u0000\u00ff{{{{[[[["\\' });
    assert.equal(binary.status, 400);
    // An id no node made: balanced as any, the node starts a session of its own.
    const forged = await executeCode(front, '1+1', '99999');
    assert.equal(forged.resultCode, '0');
    const endless = await httpExchange(front, 'POST', '/', { body: executeCodeBody('1+1', '7'.repeat(100_000)) });
    assert.equal(endless.status, 200);
    // A session made by one call, then reached through a chunked body (its chunk-size line before the JSON).
    const made = await executeCode(front, 'y = 5');
    assert.equal(made.resultCode, '0');
    for (let i = 0; i < 6; i++) {
      const body = executeCodeBody('y * 2', made.sessionID);
      const chunked = `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
      const res = await rawRequest(front, chunked, CALL_MS);
      assert.equal(res.status, 200);
      const a = JSON.parse(res.body.toString()) as JsonApiAnswer;
      assert.equal(a.sessionID, made.sessionID, `chunked call ${i} reached another node`);
      assert.equal(a.object[0]?.value, '10');
    }
    // The two 400s are counted as errors (no JSON-API answer), the rest as OK.
    assert.equal(await errorsCounted(prom) - before, 2);
  });

  test('garbage in a DolphinDB WebSocket stops inspection of that session only; its calls and others\' go on', async () => {
    const ws = await DdbWsClient.open(front);
    const other = await DdbWsClient.open(front);
    try {
      assert.equal((await ws.call({ kind: 'connect' })).kind, 'ok');
      assert.equal((await other.call({ kind: 'connect' })).kind, 'ok');
      ws.sendRaw('GARBAGE that is no request at all');
      const reply = await ws.call({ kind: 'script', script: '1+1' }, CALL_MS).catch((e: unknown) => e);
      // The node answers the garbage with an error reply, which this call reads; whether the call then gets a reply of
      // its own depends on whether the node read garbage and call in one read or two (seen both ways): resynchronised on
      // a marker before the strict checks.
      assert.ok(!(reply instanceof Error), String(reply));
      const value = (r: { kind: string; object?: unknown }): unknown => {
        const o = r.kind === 'ok' ? (r.object as { form?: string; value?: unknown } | undefined) : undefined;
        return o?.form === 'scalar' ? o.value : undefined;
      };
      let mark = await ws.call({ kind: 'script', script: '777+0' }, CALL_MS);
      for (let k = 0; k < 2 && value(mark) !== 777; k++) mark = await ws.next(CALL_MS);
      assert.equal(value(mark), 777, 'the session answers again after the garbage');
      for (let i = 0; i < 5; i++) {
        const v = await ws.run(`${i}+1`);
        assert.equal(v?.form === 'scalar' ? v.value : undefined, i + 1);
        const o = await other.run(`${i}+2`);
        assert.equal(o?.form === 'scalar' ? o.value : undefined, i + 2);
      }
    } finally {
      ws.close();
      other.close();
    }
    const page = await httpExchange(front, 'GET', '/');
    assert.equal(page.status, 200, 'orcalb still serves');
  });
});
