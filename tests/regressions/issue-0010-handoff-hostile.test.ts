// Issue 10, the hostile pass over the new handoff (native accept, handoff tickets on MessagePorts, no piscina): what an
// outsider would try. Forwarders and the acceptor crashing in the middle of a connection storm at maxconn: no fd,
// admission or ticket may leak, no client may be left without an answer, and a dead thread's native accept watcher
// must be closed by its teardown (without the addon's cleanup hook the restarted acceptor's world breaks). A storm of
// clients while the process has no fd left: side by side with haproxy, all wait and all are served after (orcalb's
// libuv accept used to close them). Test-runner thread; all traffic on 127.0.0.1.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { requestTag, startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_REUSEPORT_SUBJECT, ORCALB_SUBJECT, type LbSubject } from '../support/lb-subject.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { lowestFreeFd, openFds, setSoftFdLimit, softFdLimit } from '../support/process-fds.js';
import { tcpConfig } from '../support/tcp-config.js';
import { delay, pollFor, pollUntil, within } from '../support/wait.js';

/** Lines a Node thread prints when its teardown finds a libuv handle still open, or any native abort. */
const ABORT = /uv_loop_close|open handles|Assertion|FATAL ERROR|Aborted|core dumped/;

interface StormResult {
  served: number;
  /** Refused, reset or closed: an answer, even if not a welcome one. */
  failed: number;
  /** Clients left without any answer for 5 s: what must never happen. */
  hung: number;
}

/**
 * A connection storm: `lanes` clients at a time, up to `total` (or until `stop`), each a short tagged echo; counts
 * the outcomes.
 */
async function storm(port: number, total: number, lanes: number, stop?: AbortSignal): Promise<StormResult> {
  let next = 0;
  const out: StormResult = { served: 0, failed: 0, hung: 0 };
  const lane = async (): Promise<void> => {
    while (next < total && stop?.aborted !== true) {
      const i = next++;
      await requestTag(port, `storm-${i}`, 5000).then(
        () => void out.served++,
        (e: unknown) => void (/within \d+ ms/.test(String(e)) ? out.hung++ : out.failed++),
      );
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return out;
}

test('forwarders and the acceptor crashing during a storm at maxconn leak no fd, admission or ticket', async (t) => {
  const MAXCONN = 20;
  const farm = await startBackendFarm(['s1', 's2']);
  t.after(() => farm.close());
  const front = await freeTcpPort();
  const lb = await startOrcalb(tcpConfig(front, farm.ports(), { global: `    maxconn ${MAXCONN}` }).replace('    maxconn 200\n', ''), {
    threads: 2, accept: 'acceptor', env: { ORCALB_TEST_HOOKS: '1' },
  });
  t.after(() => lb.stop());
  await storm(front, 20, 4);
  const idle = openFds(lb.pid);

  const stop = new AbortController();
  const load = storm(front, 100_000, 16, stop.signal);
  const hooks = ['crash-forwarder 0', 'crash-acceptor', 'crash-forwarder 1', 'crash-forwarder 0', 'crash-acceptor'];
  for (const [i, hook] of hooks.entries()) {
    await delay(150);
    lb.send(hook);
    const restarted = hook === 'crash-acceptor' ? /acceptor restarted/g : new RegExp(`forwarder ${hook.at(-1) ?? ''} restarted`, 'g');
    // Each restart is logged once per crash: wait for this crash's line (the n-th of its kind).
    const nth = hooks.slice(0, i + 1).filter((h) => h === hook).length;
    await pollUntil(() => (lb.stderr().match(restarted)?.length ?? 0) >= nth, 5000, `restart after ${hook}`);
  }
  await delay(150);
  stop.abort();
  const { served, failed, hung } = await load;
  t.diagnostic(`storm: ${served} served, ${failed} cut or refused by the crashes`);
  assert.ok(served > failed, `${served} served, ${failed} failed`);
  assert.equal(hung, 0, 'a client was left without an answer');
  assert.doesNotMatch(lb.stderr(), ABORT);

  // Every slot is free again: MAXCONN clients held open at once are all served (a leaked admission would queue one).
  const held = await Promise.all(Array.from({ length: MAXCONN }, (_, i) => requestTag(front, `after-${i}`, 10_000)));
  assert.equal(held.length, MAXCONN);
  // Every accepted fd was closed once: the process holds what it held before the storm (a few lazily opened ones).
  assert.ok(await pollFor(() => openFds(lb.pid) <= idle + 6, 2000), `${openFds(lb.pid)} fds after, ${idle} before`);
});

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT, ORCALB_REUSEPORT_SUBJECT];
for (const subject of SUBJECTS) {
  describe(subject.name, () => {
    test('100 clients arriving while no fd is left all wait, and all are served once fds free up', async (t) => {
      const CLIENTS = 100;
      const farm = await startBackendFarm(['s1']);
      t.after(() => farm.close());
      const front = await freeTcpPort();
      const cfg = tcpConfig(front, [farm.port('s1')], { frontend: '    backlog 1024' });
      const lb = await subject.start(cfg, front);
      t.after(() => lb.stop());
      assert.equal((await requestTag(front, 'warm-up')).tag, 's1');
      const soft = softFdLimit(lb.pid);
      setSoftFdLimit(lb.pid, lowestFreeFd(lb.pid));
      let squeezed = true;
      t.after(() => {
        if (squeezed) setSoftFdLimit(lb.pid, soft);
      });
      const clients = Array.from({ length: CLIENTS }, (_, i) => requestTag(front, `squeezed-${i}`, 20_000));
      // All of them connected (the kernel queues them) and none was answered or dropped meanwhile.
      let early = 0;
      for (const c of clients) void c.then(() => void early++, () => void early++);
      const probes = Array.from({ length: CLIENTS }, () => new Promise<void>((resolve) => {
        const probe = connect(front, '127.0.0.1', () => {
          probe.destroy();
          resolve();
        });
        probe.on('error', () => resolve());
      }));
      await within(Promise.all(probes), 10_000, 'the kernel to take every connection');
      // What must not happen (an answer or a drop) gets its chance.
      await delay(300);
      assert.equal(early, 0, 'nobody was served or dropped while no fd was left');
      setSoftFdLimit(lb.pid, soft);
      squeezed = false;
      const tags = await Promise.all(clients);
      assert.deepEqual(tags.filter((r) => r.tag !== 's1'), []);
    });
  });
}
