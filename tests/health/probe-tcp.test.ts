// The plain L4 check against real sockets on 127.0.0.1: L4OK, L4CON with glibc's errno text, addr/port routing,
// check-send-proxy bytes (v1 names the check socket, v2 is LOCAL, as HAProxy 2.6 sends them) and how it closes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHECK_STATUS } from '../../core/health/check-status.js';
import { probeTcp } from '../../core/health/probe-tcp.js';
import { encodeProxyV1 } from '../../core/proxy-protocol/v1.js';
import { encodeProxyV2 } from '../../core/proxy-protocol/v2.js';
import { CheckTarget, closedPort, serverConfig } from '../support/check-target.js';

const DEADLINES = { connectMs: 1000, afterConnectMs: undefined };

test('a listening server passes with L4OK and no info', async (t) => {
  const target = await CheckTarget.start();
  t.after(() => target.close());
  const r = await probeTcp(serverConfig('s', target.port), DEADLINES);
  assert.equal(r.status, CHECK_STATUS.L4OK);
  assert.equal(r.info, '');
  await target.waitFor(() => target.connections.length === 1, 2000, 'the check connection');
});

test('the check connection is reset once connected, like HAProxy closing with SO_LINGER 0', async (t) => {
  const target = await CheckTarget.start();
  t.after(() => target.close());
  await probeTcp(serverConfig('s', target.port), DEADLINES);
  await target.waitFor(() => target.connections[0]?.ended !== undefined, 2000, 'the check connection to end');
  assert.equal(target.connections[0]?.ended, 'rst');
  assert.equal(target.connections[0]?.received.length, 0, 'a plain check sends nothing');
});

test('a refused connect fails with L4CON and info "Connection refused"', async () => {
  const port = await closedPort();
  const r = await probeTcp(serverConfig('s', port), DEADLINES);
  assert.equal(r.status, CHECK_STATUS.L4CON);
  assert.equal(r.info, 'Connection refused');
});

test('`port` and `addr` on the server line send the check elsewhere than the traffic', async (t) => {
  const target = await CheckTarget.start();
  t.after(() => target.close());
  const trafficPort = await closedPort();
  const r = await probeTcp(serverConfig('s', trafficPort, { checkPort: target.port, checkAddr: '127.0.0.1' }), DEADLINES);
  assert.equal(r.status, CHECK_STATUS.L4OK);
  await target.waitFor(() => target.connections.length === 1, 2000, 'the check connection on the check port');
});

test('check-send-proxy writes exactly encodeProxyV1 of the check socket (src = our end, dst = the server) first', async (t) => {
  const target = await CheckTarget.start();
  t.after(() => target.close());
  const r = await probeTcp(serverConfig('s', target.port, { checkSendProxy: true, sendProxy: 'v1' }), DEADLINES);
  assert.equal(r.status, CHECK_STATUS.L4OK);
  await target.waitFor(() => target.connections[0]?.ended !== undefined, 2000, 'the check connection to end');
  const conn = target.connections[0];
  assert.ok(conn !== undefined);
  const expected = encodeProxyV1({
    family: 'TCP4',
    srcAddress: '127.0.0.1',
    srcPort: conn.peerPort,
    dstAddress: '127.0.0.1',
    dstPort: target.port,
  });
  assert.equal(conn.received.toString('latin1'), expected.toString('latin1'));
  assert.equal(conn.ended, 'fin', 'HAProxy was measured to end a check-send-proxy check with a FIN');
});

test('with send-proxy-v2 the check sends a v2 LOCAL header, as HAProxy 2.6 does for its own connections', async (t) => {
  const target = await CheckTarget.start();
  t.after(() => target.close());
  const r = await probeTcp(serverConfig('s', target.port, { checkSendProxy: true, sendProxy: 'v2' }), DEADLINES);
  assert.equal(r.status, CHECK_STATUS.L4OK);
  await target.waitFor(() => (target.connections[0]?.received.length ?? 0) >= 16, 2000, 'the v2 header');
  assert.deepEqual(target.connections[0]?.received, encodeProxyV2(undefined));
});

test('without check-send-proxy a send-proxy server gets no header on checks', async (t) => {
  const target = await CheckTarget.start();
  t.after(() => target.close());
  await probeTcp(serverConfig('s', target.port, { sendProxy: 'v1', checkSendProxy: false }), DEADLINES);
  await target.waitFor(() => target.connections[0]?.ended !== undefined, 2000, 'the check connection to end');
  assert.equal(target.connections[0]?.received.length, 0);
});

test('an aborted check reads as a timeout and leaves no socket behind', async (t) => {
  const target = await CheckTarget.start();
  t.after(() => target.close());
  const ac = new AbortController();
  ac.abort();
  const r = await probeTcp(serverConfig('s', target.port), DEADLINES, ac.signal);
  assert.equal(r.status, CHECK_STATUS.L4TOUT);
  assert.equal(r.info, '');
});
