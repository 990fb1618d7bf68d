// The handoff tickets across two deaths (workers/acceptor.ts, forwarder-pool.ts, core/shared/handoff-tickets.ts): the
// acceptor and the forwarder it handed connections to both die before those connections are adopted. The dead
// acceptor's tickets were posted (main must not cancel them when the acceptor exits: the forwarder may still take
// them); when the forwarder dies too they are cancelled (by main on the thread's exit, or by the restarted acceptor
// when its port to that forwarder closes): each client sees its connection closed, each fd is closed once and each
// maxconn slot is given back. orcalb only: haproxy has no handoff. Drives the real CLI with ORCALB_TEST_HOOKS=1
// (`stall-forwarder`, `crash-acceptor`). Test-runner thread.

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { requestTag, startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { acceptedOnPort, openFds } from '../support/process-fds.js';
import { tcpConfig } from '../support/tcp-config.js';
import { pollUntil } from '../support/wait.js';

const MAXCONN = 5;
/** Long enough for the clients to be handed over and the acceptor to die within it on a loaded machine. */
const STALL_MS = 8000;

/** Resolves with what ended the client: 'closed' (EOF or reset), 'data' (served after all) or 'hanging'. */
function outcome(socket: Socket, timeoutMs: number): Promise<'closed' | 'data' | 'hanging'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('hanging'), timeoutMs);
    const done = (what: 'closed' | 'data'): void => {
      clearTimeout(timer);
      resolve(what);
    };
    socket.once('data', () => done('data'));
    socket.once('close', () => done('closed'));
  });
}

test('handoffs to a forwarder that dies after the acceptor that posted them died too are closed by main, slots given back', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const front = await freeTcpPort();
  const cfg = tcpConfig(front, [farm.port('s1')], { frontend: `    maxconn ${MAXCONN}` });
  const lb = await startOrcalb(cfg, { threads: 1, accept: 'acceptor', env: { ORCALB_TEST_HOOKS: '1' } });
  t.after(() => lb.stop());
  assert.equal((await requestTag(front, 'warm-up')).tag, 's1');
  // The warm-up's session is over on orcalb's side too (its maxconn slot is free) before the forwarder stalls.
  await pollUntil(() => acceptedOnPort(lb.pid, front) === 0, 5000, 'the warm-up connection to close');
  const idle = openFds(lb.pid);

  lb.send(`stall-forwarder 0 ${STALL_MS}`);
  await lb.waitForStderr(/test hook: forwarder 0 stalls/, 5000);
  const clients = Array.from({ length: MAXCONN }, () => {
    const s = connect(front, '127.0.0.1');
    s.on('error', () => undefined);
    t.after(() => s.destroy());
    return s;
  });
  const ends = Promise.all(clients.map((s) => outcome(s, 3 * STALL_MS)));
  // Accepted and handed over: the process holds an fd of each (in its tickets, not adopted by the stalled forwarder).
  await pollUntil(() => acceptedOnPort(lb.pid, front) === MAXCONN, STALL_MS / 2, 'the clients to be accepted');
  lb.send('crash-acceptor');
  await lb.waitForStderr(/acceptor thread exited; restarting it/, 5000);
  await lb.waitForStderr(/forwarder 0 restarted/, 2 * STALL_MS);
  assert.deepEqual(await ends, Array(MAXCONN).fill('closed'), 'each client sees its connection closed');

  const tags = await Promise.all(Array.from({ length: MAXCONN }, (_, i) => requestTag(front, `after-${i}`, 10_000)));
  assert.deepEqual(tags.map((r) => r.tag), Array(MAXCONN).fill('s1'), 'every maxconn slot is free again');
  assert.equal(farm.dataConnections().length, 1 + MAXCONN, 'the cancelled connections never reached the server');
  assert.ok(openFds(lb.pid) <= idle + 4, `${openFds(lb.pid)} fds, ${idle} before`);
});
