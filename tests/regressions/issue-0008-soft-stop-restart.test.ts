// Issue 8, item 2 (found by the hostile pass): a SIGUSR1 that arrives while a dead forwarder is being replaced left the
// soft stop waiting forever: the replacement subscribed after the 'stop' broadcast, so it never drained, and in
// reuseport mode it even bound the listeners again. It now reads the shared `stopping` word when it starts.
// Drives the real CLI with ORCALB_TEST_HOOKS=1. Test-runner thread; orcalb runs as a child process.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectTagged, startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort, isListening } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { within } from '../support/wait.js';
import { tcpConfig } from '../support/tcp-config.js';

for (const accept of ['acceptor', 'reuseport'] as const) {
  test(`--accept ${accept}: SIGUSR1 while forwarder 0 is being replaced still ends the soft stop, with no listener reopened`, async (t) => {
    const farm = await startBackendFarm(['s1']);
    t.after(() => farm.close());
    const port = await freeTcpPort();
    const lb = await startOrcalb(tcpConfig(port, farm.ports()), { threads: 2, accept, env: { ORCALB_TEST_HOOKS: '1' } });
    t.after(() => lb.stop());
    assert.match(await lb.waitForStderr(/orcalb ready/, 1000), new RegExp(`accept=${accept}\\b`));
    const live = await connectTagged(port);
    t.after(() => live.destroy());

    lb.send('crash-forwarder 0');
    // The replacement takes about 100 ms to load: the soft stop begins before it listens to the main thread.
    await lb.waitForStderr(/forwarder 0 died/, 5000);
    lb.signal('SIGUSR1');
    await lb.waitForStderr(/forwarder 0 restarted/, 5000);
    await lb.waitForStderr(/SIGUSR1 received: soft stop/, 5000);
    assert.equal(isListening(port), false, 'a listener is open again after the soft stop');
    if (!live.isClosed()) {
      assert.equal((await live.exchange('still served\n')).toString(), 'still served\n');
      await live.end();
    }
    assert.equal(await within(lb.exited, 5000, 'the end of the soft stop'), 0);
  });
}
