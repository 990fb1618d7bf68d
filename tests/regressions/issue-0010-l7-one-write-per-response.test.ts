// Regression (issue 10, design change 1; perf study §1): orcalb wrote a response head and its body in two writes, so
// every small keep-alive response reached the client as two TCP segments (one more loopback transmit and one more
// wake-up of the client per request, 3 writes per request where HAProxy makes 2). The head now leaves together with
// the body bytes that came with it. Measured from the client's own socket (the kernel's data_segs_in, `ss -ti`), side
// by side with haproxy 2.6: a backend that answers in one write is relayed in one segment per response by both.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { describe, test } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { RawHttpConnection } from '../support/http-client.js';
import { HAPROXY_SUBJECT, orcalbSubject, type LbSubject } from '../support/lb-subject.js';

const REQUESTS = 20;

/** A backend answering every request head with one write: head and a 5-byte body. */
async function oneWriteBackend(): Promise<net.Server> {
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    let pending = '';
    s.on('data', (d: Buffer) => {
      pending += d.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        pending = pending.slice(end + 4);
        s.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** Data segments the kernel received on this (established, loopback) client socket (ss omits the field at 0). */
function dataSegmentsIn(socket: net.Socket): number {
  const out = execFileSync('ss', ['-tinH', 'state', 'established', `( sport = :${socket.localPort ?? 0} )`]).toString();
  assert.match(out, new RegExp(`:${socket.localPort ?? 0}\\s`), 'ss shows the client socket');
  const m = /data_segs_in:(\d+)/.exec(out);
  return m === null ? 0 : Number(m[1]);
}

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, orcalbSubject('orcalb --threads 1', { threads: 1 })];

for (const subject of SUBJECTS) {
  describe(`small keep-alive responses through ${subject.name}`, () => {
    test(`${REQUESTS} responses whose server wrote each in one piece reach the client in ${REQUESTS} segments`, async (t) => {
      const backend = await oneWriteBackend();
      const front = await freeTcpPort();
      const config = [
        'defaults',
        '    mode http',
        '    timeout connect 5s',
        '    timeout client 30s',
        '    timeout server 30s',
        'frontend fe',
        `    bind 127.0.0.1:${front}`,
        '    default_backend be',
        'backend be',
        `    server s1 127.0.0.1:${(backend.address() as net.AddressInfo).port}`,
        '',
      ].join('\n');
      const lb = await subject.start(config, front);
      const c = await RawHttpConnection.open(front);
      t.after(async () => {
        c.destroy();
        await lb.stop();
        backend.close();
      });
      const before = dataSegmentsIn(c.socket);
      for (let i = 0; i < REQUESTS; i++) {
        c.write(`GET /r${i} HTTP/1.1\r\nhost: x\r\n\r\n`);
        const r = await c.response();
        assert.equal(r.body.toString(), 'hello');
      }
      assert.equal(dataSegmentsIn(c.socket) - before, REQUESTS);
    });
  });
}
