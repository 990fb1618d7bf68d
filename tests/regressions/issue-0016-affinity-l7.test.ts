// Issue 16, Done-when (4): affinity for the web console and the JSON API through a running orcalb (mode http,
// --threads 2, roundrobin over 3 emulated nodes). A browser session (its page, then its WebSocket carrying the
// persistence cookie the page set) and a JSON-API session (its sessionID, each request on a new TCP connection) stay
// on their node across 50 requests while cookie-less and new-session clients spread; without affinity the JSON-API
// session would lose its variables at the next node. Test-runner thread; orcalb is a child process.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DdbObject } from '../../core/dolphindb/objects.js';
import { startDdbCluster, type DdbCluster } from '../support/ddb-cluster.js';
import { DdbWsClient } from '../support/ddb-ws-client.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { executeCode, httpExchange, pageNodeName } from '../support/http-exchange.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';

const ROUNDS = 50;

function config(front: number, nodes: readonly number[]): string {
  return [
    'defaults', '  mode http', '  timeout connect 1s', '  timeout client 30s', '  timeout server 30s',
    'frontend fe', `  bind 127.0.0.1:${front}`, '  default_backend nodes',
    'backend nodes', '  balance roundrobin',
    '  cookie DDBNODE insert indirect nocache',
    '  stick-table type string len 32 size 10k expire 1h',
    '  option dolphindb-json-affinity',
    ...nodes.map((p, i) => `  server node${i + 1} 127.0.0.1:${p} cookie n${i + 1}`),
    '',
  ].join('\n');
}

function text(obj: DdbObject | undefined): string {
  assert.equal(obj?.form, 'scalar');
  return String(obj.value);
}

describe('issue 16: web console and JSON-API sessions keep their node through orcalb (mode http)', () => {
  let cluster: DdbCluster;
  let lb: OrcalbProcess;
  let front: number;

  before(async () => {
    cluster = await startDdbCluster(3);
    front = await freeTcpPort();
    lb = await startOrcalb(config(front, cluster.ports()), { threads: 2 });
  });
  after(async () => {
    await lb?.stop();
    await cluster?.close();
  });

  test('a browser: its page and its WebSocket calls, 50 requests, all on the node its cookie names', async () => {
    const page = await httpExchange(front, 'GET', '/');
    assert.equal(page.status, 200);
    const node = pageNodeName(page.body);
    const cookie = /DDBNODE=(n\d)/.exec(String(page.headers['set-cookie'] ?? ''))?.[1];
    assert.ok(node !== undefined && cookie !== undefined, `page ${node} cookie ${cookie}`);
    // The console's WebSocket comes with the browser's cookie: it lands on the node that served the page.
    const ws = await DdbWsClient.open(front, { Cookie: `DDBNODE=${cookie}` });
    try {
      const login = await ws.call({ kind: 'connect', login: { user: 'admin', password: '123456' } });
      assert.equal(login.kind, 'ok');
      const seen = new Set<string>();
      for (let i = 2; i < ROUNDS; i++) seen.add(text(await ws.run('getNodeAlias()')));
      assert.deepEqual([...seen], [node]);
      // More page loads of the same browser stay there too (50 requests in all with the ones above).
      const again = await httpExchange(front, 'GET', '/', { headers: { Cookie: `DDBNODE=${cookie}` } });
      assert.equal(pageNodeName(again.body), node);
    } finally {
      ws.close();
    }
    // Browsers without the cookie spread over the nodes (roundrobin), each getting a cookie of its own node.
    const others = new Set<string>();
    for (let i = 0; i < 6; i++) others.add(pageNodeName((await httpExchange(front, 'GET', '/')).body) ?? '?');
    assert.equal(others.size, 3, `cookie-less pages went to ${[...others].join(', ')}`);
  });

  test('a JSON-API session: 50 calls on new connections stay on the node that made its sessionID; new sessions spread', async () => {
    const first = await executeCode(front, 'x = 41', '0');
    assert.equal(first.resultCode, '0', first.msg);
    const sid = first.sessionID;
    assert.match(sid, /^\d+$/);
    assert.notEqual(sid, '0');
    const nodes = new Set<string>();
    for (let i = 1; i < ROUNDS; i++) {
      // The session's variable is there at each call: the request reached the node holding the session.
      const a = await executeCode(front, 'x + 1', sid);
      assert.equal(a.resultCode, '0', `call ${i}: ${a.msg}`);
      assert.equal(a.sessionID, sid, `call ${i} answered by another session`);
      assert.equal(a.object[0]?.value, '42');
      nodes.add(String((await executeCode(front, 'getNodeAlias()', sid)).object[0]?.value));
    }
    assert.equal(nodes.size, 1, `the session's calls went to ${[...nodes].join(', ')}`);
    // New sessions (sessionID "0") are balanced as usual.
    const fresh = new Set<string>();
    for (let i = 0; i < 6; i++) fresh.add(String((await executeCode(front, 'getNodeAlias()', '0')).object[0]?.value));
    assert.equal(fresh.size, 3, `new sessions went to ${[...fresh].join(', ')}`);
  });
});
