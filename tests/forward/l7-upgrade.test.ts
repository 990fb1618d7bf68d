// Through orcalb in HTTP mode: a WebSocket client (npm `ws`) exchanging binary messages with a `ws` backend after
// the 101 (the connection becomes a tunnel, message boundaries untouched), and DolphinDB's JSON API `POST /` reaching
// an emulated data node. Test-runner thread; orcalb runs as a child process.

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { startEmulatedNode, type EmulatedNode } from '../../emulator/emulated-node.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';

function bytesOf(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? Buffer.from(data) : data;
}

describe('HTTP mode upgrades and the DolphinDB JSON API', () => {
  let orcalb: OrcalbProcess;
  let wsServer: http.Server;
  let wss: WebSocketServer;
  let node: EmulatedNode;
  const upgradeHeads: string[] = [];
  const ports: Record<string, number> = {};

  before(async () => {
    wsServer = http.createServer((_req, res) => res.end('no'));
    wss = new WebSocketServer({ server: wsServer, perMessageDeflate: false });
    wsServer.on('upgrade', (req: http.IncomingMessage) => {
      upgradeHeads.push(req.rawHeaders.join('|'));
    });
    // Echo with a marker byte in front, so the answer cannot be an accidental loop-back of the request.
    wss.on('connection', (ws) => {
      ws.on('message', (data: RawData, isBinary: boolean) => ws.send(Buffer.concat([Buffer.from([0xee]), bytesOf(data)]), { binary: isBinary }));
    });
    await new Promise<void>((r) => wsServer.listen(0, '127.0.0.1', r));
    node = await startEmulatedNode({ name: 'node1' });
    ports['ws'] = await freeTcpPort();
    ports['ddb'] = await freeTcpPort();
    const config = [
      'defaults',
      '  mode http',
      '  option http-server-close',
      '  option forwardfor except 127.0.0.0/8',
      '  timeout connect 1s',
      '  timeout client 5s',
      '  timeout server 5s',
      '  timeout tunnel 5s',
      'frontend f_ws',
      `  bind 127.0.0.1:${ports['ws']}`,
      '  default_backend b_ws',
      'backend b_ws',
      `  server w 127.0.0.1:${(wsServer.address() as AddressInfo).port}`,
      'frontend f_ddb',
      `  bind 127.0.0.1:${ports['ddb']}`,
      '  default_backend b_ddb',
      'backend b_ddb',
      `  server node1 127.0.0.1:${node.port}`,
      '',
    ].join('\n');
    orcalb = await startOrcalb(config, { threads: 2 });
  });

  after(async () => {
    await orcalb.stop();
    for (const c of wss.clients) c.terminate();
    wss.close();
    await new Promise<void>((r) => wsServer.close(() => r()));
    await node.close();
  });

  test('a WebSocket client exchanges binary messages of many sizes, each kept whole', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${ports['ws']}/api`, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const answers: Buffer[] = [];
    const sizes = [1, 125, 126, 65535, 65536, 300_000];
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${answers.length} answers`)), 5000);
      ws.on('message', (data: RawData) => {
        answers.push(bytesOf(data));
        if (answers.length === sizes.length) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const sent = sizes.map((n, i) => Buffer.alloc(n, i + 1));
    for (const m of sent) ws.send(m, { binary: true });
    await done;
    ws.close();
    assert.deepEqual(
      answers.map((a) => a.length),
      sizes.map((n) => n + 1),
    );
    for (const [i, a] of answers.entries()) assert.ok(a.subarray(1).equals(sent[i] ?? Buffer.alloc(0)));
    // The upgrade request reached the server with its Upgrade/Connection headers untouched by server-close.
    assert.match(upgradeHeads.at(-1) ?? '', /connection\|Upgrade\|upgrade\|websocket/);
  });

  test('a DolphinDB JSON POST / goes through to the data node and is answered', async () => {
    const body = JSON.stringify({
      sessionID: '0',
      functionName: 'executeCode',
      params: [{ name: 'script', form: 'scalar', type: 'string', value: encodeURIComponent('1+2') }],
    });
    // A plain one-shot request (no keep-alive pool), as the DolphinDB JSON clients send it.
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: ports['ddb'], method: 'POST', path: '/', agent: false, headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.once('error', reject);
      req.end(body);
    });
    assert.equal(status, 200);
    const answer = JSON.parse(text) as Record<string, unknown>;
    assert.equal(answer['resultCode'], '0');
    assert.deepEqual(answer['object'], [{ name: '', form: 'scalar', type: 'int', value: '3' }]);
  });
});
