// `npm start` is the README's main command: the demo must come up with no other software, serve real DolphinDB
// clients on its TCP front (send-proxy: binary API and the npm client's WebSocket, passed through) and on its HTTP
// front (the seed's haproxy-http.cfg: WebSocket, page, JSON API, each request balanced on its own), spread sessions
// over the four emulated nodes, and stop cleanly on Ctrl-C (SIGINT). Test-runner thread; the demo is a child.

import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { connect } from 'node:net';
import { Agent } from 'node:http';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DdbObject } from '../../core/dolphindb/objects.js';
import { connectDdb } from '../support/ddb-cluster.js';
import { DdbTcpClient } from '../support/ddb-tcp-client.js';
import { executeCodeBody, httpExchange, pageNodeName } from '../support/http-exchange.js';
import { curlHttps } from '../support/tls-client.js';
import { within } from '../support/wait.js';

const DEMO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../emulator/demo.js');
// The addresses config/examples/demo.cfg binds and emulator/demo.ts prints.
const HTTP_PORT = 18800;
const HTTPS_PORT = 18843;
const TCP_PORT = 18880;
const ONE_PORT = 18848;
const STATS_PORT = 18888;
const NODE_PORTS = [18801, 18802, 18803, 18804];
const CALL_MS = 5000;

function stringOf(obj: DdbObject | undefined): string {
  assert.ok(obj?.form === 'scalar' && typeof obj.value === 'string', `expected a STRING scalar, got ${JSON.stringify(obj)}`);
  return obj.value;
}

/** Resolves true when 127.0.0.1:port refuses a connection, false when something accepts it. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolveRefused) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolveRefused(false); });
    socket.once('error', () => resolveRefused(true));
  });
}

describe('npm start', () => {
  let child: ChildProcessByStdio<null, Readable, Readable>;
  let out = '';
  let exited: Promise<number | null>;

  before(async () => {
    child = spawn(process.execPath, [DEMO], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await new Promise<void>((resolveReady, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo not ready in 15 s:\n${out}`)), 15_000);
      const check = (): void => {
        if (!out.includes('Press Ctrl-C to stop.')) return;
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolveReady();
      };
      child.stdout.on('data', check);
      void exited.then((code) => { clearTimeout(timer); reject(new Error(`demo exited early (${code}):\n${out}`)); });
    });
  });
  after(() => { child.kill('SIGKILL'); });

  test('prints where to point a client: the HTTP front, the TCP front and the four nodes', () => {
    assert.match(out, /HTTP front 127\.0\.0\.1:18800 \(mode http/);
    assert.match(out, /new DDB\('ws:\/\/127\.0\.0\.1:18800'\)/);
    assert.match(out, /TCP front {2}127\.0\.0\.1:18880 \(mode tcp, send-proxy/);
    assert.match(out, /host 127\.0\.0\.1, port 18880, user admin, password 123456/);
    for (const [i, port] of NODE_PORTS.entries()) assert.ok(out.includes(`node${i + 1}=127.0.0.1:${port}`), out);
    assert.match(out, /One port {3}127\.0\.0\.1:18848 /);
    assert.match(out, /Stats page http:\/\/127\.0\.0\.1:18888\/haproxyamdin \(user admin, password admin/);
  });

  test('the stats listener (the seed\'s listen stats) serves the page behind admin/admin, ;csv, /metrics and the dashboard', async () => {
    const auth = { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };
    const refused401 = await httpExchange(STATS_PORT, 'GET', '/haproxyamdin');
    assert.equal(refused401.status, 401);
    assert.equal(refused401.headers['www-authenticate'], 'Basic realm="Haproxy"');
    const page = await httpExchange(STATS_PORT, 'GET', '/haproxyamdin', { headers: auth });
    assert.equal(page.status, 200);
    for (const name of ['ddb_fronted', 'ddb_backend', 'ddb_backend_tcp', 'ddb_one_port']) assert.ok(page.body.includes(name), name);
    const csv = await httpExchange(STATS_PORT, 'GET', '/haproxyamdin;csv', { headers: auth });
    assert.match(csv.body, /^# pxname,svname,qcur,/);
    for (let i = 1; i <= NODE_PORTS.length; i++) assert.match(csv.body, new RegExp(`^ddb_backend,node${i},`, 'm'));
    const metrics = await httpExchange(STATS_PORT, 'GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /^haproxy_server_status\{proxy="ddb_backend",server="node1",state="UP"\} /m);
    const dashboard = await httpExchange(STATS_PORT, 'GET', '/haproxyamdin;dashboard', { headers: auth });
    assert.equal(dashboard.status, 200);
    assert.match(String(dashboard.headers['content-type']), /text\/html/);
  });

  test('the one-port front serves the binary API, the npm client and the JSON API on 18848', async (t) => {
    const c = await DdbTcpClient.open(ONE_PORT);
    t.after(() => c.close());
    await c.call({ kind: 'connect', login: { user: 'admin', password: '123456' } });
    assert.match(stringOf(await c.run('getNodeAlias()')), /^node[1-4]$/);
    const ddb = await connectDdb(ONE_PORT);
    t.after(() => ddb.disconnect());
    assert.equal(await within(ddb.execute<number>('1+1'), CALL_MS, '1+1'), 2);
    const json = JSON.parse((await httpExchange(ONE_PORT, 'POST', '/', { body: executeCodeBody('6*7') })).body) as { resultCode: string };
    assert.equal(json.resultCode, '0');
  });

  test('the TCP front spreads binary API sessions over the four nodes, each told the client\'s port by send-proxy', async (t) => {
    const names = new Set<string>();
    for (let i = 0; i < NODE_PORTS.length; i++) {
      const c = await DdbTcpClient.open(TCP_PORT);
      t.after(() => c.close());
      await c.call({ kind: 'connect', login: { user: 'admin', password: '123456' } });
      names.add(stringOf(await c.run('getNodeAlias()')));
      // The node's session table shows the client's own port: it came in the PROXY header, not from the socket.
      const stat = await c.run('getSessionMemoryStat()');
      assert.ok(stat?.form === 'table');
      const ports = stat.columns.find((col) => col.name === 'remotePort')?.data;
      assert.ok(ports !== undefined && ports.type !== 'ANY' && ports.values.includes(c.socket.localPort ?? 0), JSON.stringify(ports));
    }
    // Roundrobin: four sessions in a row take four different nodes.
    assert.equal(names.size, NODE_PORTS.length, `sessions spread over ${[...names].join(',')}`);
    // The npm client's WebSocket passes through the TCP front untouched.
    const ddb = await connectDdb(TCP_PORT);
    t.after(() => ddb.disconnect());
    assert.equal(await within(ddb.execute<number>('1+1'), CALL_MS, '1+1'), 2);
  });

  // Passes once orcalb's HTTP mode (L7) is merged: until then orcalb forwards mode http as TCP, so the WebSocket,
  // page and JSON API still answer, but every request of a kept-alive connection stays on one node.
  test('the HTTP front serves the npm client, the page and the JSON API, and balances each request on its own', async (t) => {
    const ddb = await connectDdb(HTTP_PORT);
    t.after(() => ddb.disconnect());
    assert.equal(await within(ddb.execute<number>('1+1'), CALL_MS, '1+1'), 2);
    assert.match(await within(ddb.execute<string>('version()'), CALL_MS, 'version()'), /^\d+\.\d+\.\d+/);

    const json = JSON.parse((await httpExchange(HTTP_PORT, 'POST', '/', { body: executeCodeBody('6*7') })).body) as { resultCode: string; object: unknown[] };
    assert.equal(json.resultCode, '0');
    assert.deepEqual(json.object, [{ name: '', form: 'scalar', type: 'int', value: '42' }]);

    // http-server-close: four pages on one kept-alive client connection come from four nodes.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    const pages = [];
    for (let i = 0; i < NODE_PORTS.length; i++) pages.push(await httpExchange(HTTP_PORT, 'GET', '/', { agent }));
    assert.ok(pages.every((p) => p.status === 200));
    assert.equal(new Set(pages.map((p) => p.localPort)).size, 1, 'the client connection was not kept alive');
    const names = pages.map((p) => pageNodeName(p.body));
    assert.equal(new Set(names).size, NODE_PORTS.length, names.join(','));
  });

  test('the HTTPS front (18843) serves the npm client over wss:// and its page over https with the certificate made at first start', async (t) => {
    assert.match(out, /HTTPS +127\.0\.0\.1:18843 .*self-signed certificate (\S+)/);
    const cert = /self-signed certificate (\S+):/.exec(out)?.[1] ?? '';
    // curl checks the certificate against itself and the name localhost: it is a real one, not a placeholder.
    const page = await curlHttps('localhost', HTTPS_PORT, '/', cert);
    assert.equal(page.status, 200, page.stderr);
    // The npm client's WebSocket has no CA option: trust is switched off for this test's connections only.
    const before = process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
    process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
    t.after(() => {
      if (before === undefined) delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
      else process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = before;
    });
    const ddb = await connectDdb(HTTPS_PORT, {}, 5000, 'wss');
    t.after(() => ddb.disconnect());
    assert.equal(await within(ddb.execute<number>('1+1'), CALL_MS, '1+1'), 2);
  });

  test('Ctrl-C (SIGINT) stops orcalb and the four nodes, and the demo exits 0', async () => {
    child.kill('SIGINT');
    assert.equal(await within(exited, 10_000, 'demo exit after SIGINT'), 0);
    for (const port of [HTTP_PORT, HTTPS_PORT, TCP_PORT, ONE_PORT, STATS_PORT, ...NODE_PORTS]) assert.ok(await refused(port), `port ${port} still open`);
  });
});
