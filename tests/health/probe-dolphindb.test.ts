// `option dolphindb-check` against emulated DolphinDB data nodes on 127.0.0.1: login, the script, the node's own
// error texts (wrong password, S00006, <DataNodeNotAvail>), stalls, cut replies, PROXY headers, the getPerf()
// reading for dolphindb-load, and the checker's DOWN/UP lines carrying those reasons.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DolphinDbCheckConfig } from '../../config/model.js';
import { startEmulatedNode, type EmulatedNode, type EmulatedNodeOptions } from '../../emulator/emulated-node.js';
import { maxConnectionsMessage } from '../../emulator/node-knobs.js';
import { CHECK_STATUS } from '../../core/health/check-status.js';
import { HealthChecker } from '../../core/health/health-checker.js';
import { DEFAULT_CHECK_SCRIPT, probeDolphinDb, readDolphinDbLoad } from '../../core/health/probe-dolphindb.js';
import { captureLogger, closedPort, healthConfig, seededState, serverConfig } from '../support/check-target.js';

const FAST = { connectMs: 1000, afterConnectMs: 1000 };
const ADMIN: DolphinDbCheckConfig = { user: 'admin', password: '123456', script: DEFAULT_CHECK_SCRIPT };

async function nodeFor(t: { after(fn: () => Promise<void>): void }, options: Partial<EmulatedNodeOptions> = {}): Promise<EmulatedNode> {
  const node = await startEmulatedNode({ name: 'n1', ...options });
  t.after(() => node.close());
  return node;
}

test('a healthy node passes with L7OK, code 0 and the version as info, after a login in the connect request', async (t) => {
  const node = await nodeFor(t, { version: '3.00.2 2024.09.20 LINUX x86_64' });
  const r = await probeDolphinDb(ADMIN, serverConfig('n1', node.port), FAST);
  assert.deepEqual(r, { status: CHECK_STATUS.L7OK, info: '3.00.2 2024.09.20 LINUX x86_64', code: 0 });
  assert.equal(node.counters().requests, 2);
});

test('without a user the check connects anonymously and runs its own script', async (t) => {
  const node = await nodeFor(t);
  const r = await probeDolphinDb({ script: '1+2' }, serverConfig('n1', node.port), FAST);
  assert.deepEqual(r, { status: CHECK_STATUS.L7OK, info: '3', code: 0 });
});

test('a wrong password fails with L7RSP and the node\'s own text', async (t) => {
  const node = await nodeFor(t);
  const r = await probeDolphinDb({ ...ADMIN, password: 'nope' }, serverConfig('n1', node.port), FAST);
  assert.deepEqual(r, { status: CHECK_STATUS.L7RSP, info: 'The user name or password is incorrect.' });
});

test('a node at maxConnections fails with L7RSP and the S00006 text', async (t) => {
  const node = await nodeFor(t, { maxConnections: 0 });
  const r = await probeDolphinDb(ADMIN, serverConfig('n1', node.port), FAST);
  assert.deepEqual(r, { status: CHECK_STATUS.L7RSP, info: maxConnectionsMessage(0) });
});

test('<DataNodeNotAvail> and script errors fail with L7RSP and the error text', async (t) => {
  const node = await nodeFor(t, { failure: 'not-available' });
  const r = await probeDolphinDb(ADMIN, serverConfig('n1', node.port), FAST);
  assert.equal(r.status, CHECK_STATUS.L7RSP);
  assert.match(r.info, /^<DataNodeNotAvail>/);
  await node.setFailure('none');
  const bad = await probeDolphinDb({ ...ADMIN, script: 'noSuchFunction()' }, serverConfig('n1', node.port), FAST);
  assert.equal(bad.status, CHECK_STATUS.L7RSP);
  assert.match(bad.info, /noSuchFunction/);
});

test('a script that answers OK without an object fails with L7RSP: the check expects a value', async (t) => {
  const node = await nodeFor(t);
  const r = await probeDolphinDb({ script: 'x = 1' }, serverConfig('n1', node.port), FAST);
  assert.deepEqual(r, { status: CHECK_STATUS.L7RSP, info: "no object in the reply to 'x = 1' at step 2 of dolphindb-check (script)" });
});

test('a stalled node fails with L7TOUT naming the step it stalled at', async (t) => {
  const node = await nodeFor(t, { failure: 'stall' });
  const r = await probeDolphinDb(ADMIN, serverConfig('n1', node.port), { connectMs: 1000, afterConnectMs: 150 });
  assert.deepEqual(r, { status: CHECK_STATUS.L7TOUT, info: 'at step 1 of dolphindb-check (login)' });
});

test('a reply cut in the middle fails with L7RSP; a refused connect with L4CON', async (t) => {
  const node = await nodeFor(t, { failure: 'close-mid-reply' });
  const r = await probeDolphinDb(ADMIN, serverConfig('n1', node.port), FAST);
  assert.equal(r.status, CHECK_STATUS.L7RSP);
  assert.equal(r.info, 'connection closed before a complete reply at step 1 of dolphindb-check (login)');
  const refused = await probeDolphinDb(ADMIN, serverConfig('n1', await closedPort()), FAST);
  assert.deepEqual(refused, { status: CHECK_STATUS.L4CON, info: 'Connection refused' });
});

test('with check-send-proxy the PROXY v1 header goes first, and a node that requires one accepts the check', async (t) => {
  const node = await nodeFor(t, { proxy: 'require' });
  const server = serverConfig('n1', node.port, { sendProxy: 'v1', checkSendProxy: true });
  const r = await probeDolphinDb(ADMIN, server, FAST);
  assert.equal(r.status, CHECK_STATUS.L7OK);
  assert.equal(node.counters().proxyHeaders, 1);
  const without = await probeDolphinDb(ADMIN, serverConfig('n1', node.port), FAST);
  assert.notEqual(without.status, CHECK_STATUS.L7OK);
});

test('withPerf reads getPerf() on the same connection; readDolphinDbLoad reads it on its own', async (t) => {
  const node = await nodeFor(t, { load: { cpuUsage: 42, avgLoad: 0.5, queuedJobs: 3 } });
  const r = await probeDolphinDb(ADMIN, serverConfig('n1', node.port), FAST, undefined, true);
  assert.equal(r.status, CHECK_STATUS.L7OK);
  assert.equal(r.perf?.ok, true);
  if (r.perf?.ok === true) {
    assert.equal(r.perf.figures.get('cpuUsage'), 42);
    assert.equal(r.perf.figures.get('queuedJobs'), 3);
  }
  assert.equal(node.counters().connections, 1);
  node.setPerfValues('any');
  const separate = await readDolphinDbLoad({ user: 'admin', password: '123456' }, serverConfig('n1', node.port), FAST);
  assert.equal(separate.ok && separate.figures.get('avgLoad'), 0.5);
  const failed = await readDolphinDbLoad({ user: 'admin', password: 'x' }, serverConfig('n1', node.port), FAST);
  assert.deepEqual(failed, { ok: false, reason: 'The user name or password is incorrect.' });
});

test('the checker takes a node DOWN with the reason in the log line and brings it back UP', async (t) => {
  const node = await nodeFor(t);
  const log = captureLogger();
  const config = healthConfig([{
    name: 'ddb',
    servers: [serverConfig('n1', node.port, { inter: 50, rise: 1, fall: 1 })],
    healthCheck: { type: 'dolphindb', rules: [], dolphindb: ADMIN },
    timeouts: { connect: 500, check: 200 },
  }]);
  const { state, topology } = seededState(config);
  const checker = new HealthChecker(config, state, topology, log);
  t.after(() => checker.stop());
  checker.start();
  const downs = (): number => log.messages().filter((m) => m.includes(' is DOWN')).length;
  const ups = (): number => log.messages().filter((m) => m.includes(' is UP')).length;

  node.setMaxConnections(0);
  await log.waitFor(() => downs() === 1, 3000, 'DOWN for S00006');
  node.setMaxConnections(512);
  await log.waitFor(() => ups() === 1, 3000, 'UP again');
  await node.setFailure('stall');
  await log.waitFor(() => downs() === 2, 3000, 'DOWN for the stall');
  await node.setFailure('none');
  await log.waitFor(() => ups() === 2, 3000, 'UP after the stall');

  const lines = log.messages().filter((m) => m.startsWith('Server '));
  assert.match(lines[0] ?? '', /^Server ddb\/n1 is DOWN, reason: Layer7 invalid response, info: "Maximum connections 0 reached\. Close unused connections or increase maxConnections limit\. RefId:S00006", check duration: \d+ms\. 0 active/);
  assert.match(lines[1] ?? '', /^Server ddb\/n1 is UP, reason: Layer7 check passed, code: 0, info: "3\.00\.2 [^"]+", check duration/);
  assert.match(lines[2] ?? '', /^Server ddb\/n1 is DOWN, reason: Layer7 timeout, info: "at step 1 of dolphindb-check \(login\)", check duration/);
});
