// Real DolphinDB clients through a balancer in HTTP mode (issue 4; the users' haproxy-http.cfg options): the npm
// `dolphindb` client over WebSocket, the JSON API (`POST /`) and the web page (`GET /`), plus what only an L7 proxy
// does (per-request balancing under http-server-close, its own 400 for a malformed request). The SUBJECTS table runs
// the same assertions under HAProxy 2.6 (proof the test is right) and orcalb. Test-runner thread.

import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { assertClientBasics, connectDdb, startDdbCluster, type DdbCluster } from '../support/ddb-cluster.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { executeCodeBody, httpExchange, pageNodeName } from '../support/http-exchange.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject, closeAll } from '../support/lb-subject.js';
import { within } from '../support/wait.js';

const NODE_COUNT = 4;
const CALL_MS = 5000;

// orcalb runs mode http as TCP until its L7 engine lands; the tests that need L7 fail for it until then.
const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];

/** The users' haproxy-http.cfg (seed tutorial) on loopback: same options, test-sized checks, no syslog target. */
function httpConfig(frontendPort: number, nodePorts: readonly number[]): string {
  const servers = nodePorts.map((p, i) => `    server node${i + 1} 127.0.0.1:${p} check inter 200ms rise 2 fall 2`);
  return [
    'defaults',
    '    mode                    http',
    '    option                  dontlognull',
    '    option http-server-close',
    '    option forwardfor       except 127.0.0.0/8',
    '    option                  redispatch',
    '    retries                 3',
    '    timeout http-request    10s',
    '    timeout queue           5s',
    '    timeout connect         1s',
    '    timeout client          1m',
    '    timeout server          1m',
    '    timeout http-keep-alive 10s',
    '    timeout check           1s',
    '    maxconn                 3000',
    '',
    'frontend    ddb_fronted',
    `    bind        127.0.0.1:${frontendPort}`,
    '    mode        http',
    '    default_backend ddb_backend',
    '',
    'backend ddb_backend',
    '    balance roundrobin',
    ...servers,
    '',
  ].join('\n');
}

/** Connections that carried bytes, over all nodes (TCP health checks connect and close silently: 'none'). */
function usedConnections(cluster: DdbCluster): number {
  return cluster.nodes.reduce((n, node) => n + node.connections().filter((r) => r.protocol !== 'none').length, 0);
}

for (const subject of SUBJECTS) {
  describe(`real DolphinDB clients through ${subject.name}, mode http (seed options)`, () => {
    let cluster: DdbCluster;
    let lb: LbProcess;
    let front: number;

    before(async () => {
      // An HTTP-mode balancer sends no PROXY header; 'forbid' makes a stray one fail loudly.
      cluster = await startDdbCluster(NODE_COUNT, { proxy: 'forbid' });
      front = await freeTcpPort();
      lb = await subject.start(httpConfig(front, cluster.ports()), front);
    });
    after(async () => {
      await closeAll(() => lb?.stop(), () => cluster?.close());
    });

    test('the npm client over WebSocket logs in and gets 1+1, version(), a table, print messages and the real error text', async (t) => {
      const ddb = await connectDdb(front);
      t.after(() => ddb.disconnect());
      await assertClientBasics(ddb, CALL_MS);
    });

    test('8 concurrent WebSocket sessions spread over all 4 nodes', async (t) => {
      const clients = await Promise.all(Array.from({ length: 8 }, () => connectDdb(front)));
      t.after(() => { for (const c of clients) c.disconnect(); });
      const aliases = await Promise.all(clients.map((c) => within(c.execute<string>('getNodeAlias()'), CALL_MS, 'getNodeAlias()')));
      assert.deepEqual([...new Set(aliases)].sort(), ['node1', 'node2', 'node3', 'node4'], aliases.join(','));
    });

    test('the JSON API answers POST / through the balancer', async () => {
      const answer = await httpExchange(front, 'POST', '/', { body: executeCodeBody('1+2') });
      assert.equal(answer.status, 200);
      assert.match(String(answer.headers['content-type']), /^application\/json/);
      const json = JSON.parse(answer.body) as { resultCode: string; object: unknown[] };
      assert.equal(json.resultCode, '0', answer.body);
      assert.deepEqual(json.object, [{ name: '', form: 'scalar', type: 'int', value: '3' }]);
      const bad = JSON.parse((await httpExchange(front, 'POST', '/', { body: executeCodeBody('foo bar') })).body) as { resultCode: string; msg: string };
      assert.equal(bad.resultCode, '1');
      assert.match(bad.msg, /Cannot recognize the token foo/);
    });

    test('GET / serves a data node page', async () => {
      const page = await httpExchange(front, 'GET', '/');
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.match(pageNodeName(page.body) ?? '', /^node[1-4]$/);
    });

    test('http-server-close: requests on one kept-alive client connection are balanced one by one over the nodes', async (t) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      t.after(() => agent.destroy());
      const pages = [];
      for (let i = 0; i < NODE_COUNT; i++) pages.push(await httpExchange(front, 'GET', '/', { agent }));
      // The client side stayed one connection…
      assert.equal(new Set(pages.map((p) => p.localPort)).size, 1, 'the balancer closed the client connection');
      // …while each request was balanced on its own (an L4 pipe would keep them all on one node).
      const names = pages.map((p) => pageNodeName(p.body));
      assert.equal(new Set(names).size, NODE_COUNT, names.join(','));
    });

    test('a malformed request is answered 400 by the balancer itself and reaches no node', async () => {
      const before = usedConnections(cluster);
      const text = await within(new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: front }, () => {
          socket.write('GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nthis line has no colon\r\n\r\n');
        });
        let got = '';
        socket.setEncoding('latin1');
        socket.on('data', (d: string) => (got += d));
        socket.on('close', () => resolve(got));
        socket.on('error', reject);
      }), CALL_MS, 'malformed request');
      assert.match(text, /^HTTP\/1\.[01] 400 /);
      assert.equal(usedConnections(cluster), before, 'a node received the malformed request');
    });
  });
}
