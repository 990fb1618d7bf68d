// The emulated node's single port spoken to directly: the TCP binary API through the project's own codec, with and
// without a PROXY header (auto, require, forbid), and HTTP on the same port (GET / page, POST / JSON API).

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startEmulatedNode, type EmulatedNode } from '../../emulator/emulated-node.js';
import { ddbInt, ddbString, ddbVector } from '../../core/dolphindb/objects.js';
import { encodeRequest } from '../../core/dolphindb/wire-request.js';
import { encodeProxyV1 } from '../../core/proxy-protocol/v1.js';
import { encodeProxyV2 } from '../../core/proxy-protocol/v2.js';
import { DdbTcpClient } from '../support/ddb-tcp-client.js';
import { delay } from '../support/wait.js';

const CLIENT = { family: 'TCP4', srcAddress: '203.0.113.7', srcPort: 40000, dstAddress: '198.51.100.1', dstPort: 8848 } as const;

/** Sends raw bytes and collects everything until the server closes (bounded by a timeout). */
async function rawExchange(port: number, bytes: Buffer, timeoutMs = 3000): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => { /* a reset ends the exchange like a close */ });
  const parts: Buffer[] = [];
  socket.on('data', (c: Buffer) => parts.push(c));
  socket.write(bytes);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('server did not close')); }, timeoutMs);
    socket.on('close', () => { clearTimeout(timer); resolve(); });
  });
  return Buffer.concat(parts).toString('utf8');
}

describe('binary API over TCP (proxy auto)', () => {
  let node: EmulatedNode;
  before(async () => { node = await startEmulatedNode({ name: 'tcpnode' }); });
  after(() => node.close());

  test('connect answers OK with no object and a fresh decimal session id that later requests keep', async (t) => {
    const c = await DdbTcpClient.open(node.port);
    t.after(() => c.close());
    const hello = await c.call({ kind: 'connect' }, { api: 'API', options: '32_1_4_2' });
    assert.equal(hello.reply.kind, 'ok');
    assert.equal(hello.reply.kind === 'ok' && hello.reply.object, undefined);
    assert.match(c.sid, /^[1-9]\d+$/);
    const sid = c.sid;
    assert.deepEqual(await c.run('1+1'), ddbInt(2));
    const v = await c.call({ kind: 'function', name: 'version', args: [] });
    assert.equal(v.reply.kind === 'ok' && v.reply.object?.form, 'scalar');
    assert.equal(c.sid, sid);
  });

  test('print sends MSG chunks before the reply on API2, none on API', async (t) => {
    const c = await DdbTcpClient.open(node.port);
    t.after(() => c.close());
    await c.call({ kind: 'connect' });
    const api2 = await c.call({ kind: 'script', script: 'print("hi"); 7' });
    assert.deepEqual(api2.messages, ['hi']);
    assert.deepEqual(api2.reply.kind === 'ok' && api2.reply.object, ddbInt(7));
    const api1 = await c.call({ kind: 'script', script: 'print("hi"); 7' }, { api: 'API' });
    assert.deepEqual(api1.messages, []);
  });

  test('errors come back as status lines and the connection stays usable', async (t) => {
    const c = await DdbTcpClient.open(node.port);
    t.after(() => c.close());
    const bad = await c.call({ kind: 'connect', login: { user: 'admin', password: 'nope' } });
    assert.deepEqual(bad.reply, { kind: 'error', sessionId: c.sid, message: 'The user name or password is incorrect.' });
    const fn = await c.call({ kind: 'function', name: 'scramClientFirst', args: [ddbString('admin'), ddbString('nonce')] });
    assert.equal(fn.reply.kind === 'error' && fn.reply.message, "Can't recognize function name scramClientFirst");
    const ok = await c.call({ kind: 'connect', login: { user: 'admin', password: '123456' } });
    assert.equal(ok.reply.kind, 'ok');
  });

  test('pipelined requests are answered one by one, in order', async (t) => {
    const c = await DdbTcpClient.open(node.port);
    t.after(() => c.close());
    await c.call({ kind: 'connect' });
    c.write(Buffer.concat([1, 2, 3].map((n) => encodeRequest(c.sid, { kind: 'script', script: `${n}*10` }))));
    for (const n of [1, 2, 3]) {
      const { reply } = await c.read(3000);
      assert.deepEqual(reply.kind === 'ok' && reply.object, ddbInt(n * 10));
    }
  });

  test('framing garbage after the API prefix gets an error line and a close', async () => {
    const text = await rawExchange(node.port, Buffer.from('API2 zz 5\nhello', 'latin1'));
    assert.match(text, /^\d+ 0 1\nbad request header/);
  });

  test('a PROXY v2 header is stripped and its addresses recorded and shown as the session client', async (t) => {
    const c = await DdbTcpClient.open(node.port, encodeProxyV2(CLIENT));
    t.after(() => c.close());
    await c.call({ kind: 'connect' });
    const stat = await c.run('getSessionMemoryStat()');
    assert.ok(stat?.form === 'table');
    const ips = stat.columns.find((col) => col.name === 'remoteIP')?.data;
    assert.ok(ips !== undefined && ips.type !== 'ANY' && ips.values.includes('203.0.113.7'));
    const rec = node.connections().at(-1);
    assert.deepEqual(rec?.proxy, { version: 2, addresses: CLIENT });
    assert.equal(rec.protocol, 'binary');
  });
});

describe('PROXY switch: require and forbid', () => {
  let requireNode: EmulatedNode;
  let forbidNode: EmulatedNode;
  before(async () => {
    requireNode = await startEmulatedNode({ name: 'req', proxy: 'require' });
    forbidNode = await startEmulatedNode({ name: 'forbid', proxy: 'forbid' });
  });
  after(async () => { await requireNode.close(); await forbidNode.close(); });

  test('require: a v1 header first, then the binary API works and the header is counted', async (t) => {
    const c = await DdbTcpClient.open(requireNode.port, encodeProxyV1(CLIENT));
    t.after(() => c.close());
    await c.call({ kind: 'connect', login: { user: 'admin', password: '123456' } });
    assert.deepEqual(await c.run('`a`b'), ddbVector('STRING', ['a', 'b']));
    assert.equal(requireNode.counters().proxyHeaders, 1);
    assert.deepEqual(requireNode.proxyAddresses(), [CLIENT]);
  });

  test('require: a connection without a header is closed unanswered', async () => {
    const text = await rawExchange(requireNode.port, encodeRequest('0', { kind: 'connect' }));
    assert.equal(text, '');
    assert.equal(requireNode.counters().proxyRejected, 1);
  });

  test('forbid: a header is rejected with HTTP 400 and a close', async () => {
    const text = await rawExchange(forbidNode.port, Buffer.concat([encodeProxyV1(CLIENT), encodeRequest('0', { kind: 'connect' })]));
    assert.match(text, /^HTTP\/1\.1 400 Bad Request/);
    assert.equal(forbidNode.counters().proxyRejected, 1);
    assert.equal(forbidNode.counters().proxyHeaders, 0);
  });

  test('forbid: a plain binary connection works', async (t) => {
    const c = await DdbTcpClient.open(forbidNode.port);
    t.after(() => c.close());
    await c.call({ kind: 'connect' });
    assert.deepEqual(await c.run('2*21'), ddbInt(42));
  });
});

describe('HTTP on the same port', () => {
  let node: EmulatedNode;
  before(async () => { node = await startEmulatedNode({ name: 'webnode' }); });
  after(() => node.close());

  test('GET / serves a small HTML page naming the node', async () => {
    const res = await fetch(`http://127.0.0.1:${node.port}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await res.text(), /DolphinDB data node webnode/);
    assert.equal((await fetch(`http://127.0.0.1:${node.port}/nope`)).status, 404);
  });

  test('GET / after a PROXY v1 header (HAProxy send-proxy with httpchk) is served too', async () => {
    const req = Buffer.from(`GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`, 'latin1');
    const text = await rawExchange(node.port, Buffer.concat([encodeProxyV1(CLIENT), req]));
    assert.match(text, /^HTTP\/1\.1 200 OK/);
    assert.match(text, /webnode/);
  });

  test('HTTP split across packets, even inside the first 4 bytes, reaches the HTTP parser in order', async () => {
    const body = JSON.stringify({ sessionID: '0', functionName: 'executeCode',
      params: [{ name: 'script', form: 'scalar', type: 'string', value: '20%2B22' }] });
    const head = `OST / HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`;
    const socket = connect({ host: '127.0.0.1', port: node.port });
    socket.on('error', () => { /* the close ends the exchange */ });
    const parts: Buffer[] = [];
    socket.on('data', (c: Buffer) => parts.push(c));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    // Paced writes so the pieces arrive as separate reads: the sorter sees "P" alone, the body comes last.
    for (const piece of ['P', head, body.slice(0, 9), body.slice(9)]) {
      socket.write(piece);
      await delay(15);
    }
    await closed;
    const text = Buffer.concat(parts).toString('utf8');
    assert.match(text, /^HTTP\/1\.1 200 OK/);
    assert.match(text, /"value":"42"/);
  });

  test('POST / runs the JSON API: executeCode with a URL-encoded script, sessions kept by sessionID', async () => {
    const post = async (body: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(`http://127.0.0.1:${node.port}/`, { method: 'POST', body: JSON.stringify(body) });
      assert.equal(res.status, 200);
      return (await res.json()) as Record<string, unknown>;
    };
    const script = (sessionID: string, text: string): unknown => ({ sessionID, functionName: 'executeCode',
      params: [{ name: 'script', form: 'scalar', type: 'string', value: encodeURIComponent(text) }] });
    const first = await post(script('0', 'x = 1+2'));
    assert.equal(first['resultCode'], '0');
    const sid = String(first['sessionID']);
    const second = await post(script(sid, 'x * 2'));
    assert.deepEqual(second['object'], [{ name: '', form: 'scalar', type: 'int', value: '6' }]);
    const table = await post(script(sid, 'table(1..3 as id, `tom`bob`tony as name, 1.5 2.25 3.0 as price)'));
    const cols = (table['object'] as Array<{ form: string; value: Array<{ name: string; value: unknown[] }> }>)[0];
    assert.equal(cols?.form, 'table');
    assert.deepEqual(cols.value.map((c) => [c.name, c.value]), [['id', [1, 2, 3]], ['name', ['tom', 'bob', 'tony']], ['price', [1.5, 2.25, 3]]]);
    const bad = await post(script(sid, 'foo bar'));
    assert.equal(bad['resultCode'], '1');
    assert.equal(bad['msg'], 'Syntax Error: [line #1] Cannot recognize the token foo');
    const login = await post({ sessionID: sid, functionName: 'login', params: [
      { name: 'userId', form: 'scalar', type: 'string', value: 'admin' }, { name: 'password', form: 'scalar', type: 'string', value: 'x' }] });
    assert.equal(login['msg'], 'The user name or password is incorrect.');
  });

  test('POST / with a body that is not JSON is a 400, and the node keeps serving', async () => {
    const res = await fetch(`http://127.0.0.1:${node.port}/`, { method: 'POST', body: '{not json' });
    assert.equal(res.status, 400);
    assert.equal((await fetch(`http://127.0.0.1:${node.port}/`)).status, 200);
  });
});
