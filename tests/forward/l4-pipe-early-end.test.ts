// Regression: a socket adopted from another thread starts reading at once, so a client that sends its FIN while
// the server is still being connected has already emitted 'end' when the pipe starts. The pipe must still relay
// that FIN and finish (it used to wait forever, and a graceful stop never drained).

import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { pipeL4 } from '../../core/forward/l4-pipe.js';
import { pollUntil, within } from '../support/wait.js';

async function listen(handler: (s: net.Socket) => void): Promise<net.Server> {
  const srv = net.createServer({ allowHalfOpen: true }, handler);
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return srv;
}

test('a client whose FIN was read before the pipe started is relayed to the server, and the pipe resolves', async (t) => {
  const serverGotEnd = new Promise<void>((resolve) => {
    void listen((s) => {
      s.resume();
      s.on('end', () => {
        resolve();
        s.end();
      });
    }).then((backend) => {
      t.after(() => backend.close());
      void run(backend);
    });
  });
  let result: Promise<{ termination: string }> | undefined;
  async function run(backend: net.Server): Promise<void> {
    const front = await listen(async (accepted) => {
      // Let the 'end' happen first, as it does on an adopted fd while dispatch() connects the server.
      accepted.read(0);
      if (!accepted.readableEnded) await once(accepted, 'end');
      const upstream = net.connect((backend.address() as net.AddressInfo).port, '127.0.0.1');
      await once(upstream, 'connect');
      // No timeouts: only the relayed FIN can end this pipe.
      result = pipeL4(accepted, upstream, {});
    });
    t.after(() => front.close());
    const c = net.connect((front.address() as net.AddressInfo).port, '127.0.0.1', () => c.end());
    c.resume();
  }
  await serverGotEnd;
  await pollUntil(() => result !== undefined, 5000, 'the pipe to start', 1);
  // A pipe that never finishes fails here with a WaitTimeout.
  const r = await within(result ?? Promise.reject(new Error('no pipe')), 3000, 'the pipe to finish');
  assert.equal(typeof r.termination, 'string', 'the pipe never finished');
});
