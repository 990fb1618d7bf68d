// The live dashboard (`stats dashboard`) on a real http.Server on 127.0.0.1 with real `ws` clients: the page and
// its files, one frame per tick built once for every client and matching the frame schema, a source's state change
// in the next frame, rates, auth and origin checks on the upgrade, 200 clients connecting and dropping without a
// leak, and a client that stops reading skipping frames instead of growing the server's memory.
// Test-runner thread.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { WebSocket } from 'ws';
import type { DashboardOptions } from '../../core/stats/dashboard/dashboard-types.js';
import { FRAME_JSON_SCHEMA, type Frame } from '../../core/stats/dashboard/frame.js';
import { fakeBackends, fakeServer } from '../support/dashboard-source.js';
import { client, closeClient, get, stalledClient, start } from '../support/dashboard-harness.js';
import { pollUntil, within } from '../support/wait.js';

/** Every property of the schema is in `value` with the schema's type (`nullable` allowing null). */
function checkSchema(schema: unknown, value: unknown, where: string): void {
  const s = schema as { type: string; nullable?: boolean; properties?: Record<string, unknown>; items?: unknown };
  if (value === null) {
    assert.ok(s.nullable === true, `${where} is null but not nullable`);
    return;
  }
  if (s.type === 'object') {
    assert.equal(typeof value, 'object', where);
    const keys = Object.keys(s.properties ?? {});
    assert.deepEqual(Object.keys(value as object).sort(), [...keys].sort(), `${where}: keys`);
    for (const k of keys) checkSchema(s.properties?.[k], (value as Record<string, unknown>)[k], `${where}.${k}`);
  } else if (s.type === 'array') {
    assert.ok(Array.isArray(value), where);
    (value as unknown[]).forEach((v, i) => checkSchema(s.items, v, `${where}[${i}]`));
  } else if (s.type === 'integer') {
    assert.ok(Number.isInteger(value), where);
  } else {
    assert.equal(typeof value, s.type, where);
  }
}

test('serves the page under the stats URI + ;dashboard, its files, 404 under it, 405 for other methods, and leaves other paths to the stats page', async (t) => {
  const { port } = await start(t);
  const page = await get(port, '/haproxyamdin;dashboard');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(page.body, /src="\/haproxyamdin;dashboard\/app\.js"/);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  const js = await get(port, '/haproxyamdin;dashboard/app.js?x=1');
  assert.equal(js.status, 200);
  assert.match(String(js.headers['content-type']), /^text\/javascript/);
  assert.equal((await get(port, '/haproxyamdin;dashboard/app.js', 'GET', { 'if-none-match': String(js.headers.etag) })).status, 304);
  assert.equal((await get(port, '/haproxyamdin;dashboard/../../etc/passwd')).status, 404);
  assert.equal((await get(port, '/haproxyamdin;dashboard/nope.js')).status, 404);
  const post = await get(port, '/haproxyamdin;dashboard', 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
  assert.equal((await get(port, '/haproxyamdin;csv')).body, 'stats page\n');
  assert.equal((await get(port, '/haproxyamdin;dashboardx')).body, 'stats page\n');
});

test('frames arrive once per period, built once for all clients, and match the frame schema', async (t) => {
  const { port, dash } = await start(t);
  const clients = [client(port), client(port), client(port)];
  await Promise.all(clients.map((c) => c.opened));
  await pollUntil(() => clients.every((c) => c.frames.length >= 3), 10_000, 'three frames at every client');
  for (const c of clients) {
    const f = c.frames;
    for (let i = 1; i < f.length; i++) {
      assert.equal(f[i]!.seq, f[i - 1]!.seq + 1, 'no frame skipped for a reading client');
      assert.ok(f[i]!.t - f[i - 1]!.t >= 900, `frames a period apart (${f[i]!.t - f[i - 1]!.t} ms)`);
    }
    for (const frame of f) checkSchema(FRAME_JSON_SCHEMA, frame, 'frame');
    assert.equal(f[0]!.periodMs, 1000);
  }
  // One build per tick whatever the number of clients: 3 clients × ≥3 frames from ≤ (max seq) builds.
  const maxSeq = Math.max(...clients.map((c) => c.frames.at(-1)!.seq));
  assert.ok(dash.stats().framesBuilt <= maxSeq + 1, `${dash.stats().framesBuilt} builds for frames up to seq ${maxSeq}`);
  const servers = clients[0]!.frames[0]!.rows.filter((r) => r.type === 'SERVER').map((r) => `${r.px}/${r.sv}`);
  assert.deepEqual(servers, ['be0/s0', 'be0/s1', 'be0/s2', 'be1/s0', 'be1/s1', 'be1/s2']);
  await Promise.all(clients.map((c) => closeClient(c.ws)));
});

test('a state change in the source shows in the next frame, and counter growth as rates', async (t) => {
  const { port, backends } = await start(t, { periodMs: 200 });
  const c = client(port);
  await c.opened;
  await pollUntil(() => c.frames.length >= 2, 5000, 'two frames');
  const s1 = fakeServer(backends, 'be1', 's1');
  s1.status = 'DOWN';
  s1.checkStatus = 'L4CON';
  s1.reqTot += 1000;
  s1.econ += 10;
  s1.bout += 5_000_000n;
  const changedAfter = c.frames.at(-1)!.seq;
  await pollUntil(() => c.frames.at(-1)!.seq > changedAfter, 5000, 'the next frame');
  const next = c.frames.find((f) => f.seq === changedAfter + 1)!;
  const row = next.rows.find((r) => r.px === 'be1' && r.sv === 's1')!;
  assert.equal(row.status, 'DOWN');
  assert.equal(row.state, 'DOWN');
  assert.equal(row.checkStatus, 'L4CON');
  assert.ok(row.reqRate !== null && row.reqRate > 0, `req rate ${row.reqRate}`);
  assert.ok(row.errRate !== null && row.errRate > 0, `err rate ${row.errRate}`);
  assert.ok(row.boutRate !== null && row.boutRate > 1_000_000, `bytes out rate ${row.boutRate}`);
  const still = next.rows.find((r) => r.px === 'be1' && r.sv === 's0')!;
  assert.equal(still.state, 'UP');
  assert.equal(still.reqRate, 0);
  await closeClient(c.ws);
});

test('a client that joins while the ticker runs gets the last frame at once', async (t) => {
  const { port } = await start(t, { periodMs: 60_000 });
  const a = client(port);
  await a.opened;
  await pollUntil(() => a.frames.length === 1, 5000, 'first frame');
  const b = client(port);
  await b.opened;
  await pollUntil(() => b.frames.length === 1, 5000, 'the late client\'s frame');
  assert.equal(b.frames[0]!.seq, a.frames[0]!.seq);
  await Promise.all([closeClient(a.ws), closeClient(b.ws)]);
});

test('200 clients connecting and dropping (closing or vanishing) leave no client, socket or ticker behind', async (t) => {
  const { port, dash, server } = await start(t, { periodMs: 50, maxJoinsPerSecond: 1000 });
  const upgradeListeners = server.listenerCount('upgrade');
  for (let round = 0; round < 4; round++) {
    const batch = Array.from({ length: 50 }, () => client(port));
    await Promise.all(batch.map((c) => c.opened));
    await pollUntil(() => dash.clients === 50, 10_000, '50 clients');
    await pollUntil(() => batch.every((c) => c.frames.length > 0), 10_000, 'a frame at every client');
    await Promise.all(batch.map((c, i) => {
      if (i % 2 === 0) return closeClient(c.ws);
      c.ws.terminate(); // a vanished peer: no close frame
      return Promise.resolve();
    }));
    await pollUntil(() => dash.clients === 0, 10_000, 'every client gone');
  }
  await pollUntil(async () => {
    const n = await new Promise<number>((resolve) => server.getConnections((_, count) => resolve(count)));
    return n === 0;
  }, 10_000, 'no server-side socket left');
  assert.equal(dash.stats().ticking, false, 'ticker stops with the last client');
  assert.equal(server.listenerCount('upgrade'), upgradeListeners);
  const built = dash.stats().framesBuilt;
  await new Promise((resolve) => setTimeout(resolve, 200)); // four periods with no client: nothing may be built
  assert.equal(dash.stats().framesBuilt, built);
});

test('a client that stops reading skips frames: its queue stays under the bound, readers keep theirs, and it is closed once stalled too long', async (t) => {
  const maxBufferedBytes = 256 * 1024;
  // 2 000 servers make ~600 KB frames every 20 ms: without the bound, the stalled client's queue would grow by
  // ~30 MB a second once the loopback socket buffers are full.
  const { port, dash } = await start(t, { periodMs: 20, maxBufferedBytes, stalledCloseMs: 1500 }, fakeBackends(20, 100));
  const stalled = await stalledClient(port);
  t.after(() => void stalled.destroy());
  const reader = client(port);
  await reader.opened;
  await pollUntil(() => dash.stats().framesDropped > 5, 30_000, 'frames dropped for the stalled client');
  const frame = dash.stats().lastFrameBytes;
  assert.ok(frame > 100_000, `frames of ${frame} bytes`);
  for (let i = 0; i < 10; i++) {
    const seen = dash.stats().maxBufferedAmount;
    assert.ok(seen <= maxBufferedBytes + 2 * frame, `queued ${seen} bytes > bound ${maxBufferedBytes} + 2 frames`);
    const before = dash.stats().framesBuilt;
    await pollUntil(() => dash.stats().framesBuilt > before, 5000, 'next tick');
  }
  const seenByReader = reader.frames.length;
  await pollUntil(() => reader.frames.length > seenByReader + 3, 10_000, 'the reading client keeps receiving');
  await pollUntil(() => dash.stats().clientsClosedStalled === 1, 10_000, 'the stalled client closed');
  await pollUntil(() => dash.clients === 1, 5000, 'only the reader left');
  await closeClient(reader.ws);
});

test('the upgrade obeys authorize (401 with the realm), same-origin and maxClients; a page without auth answers 401 too', async (t) => {
  const authorize: DashboardOptions['authorize'] = (req) =>
    req.headers.authorization === `Basic ${Buffer.from('admin:admin').toString('base64')}` ? true
      : { status: 401, headers: { 'www-authenticate': 'Basic realm="Haproxy"', 'content-type': 'text/html' }, body: '<html>401</html>' };
  const { port } = await start(t, { authorize, maxClients: 1 });
  const page = await get(port, '/haproxyamdin;dashboard');
  assert.equal(page.status, 401);
  assert.equal(page.headers['www-authenticate'], 'Basic realm="Haproxy"');
  const good = { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };
  assert.equal((await get(port, '/haproxyamdin;dashboard', 'GET', good)).status, 200);

  const refused = (headers: Record<string, string>): Promise<number> => within(new Promise<number>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/haproxyamdin;dashboard/ws`, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('error', () => {});
    ws.on('open', () => resolve(101));
  }), 5000, 'upgrade answer');
  assert.equal(await refused({}), 401);
  assert.equal(await refused({ ...good, origin: 'http://evil.example' }), 403);
  const ok = client(port, { ...good, origin: `http://127.0.0.1:${port}` });
  await ok.opened;
  assert.equal(await refused(good), 503, 'maxClients 1');
  await closeClient(ok.ws);
});

test('hostile clients: an oversized message, any message, a ping flood close only that client; a bad handshake gets 400; an h2c upgrade to the stats page still reaches the page', async (t) => {
  const { port, dash } = await start(t, { periodMs: 100 });
  const good = client(port);
  const bad = client(port);
  await Promise.all([good.opened, bad.opened]);
  const code = within(new Promise<number>((resolve) => bad.ws.once('close', (c) => resolve(c))), 5000, 'bad closed');
  bad.ws.on('error', () => {});
  bad.ws.send(Buffer.alloc(64 * 1024, 0x61));
  assert.equal(await code, 1009);
  const chatty = client(port);
  await chatty.opened;
  const chattyCode = within(new Promise<number>((resolve) => chatty.ws.once('close', (c) => resolve(c))), 5000, 'chatty closed');
  chatty.ws.send('hello');
  assert.equal(await chattyCode, 1008, 'a client that sends anything is not the page');
  const n = good.frames.length;
  await pollUntil(() => good.frames.length > n + 1, 5000, 'the good client keeps receiving');

  // A client that floods pings and never reads the pongs is closed (ws's maxPendingAutoPongs), not buffered for.
  const flooder = await stalledClient(port);
  const ping = Buffer.alloc(6 + 125);
  ping[0] = 0x89;
  ping[1] = 0x80 | 125;
  const burst = Buffer.concat(Array.from({ length: 1000 }, () => ping));
  let flooderClosed = false;
  flooder.on('close', () => (flooderClosed = true));
  for (let i = 0; i < 400 && !flooderClosed; i++) {
    if (!flooder.write(burst)) await within(new Promise((resolve) => flooder.once('drain', resolve).once('close', resolve)), 10_000, 'flooder drain');
  }
  await pollUntil(() => flooderClosed, 10_000, 'the ping flooder closed');
  await pollUntil(() => dash.clients === 1, 5000, 'only the good client left');

  const handshake = await within(new Promise<string>((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write('GET /haproxyamdin;dashboard/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    });
    let got = '';
    s.on('data', (c: Buffer) => (got += c.toString('latin1')));
    s.on('close', () => resolve(got));
    s.on('error', () => resolve(got));
  }), 5000, 'bad handshake answer');
  assert.match(handshake, /^HTTP\/1\.1 400/);

  const h2c = await get(port, '/haproxyamdin', 'GET', { connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c', 'http2-settings': 'AAMAAABkAAQCAAAAAAIAAAAA' });
  assert.equal(h2c.status, 200);
  assert.equal(h2c.body, 'stats page\n');
  assert.equal(dash.clients, 1);
  await closeClient(good.ws);
});

test('close() sends 1001 to every client and stops the ticker', async (t) => {
  const { port, dash } = await start(t, { periodMs: 100 });
  const c = client(port);
  await c.opened;
  const code = within(new Promise<number>((resolve) => c.ws.once('close', (n) => resolve(n))), 5000, 'closed');
  await dash.close();
  assert.equal(await code, 1001);
  assert.equal(dash.stats().ticking, false);
  assert.equal(dash.clients, 0);
});

test('a storm of 150 handshakes at maxClients 100: exactly 100 open, the rest get 503, and the open ones get frames', async (t) => {
  const { port, dash } = await start(t, { periodMs: 100, maxClients: 100, maxJoinsPerSecond: 1000 });
  const answers = await Promise.all(Array.from({ length: 150 }, () => within(new Promise<{ code: number; ws: WebSocket }>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/haproxyamdin;dashboard/ws`);
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ code: res.statusCode ?? 0, ws });
    });
    ws.on('error', () => {});
    ws.on('open', () => resolve({ code: 101, ws }));
  }), 10_000, 'handshake answer')));
  const open = answers.filter((a) => a.code === 101);
  assert.equal(open.length, 100);
  assert.ok(answers.filter((a) => a.code !== 101).every((a) => a.code === 503));
  assert.equal(dash.clients, 100);
  const got = new Set<WebSocket>();
  for (const a of open) a.ws.once('message', () => got.add(a.ws));
  await pollUntil(() => got.size === 100, 10_000, 'a frame at each open client');
  for (const a of answers) a.ws.terminate();
  await pollUntil(() => dash.clients === 0, 10_000, 'all gone');
});

test('a reconnect storm past maxJoinsPerSecond gets 503 with Retry-After before any WebSocket work; admitted clients keep their frames', async (t) => {
  const { port, dash } = await start(t, { periodMs: 100, maxJoinsPerSecond: 5 });
  const answers = await Promise.all(Array.from({ length: 60 }, () => within(new Promise<{ code: number; retry: string | undefined; ws: WebSocket }>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/haproxyamdin;dashboard/ws`);
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ code: res.statusCode ?? 0, retry: res.headers['retry-after'], ws });
    });
    ws.on('error', () => {});
    ws.on('open', () => resolve({ code: 101, retry: undefined, ws }));
  }), 10_000, 'handshake answer')));
  const admitted = answers.filter((a) => a.code === 101);
  // The bucket holds 5 and refills at 5/s: the burst's 60 handshakes admit the 5 and what refilled meanwhile (a
  // burst that took as long as 5 s would still leave 30 refused).
  assert.ok(admitted.length >= 5 && admitted.length <= 30, `${admitted.length} admitted`);
  for (const a of answers.filter((x) => x.code !== 101)) {
    assert.equal(a.code, 503);
    assert.equal(a.retry, '1');
  }
  assert.equal(dash.stats().joinsRefused, 60 - admitted.length);
  const got = new Set<WebSocket>();
  for (const a of admitted) a.ws.on('message', () => got.add(a.ws));
  await pollUntil(() => got.size === admitted.length, 10_000, 'frames at every admitted client');
  for (const a of answers) a.ws.terminate();
  await pollUntil(() => dash.clients === 0, 10_000, 'all gone');
});

test('under HAProxy\'s default stats uri (/haproxy?stats) the dashboard lives in the query: page, files and WebSocket', async (t) => {
  const { port } = await start(t, { statsUri: '/haproxy?stats', periodMs: 100 });
  const page = await get(port, '/haproxy?stats;dashboard');
  assert.equal(page.status, 200);
  assert.match(page.body, /src="\/haproxy\?stats;dashboard\/app\.js"/);
  assert.equal((await get(port, '/haproxy?stats;dashboard/app.js')).status, 200);
  assert.equal((await get(port, '/haproxy?stats;csv')).body, 'stats page\n');
  const ws = new WebSocket(`ws://127.0.0.1:${port}/haproxy?stats;dashboard/ws`);
  const frame = await within(new Promise<Frame>((resolve, reject) => {
    ws.once('message', (d) => resolve(JSON.parse(String(d)) as Frame));
    ws.once('error', reject);
  }), 5000, 'a frame');
  assert.ok(frame.rows.length > 0);
  await closeClient(ws);
});
