// Issue 11: one port for every DolphinDB client. config/examples/ddb-one-port.cfg (a mode tcp frontend that switches
// HTTP clients to the HTTP engine and keeps the binary API a TCP pipe with send-proxy) serves, on one port, the npm
// `dolphindb` client over WebSocket, the JSON API, the web page and the project's binary-API client, against emulated
// nodes. Side by side with haproxy 2.6.12, which runs the same file with `req.payload(0,4)` in place of orcalb's
// ddb.proto. Test-runner thread; traffic on 127.0.0.1 only.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { DdbObject } from '../../core/dolphindb/objects.js';
import { assertClientBasics, connectDdb, startDdbCluster, type DdbCluster } from '../support/ddb-cluster.js';
import { DdbTcpClient } from '../support/ddb-tcp-client.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { executeCodeBody, httpExchange, pageNodeName } from '../support/http-exchange.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject, closeAll } from '../support/lb-subject.js';

const CALL_MS = 5000;
const EXAMPLE = readFileSync(new URL('../../../config/examples/ddb-one-port.cfg', import.meta.url), 'utf8');

/** The example on test ports (front, nodes 1-4), checks every 200ms; haproxy gets req.payload for ddb.proto. */
function config(subject: LbSubject, front: number, nodes: readonly number[]): string {
  let text = EXAMPLE.replaceAll('127.0.0.1:8848', `127.0.0.1:${front}`).replaceAll('inter 2s', 'inter 200ms');
  nodes.forEach((p, i) => (text = text.replaceAll(`127.0.0.1:880${i + 1}`, `127.0.0.1:${p}`)));
  if (subject === HAPROXY_SUBJECT) text = text.replaceAll('{ ddb.proto api api2 }', '{ req.payload(0,4) -m str "API " "API2" }');
  return text;
}

function stringOf(obj: DdbObject | undefined): string {
  assert.ok(obj?.form === 'scalar' && typeof obj.value === 'string', `expected a STRING scalar, got ${JSON.stringify(obj)}`);
  return obj.value;
}

for (const subject of [HAPROXY_SUBJECT, ORCALB_SUBJECT]) {
  describe(`one port for every DolphinDB client: ${subject.name}`, () => {
    let cluster: DdbCluster;
    let lb: LbProcess;
    let front = 0;
    before(async () => {
      // The nodes take a PROXY header when one comes (the API path) and none on the HTTP path.
      cluster = await startDdbCluster(4, { proxy: 'auto' });
      front = await freeTcpPort();
      lb = await subject.start(config(subject, front, cluster.ports()), front);
    });
    after(async () => {
      await closeAll(() => lb?.stop(), () => cluster?.close());
    });

    test('the npm client over WebSocket logs in and runs scripts', async (t) => {
      const ddb = await connectDdb(front);
      t.after(() => ddb.disconnect());
      await assertClientBasics(ddb, CALL_MS);
    });

    test('the JSON API answers POST / and the web page GET / on the same port', async () => {
      const answer = await httpExchange(front, 'POST', '/', { body: executeCodeBody('1+2') });
      assert.equal(answer.status, 200);
      const json = JSON.parse(answer.body) as { resultCode: string; object: unknown[] };
      assert.equal(json.resultCode, '0', answer.body);
      assert.deepEqual(json.object, [{ name: '', form: 'scalar', type: 'int', value: '3' }]);
      const page = await httpExchange(front, 'GET', '/');
      assert.equal(page.status, 200);
      assert.match(pageNodeName(page.body) ?? '', /^node[1-4]$/);
    });

    test('the binary API stays a TCP pipe with send-proxy: the node sees the PROXY header and binary traffic', async (t) => {
      const c = await DdbTcpClient.open(front);
      t.after(() => c.close());
      const hello = await c.call({ kind: 'connect', login: { user: 'admin', password: '123456' } });
      assert.equal(hello.reply.kind, 'ok');
      const alias = stringOf(await c.run('getNodeAlias()'));
      const localPort = c.socket.localPort ?? 0;
      const record = cluster.node(alias).connections().find((r) => r.proxy?.addresses?.srcPort === localPort);
      assert.ok(record, `${alias} recorded no PROXY header with source port ${localPort}`);
      assert.equal(record.protocol, 'binary');
    });
  });
}
