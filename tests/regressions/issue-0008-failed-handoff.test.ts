// Issue 8, item 5 (last part): a handoff that fails must not leave the client hanging on a dup'ed fd nobody owns.
// Forwarder 0 is made to stall (its event loop blocked, ORCALB_TEST_HOOKS) and then crash while connections are
// handed to it: the main thread cancels those handoffs (core/shared/handoff-tickets.ts), closing each fd, so every
// client sees its connection close, and gives back each admission, so maxconn lets new clients in. orcalb only:
// haproxy has no handoff. Test-runner thread; orcalb runs as a child process.

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { requestTag, startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { openFds } from '../support/process-fds.js';
import { tcpConfig } from '../support/tcp-config.js';

const MAXCONN = 5;
const STALL_MS = 1500;

/** Resolves with what ended the client: 'closed' (EOF or reset) or 'data' (it was served after all). */
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

test('connections handed to a forwarder that dies before adopting them are closed and their maxconn slots given back', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const front = await freeTcpPort();
  const cfg = tcpConfig(front, [farm.port('s1')], { frontend: `    maxconn ${MAXCONN}` });
  const lb = await startOrcalb(cfg, { threads: 1, accept: 'acceptor', env: { ORCALB_TEST_HOOKS: '1' } });
  t.after(() => lb.stop());
  assert.equal((await requestTag(front, 'warm-up')).tag, 's1');
  const idle = openFds(lb.pid);

  lb.send(`stall-forwarder 0 ${STALL_MS}`);
  await lb.waitForStderr(/test hook: forwarder 0 stalls/, 5000);
  // Accepted, admitted and handed over while the only forwarder cannot take them.
  const clients = Array.from({ length: MAXCONN }, () => {
    const s = connect(front, '127.0.0.1');
    s.on('error', () => undefined);
    t.after(() => s.destroy());
    return s;
  });
  const ends = await Promise.all(clients.map((s) => outcome(s, 15_000)));
  assert.deepEqual(ends, Array(MAXCONN).fill('closed'), 'each client sees its connection closed');
  await lb.waitForStderr(/forwarder 0 restarted/, 5000);

  // The slots are free again: MAXCONN new clients at once are all served (with leaked counts they would wait).
  const tags = await Promise.all(Array.from({ length: MAXCONN }, (_, i) => requestTag(front, `after-${i}`, 10_000)));
  assert.deepEqual(tags.map((r) => r.tag), Array(MAXCONN).fill('s1'));
  assert.equal(farm.dataConnections().length, 1 + MAXCONN, 'the cancelled connections never reached the server');
  // The dup'ed fds are closed: a replaced forwarder costs its own few, nothing per lost handoff.
  assert.ok(openFds(lb.pid) <= idle + 4, `${openFds(lb.pid)} fds, ${idle} before`);
});
