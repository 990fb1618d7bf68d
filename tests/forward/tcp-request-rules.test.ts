// tcp-request rules on a mode tcp frontend (issue 11), side by side with haproxy 2.6.12: connection rules on the
// source address, content rules over the first bytes with inspect-delay (reject, accept once enough bytes came, a
// client that sends nothing passed at the end of the delay), use_backend on the payload, switch-mode http to an HTTP
// backend, silent-drop. Each case is answered by both balancers on the same tagged servers. Test-runner thread;
// traffic on 127.0.0.1 only.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startBackendFarm, type BackendFarm } from '../support/backend-farm.js';
import { watchClose } from '../support/close-kind.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startTaggedHttpFarm, type TaggedHttpFarm } from '../support/http-tagged-backends.js';
import { RawHttpConnection, rawRequest } from '../support/http-client.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject, closeAll } from '../support/lb-subject.js';
import { delay, pollFor } from '../support/wait.js';

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
    use_backend %[req.payload(0,2)] if { req.payload(0,3) -m str "bb:" "zz:" }
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
      await closeAll(() => lb?.stop(), () => farm?.close());
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

    test('a dynamic use_backend names the backend from the payload; a name of no backend falls back to the default', async () => {
      assert.equal((await watchClose(port, 'bb: hi\n', 5000, { end: true })).data, 'b\nbb: hi\n');
      assert.equal((await watchClose(port, 'zz: hi\n', 5000, { end: true })).data, 'a\nzz: hi\n');
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

    test('connection reject on the source address: reset before a byte is read', async () => {
      const r = await watchClose(port, 'hello world\n', 5000, { localAddress: '127.0.0.2' });
      assert.equal(r.how, 'reset');
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

    test('switch-mode http with the client FIN in the first bytes: answered, then the connection ends', async () => {
      const r = await watchClose(port, 'GET /y HTTP/1.1\r\nhost: h\r\n\r\n', 5000, { end: true });
      assert.equal(r.how, 'fin');
      // haproxy 2.6.12 closes without an answer about one time in five here (the FIN read with the request is taken
      // for an abort, measured); orcalb answers every time.
      if (subject === HAPROXY_SUBJECT && r.data === '') return;
      assert.match(r.data, /^HTTP\/1\.1 200 /);
    });

    test('switch-mode http: an HTTP request on the TCP port is served by the HTTP backend', async () => {
      const res = await rawRequest(port, 'GET /x HTTP/1.1\r\nhost: h\r\n\r\n');
      assert.equal(res.status, 200);
      assert.equal(res.headers.find(([n]) => n === 'x-served-by')?.[1], 'w');
    });
  });
}

/** expect-proxy layer4, session rules on the address the PROXY header announces, sc-inc-gpc0 and a gpc0 limit. */
function proxyConfig(port: number, a: number): string {
  return `
defaults
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    mode tcp
    bind 127.0.0.1:${port}
    stick-table type ip size 1k expire 30s store gpc0,conn_cur
    tcp-request connection expect-proxy layer4 if { src 127.0.0.1 }
    tcp-request session track-sc0 src
    tcp-request session sc-inc-gpc0(0)
    tcp-request session reject if { sc0_get_gpc0 gt 2 }
    tcp-request inspect-delay 1s
    tcp-request content reject if { src 10.9.9.9 }
    default_backend ba
backend ba
    mode tcp
    server a 127.0.0.1:${a}
`;
}

const proxyLine = (src: string): string => `PROXY TCP4 ${src} 127.0.0.1 1111 80\r\n`;

for (const subject of SUBJECTS) {
  describe(`expect-proxy and counters in tcp-request rules, ${subject.name}`, () => {
    let farm: BackendFarm;
    let lb: LbProcess;
    let port = 0;
    before(async () => {
      farm = await startBackendFarm(['a']);
      port = await freeTcpPort();
      lb = await subject.start(proxyConfig(port, farm.port('a')), port);
    });
    after(async () => {
      await closeAll(() => lb?.stop(), () => farm?.close());
    });

    test('the PROXY header is read and taken off; the rules after it see the address it announces', async () => {
      const ok = await watchClose(port, `${proxyLine('10.1.1.1')}hello\n`, 5000, { end: true });
      assert.equal(ok.data, 'a\nhello\n');
      const refused = await watchClose(port, `${proxyLine('10.9.9.9')}hello\n`, 5000, { end: true });
      assert.equal(refused.data, '');
    });

    test('sc-inc-gpc0 counts each session of one announced client; the third past the limit is rejected', async () => {
      const seen: string[] = [];
      for (let i = 0; i < 4; i++) seen.push((await watchClose(port, `${proxyLine('10.2.2.2')}x\n`, 5000, { end: true })).data);
      assert.deepEqual(seen, ['a\nx\n', 'a\nx\n', '', '']);
      // Another announced client has its own entry.
      assert.equal((await watchClose(port, `${proxyLine('10.3.3.3')}y\n`, 5000, { end: true })).data, 'a\ny\n');
    });
  });
}

/** A mode http frontend: its connection rules run before the HTTP session (source reject, a per-source limit). */
function httpConfig(port: number, web: number, proxied: number): string {
  return `
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    timeout http-keep-alive 10s
frontend proxied
    bind 127.0.0.1:${proxied} accept-proxy
    tcp-request connection reject if { src 127.0.0.3 }
    default_backend web
frontend fe
    bind 127.0.0.1:${port}
    stick-table type ip size 1k expire 30s store conn_cur
    tcp-request connection reject if { src 127.0.0.3 }
    tcp-request connection track-sc0 src
    tcp-request connection reject if { sc0_conn_cur gt 2 }
    default_backend web
backend web
    server w 127.0.0.1:${web}
`;
}

/** One request on a new keep-alive connection from `from`: the open connection, or undefined when it was refused. */
async function openServed(port: number, from: string): Promise<RawHttpConnection | undefined> {
  let c: RawHttpConnection;
  try {
    c = await RawHttpConnection.open(port, from);
  } catch {
    // Reset during the handshake: haproxy's (and orcalb's) answer to a connection rule's reject.
    return undefined;
  }
  try {
    c.write('GET / HTTP/1.1\r\nhost: h\r\n\r\n');
    const res = await c.response();
    if (res.status === 200) return c;
  } catch {
    // closed without an answer: refused
  }
  c.destroy();
  return undefined;
}

for (const subject of SUBJECTS) {
  describe(`tcp-request connection rules on a mode http frontend, ${subject.name}`, () => {
    let web: TaggedHttpFarm;
    let lb: LbProcess;
    let port = 0;
    let proxied = 0;
    before(async () => {
      web = await startTaggedHttpFarm(['w']);
      port = await freeTcpPort();
      proxied = await freeTcpPort();
      lb = await subject.start(httpConfig(port, web.byName('w').port, proxied), port);
    });
    after(async () => {
      await lb?.stop();
      await web?.close();
    });

    test('a rejected source gets no answer; another is served', async () => {
      assert.equal(await openServed(port, '127.0.0.3'), undefined);
      const ok = await openServed(port, '127.0.0.4');
      assert.ok(ok !== undefined);
      ok.destroy();
    });

    test('on an accept-proxy bind the connection rules run first, then the HTTP session reads the PROXY header', async () => {
      const r = await watchClose(proxied, 'PROXY TCP4 10.5.5.5 127.0.0.1 1111 80\r\nGET / HTTP/1.1\r\nhost: h\r\nconnection: close\r\n\r\n', 5000);
      assert.match(r.data, /^HTTP\/1\.1 200 /);
      const refused = await watchClose(proxied, 'PROXY TCP4 10.5.5.5 127.0.0.1 1111 80\r\n', 5000, { localAddress: '127.0.0.3' });
      assert.deepEqual([refused.how, refused.data], ['reset', '']);
    });

    test('two connections of one source are held, a third is refused until one closes', async (t) => {
      const a = await openServed(port, '127.0.0.5');
      const b = await openServed(port, '127.0.0.5');
      t.after(() => { a?.destroy(); b?.destroy(); });
      assert.ok(a !== undefined && b !== undefined);
      assert.equal(await openServed(port, '127.0.0.5'), undefined);
      a.destroy();
      let c: RawHttpConnection | undefined;
      assert.ok(await pollFor(async () => (c = await openServed(port, '127.0.0.5')) !== undefined, 5000, 20));
      c?.destroy();
    });
  });
}

/** `timeout client` shorter than the inspect delay: it runs from the last read during the inspection. */
function idleConfig(port: number, a: number): string {
  return `
defaults
    timeout connect 2s
    timeout client 1s
    timeout server 10s
frontend fe
    mode tcp
    bind 127.0.0.1:${port}
    tcp-request inspect-delay 3s
    tcp-request content accept if { req.len gt 10 }
    default_backend ba
backend ba
    mode tcp
    server a 127.0.0.1:${a}
`;
}

for (const subject of SUBJECTS) {
  describe(`timeout client during the inspection, ${subject.name}`, () => {
    let farm: BackendFarm;
    let lb: LbProcess;
    let port = 0;
    before(async () => {
      farm = await startBackendFarm(['a']);
      port = await freeTcpPort();
      lb = await subject.start(idleConfig(port, farm.port('a')), port);
    });
    after(async () => {
      await closeAll(() => lb?.stop(), () => farm?.close());
    });

    test('a client silent for timeout client is closed without a server, before the inspect delay ends', async () => {
      const before = farm.seq();
      for (const payload of ['', 'abc']) {
        const r = await watchClose(port, payload, 2500);
        assert.deepEqual([r.how, r.data], ['fin', '']);
      }
      assert.equal(farm.seq(), before, 'no server connection was made');
    });

    test('a client that keeps sending within timeout client is judged when it has said enough', async (t) => {
      const s = connect(port, '127.0.0.1');
      t.after(() => s.destroy());
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString('latin1')));
      s.on('error', () => undefined);
      // 12 bytes, one every 150 ms: each read restarts timeout client, and the 11th makes req.len gt 10.
      for (let i = 0; i < 12; i++) {
        s.write('y');
        await delay(150);
      }
      assert.ok(await pollFor(() => got === 'a\nyyyyyyyyyyyy', 3000, 10), JSON.stringify(got));
    });
  });
}

/** A backend section's own content rules, run once a frontend chose it, with its own inspect delay. */
function backendConfig(plain: number, inspecting: number, a: number): string {
  return `
defaults
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend plain
    mode tcp
    bind 127.0.0.1:${plain}
    default_backend bt
frontend inspecting
    mode tcp
    bind 127.0.0.1:${inspecting}
    tcp-request inspect-delay 1s
    tcp-request content accept if { req.len gt 0 }
    default_backend bt
backend bt
    mode tcp
    tcp-request inspect-delay 1500
    tcp-request content reject if { req.payload(0,4) -m str EVIL }
    tcp-request content accept if { req.len gt 7 }
    server a 127.0.0.1:${a}
`;
}

for (const subject of SUBJECTS) {
  describe(`a backend's tcp-request content rules, ${subject.name}`, () => {
    let farm: BackendFarm;
    let lb: LbProcess;
    let plain = 0;
    let inspecting = 0;
    before(async () => {
      farm = await startBackendFarm(['a']);
      plain = await freeTcpPort();
      inspecting = await freeTcpPort();
      lb = await subject.start(backendConfig(plain, inspecting, farm.port('a')), plain);
    });
    after(async () => {
      await closeAll(() => lb?.stop(), () => farm?.close());
    });

    test('they run behind a frontend with no rules of its own and behind one with its own', async () => {
      for (const port of [plain, inspecting]) {
        assert.deepEqual(await watchClose(port, 'EVIL\n', 3000).then((r) => [r.how, r.data]), ['fin', ''], `port ${port}`);
        assert.equal((await watchClose(port, 'abcdefghij', 5000, { end: true })).data, 'a\nabcdefghij', `port ${port}`);
      }
    });

    test("bytes short of the backend's rules wait for its inspect delay, then pass", async () => {
      const r = await watchClose(inspecting, 'abc', 4000);
      assert.equal(r.data, 'a\nabc');
    });
  });
}
