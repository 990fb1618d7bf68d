// The emulated node's knobs and failure injection, over real TCP connections: refuse, reset, stall,
// close-mid-reply, <DataNodeNotAvail>, maxConnections (S00006), delay, async requests, live connectionNum,
// counters, and the orcalb-ddb-node command with its stdin controls.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, test, type TestContext } from 'node:test';
import { startEmulatedNode, type EmulatedNode, type EmulatedNodeOptions } from '../../emulator/emulated-node.js';
import { ddbInt } from '../../core/dolphindb/objects.js';
import { encodeRequest } from '../../core/dolphindb/wire-request.js';
import { DdbTcpClient } from '../support/ddb-tcp-client.js';
import { within } from '../support/wait.js';

async function nodeFor(t: TestContext, options: Partial<EmulatedNodeOptions> = {}): Promise<EmulatedNode> {
  const node = await startEmulatedNode({ name: 'knobs', ...options });
  t.after(() => node.close());
  return node;
}

async function client(t: TestContext, node: EmulatedNode): Promise<DdbTcpClient> {
  const c = await DdbTcpClient.open(node.port);
  t.after(() => c.close());
  return c;
}

function connectError(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.on('connect', () => { s.destroy(); resolve('connected'); });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

describe('failure injection', () => {
  test('refuse closes the listener; open connections keep working; none listens again on the same port', async (t) => {
    const node = await nodeFor(t);
    const port = node.port;
    const c = await client(t, node);
    await c.call({ kind: 'connect' });
    await node.setFailure('refuse');
    assert.equal(await connectError(port), 'ECONNREFUSED');
    assert.deepEqual(await c.run('1+1'), ddbInt(2));
    await node.setFailure('none');
    assert.equal(node.port, port);
    const again = await client(t, node);
    assert.equal((await again.call({ kind: 'connect' })).reply.kind, 'ok');
  });

  test('reset accepts and closes new connections at once, and open ones on their next request', async (t) => {
    const node = await nodeFor(t);
    const open = await client(t, node);
    await open.call({ kind: 'connect' });
    await node.setFailure('reset');
    const fresh = await client(t, node);
    assert.equal(await fresh.closedWithin(3000), true);
    await assert.rejects(open.call({ kind: 'script', script: '1' }), /closed/);
  });

  test('stall accepts and reads but never answers', async (t) => {
    const node = await nodeFor(t, { failure: 'stall' });
    const c = await client(t, node);
    await assert.rejects(c.call({ kind: 'connect' }, { timeoutMs: 300 }), /no complete reply/);
    assert.equal(node.counters().requests, 1);
    assert.equal(await c.closedWithin(0), false);
  });

  test('close-mid-reply sends part of the reply, then closes', async (t) => {
    const node = await nodeFor(t);
    const c = await client(t, node);
    await c.call({ kind: 'connect' });
    await node.setFailure('close-mid-reply');
    await assert.rejects(c.run('select * from trades'), /closed before a complete reply/);
    assert.ok(c.pendingBytes > 0, 'some bytes of the reply arrived');
  });

  test('not-available answers scripts and calls with <DataNodeNotAvail>, connect still succeeds', async (t) => {
    const node = await nodeFor(t, { failure: 'not-available' });
    const c = await client(t, node);
    assert.equal((await c.call({ kind: 'connect' })).reply.kind, 'ok');
    await assert.rejects(c.run('version()'), /^Error: <DataNodeNotAvail>/);
    await node.setFailure('none');
    assert.deepEqual(await c.run('3'), ddbInt(3));
  });
});

describe('limits, delay and load', () => {
  test('a connection past maxConnections gets the S00006 text and is closed', async (t) => {
    const node = await nodeFor(t, { maxConnections: 1 });
    const first = await client(t, node);
    assert.equal((await first.call({ kind: 'connect' })).reply.kind, 'ok');
    const second = await client(t, node);
    const { reply } = await second.call({ kind: 'connect' });
    assert.equal(reply.kind === 'error' && reply.message,
      'Maximum connections 1 reached. Close unused connections or increase maxConnections limit. RefId:S00006');
    assert.equal(await second.closedWithin(3000), true);
  });

  test('delay holds each answer back by at least the set time', async (t) => {
    const node = await nodeFor(t, { delayMs: 150 });
    const c = await client(t, node);
    const started = Date.now();
    await c.call({ kind: 'connect' });
    assert.ok(Date.now() - started >= 140, 'the reply came before the delay');
    node.setDelay(0);
    assert.deepEqual(await c.run('4'), ddbInt(4));
  });

  test('an async request (flag 4) runs but gets no reply', async (t) => {
    const node = await nodeFor(t);
    const c = await client(t, node);
    await c.call({ kind: 'connect' });
    c.write(encodeRequest(c.sid, { kind: 'script', script: 'x = 5' }, { options: '4_1_4_64' }));
    // The next reply must be the answer to the next request: nothing was sent for the async one.
    assert.deepEqual(await c.run('x'), ddbInt(5));
  });

  test('connectionNum follows the live connections unless set; counters track connections and requests', async (t) => {
    const node = await nodeFor(t);
    const a = await client(t, node);
    const b = await client(t, node);
    await b.call({ kind: 'connect' });
    await a.call({ kind: 'connect' });
    const perf = await a.run('getPerf()');
    assert.ok(perf?.form === 'dict' && perf.values.type === 'DOUBLE');
    assert.equal(perf.values.values[perf.keys.values.indexOf('connectionNum')], 2);
    node.setLoad({ connectionNum: 40, avgLoad: 0.9 });
    const cluster = await a.run('getClusterPerf()');
    assert.ok(cluster?.form === 'table');
    const col = (name: string): unknown => cluster.columns.find((c) => c.name === name)?.data.values[0];
    assert.deepEqual([col('connectionNum'), col('avgLoad'), col('name'), col('port')], [40, 0.9, 'knobs', node.port]);
    assert.deepEqual(node.counters(), { connections: 2, liveConnections: 2, proxyHeaders: 0, proxyRejected: 0, requests: 4, httpRequests: 0 });
    assert.throws(() => node.setLoad({ cpuUsage: -1 }), RangeError);
  });
});

describe('orcalb-ddb-node command', () => {
  const entry = fileURLToPath(new URL('../../emulator/ddb-node.js', import.meta.url));

  test('starts a node from flags, takes knob commands on stdin, and exits 0 on SIGTERM', async (t) => {
    const child = spawn(process.execPath, [entry, '--port', '0', '--name', 'cli1', '--proxy', 'forbid', '--load', 'cpuUsage=12'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
    const lines = createInterface({ input: child.stdout });
    const iterator = lines[Symbol.asyncIterator]();
    const nextLine = async (): Promise<string> => {
      const r = await within(iterator.next(), 5000, 'output from ddb-node');
      return r.done === true ? '' : r.value;
    };
    const banner = await nextLine();
    const m = /^orcalb-ddb-node cli1 listening on 127\.0\.0\.1:(\d+) \(proxy forbid\)$/.exec(banner);
    assert.ok(m, banner);
    const port = Number(m[1]);
    const c = await DdbTcpClient.open(port);
    t.after(() => c.close());
    await c.call({ kind: 'connect' });
    const perf = await c.run('getPerf()');
    assert.ok(perf?.form === 'dict' && perf.values.values[perf.keys.values.indexOf('cpuUsage')] === 12);
    child.stdin.write('failure not-available\n');
    assert.equal(await nextLine(), 'failure not-available');
    await assert.rejects(c.run('1'), /DataNodeNotAvail/);
    child.stdin.write('bogus\n');
    assert.match(await nextLine(), /^error: unknown command bogus/);
    child.stdin.write('stats\n');
    assert.equal(JSON.parse(await nextLine()).connections, 1);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });

  test('a bad flag prints usage and exits 2', async () => {
    const child = spawn(process.execPath, [entry, '--proxy', 'sometimes'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 2);
    assert.match(err, /--proxy must be one of auto, require, forbid/);
  });
});
