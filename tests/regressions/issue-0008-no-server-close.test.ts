// Issue 8 items 8 and 13: what a client gets when no server slot can be had. `timeout queue` unset falls back to
// `timeout connect` (both unset: no limit), then HTTP answers 503; in TCP mode, and whenever no server is usable or
// every connect failed, HAProxy 2.6 ends the client with a FIN after reading what it sent, never a reset (measured
// on 2.6.12). Side by side with HAProxy; clients send 100 KiB first so that a careless close would reset.

import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { connectTagged, startBackendFarm } from '../support/backend-farm.js';
import { watchClose } from '../support/close-kind.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { RawHttpConnection } from '../support/http-client.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject } from '../support/lb-subject.js';
import { startPacedHttpBackends } from '../support/paced-http-backends.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];
const PAYLOAD = Buffer.alloc(100 * 1024, 'x');

/** `mode`, the timeout lines, one backend `be` with `serverLine` (bind port `front`). */
function config(mode: 'tcp' | 'http', front: number, timeouts: readonly string[], backendLines: readonly string[]): string {
  return [
    'defaults',
    `    mode ${mode}`,
    ...timeouts.map((l) => `    ${l}`),
    '    timeout client 10s',
    '    timeout server 10s',
    'frontend fe',
    `    bind 127.0.0.1:${front}`,
    '    default_backend be',
    'backend be',
    ...backendLines.map((l) => `    ${l}`),
    '',
  ].join('\n');
}

/** Starts `subject`; cleanup destroys `clients` first (orcalb's graceful stop waits for live sessions). */
async function start(t: TestContext, subject: LbSubject, text: string, front: number, onStop: () => Promise<void>): Promise<LbProcess> {
  const lb = await subject.start(text, front);
  t.after(async () => {
    await lb.stop();
    await onStop();
  });
  return lb;
}

for (const subject of SUBJECTS) {
  describe(`no slot, no server: what the client gets from ${subject.name}`, () => {
    test('HTTP, timeout queue unset: a queued request gets 503 after timeout connect while the slot stays taken', async (t) => {
      const farm = await startPacedHttpBackends(['s1']);
      const front = await freeTcpPort();
      const clients: RawHttpConnection[] = [];
      await start(t, subject, config('http', front, ['timeout connect 300ms'], [`server s1 127.0.0.1:${farm.ports()[0]} maxconn 1`]), front, async () => {
        clients.forEach((c) => c.destroy());
        await farm.close();
      });
      const holder = await RawHttpConnection.open(front);
      const queued = await RawHttpConnection.open(front);
      clients.push(holder, queued);
      holder.write('GET /holder?delay=2000 HTTP/1.1\r\nhost: t\r\n\r\n');
      await farm.waitFor(() => farm.requests.length === 1, 5000, 'the holder is being served');
      queued.write('GET /queued HTTP/1.1\r\nhost: t\r\n\r\n');
      const res = await queued.response(5000);
      assert.equal(res.status, 503);
      assert.match(res.body.toString(), /No server is available to handle this request/);
      assert.equal(farm.inFlight('s1'), 1, 'answered while the holder still had the slot');
      assert.equal((await holder.response(5000)).status, 200);
      assert.deepEqual(farm.requests.map((r) => r.head.split(' ')[1]), ['/holder?delay=2000']);
    });

    test('HTTP, timeout queue and timeout connect both unset: the queued request waits for the slot and is served', async (t) => {
      const farm = await startPacedHttpBackends(['s1']);
      const front = await freeTcpPort();
      const clients: RawHttpConnection[] = [];
      await start(t, subject, config('http', front, [], [`server s1 127.0.0.1:${farm.ports()[0]} maxconn 1`]), front, async () => {
        clients.forEach((c) => c.destroy());
        await farm.close();
      });
      const holder = await RawHttpConnection.open(front);
      const queued = await RawHttpConnection.open(front);
      clients.push(holder, queued);
      holder.write('GET /holder?delay=1200 HTTP/1.1\r\nhost: t\r\n\r\n');
      await farm.waitFor(() => farm.requests.length === 1, 5000, 'the holder is being served');
      queued.write('GET /queued HTTP/1.1\r\nhost: t\r\n\r\n');
      assert.equal((await holder.response(5000)).status, 200);
      assert.equal((await queued.response(5000)).status, 200);
    });

    test('TCP, timeout queue unset: a queued client that sent data gets a FIN after timeout connect, no reset', async (t) => {
      const farm = await startBackendFarm(['s1']);
      const front = await freeTcpPort();
      const lb = await subject.start(config('tcp', front, ['timeout connect 300ms'], [`server s1 127.0.0.1:${farm.port('s1')} maxconn 1`]), front);
      // The holder has the only slot once the server's tag line came back.
      const holder = await connectTagged(front);
      t.after(async () => {
        holder.destroy();
        await lb.stop();
        await farm.close();
      });
      const seen = await watchClose(front, PAYLOAD, 5000);
      assert.equal(seen.how, 'fin');
      assert.equal(seen.data, '', 'nothing from a server');
      assert.equal(farm.seq(), 1, 'only the holder reached the server');
    });

    test('TCP, every server down: the client that sent data gets a FIN, no reset', async (t) => {
      const dead = await freeTcpPort();
      const front = await freeTcpPort();
      const lb = await subject.start(
        config('tcp', front, ['timeout connect 300ms'], [`server s1 127.0.0.1:${dead} check inter 100ms fall 1 rise 1`]),
        front,
      );
      t.after(() => lb.stop());
      await lb.waitForStderr(/Server be\/s1 is DOWN/, 5000);
      const seen = await watchClose(front, PAYLOAD, 5000);
      assert.equal(seen.how, 'fin');
      assert.equal(seen.data, '');
    });

    test('TCP, the only server refuses and retries are spent: the client that sent data gets a FIN, no reset', async (t) => {
      const dead = await freeTcpPort();
      const front = await freeTcpPort();
      const lb = await subject.start(config('tcp', front, ['timeout connect 300ms'], ['retries 0', `server s1 127.0.0.1:${dead}`]), front);
      t.after(() => lb.stop());
      const seen = await watchClose(front, PAYLOAD, 5000);
      assert.equal(seen.how, 'fin');
      assert.equal(seen.data, '');
    });
  });
}
