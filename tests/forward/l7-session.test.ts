// HTTP mode forwarding end to end through orcalb --threads 1: keep-alive reuse and the three connection modes,
// pipelined requests answered in order, HTTP/1.0 clients, 100-continue, chunked bodies streamed both ways with
// backpressure (a 20 MB upload into a paused backend), and the slowloris defence (408 while others are served).
// Test-runner thread; orcalb runs as a child process, backends are node:http servers.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startHttpBackends, type HttpBackends } from '../support/http-backends.js';
import { HAPROXY_408 } from '../support/http-error-pages.js';
import { RawHttpConnection } from '../support/http-client.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';

const UPLOAD_BYTES = 20 * 1024 * 1024;

/** Resident memory of a process in KiB (VmRSS). */
function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

describe('HTTP mode forwarding', () => {
  let orcalb: OrcalbProcess;
  let pair: HttpBackends;
  let stream: HttpBackends;
  /** Resolves the paused upload of the backpressure test. */
  let releaseUpload: () => void = () => undefined;
  const ports: Record<string, number> = {};

  before(async () => {
    pair = await startHttpBackends(['a', 'b'], (name, req, res, seen) => {
      req.on('data', (c: Buffer) => (seen.bodyBytes += c.length));
      req.on('end', () => {
        const body = `${name} ${req.url ?? ''}\n`;
        const send = (): void => {
          res.writeHead(200, { 'content-length': Buffer.byteLength(body) });
          res.end(body);
        };
        // /slow answers late, so a pipelined request behind it would overtake it if served concurrently.
        if (req.url?.startsWith('/slow') === true) setTimeout(send, 150);
        else send();
      });
    });
    stream = await startHttpBackends(['s'], (_name, req, res, seen) => {
      if (req.url === '/upload') {
        // Reads nothing until the test releases it: the client must be held back by backpressure.
        req.pause();
        releaseUpload = () => {
          req.on('data', (c: Buffer) => (seen.bodyBytes += c.length));
          req.resume();
        };
        req.on('end', () => {
          res.writeHead(200, { 'content-length': String(String(seen.bodyBytes).length) });
          res.end(String(seen.bodyBytes));
        });
        return;
      }
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        let n = 0;
        const tick = (): void => {
          if (n++ === 5) return void res.end();
          res.write(`part${n};`);
          setTimeout(tick, 5);
        };
        tick();
        return;
      }
      req.on('data', (c: Buffer) => (seen.bodyBytes += c.length));
      req.on('end', () => {
        res.writeHead(200, { 'content-length': String(String(seen.bodyBytes).length) });
        res.end(String(seen.bodyBytes));
      });
    });
    for (const name of ['pair', 'ka', 'close', 'stream']) ports[name] = await freeTcpPort();
    const [a, b] = pair.ports();
    const [s] = stream.ports();
    const config = [
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 5s',
      '  timeout server 5s',
      '  timeout http-request 600ms',
      '  timeout http-keep-alive 2s',
      'frontend f_pair',
      `  bind 127.0.0.1:${ports['pair']}`,
      '  option http-server-close',
      '  default_backend b_pair',
      'backend b_pair',
      '  option http-server-close',
      `  server a 127.0.0.1:${a}`,
      `  server b 127.0.0.1:${b}`,
      'frontend f_ka',
      `  bind 127.0.0.1:${ports['ka']}`,
      '  default_backend b_ka',
      'backend b_ka',
      `  server s 127.0.0.1:${s}`,
      'frontend f_close',
      `  bind 127.0.0.1:${ports['close']}`,
      '  option httpclose',
      '  default_backend b_close',
      'backend b_close',
      '  option httpclose',
      `  server a 127.0.0.1:${a}`,
      'frontend f_stream',
      `  bind 127.0.0.1:${ports['stream']}`,
      '  default_backend b_stream',
      'backend b_stream',
      `  server s 127.0.0.1:${s}`,
      '',
    ].join('\n');
    orcalb = await startOrcalb(config, { threads: 1 });
  });

  after(async () => {
    await orcalb.stop();
    await pair.close();
    await stream.close();
  });

  test('keep-alive client under http-server-close: round robin, one server connection per request', async () => {
    const c = await RawHttpConnection.open(ports['pair'] ?? 0);
    const from = pair.requests.length;
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      c.write(`GET /r${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const r = await c.response();
      assert.equal(r.headers.find(([k]) => k === 'connection'), undefined);
      names.push(r.body.toString().split(' ')[0] ?? '');
    }
    c.destroy();
    assert.deepEqual(names.slice(1), names[0] === 'a' ? ['b', 'a', 'b'] : ['a', 'b', 'a']);
    const seen = pair.requests.slice(from);
    assert.equal(new Set(seen.map((r) => `${r.server}/${r.connection}`)).size, 4);
    for (const r of seen) assert.match(r.head, /\nconnection: close$/);
  });

  test('pipelined requests are answered in order, even when the first one is slower', async () => {
    const c = await RawHttpConnection.open(ports['pair'] ?? 0);
    c.write('GET /slow1 HTTP/1.1\r\nHost: x\r\n\r\nGET /fast2 HTTP/1.1\r\nHost: x\r\n\r\nGET /fast3 HTTP/1.1\r\nHost: x\r\n\r\n');
    const paths: string[] = [];
    for (let i = 0; i < 3; i++) paths.push((await c.response()).body.toString().trim().split(' ')[1] ?? '');
    c.destroy();
    assert.deepEqual(paths, ['/slow1', '/fast2', '/fast3']);
  });

  test('an HTTP/1.0 client is served as HTTP/1.0 and closed after the response', async () => {
    const from = pair.requests.length;
    const c = await RawHttpConnection.open(ports['pair'] ?? 0);
    c.write('GET /old HTTP/1.0\r\nHost: x\r\n\r\n');
    const r = await c.response();
    assert.equal(r.status, 200);
    assert.equal(r.headers.find(([k]) => k === 'connection')?.[1], 'close');
    await c.waitClosed();
    assert.equal(pair.requests[from]?.head, 'GET /old HTTP/1.0\nhost: x');
  });

  test('default http-keep-alive: one server connection carries every request of the client', async () => {
    const before = stream.connections('s');
    const c = await RawHttpConnection.open(ports['ka'] ?? 0);
    for (let i = 0; i < 3; i++) {
      c.write(`POST /ka HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi`);
      assert.equal((await c.response()).body.toString(), '2');
    }
    c.destroy();
    assert.equal(stream.connections('s') - before, 1);
  });

  test('option httpclose: the client gets connection: close and is closed', async () => {
    const c = await RawHttpConnection.open(ports['close'] ?? 0);
    c.write('GET /c HTTP/1.1\r\nHost: x\r\n\r\n');
    const r = await c.response();
    assert.equal(r.headers.find(([k]) => k === 'connection')?.[1], 'close');
    await c.waitClosed();
  });

  test('Expect: 100-continue is relayed, then the body goes through', async () => {
    const c = await RawHttpConnection.open(ports['stream'] ?? 0);
    c.write('POST /cont HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    const interim = await c.response();
    assert.equal(interim.status, 100);
    c.write('hello');
    const r = await c.response();
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), '5');
    c.destroy();
  });

  test('a chunked response is streamed to the client chunk by chunk', async () => {
    const c = await RawHttpConnection.open(ports['stream'] ?? 0);
    c.write('GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n');
    const r = await c.response();
    assert.equal(r.headers.find(([k]) => k === 'transfer-encoding')?.[1], 'chunked');
    assert.equal(r.body.toString(), 'part1;part2;part3;part4;part5;');
    c.destroy();
  });

  test('a 20 MB chunked upload into a backend that does not read is held back (bounded memory), then completes', async () => {
    const c = await RawHttpConnection.open(ports['stream'] ?? 0);
    const rssBefore = rssKiB(orcalb.pid);
    c.write('POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    const piece = Buffer.alloc(64 * 1024, 0x61);
    const chunk = Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
    let sent = 0;
    let stalled = false;
    while (sent < UPLOAD_BYTES) {
      sent += piece.length;
      if (!c.socket.write(chunk)) {
        // No drain within 1 s while the backend reads nothing: the whole chain pushes back on the client.
        const drained = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 1000);
          c.socket.once('drain', () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
        if (!drained) {
          stalled = true;
          break;
        }
      }
    }
    assert.ok(stalled, `the client was never held back (wrote ${sent} bytes)`);
    assert.ok(sent < UPLOAD_BYTES, 'the whole body went out while the backend read nothing');
    const grownKiB = rssKiB(orcalb.pid) - rssBefore;
    assert.ok(grownKiB < 12 * 1024, `orcalb grew by ${grownKiB} KiB while holding an upload back`);
    releaseUpload();
    while (sent < UPLOAD_BYTES) {
      sent += piece.length;
      if (!c.socket.write(chunk)) await new Promise((resolve) => c.socket.once('drain', resolve));
    }
    c.write('0\r\n\r\n');
    const r = await c.response(15_000);
    assert.equal(r.body.toString(), String(UPLOAD_BYTES));
    c.destroy();
  });

  test('a client that never finishes its head gets 408 after timeout http-request; others are served meanwhile', async () => {
    const slow = await RawHttpConnection.open(ports['pair'] ?? 0);
    slow.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const slowAnswer = slow.response(5000).then((r) => ({ r, at: performance.now() }));
    const served: number[] = [];
    const other = await RawHttpConnection.open(ports['pair'] ?? 0);
    for (let i = 0; i < 5; i++) {
      other.write(`GET /o${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.equal((await other.response()).status, 200);
      served.push(performance.now());
    }
    other.destroy();
    const { r, at } = await slowAnswer;
    assert.equal(r.head + r.body.toString('latin1'), HAPROXY_408);
    await slow.waitClosed();
    // All five were answered before the 408 went out: the slow client did not stall the (only) thread.
    assert.ok(served.every((t) => t < at));
  });
});
