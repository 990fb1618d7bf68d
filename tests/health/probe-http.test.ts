// `option httpchk` against tiny HTTP servers on 127.0.0.1: the request bytes HAProxy 2.6 sends (captured from
// /usr/sbin/haproxy), the default 2xx/3xx rule, every `http-check expect` form, and the statuses and info texts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HttpCheckConfig } from '../../config/model.js';
import { CHECK_STATUS } from '../../core/health/check-status.js';
import { httpCheckRequest } from '../../core/health/http-check-request.js';
import { HTTP_CONTENT_MISMATCH, HTTP_CONTENT_UNWANTED, probeHttp, statusMatcher } from '../../core/health/probe-http.js';
import { CheckTarget, closedPort, serverConfig, type Responder, type TargetConnection } from '../support/check-target.js';

const FAST = { connectMs: 1000, afterConnectMs: 1000 };
const BASE: HttpCheckConfig = { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [] };

/** Answers `text` once the request head has arrived, then closes (or keeps the connection open with `keep`). */
function answer(text: string, keep = false): Responder {
  const done = new WeakSet<TargetConnection>();
  return (conn) => {
    if (done.has(conn) || !conn.received.includes('\r\n\r\n')) return;
    done.add(conn);
    if (keep) conn.socket.write(text);
    else conn.socket.end(text);
  };
}

async function targetFor(t: { after(fn: () => Promise<void>): void }, respond?: Responder): Promise<CheckTarget> {
  const target = await CheckTarget.start(respond);
  t.after(() => target.close());
  return target;
}

async function check(t: { after(fn: () => Promise<void>): void }, respond: Responder | undefined, cfg: Partial<HttpCheckConfig> = {}) {
  const target = await targetFor(t, respond);
  const result = await probeHttp({ ...BASE, ...cfg }, serverConfig('s', target.port), FAST, 16384);
  return { result, target };
}

test('the request bytes are HAProxy 2.6\'s, byte for byte, for the usual httpchk forms', () => {
  const req = (cfg: Partial<HttpCheckConfig>): string => httpCheckRequest({ ...BASE, ...cfg }).toString('latin1');
  // Each expected string was captured from haproxy 2.6.12 with the equivalent config lines.
  assert.equal(req({}), 'OPTIONS / HTTP/1.0\r\n\r\n');
  assert.equal(req({ method: 'GET', uri: '/health' }), 'GET /health HTTP/1.0\r\n\r\n');
  assert.equal(req({ method: 'GET', uri: '/health', version: 'HTTP/1.1' }), 'GET /health HTTP/1.1\r\nconnection: close\r\n\r\n');
  assert.equal(
    req({ method: 'GET', uri: '/x', version: 'HTTP/1.1', headers: [['Host', 'www.example.com'], ['X-A', 'b']], body: 'hello' }),
    'GET /x HTTP/1.1\r\nhost: www.example.com\r\nx-a: b\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello',
  );
  assert.equal(req({ method: 'POST', uri: '/x', body: 'abc' }), 'POST /x HTTP/1.0\r\ncontent-length: 3\r\n\r\nabc');
  assert.equal(req({ method: 'HEAD', headers: [['Host', 'foo']] }), 'HEAD / HTTP/1.0\r\nhost: foo\r\n\r\n');
  assert.equal(req({ method: 'GET', uri: '/h', version: 'HTTP/1.1', headers: [['Connection', 'keep-alive']] }), 'GET /h HTTP/1.1\r\n\r\n');
  assert.equal(req({ method: 'GET', uri: '/h', headers: [['Connection', 'keep-alive']] }), 'GET /h HTTP/1.0\r\nconnection: keep-alive\r\n\r\n');
  assert.equal(req({ method: 'GET', uri: '/h', headers: [['Connection', 'close'], ['X-A', '1']] }), 'GET /h HTTP/1.0\r\nx-a: 1\r\n\r\n');
  assert.equal(
    req({ method: 'GET', uri: '/h', version: 'HTTP/1.1', headers: [['Transfer-Encoding', 'chunked']], body: 'xy' }),
    'GET /h HTTP/1.1\r\ncontent-length: 2\r\nconnection: close\r\n\r\nxy',
  );
  // The deprecated form that hides headers in the version string.
  assert.equal(req({ method: 'GET', version: 'HTTP/1.1\r\nHost: www.x.com' }), 'GET / HTTP/1.1\r\nhost: www.x.com\r\nconnection: close\r\n\r\n');
});

test('a 200 passes with L7OK and code 200, and the server receives the check request', async (t) => {
  const { result, target } = await check(t, answer('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  assert.equal(result.status, CHECK_STATUS.L7OK);
  assert.equal(result.code, 200);
  assert.equal(result.info, '');
  assert.equal(target.connections[0]?.received.toString('latin1'), 'OPTIONS / HTTP/1.0\r\n\r\n');
});

test('3xx passes by default; 503 fails with L7STS, the code and the reason phrase', async (t) => {
  const redirect = await check(t, answer('HTTP/1.0 302 Found\r\n\r\n'));
  assert.equal(redirect.result.status, CHECK_STATUS.L7OK);
  const down = await check(t, answer('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n'));
  assert.deepEqual(down.result, { status: CHECK_STATUS.L7STS, info: 'Service Unavailable', code: 503 });
  const noReason = await check(t, answer('HTTP/1.1 500 \r\n\r\n'));
  assert.deepEqual(noReason.result, { status: CHECK_STATUS.L7STS, info: '', code: 500 });
});

test('the status is judged on the head: an open connection with a body still to come passes at once', async (t) => {
  const { result } = await check(t, answer('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab', true));
  assert.equal(result.status, CHECK_STATUS.L7OK);
});

test('garbage, an empty answer and a bad status line fail with L7RSP and no info', async (t) => {
  for (const text of ['garbage here\r\n\r\n', '', 'HTTP/1.1 200OK\r\n\r\n', 'HTTP/1.1 200 OK\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab']) {
    const { result } = await check(t, answer(text));
    assert.deepEqual({ status: result.status.name, info: result.info }, { status: 'L7RSP', info: '' }, JSON.stringify(text));
  }
});

test('a server that never answers fails with L7TOUT once the check deadline passes', async (t) => {
  const target = await targetFor(t);
  const result = await probeHttp(BASE, serverConfig('s', target.port), { connectMs: 1000, afterConnectMs: 150 }, 16384);
  assert.equal(result.status, CHECK_STATUS.L7TOUT);
  assert.equal(result.info, '');
});

test('a refused connect fails with L4CON "Connection refused"', async () => {
  const result = await probeHttp(BASE, serverConfig('s', await closedPort()), FAST, 16384);
  assert.deepEqual(result, { status: CHECK_STATUS.L4CON, info: 'Connection refused' });
});

test('a reset before any answer is a socket error with the errno text', async (t) => {
  const { result } = await check(t, (conn) => conn.socket.resetAndDestroy());
  assert.equal(result.status, CHECK_STATUS.SOCKERR);
  assert.equal(result.info, 'Connection reset by peer');
});

test('expect status takes codes, lists and ranges, and ! inverts it', async (t) => {
  const ok404 = answer('HTTP/1.1 404 Not Found\r\n\r\n');
  assert.equal((await check(t, ok404, { expect: { match: 'status', pattern: '200,404', negate: false } })).result.status, CHECK_STATUS.L7OK);
  assert.equal((await check(t, ok404, { expect: { match: 'status', pattern: '400-499', negate: false } })).result.status, CHECK_STATUS.L7OK);
  const refused = await check(t, answer('HTTP/1.1 200 OK\r\n\r\n'), { expect: { match: 'status', pattern: '200', negate: true } });
  assert.deepEqual(refused.result, { status: CHECK_STATUS.L7STS, info: 'OK', code: 200 });
  assert.equal(statusMatcher('404,500-599')(503), true);
  assert.equal(statusMatcher('404,500-599')(200), false);
});

test('expect rstatus searches the status digits (unanchored), ! inverts it', async (t) => {
  const ok = answer('HTTP/1.1 200 OK\r\n\r\n');
  assert.equal((await check(t, ok, { expect: { match: 'rstatus', pattern: '0', negate: false } })).result.status, CHECK_STATUS.L7OK);
  const r = await check(t, ok, { expect: { match: 'rstatus', pattern: '^3', negate: false } });
  assert.deepEqual(r.result, { status: CHECK_STATUS.L7STS, info: 'OK', code: 200 });
  const n = await check(t, answer('HTTP/1.1 404 NF\r\n\r\n'), { expect: { match: 'rstatus', pattern: '^[45]', negate: true } });
  assert.deepEqual(n.result, { status: CHECK_STATUS.L7STS, info: 'NF', code: 404 });
});

test('expect string/rstring judge the body whatever the status; failures are L7RSP with HAProxy\'s texts', async (t) => {
  const alive = answer('HTTP/1.1 503 Down\r\nContent-Length: 5\r\n\r\nalive');
  assert.equal((await check(t, alive, { expect: { match: 'string', pattern: 'alive', negate: false } })).result.status, CHECK_STATUS.L7OK);
  const hello = answer('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
  const miss = await check(t, hello, { expect: { match: 'string', pattern: 'alive', negate: false } });
  assert.deepEqual(miss.result, { status: CHECK_STATUS.L7RSP, info: HTTP_CONTENT_MISMATCH, code: 200 });
  const unwanted = await check(t, answer('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nalive'), {
    expect: { match: 'rstring', pattern: '^al.ve$', negate: true },
  });
  assert.deepEqual(unwanted.result, { status: CHECK_STATUS.L7RSP, info: HTTP_CONTENT_UNWANTED, code: 200 });
  assert.equal((await check(t, hello, { expect: { match: 'rstring', pattern: 'l+o$', negate: false } })).result.status, CHECK_STATUS.L7OK);
});

test('a content check waits for a body sent in pieces, chunked or not, and reads until the close without framing', async (t) => {
  const pieces: Responder = (conn) => {
    if (conn.received.length === 0 || (conn as { started?: boolean }).started === true) return;
    (conn as { started?: boolean }).started = true;
    conn.socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nali\r\n');
    setTimeout(() => conn.socket.write('2\r\nve\r\n0\r\n\r\n'), 40);
  };
  const chunked = await check(t, pieces, { expect: { match: 'string', pattern: 'alive', negate: false } });
  assert.equal(chunked.result.status, CHECK_STATUS.L7OK);
  const toClose = await check(t, answer('HTTP/1.0 200 OK\r\n\r\nstill alive'), { expect: { match: 'rstring', pattern: 'alive$', negate: false } });
  assert.equal(toClose.result.status, CHECK_STATUS.L7OK);
});

test('check-send-proxy writes the PROXY v1 header before the request', async (t) => {
  const target = await targetFor(t, answer('HTTP/1.1 200 OK\r\n\r\n'));
  const server = serverConfig('s', target.port, { checkSendProxy: true, sendProxy: 'v1' });
  const result = await probeHttp(BASE, server, FAST, 16384);
  assert.equal(result.status, CHECK_STATUS.L7OK);
  assert.match(target.connections[0]?.received.toString('latin1') ?? '', /^PROXY TCP4 127\.0\.0\.1 127\.0\.0\.1 \d+ \d+\r\nOPTIONS \/ HTTP\/1\.0\r\n\r\n$/);
});
