// Bytes through orcalb's TLS front arrive whole and in order under backpressure: 16 MiB echoed through a `mode tcp`
// ssl bind (the L4 pipe on a TLS socket: writes go through Node's TLS layer, never the fd's try-write, which would
// put clear text on the wire), and keep-alive HTTPS requests with 1 MiB bodies both ways through a `mode http` one.
// Test-runner thread; orcalb as a child process; 127.0.0.1 only.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import https from 'node:https';
import { test } from 'node:test';
import tls from 'node:tls';
import { startBackendFarm } from '../support/backend-farm.js';
import { startHttpBackends } from '../support/http-backends.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { closeAll, orcalbSubject } from '../support/lb-subject.js';
import { makeTlsCerts } from '../support/tls-certs.js';

const ORCALB = orcalbSubject('orcalb --threads 2', { threads: 2 });
const BULK = 16 * 1024 * 1024;

function config(front: number, server: number, crt: string, mode: 'tcp' | 'http'): string {
  return `defaults\n    mode ${mode}\n    timeout connect 2s\n    timeout client 20s\n    timeout server 20s\n` +
    `frontend fe\n    bind 127.0.0.1:${front} ssl crt ${crt}\n    default_backend be\nbackend be\n    server s1 127.0.0.1:${server}\n`;
}

test('mode tcp over TLS: 16 MiB echoed back whole and in order', async (t) => {
  const certs = await makeTlsCerts(t);
  const farm = await startBackendFarm(['s1']);
  const front = await freeTcpPort();
  const lb = await ORCALB.start(config(front, farm.ports()[0] ?? 0, certs.rsa, 'tcp'), front);
  t.after(() => closeAll(() => lb.stop(), () => farm.close()));
  const data = randomBytes(BULK);
  const echoed = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const s = tls.connect({ port: front, host: '127.0.0.1', rejectUnauthorized: false }, () => s.end(data));
    const timer = setTimeout(() => reject(new Error(`only ${got} bytes back`)), 60_000);
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
    });
    s.on('error', reject);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
  // The farm's server says its name first, then echoes.
  assert.equal(echoed.subarray(0, 3).toString(), 's1\n');
  const back = echoed.subarray(3);
  assert.equal(back.length, BULK);
  assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(data).digest('hex'));
});

test('mode http over TLS: keep-alive requests with 1 MiB bodies both ways on one connection', async (t) => {
  const certs = await makeTlsCerts(t);
  const backends = await startHttpBackends(['s1'], (_name, req, res) => {
    const h = createHash('sha256');
    let n = 0;
    req.on('data', (c: Buffer) => {
      h.update(c);
      n += c.length;
    });
    req.on('end', () => {
      const body = Buffer.alloc(1024 * 1024, n % 251);
      res.writeHead(200, { 'content-length': body.length, 'x-got': `${n} ${h.digest('hex')}` });
      res.end(body);
    });
  });
  const front = await freeTcpPort();
  const lb = await ORCALB.start(config(front, backends.ports()[0] ?? 0, certs.rsa, 'http'), front);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  t.after(() => closeAll(async () => agent.destroy(), () => lb.stop(), () => backends.close()));
  const ports = new Set<number>();
  for (let i = 0; i < 5; i++) {
    const upload = randomBytes(1024 * 1024);
    const r = await new Promise<{ got: string; length: number; port: number }>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: front, method: 'POST', path: `/${i}`, agent, headers: { 'content-length': upload.length } }, (res) => {
        let length = 0;
        res.on('data', (c: Buffer) => (length += c.length));
        res.on('end', () => resolve({ got: String(res.headers['x-got']), length, port: req.socket?.localPort ?? 0 }));
      });
      req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(upload);
    });
    assert.equal(r.got, `${upload.length} ${createHash('sha256').update(upload).digest('hex')}`);
    assert.equal(r.length, 1024 * 1024);
    ports.add(r.port);
  }
  assert.equal(ports.size, 1, 'one TLS connection carried every request');
});
