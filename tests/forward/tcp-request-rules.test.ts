// tcp-request rules on a mode tcp frontend (issue 11), side by side with haproxy 2.6.12: connection rules on the
// source address, content rules over the first bytes with inspect-delay (reject, accept once enough bytes came, a
// client that sends nothing passed at the end of the delay), use_backend on the payload, switch-mode http to an HTTP
// backend, silent-drop. Each case is answered by both balancers on the same tagged servers. Test-runner thread;
// traffic on 127.0.0.1 only.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBackendFarm, type BackendFarm } from '../support/backend-farm.js';
import { watchClose } from '../support/close-kind.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startTaggedHttpFarm, type TaggedHttpFarm } from '../support/http-tagged-backends.js';
import { rawRequest } from '../support/http-client.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject } from '../support/lb-subject.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];
const DELAY_MS = 1500;

function config(port: number, a: number, b: number, web: number): string {
  return `
defaults
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    mode tcp
    bind 127.0.0.1:${port}
    tcp-request inspect-delay ${DELAY_MS}
    acl from2 src 127.0.0.2
    tcp-request connection reject if from2
    tcp-request content reject if { req.payload(0,4) -m str EVIL }
    tcp-request content silent-drop if { req.payload(0,4) -m str DROP }
    tcp-request content switch-mode http if HTTP
    tcp-request content accept if { req.len ge 4 }
    use_backend bb if { req.payload(0,4) -m str "API " }
    use_backend web if HTTP
    default_backend ba
backend ba
    mode tcp
    server a 127.0.0.1:${a}
backend bb
    mode tcp
    server b 127.0.0.1:${b}
backend web
    mode http
    server w 127.0.0.1:${web}
`;
}

for (const subject of SUBJECTS) {
  describe(`tcp-request rules, ${subject.name}`, () => {
    let farm: BackendFarm;
    let web: TaggedHttpFarm;
    let lb: LbProcess;
    let port = 0;
    before(async () => {
      farm = await startBackendFarm(['a', 'b']);
      web = await startTaggedHttpFarm(['w']);
      port = await freeTcpPort();
      lb = await subject.start(config(port, farm.port('a'), farm.port('b'), web.byName('w').port), port);
    });
    after(async () => {
      await lb?.stop();
      await farm?.close();
      await web?.close();
    });

    test('bytes that no rule stops go to the default backend, the first bytes first', async () => {
      const r = await watchClose(port, 'hello world\n', 5000, { end: true });
      assert.equal(r.data, 'a\nhello world\n');
    });

    test('use_backend on the payload: an "API " client goes to its backend', async () => {
      const r = await watchClose(port, 'API 0 12\nconnect\n', 5000, { end: true });
      assert.equal(r.data, 'b\nAPI 0 12\nconnect\n');
    });

    test('content reject closes the connection without a server', async () => {
      const before = farm.seq();
      const r = await watchClose(port, 'EVIL bytes\n', 5000);
      assert.equal(r.how, 'fin');
      assert.equal(r.data, '');
      assert.equal(farm.dataConnections(undefined, before).length, 0);
    });

    test('silent-drop ends the connection without a FIN', async () => {
      const r = await watchClose(port, 'DROP it\n', 5000);
      assert.notEqual(r.how, 'fin');
      assert.equal(r.data, '');
    });

    test('connection reject on the source address: closed before a byte is read', async () => {
      const r = await watchClose(port, 'hello world\n', 5000, { localAddress: '127.0.0.2' });
      assert.notEqual(r.how, 'open');
      assert.equal(r.data, '');
    });

    test('a client that sends nothing is passed to the default backend when the inspect delay ends', async () => {
      const r = await watchClose(port, '', DELAY_MS + 3000);
      assert.equal(r.how, 'open');
      assert.equal(r.data, 'a\n');
    });

    test('bytes short of every rule wait, then pass once the delay ends', async () => {
      const r = await watchClose(port, 'ab', DELAY_MS + 3000);
      assert.equal(r.data, 'a\nab');
    });

    test('switch-mode http: an HTTP request on the TCP port is served by the HTTP backend', async () => {
      const res = await rawRequest(port, 'GET /x HTTP/1.1\r\nhost: h\r\n\r\n');
      assert.equal(res.status, 200);
      assert.equal(res.headers.find(([n]) => n === 'x-served-by')?.[1], 'w');
    });
  });
}
