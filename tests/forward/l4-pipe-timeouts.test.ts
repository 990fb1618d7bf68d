// pipeL4 idle timeouts as HAProxy 2.6 applies them in TCP mode: client, server, tunnel, client-fin, server-fin.
// Through a real pipe the limits are short (150-400 ms) and every wait is bounded; where time itself has to pass
// (traffic spaced out, a tunnel outliving client/server limits) the pipe's deadline sweep runs on a FakeClock instead.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import { idleLimit, PipeSide, pipeTimeouts, type PipeTimeouts } from '../../core/forward/pipe-timeouts.js';
import { DeadlineSweep, TICK_MS } from '../../core/io/deadline-sweep.js';
import { FakeClock } from '../support/fake-clock.js';
import { gone, pipeEnv, readAll, startPipePair } from '../support/pipe-pair.js';
import { within } from '../support/wait.js';

test('an idle client past timeout client ends the session as cD, closing both sides', async (t) => {
  const pair = await startPipePair({ client: 150, server: 10_000 });
  t.after(() => pair.close());
  const started = performance.now();
  const result = await within(pair.result, 3000, 'pipe result');
  assert.equal(result.termination, 'cD');
  assert.equal(result.error?.code, 'ORCA_CLIENT_TIMEOUT');
  assert.match(result.error?.message ?? '', /timeout client$/);
  assert.ok(performance.now() - started >= 140);
  await within(Promise.all([gone(pair.client), gone(pair.backend)]), 3000, 'both ends see the close');
});

test('an idle server past timeout server ends the session as sD', async (t) => {
  const pair = await startPipePair({ client: 10_000, server: 150 });
  t.after(() => pair.close());
  const result = await within(pair.result, 3000, 'pipe result');
  assert.equal(result.termination, 'sD');
  assert.equal(result.error?.code, 'ORCA_SERVER_TIMEOUT');
});

/**
 * A pipe whose deadlines run on a FakeClock: time moves only when the test calls advance(), which then runs the
 * sweep as its timer would. The sockets and their traffic are real.
 */
async function fakeTimePair(t: TestContext, timeouts: PipeTimeouts) {
  const clock = new FakeClock();
  const sweep = new DeadlineSweep(() => clock.now(), false);
  const pair = await startPipePair(timeouts, undefined, pipeEnv(sweep));
  t.after(() => pair.close());
  // The backend echoes; one round trip is a byte read from the client, written to the server, and back.
  pair.backend.on('data', (d: Buffer) => pair.backend.write(d));
  const advance = async (ms: number): Promise<void> => {
    await clock.advance(ms);
    sweep.runDue();
  };
  const echo = async (): Promise<void> => {
    pair.client.write('x');
    await within(once(pair.client, 'data'), 2000, 'echo');
  };
  return { clock, sweep, pair, advance, echo };
}

test('traffic restarts the idle clock', async (t) => {
  const { pair, advance, echo, sweep } = await fakeTimePair(t, { client: 300, server: 300 });
  for (let i = 0; i < 5; i++) {
    await advance(120);
    await echo();
  }
  // 600 ms have passed in all, twice the limit, yet the session is still open.
  assert.equal(pair.proxyClient.destroyed, false);
  await advance(300 + TICK_MS);
  // Both sides fall due together; the client is looked at first, so the session ends as cD.
  const result = await within(pair.result, 3000, 'pipe result');
  assert.equal(result.termination, 'cD');
  assert.match(result.error?.message ?? '', /timeout client$/);
  assert.deepEqual([result.bytesIn, result.bytesOut], [5, 5]);
  assert.equal(sweep.size(), 0, 'the pipe unfiled its deadline');
});

test('timeout tunnel replaces timeout client and timeout server', async (t) => {
  const { clock, pair, advance, echo } = await fakeTimePair(t, { client: 100, server: 100, tunnel: 700 });
  await advance(350);
  // Past three client/server timeouts: still open, because the tunnel timeout rules.
  assert.equal(pair.proxyClient.destroyed, false);
  await echo();
  const lastActivity = clock.now();
  await advance(699);
  assert.equal(pair.proxyClient.destroyed, false, 'still open until the tunnel timeout has passed');
  await advance(1 + TICK_MS);
  const result = await within(pair.result, 3000, 'pipe result');
  assert.equal(result.termination, 'cD');
  assert.match(result.error?.message ?? '', /timeout tunnel$/);
  assert.ok(clock.now() - lastActivity >= 700, 'closed by the tunnel timeout, not the client one');
});

test('timeout client-fin closes a connection the server half-closed when the client stays silent', async (t) => {
  const pair = await startPipePair({ client: 10_000, server: 10_000, clientFin: 150 });
  t.after(() => pair.close());
  const atClient = readAll(pair.client);
  pair.backend.end('bye');
  assert.equal((await within(atClient, 2000, 'client sees the FIN')).toString(), 'bye');
  const result = await within(pair.result, 3000, 'pipe result');
  assert.equal(result.termination, 'cD');
  assert.equal(result.error?.code, 'ORCA_CLIENT_TIMEOUT');
  assert.match(result.error?.message ?? '', /timeout client-fin$/);
});

test('timeout server-fin closes a connection the client half-closed when the server stays silent', async (t) => {
  const pair = await startPipePair({ client: 10_000, server: 10_000, tunnel: 10_000, serverFin: 150 });
  t.after(() => pair.close());
  const atBackend = readAll(pair.backend);
  pair.client.end('last words');
  assert.equal((await within(atBackend, 2000, 'server sees the FIN')).toString(), 'last words');
  const result = await within(pair.result, 3000, 'pipe result');
  assert.equal(result.termination, 'sD');
  assert.match(result.error?.message ?? '', /timeout server-fin$/);
});

test('a client that stops reading is blamed (cD), not the server whose reads were paused for it', async (t) => {
  // Made before the pair starts: 16 MiB of random bytes took long enough on a loaded machine (CI, 2026-12-05) for the
  // server's 150 ms to pass before it sent anything, and the session then rightly ended as sD.
  const payload = randomBytes(16 * 1024 * 1024);
  const pair = await startPipePair({ client: 400, server: 150 });
  t.after(() => pair.close());
  pair.client.pause();
  // The server keeps pushing until every buffer on the way is full; then nothing moves.
  pair.backend.write(payload);
  const result = await within(pair.result, 3000, 'pipe result');
  assert.equal(result.termination, 'cD');
  assert.equal(result.error?.code, 'ORCA_CLIENT_TIMEOUT');
});

test('pipeTimeouts takes client and client-fin from the frontend, server, server-fin and tunnel from the backend', () => {
  const t = pipeTimeouts(
    { client: 1, clientFin: 2, server: 99, serverFin: 99, tunnel: 99 },
    { client: 99, clientFin: 99, server: 3, serverFin: 4, tunnel: 5 },
  );
  assert.deepEqual(t, { client: 1, clientFin: 2, server: 3, serverFin: 4, tunnel: 5 });
  assert.equal(idleLimit({ client: 1, tunnel: 5 }, PipeSide.client, false), 5);
  assert.equal(idleLimit({ client: 1, tunnel: 5, clientFin: 2 }, PipeSide.client, true), 2);
  assert.equal(idleLimit({ client: 1, tunnel: 5 }, PipeSide.client, true), 5);
  assert.equal(idleLimit({ server: 3 }, PipeSide.server, true), 3);
  assert.equal(idleLimit({}, PipeSide.server, false), undefined);
});
