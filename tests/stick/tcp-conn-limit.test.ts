// Issue 11: stick tables in TCP sessions. `tcp-request connection track-sc0 src` then `tcp-request connection reject
// if { sc0_conn_cur gt 3 }` on a mode tcp frontend with two threads holds exactly 3 connections of one client open,
// whichever thread each lands on, refuses the 4th and later, and lets one in again once a held one closes (conn_cur
// goes down when the session ends). Bytes count on the tracked entry when the TCP session ends, as haproxy 2.6
// counts a forwarded stream's bytes (measured: 5000 bytes on a connection still open do not count yet): a
// bytes_in_rate limit refuses the client's next connection once that one closed. Side by side with haproxy 2.6.12
// (nbthread 2). Test-runner thread; traffic on 127.0.0.1 only.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectTagged, startBackendFarm, type BackendFarm, type TaggedClient } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject, closeAll } from '../support/lb-subject.js';
import { pollFor } from '../support/wait.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];
const LIMIT = 3;
const TRIES = 8;

function config(port: number, server: number): string {
  return `
global
    nbthread 2
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:${port}
    stick-table type ip size 1k expire 30s store conn_cur,conn_rate(10s)
    tcp-request connection track-sc0 src
    tcp-request connection reject if { sc0_conn_cur gt ${LIMIT} }
    default_backend be
backend be
    server a 127.0.0.1:${server}
`;
}

/** A connection through the balancer: its tagged client once the server spoke, or undefined when it was refused. */
async function tryConnect(port: number): Promise<TaggedClient | undefined> {
  try {
    return await connectTagged(port, 3000);
  } catch {
    return undefined;
  }
}

for (const subject of SUBJECTS) {
  describe(`tcp-request connection limits per source: ${subject.name}`, () => {
    let farm: BackendFarm;
    let lb: LbProcess;
    let port = 0;
    before(async () => {
      farm = await startBackendFarm(['a']);
      port = await freeTcpPort();
      lb = await subject.start(config(port, farm.port('a')), port);
    });
    after(async () => {
      await closeAll(() => lb?.stop(), () => farm?.close());
    });

    test(`exactly ${LIMIT} connections of one client are held open across the threads; one more gets in after one closes`, async (t) => {
      const held: TaggedClient[] = [];
      t.after(() => held.forEach((c) => c.destroy()));
      const outcomes: boolean[] = [];
      // One at a time, so each rule sees the ones before it (spread over both threads by the balancer).
      for (let i = 0; i < TRIES; i++) {
        const c = await tryConnect(port);
        outcomes.push(c !== undefined);
        if (c !== undefined) held.push(c);
      }
      assert.deepEqual(outcomes, [...Array<boolean>(LIMIT).fill(true), ...Array<boolean>(TRIES - LIMIT).fill(false)]);
      assert.equal(farm.liveConnections('a').length, LIMIT);
      await held.shift()?.end(3000);
      // The session's end lowers conn_cur; until then a new connection may still be refused: poll, bounded.
      let again: TaggedClient | undefined;
      const got = await pollFor(async () => {
        again = await tryConnect(port);
        return again !== undefined;
      }, 5000, 20);
      if (again !== undefined) held.push(again);
      assert.ok(got, 'a connection got in again after one of the held ones closed');
      const extra = await tryConnect(port);
      extra?.destroy();
      assert.equal(extra, undefined, 'the limit holds again');
    });
  });
}

function bytesConfig(port: number, server: number): string {
  return `
global
    nbthread 2
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:${port}
    stick-table type ip size 1k expire 30s store bytes_in_cnt,bytes_in_rate(10s),bytes_out_cnt
    tcp-request connection track-sc0 src
    tcp-request connection reject if { sc0_bytes_in_rate gt 4000 }
    default_backend be
backend be
    server a 127.0.0.1:${server}
`;
}

for (const subject of SUBJECTS) {
  describe(`tcp-request connection limits on bytes: ${subject.name}`, () => {
    let farm: BackendFarm;
    let lb: LbProcess;
    let port = 0;
    before(async () => {
      farm = await startBackendFarm(['a']);
      port = await freeTcpPort();
      lb = await subject.start(bytesConfig(port, farm.port('a')), port);
    });
    after(async () => {
      await closeAll(() => lb?.stop(), () => farm?.close());
    });

    test('bytes count when the session ends: after a 5000-byte connection closed, the next one is refused', async (t) => {
      const first = await connectTagged(port, 3000);
      t.after(() => first.destroy());
      assert.equal((await first.exchange('x'.repeat(5000), 3000)).length, 5000);
      const during = await tryConnect(port);
      assert.ok(during !== undefined, 'the bytes of a session still open are not counted yet');
      during.destroy();
      await first.end(3000);
      // The session's end is seen by the balancer a moment after the client's: poll, bounded.
      assert.ok(await pollFor(async () => {
        const c = await tryConnect(port);
        c?.destroy();
        return c === undefined;
      }, 5000, 20), 'refused once the 5000 bytes are counted');
    });
  });
}
