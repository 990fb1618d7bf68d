// pipeL4 idle timeouts as HAProxy 2.6 applies them in TCP mode: client, server, tunnel, client-fin, server-fin.
// Through a real pipe the limits are short (150-400 ms) and every wait is bounded; where time itself has to pass
// (traffic spaced out, a tunnel outliving client/server limits) the IdleWatch runs on a FakeClock instead of sleeping.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { IdleWatch } from '../../core/forward/idle-watch.js';
import { idleLimit, PipeSide, pipeTimeouts } from '../../core/forward/pipe-timeouts.js';
import { FakeClock } from '../support/fake-clock.js';
import { gone, readAll, startPipePair } from '../support/pipe-pair.js';
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

/** An IdleWatch on a FakeClock that records the sides it expired, both sides expected (nothing paused). */
function fakeWatch(timeouts: ConstructorParameters<typeof IdleWatch>[0]) {
  const clock = new FakeClock();
  const expired: PipeSide[] = [];
  const watch = new IdleWatch(timeouts, () => true, (side) => expired.push(side), clock);
  return { clock, expired, watch };
}

test('traffic restarts the idle clock', async () => {
  const { clock, expired, watch } = fakeWatch({ client: 300, server: 300 });
  for (let i = 0; i < 5; i++) {
    await clock.advance(120);
    // One echo: a byte read from the client and written to the server, then read from the server and written back.
    watch.touch(PipeSide.client);
    watch.touch(PipeSide.server);
  }
  // 600 ms have passed in all, twice the limit, yet the session is still open.
  assert.deepEqual(expired, []);
  await clock.advance(300);
  // Both sides fall due together; the client is looked at first, so the session ends as cD.
  assert.deepEqual(expired, [PipeSide.client]);
  assert.equal(watch.limitName(PipeSide.client), 'timeout client');
  assert.equal(clock.pending(), 0, 'the watch stopped its timer');
});

test('timeout tunnel replaces timeout client and timeout server', async () => {
  const { clock, expired, watch } = fakeWatch({ client: 100, server: 100, tunnel: 700 });
  await clock.advance(350);
  // Past three client/server timeouts: still open, because the tunnel timeout rules.
  assert.deepEqual(expired, []);
  watch.touch(PipeSide.client);
  watch.touch(PipeSide.server);
  const lastActivity = clock.now();
  await clock.advance(699);
  assert.deepEqual(expired, [], 'still open until the tunnel timeout has passed');
  await clock.advance(1);
  assert.deepEqual(expired, [PipeSide.client]);
  assert.equal(watch.limitName(PipeSide.client), 'timeout tunnel');
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
  const pair = await startPipePair({ client: 400, server: 150 });
  t.after(() => pair.close());
  pair.client.pause();
  // The server keeps pushing until every buffer on the way is full; then nothing moves.
  pair.backend.write(randomBytes(16 * 1024 * 1024));
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
