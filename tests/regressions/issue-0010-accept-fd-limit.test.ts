// Issue 10, the native accept (native/accept-watch.c, core/accept/accept-burst.ts): a client arriving while the
// balancer has no fd left must wait in the kernel's accept queue and be served once fds free up, with HAProxy's emerg
// line naming the limit. haproxy 2.6.12 pauses the listener and retries every 100 ms; orcalb used to accept through
// libuv, whose EMFILE trick accepts such a client and closes it at once (the client saw its connection dropped, and
// nothing was logged). Side by side, both accept modes; the fd limit is lowered on the running process (prlimit) to
// the lowest free fd number. Test-runner thread; all traffic on 127.0.0.1.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectTagged, requestTag, startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_REUSEPORT_SUBJECT, ORCALB_SUBJECT, type LbSubject } from '../support/lb-subject.js';
import { lowestFreeFd, setSoftFdLimit, softFdLimit } from '../support/process-fds.js';
import { tcpConfig } from '../support/tcp-config.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT, ORCALB_REUSEPORT_SUBJECT];
const LIMIT_LINE = /Proxy fe reached process FD limit \(maxsock=\d+\)\. Please check 'ulimit-n' and restart\./;

for (const subject of SUBJECTS) {
  describe(subject.name, () => {
    test('a client that arrives while no fd is left waits in the accept queue and is served once fds free up', async (t) => {
      const farm = await startBackendFarm(['s1']);
      t.after(() => farm.close());
      const front = await freeTcpPort();
      // haproxy logs its emerg line only to a log target; orcalb always writes its log lines on stderr too.
      const isHaproxy = subject === HAPROXY_SUBJECT;
      const cfg = tcpConfig(front, [farm.port('s1')], {
        ...(isHaproxy ? { global: '    log stderr format raw local0', defaults: '    log global' } : {}),
      });
      const lb = await subject.start(cfg, front);
      t.after(() => lb.stop());
      // Every thread has made its lazy descriptors (event loops, the first server connection) before the squeeze.
      assert.equal((await requestTag(front, 'warm-up')).tag, 's1');

      const soft = softFdLimit(lb.pid);
      setSoftFdLimit(lb.pid, lowestFreeFd(lb.pid));
      let squeezed = true;
      // If an assertion fails mid-squeeze, give the fds back before the balancer is stopped.
      t.after(() => {
        if (squeezed) setSoftFdLimit(lb.pid, soft);
      });
      let settled: string | undefined;
      const waiting = connectTagged(front, 20_000).then(
        (c) => {
          settled = 'served';
          return c;
        },
        (e: unknown) => {
          settled = `failed: ${String(e)}`;
          throw e;
        },
      );
      waiting.catch(() => undefined);
      await lb.waitForStderr(LIMIT_LINE, 10_000);
      assert.equal(settled, undefined, 'the client is neither served nor dropped while no fd is left');

      setSoftFdLimit(lb.pid, soft);
      squeezed = false;
      const c = await waiting;
      t.after(() => c.destroy());
      assert.equal(c.tag, 's1');
      assert.equal((await c.exchange('after the squeeze\n')).toString(), 'after the squeeze\n');
      assert.equal((await requestTag(front, 'later')).tag, 's1');
    });
  });
}
