// `option tcp-check` against real servers on 127.0.0.1: send/send-binary, expect string/rstring/binary, negation,
// connect rules, and HAProxy 2.6's statuses and info texts (as printed by /usr/sbin/haproxy on the same cases).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TcpCheckRule } from '../../config/model.js';
import { CHECK_STATUS } from '../../core/health/check-status.js';
import { probeTcpCheck } from '../../core/health/probe-tcp-check.js';
import { encodeProxyV1 } from '../../core/proxy-protocol/v1.js';
import { CheckTarget, closedPort, serverConfig, type Responder } from '../support/check-target.js';

const SRC = { file: 'test.cfg', line: 1 };
const connect = (over: { port?: number; sendProxy?: boolean } = {}): TcpCheckRule => ({
  kind: 'connect', source: SRC, sendProxy: over.sendProxy ?? false, ...(over.port === undefined ? {} : { port: over.port }),
});
const send = (text: string): TcpCheckRule => ({ kind: 'send', source: SRC, data: Buffer.from(text, 'latin1') });
const expect = (match: 'string' | 'rstring' | 'binary', pattern: string, negate = false): TcpCheckRule => ({
  kind: 'expect', source: SRC, match, pattern, negate,
});

const PING_PONG = [send('PING\r\n'), expect('string', 'PONG')];
const FAST = { connectMs: 1000, afterConnectMs: 1000 };

/** Replies `text` to every chunk; closes afterwards when `close` is set. */
const reply = (text: string, close = false): Responder => (conn) => {
  if (close) conn.socket.end(text);
  else conn.socket.write(text);
};

async function targetFor(t: { after(fn: () => Promise<void>): void }, respond?: Responder): Promise<CheckTarget> {
  const target = await CheckTarget.start(respond);
  t.after(() => target.close());
  return target;
}

test('send + expect string passes with L7OK "(tcp-check)" and the server gets the exact bytes', async (t) => {
  const target = await targetFor(t, reply('PONG\n'));
  const r = await probeTcpCheck(PING_PONG, serverConfig('s', target.port), FAST, 16384);
  assert.equal(r.status, CHECK_STATUS.L7OK);
  assert.equal(r.info, '(tcp-check)');
  assert.equal(target.connections[0]?.received.toString('latin1'), 'PING\r\n');
});

test('a reply split over several packets is awaited until the pattern is complete', async (t) => {
  const target = await targetFor(t, (conn) => {
    conn.socket.write('PO');
    setTimeout(() => conn.socket.write('NG\n'), 50);
  });
  const r = await probeTcpCheck(PING_PONG, serverConfig('s', target.port), FAST, 16384);
  assert.equal(r.status, CHECK_STATUS.L7OK);
});

test('a wrong reply followed by a close fails with L7RSP "TCPCHK did not match content \'PONG\' at step 2"', async (t) => {
  const target = await targetFor(t, reply('HELLO\n', true));
  const r = await probeTcpCheck(PING_PONG, serverConfig('s', target.port), FAST, 16384);
  assert.equal(r.status, CHECK_STATUS.L7RSP);
  assert.equal(r.info, "TCPCHK did not match content 'PONG' at step 2");
});

test('a wrong reply on an open connection waits for more data and ends in L7TOUT at timeout check', async (t) => {
  const target = await targetFor(t, reply('HELLO\n'));
  const started = performance.now();
  const r = await probeTcpCheck(PING_PONG, serverConfig('s', target.port), { connectMs: 1000, afterConnectMs: 200 }, 16384);
  assert.equal(r.status, CHECK_STATUS.L7TOUT);
  assert.equal(r.info, " at step 2 of tcp-check (expect string 'PONG')");
  assert.ok(performance.now() - started >= 190, 'the timeout runs from the connection');
});

test('a server that never answers ends in L7TOUT, and without timeout check inter bounds the check', async (t) => {
  const target = await targetFor(t);
  const r = await probeTcpCheck(PING_PONG, serverConfig('s', target.port), { connectMs: 150, afterConnectMs: undefined }, 16384);
  assert.equal(r.status, CHECK_STATUS.L7TOUT);
  assert.equal(r.info, " at step 2 of tcp-check (expect string 'PONG')");
});

test('a server that closes without a byte gives L7RSP "TCPCHK got an empty response at step 2"', async (t) => {
  const target = await targetFor(t, (conn) => conn.socket.end());
  const r = await probeTcpCheck(PING_PONG, serverConfig('s', target.port), FAST, 16384);
  assert.equal(r.status, CHECK_STATUS.L7RSP);
  assert.equal(r.info, 'TCPCHK got an empty response at step 2');
});

test('`expect ! string` fails at once with "TCPCHK matched unwanted content" when the text is there', async (t) => {
  const target = await targetFor(t, reply('HELLO\n'));
  const rules = [connect(), send('PING\r\n'), expect('string', 'HELLO', true)];
  const r = await probeTcpCheck(rules, serverConfig('s', target.port), FAST, 16384);
  assert.equal(r.status, CHECK_STATUS.L7RSP);
  assert.equal(r.info, "TCPCHK matched unwanted content 'HELLO' at step 3");
});

test('`expect ! string` passes only once the server has said everything without the text', async (t) => {
  const closing = await targetFor(t, reply('PONG\n', true));
  const rules = [connect(), send('PING\r\n'), expect('string', 'HELLO', true)];
  assert.equal((await probeTcpCheck(rules, serverConfig('s', closing.port), FAST, 16384)).status, CHECK_STATUS.L7OK);
  // Connection left open: more bytes could still bring the text, so HAProxy waits, then times out.
  const open = await targetFor(t, reply('PONG\n'));
  const r = await probeTcpCheck(rules, serverConfig('s', open.port), { connectMs: 1000, afterConnectMs: 150 }, 16384);
  assert.equal(r.status, CHECK_STATUS.L7TOUT);
  assert.equal(r.info, " at step 3 of tcp-check (expect string 'HELLO')");
});

test('`expect rstring` matches a regex anywhere in the reply; a miss says "(regex)"', async (t) => {
  const target = await targetFor(t, reply('xx PONG\n'));
  const ok = await probeTcpCheck([send('PING\r\n'), expect('rstring', 'P.NG', false)], serverConfig('s', target.port), FAST, 16384);
  assert.equal(ok.status, CHECK_STATUS.L7OK, 'the regex is searched, not anchored at the start');
  const closing = await targetFor(t, reply('HELLO\n', true));
  const bad = await probeTcpCheck([send('PING\r\n'), expect('rstring', '^PO')], serverConfig('s', closing.port), FAST, 16384);
  assert.equal(bad.status, CHECK_STATUS.L7RSP);
  assert.equal(bad.info, 'TCPCHK did not match content (regex) at step 2');
});

test('send-binary bytes go out as given and `expect binary` matches hex; a miss says "(binary)"', async (t) => {
  const target = await targetFor(t, (conn) => conn.socket.write(Buffer.from([0x00, 0x50, 0x4f, 0x4e, 0x47, 0xff])));
  const rules: TcpCheckRule[] = [
    { kind: 'send', source: SRC, data: Buffer.from('00ff50494e47', 'hex') },
    expect('binary', '504f4e47'),
  ];
  const r = await probeTcpCheck(rules, serverConfig('s', target.port), FAST, 16384);
  assert.equal(r.status, CHECK_STATUS.L7OK);
  assert.deepEqual(target.connections[0]?.received, Buffer.from('00ff50494e47', 'hex'));
  const closing = await targetFor(t, reply('HELLO', true));
  const bad = await probeTcpCheck([send('x'), expect('binary', '00ff')], serverConfig('s', closing.port), FAST, 16384);
  assert.equal(bad.info, 'TCPCHK did not match content (binary) at step 2');
});

test('consecutive expects judge the same reply', async (t) => {
  const target = await targetFor(t, reply('HELLO PONG\n'));
  const rules = [send('PING\r\n'), expect('rstring', '^HE'), expect('string', 'PONG')];
  assert.equal((await probeTcpCheck(rules, serverConfig('s', target.port), FAST, 16384)).status, CHECK_STATUS.L7OK);
});

test('a full check buffer is judged at once instead of waiting for more', async (t) => {
  const target = await targetFor(t, reply('x'.repeat(64)));
  const r = await probeTcpCheck(PING_PONG, serverConfig('s', target.port), { connectMs: 1000, afterConnectMs: 5000 }, 32);
  assert.equal(r.status, CHECK_STATUS.L7RSP);
  assert.equal(r.info, "TCPCHK did not match content 'PONG' at step 2");
});

test('a send larger than the buffer fails with HAProxy\'s "string too large" text', async (t) => {
  const target = await targetFor(t, reply('PONG'));
  const r = await probeTcpCheck([send('0123456789'), expect('string', 'PONG')], serverConfig('s', target.port), FAST, 8);
  assert.equal(r.status, CHECK_STATUS.L7RSP);
  assert.equal(r.info, 'tcp-check send : string too large (10) for buffer size (8) at step 1');
});

test('connect failures name the step: implicit, explicit, and explicit with a port', async () => {
  const port = await closedPort();
  const server = serverConfig('s', port);
  const implicit = await probeTcpCheck(PING_PONG, server, FAST, 16384);
  assert.equal(implicit.status, CHECK_STATUS.L4CON);
  assert.equal(implicit.info, 'Connection refused at initial connection step of tcp-check');
  const explicit = await probeTcpCheck([connect(), ...PING_PONG], server, FAST, 16384);
  assert.equal(explicit.info, 'Connection refused at step 1 of tcp-check (connect)');
  const onlyConnect = await probeTcpCheck([], server, FAST, 16384);
  assert.equal(onlyConnect.info, 'Connection refused at initial connection step of tcp-check');
});

test('a second `connect port` opens a new connection to that port; ending on a connect gives L4OK "(tcp-check)"', async (t) => {
  const first = await targetFor(t);
  const second = await targetFor(t);
  const r = await probeTcpCheck([connect(), connect({ port: second.port })], serverConfig('s', first.port), FAST, 16384);
  assert.equal(r.status, CHECK_STATUS.L4OK);
  assert.equal(r.info, '(tcp-check)');
  await second.waitFor(() => second.connections.length === 1, 2000, 'the connection of step 2');
  const refused = await closedPort();
  const bad = await probeTcpCheck([connect(), connect({ port: refused })], serverConfig('s', first.port), FAST, 16384);
  assert.equal(bad.info, `Connection refused at step 2 of tcp-check (connect port ${refused})`);
});

test('an empty rule list is a plain connect: L4OK with no info', async (t) => {
  const target = await targetFor(t);
  const r = await probeTcpCheck([], serverConfig('s', target.port), FAST, 16384);
  assert.deepEqual([r.status, r.info], [CHECK_STATUS.L4OK, '']);
});

test('the implicit connect sends the PROXY header when the server has check-send-proxy; `connect send-proxy` too', async (t) => {
  const target = await targetFor(t, reply('PONG\n'));
  const server = serverConfig('s', target.port, { checkSendProxy: true, sendProxy: 'v1' });
  assert.equal((await probeTcpCheck(PING_PONG, server, FAST, 16384)).status, CHECK_STATUS.L7OK);
  const plain = serverConfig('s', target.port);
  assert.equal((await probeTcpCheck([connect({ sendProxy: true }), ...PING_PONG], plain, FAST, 16384)).status, CHECK_STATUS.L7OK);
  assert.equal((await probeTcpCheck([connect(), ...PING_PONG], server, FAST, 16384)).status, CHECK_STATUS.L7OK);
  await target.waitFor(() => target.connections.length === 3, 2000, 'three check connections');
  const header = (i: number): string => {
    const c = target.connections[i];
    assert.ok(c !== undefined);
    return encodeProxyV1({ family: 'TCP4', srcAddress: '127.0.0.1', srcPort: c.peerPort, dstAddress: '127.0.0.1', dstPort: target.port }).toString('latin1');
  };
  assert.equal(target.connections[0]?.received.toString('latin1'), `${header(0)}PING\r\n`);
  assert.equal(target.connections[1]?.received.toString('latin1'), `${header(1)}PING\r\n`);
  assert.equal(target.connections[2]?.received.toString('latin1'), 'PING\r\n', 'a plain `tcp-check connect` ignores the server options');
});

test('a finished tcp-check is reset, as HAProxy closes check connections', async (t) => {
  const target = await targetFor(t, reply('PONG\n'));
  await probeTcpCheck(PING_PONG, serverConfig('s', target.port), FAST, 16384);
  await target.waitFor(() => target.connections[0]?.ended !== undefined, 2000, 'the check connection to end');
  assert.equal(target.connections[0]?.ended, 'rst');
});
