// `npm start` is the README's main command: the demo must come up with no other software, serve a real DolphinDB
// client (npm `dolphindb`, over WebSocket) and the binary API through orcalb's send-proxy front, spread sessions
// over the four emulated nodes, and stop cleanly on Ctrl-C (SIGINT).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DDB } from 'dolphindb';
import { DdbTcpClient } from '../support/ddb-tcp-client.js';

const DEMO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../workers/demo.js');

test('npm start: four emulated nodes behind orcalb answer real clients, and Ctrl-C stops everything', async (t) => {
  const child = spawn(process.execPath, [DEMO], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo not ready in 15 s:\n${out}`)), 15_000);
    const check = (): void => {
      if (!out.includes('Press Ctrl-C to stop.')) return;
      clearTimeout(timer);
      resolveReady();
    };
    child.stdout.on('data', check);
    void exited.then((code) => reject(new Error(`demo exited early (${code}):\n${out}`)));
  });

  const ddb = new DDB('ws://127.0.0.1:18800', { username: 'admin', password: '123456' });
  await ddb.connect();
  assert.equal(await ddb.execute('1+1'), 2);
  assert.match(String(await ddb.execute('version()')), /^\d+\.\d+\.\d+/);
  ddb.disconnect();

  // Binary API sessions: four in a row land on four different nodes (roundrobin), each seeing orcalb's PROXY line.
  const names = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const c = await DdbTcpClient.open(18800);
    await c.call({ kind: 'connect', login: { user: 'admin', password: '123456' } });
    const v = await c.run('getNodeAlias()');
    names.add(String(v !== undefined && 'value' in v ? v.value : ''));
    c.socket.destroy();
  }
  assert.equal(names.size, 4, `sessions spread over ${[...names].join(',')}`);

  child.kill('SIGINT');
  assert.equal(await exited, 0);
});
