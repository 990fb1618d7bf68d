// Issue 11, hostile pass over tcp-request content inspection, side by side with haproxy 2.6.12: a 10 000-byte first
// packet reaches the server whole (rules see what fits, nothing is lost), an HTTP client pipelining a second request
// in its first packet through switch-mode http gets both answers, and a storm of rejected connections leaves the
// balancer's descriptors where they were; a binary-API client switched to HTTP is answered 400. Test-runner thread; traffic on 127.0.0.1 only; every loop bounded.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startBackendFarm, type BackendFarm } from '../support/backend-farm.js';
import { watchClose } from '../support/close-kind.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startTaggedHttpFarm, type TaggedHttpFarm } from '../support/http-tagged-backends.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject, closeAll } from '../support/lb-subject.js';
import { openFds } from '../support/process-fds.js';
import { pollFor } from '../support/wait.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];
const STORM = 400;

function config(port: number, tcp: number, web: number, allHttp: number, big: number): string {
  return `
defaults
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    mode tcp
    bind 127.0.0.1:${port}
    tcp-request inspect-delay 3s
    tcp-request content reject if { req.payload(0,4) -m str EVIL }
    tcp-request content switch-mode http if HTTP
    tcp-request content accept if { req.len ge 8000 }
    use_backend web if HTTP
    default_backend ba
frontend big
    mode tcp
    bind 127.0.0.1:${big}
    tcp-request inspect-delay 3s
    tcp-request content reject if { req.len gt 20000 }
    default_backend ba
frontend all_http
    mode tcp
    bind 127.0.0.1:${allHttp}
    tcp-request inspect-delay 3s
    tcp-request content switch-mode http
    default_backend web
backend ba
    mode tcp
    server a 127.0.0.1:${tcp}
backend web
    mode http
    server w 127.0.0.1:${web}
`;
}

/** Sends `text` and collects what comes back until the peer closes (or timeoutMs). Never rejects. */
function collect(port: number, text: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let got = '';
    const timer = setTimeout(() => s.destroy(), timeoutMs);
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

for (const subject of SUBJECTS) {
  describe(`hostile clients on tcp-request content rules: ${subject.name}`, () => {
    let farm: BackendFarm;
    let web: TaggedHttpFarm;
    let lb: LbProcess;
    let port = 0;
    let allHttp = 0;
    let big = 0;
    before(async () => {
      farm = await startBackendFarm(['a']);
      web = await startTaggedHttpFarm(['w']);
      port = await freeTcpPort();
      allHttp = await freeTcpPort();
      big = await freeTcpPort();
      lb = await subject.start(config(port, farm.port('a'), web.byName('w').port, allHttp, big), port);
    });
    after(async () => {
      await closeAll(() => lb?.stop(), () => farm?.close());
      await web?.close();
    });

    test('a 10 000-byte first packet is accepted and reaches the server whole, in order', async () => {
      const payload = Array.from({ length: 10_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
      const r = await watchClose(port, payload, 5000, { end: true });
      assert.equal(r.data, `a\n${payload}`);
    });

    test('100 000 bytes at once: the rules see a full buffer (never 20 000 bytes), pass, and every byte reaches the server', async () => {
      const payload = Array.from({ length: 100_000 }, (_, i) => String.fromCharCode(65 + (i % 26))).join('');
      const r = await watchClose(big, payload, 5000, { end: true });
      assert.equal(r.data.length, payload.length + 2);
      assert.ok(r.data === `a\n${payload}`, 'the echo differs from what was sent');
    });

    test('a head too big for the buffer, or with too many fields, is not HTTP to the rules: it stays a TCP stream', async () => {
      const huge = `GET / HTTP/1.1\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`;
      assert.equal((await watchClose(port, huge, 5000, { end: true })).data, `a\n${huge}`);
      const many = `GET / HTTP/1.1\r\n${Array.from({ length: 120 }, (_, i) => `h${i}: v\r\n`).join('')}\r\n`;
      assert.equal((await watchClose(port, many, 6000, { end: true })).data, `a\n${many}`);
    });

    test('switch-mode http with a second request pipelined in the first packet: both are answered', async () => {
      const two = 'GET /1 HTTP/1.1\r\nhost: h\r\n\r\nGET /2 HTTP/1.1\r\nhost: h\r\nconnection: close\r\n\r\n';
      const got = await collect(port, two, 5000);
      assert.equal(got.match(/HTTP\/1\.1 200/g)?.length, 2, got);
    });

    test('a client dribbling its first bytes is passed when the inspect delay ends, and others are served meanwhile', async (t) => {
      const s = connect(port, '127.0.0.1');
      t.after(() => s.destroy());
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString('latin1')));
      s.on('error', () => undefined);
      const timer = setInterval(() => s.write('z'), 50);
      t.after(() => clearInterval(timer));
      // While it dribbles, a client that says enough at once is served at once.
      const quick = await watchClose(port, 'q'.repeat(8000), 5000, { end: true });
      assert.equal(quick.data.length, 8002);
      assert.equal(got, '');
      // Bounded: at most the inspect delay (3s) and the connect.
      assert.ok(await pollFor(() => got.startsWith('a\nz'), 6000, 20), `the dribbling client got ${JSON.stringify(got)}`);
    });

    test('a binary-API client switched to HTTP anyway gets a 400 from the balancer, and no server sees it', async () => {
      const before = web.byName('w').headLog.length;
      const r = await watchClose(allHttp, 'API 0 12\nconnect\n', 5000);
      assert.match(r.data, /^HTTP\/1\.[01] 400 /);
      assert.equal(web.byName('w').headLog.length, before);
    });

    test(`${STORM} rejected connections leave the descriptors where they were`, async () => {
      const baseline = openFds(lb.pid);
      for (let i = 0; i < STORM; i += 20) {
        const batch = await Promise.all(Array.from({ length: 20 }, () => watchClose(port, 'EVIL!\n', 3000)));
        assert.ok(batch.every((r) => r.how !== 'open' && r.data === ''));
      }
      assert.ok(await pollFor(() => openFds(lb.pid) <= baseline + 2, 5000, 20), `fds ${openFds(lb.pid)} > baseline ${baseline}`);
    });
  });
}
