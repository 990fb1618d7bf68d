// The users' seed haproxy-tcp.cfg (tests/fixtures/seed/), addresses moved to 127.0.0.1, run under real HAProxy 2.6
// and under orcalb --threads 2 with the same assertions: roundrobin spread, PROXY v1 lines, fall/rise with retries+redispatch
// covering a dead server, and the DOWN/UP log texts compared between the two. Test-runner thread.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { requestTag, startBackendFarm, type BackendFarm } from '../support/backend-farm.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { seedTcpConfig } from '../support/seed-config.js';
import { delay } from '../support/wait.js';

// The seed says `inter 5s rise 2 fall 3`; only inter is scaled down so the whole cycle takes about two seconds.
const INTER_MS = 300;
const FALL = 3;
const RISE = 2;
// Timer slack for the lower bounds below: they check that fall/rise counted checks, not speed.
const SLACK_MS = 100;
const NODES = ['node1', 'node2', 'node3'] as const;

/** What both subjects must share: the shape of a running balancer seen from stderr. */
interface Subject {
  stderr(): string;
  waitForStderr(re: RegExp, timeoutMs: number): Promise<string>;
  stop(): Promise<unknown>;
}

/** What one subject did, kept for the side-by-side comparison at the end. */
interface ScenarioResult {
  initial: Record<string, number>;
  proxyShapes: string[];
  checkProxyShapes: string[];
  afterDown: Record<string, number>;
  /** The servers that answered the sessions after node2's return (which and how many each is history-dependent). */
  afterUp: string[];
  downLine: string;
  upLine: string;
}

const SUBJECTS: { name: string; start(config: string, frontendPort: number): Promise<Subject> }[] = [
  {
    name: 'haproxy',
    async start(config, frontendPort) {
      const h = await startHaproxy(config, { readyPort: frontendPort });
      return { stderr: h.stderr, waitForStderr: h.waitForStderr, stop: h.stop };
    },
  },
  { name: 'orcalb --threads 2', start: (config) => startOrcalb(config, { threads: 2, fileName: 'haproxy-tcp.cfg' }) },
];

const results = new Map<string, ScenarioResult>();

function count(tags: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tags) out[t] = (out[t] ?? 0) + 1;
  return out;
}

/** Log lines differ by pid, measured check time and the sessions alive at that instant; the rest must match. */
function normaliseLogLine(line: string): string {
  return line
    .replace(/^\[(\w+)\]\s+\(\d+\)\s+:\s+/, '[$1] (PID) : ')
    .replace(/check duration: \d+ms/, 'check duration: <n>ms')
    .replace(/\d+ sessions active/, '<n> sessions active');
}

/** A PROXY line with its ports named by role: which port a subject puts where is part of the comparison. */
function proxyShape(line: string | undefined, ports: Record<number, string>): string {
  if (line === undefined) return '(none)';
  return line.replace(/ (\d+) (\d+)$/, (_, src: string, dst: string) =>
    ` ${ports[Number(src)] ?? '<port>'} ${ports[Number(dst)] ?? '<port>'}`);
}

/** Runs `n` short sessions one after the other; collects failures instead of stopping at the first. */
async function sessions(port: number, n: number, marker: string): Promise<{ tags: string[]; errors: string[] }> {
  const tags: string[] = [];
  const errors: string[] = [];
  for (let i = 0; i < n; i++) {
    try {
      tags.push((await requestTag(port, `${marker}-${i}`)).tag);
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  return { tags, errors };
}

for (const subject of SUBJECTS) {
  describe(`seed haproxy-tcp.cfg under ${subject.name} (inter 5s scaled to ${INTER_MS}ms)`, () => {
    let farm: BackendFarm;
    let proc: Subject;
    let frontendPort: number;
    const result: Partial<ScenarioResult> = {};

    before(async () => {
      farm = await startBackendFarm(NODES, { expectProxy: true });
      frontendPort = await freeTcpPort();
      const config = await seedTcpConfig(frontendPort, farm.ports(), { inter: `${INTER_MS}ms` });
      proc = await subject.start(config, frontendPort);
    });
    after(async () => {
      await proc?.stop();
      await farm?.close();
      if (Object.keys(result).length === 7) results.set(subject.name, result as ScenarioResult);
    });

    test('spreads 6 sequential connections 2/2/2 over node1..node3, each server seeing the client\'s PROXY v1 line', async () => {
      const seen: string[] = [];
      for (let i = 0; i < 6; i++) {
        const marker = `spread-${i}`;
        const { tag, localPort } = await requestTag(frontendPort, marker);
        seen.push(tag);
        const rec = farm.dataConnections().find((r) => r.received.includes(`${marker}\n`));
        assert.ok(rec, `no server recorded ${marker}`);
        assert.equal(rec.server, tag, 'the tag names the server that got the data');
        assert.equal(rec.proxyLine, `PROXY TCP4 127.0.0.1 127.0.0.1 ${localPort} ${frontendPort}`);
      }
      result.initial = count(seen);
      assert.deepEqual(result.initial, { node1: 2, node2: 2, node3: 2 });
      const roles = { [frontendPort]: '<frontend port>' };
      result.proxyShapes = [...new Set(farm.dataConnections().map((r) => proxyShape(r.proxyLine, roles)))].sort();
      assert.deepEqual(farm.dataConnections().filter((r) => r.proxyError !== undefined), []);
    });

    test(`takes a killed node2 out after fall=${FALL} checks; every client in between still gets a tag`, async (t) => {
      // HAProxy starts a server's health at `rise` (one failure from DOWN) and only reaches rise+fall-1 after
      // fall-1 passed checks: wait for those, or the first failed check would already take node2 down.
      await farm.waitFor(() => farm.checkConnections('node2').length >= FALL, 10 * INTER_MS + 5000, `${FALL} checks on node2`);
      const killedAt = Date.now();
      await farm.kill('node2');
      const down = proc.waitForStderr(/Server ddb_backend\/node2 is DOWN/, 10 * INTER_MS + 5000);
      let downSeen = false;
      const downSettled = down.then(() => { downSeen = true; }, () => { downSeen = true; });
      // Keep connecting while node2 is dead but still in rotation: retries + redispatch must hide it. Batches of
      // three concurrent sessions, so roundrobin aims at node2 in every batch however slow a retry is.
      const between: string[] = [];
      const errors: string[] = [];
      let slowestMs = 0;
      for (let batch = 0; !downSeen && batch < 100; batch++) {
        const started = Date.now();
        const outcomes = await Promise.allSettled([0, 1, 2].map((i) => requestTag(frontendPort, `between-${batch}-${i}`)));
        slowestMs = Math.max(slowestMs, Date.now() - started);
        for (const o of outcomes) {
          if (o.status === 'fulfilled') between.push(o.value.tag);
          else errors.push(o.reason instanceof Error ? o.reason.message : String(o.reason));
        }
        await Promise.race([downSettled, delay(20)]);
      }
      const downLine = await down;
      const downAfterMs = Date.now() - killedAt;
      assert.deepEqual(errors, [], 'no client sees an error between the kill and the DOWN');
      t.diagnostic(`${between.length} sessions between kill and DOWN, slowest batch ${slowestMs} ms`);
      assert.deepEqual(between.filter((t) => t !== 'node1' && t !== 'node3'), []);
      assert.ok(downAfterMs >= (FALL - 1) * INTER_MS - SLACK_MS, `DOWN after ${downAfterMs} ms: fewer than ${FALL} failed checks`);
      assert.match(downLine, /is DOWN, reason: Layer4 connection problem, info: "Connection refused"/);

      const later = await sessions(frontendPort, 6, 'after-down');
      assert.deepEqual(later.errors, []);
      result.afterDown = count(later.tags);
      assert.deepEqual(result.afterDown, { node1: 3, node3: 3 });
      result.downLine = normaliseLogLine(downLine);
    });

    test(`puts node2 back after rise=${RISE} passed checks and sends it traffic again`, async () => {
      const revivedAt = Date.now();
      const seqAtRevive = farm.seq();
      await farm.revive('node2');
      const upLine = await proc.waitForStderr(/Server ddb_backend\/node2 is UP/, 10 * INTER_MS + 5000);
      const upAfterMs = Date.now() - revivedAt;
      assert.ok(upAfterMs >= (RISE - 1) * INTER_MS - SLACK_MS, `UP after ${upAfterMs} ms: fewer than ${RISE} checks`);
      assert.match(upLine, /is UP, reason: Layer4 check passed/);
      await farm.waitFor(() => farm.checkConnections('node2', seqAtRevive).length >= RISE, 5000, `${RISE} checks on node2`);

      // Back at full weight at once (no slowstart in the seed): roundrobin over three again. Where the returning server
      // enters the round depends on how many sessions went by while it was out, which varies run to run: haproxy 2.6.12
      // itself answered the next 6 with node1 3, node2 3, node3 0 after 108 sessions between kill and DOWN (twice in CI,
      // 2026-12-05; 2/2/2 after 96, 105, 117, 120), all three UP, and the next 30 with 12/12/6 in a third run. So: node2
      // takes its full share at once (no slowstart in the seed: at least 7 of 30), and every server answers.
      const later = await sessions(frontendPort, 30, 'after-up');
      assert.deepEqual(later.errors, []);
      const spread = count(later.tags);
      const why = `${JSON.stringify(spread)}\n${proc.stderr().slice(-2000)}`;
      assert.ok((spread['node2'] ?? 0) >= 7, `node2 answered ${spread['node2'] ?? 0} of 30 after its return: ${why}`);
      for (const node of ['node1', 'node3']) assert.ok((spread[node] ?? 0) >= 1, `${node} answered none of 30: ${why}`);
      result.afterUp = Object.keys(spread).sort();
      result.upLine = normaliseLogLine(upLine);
      // HAProxy sends PROXY on checks too when the server has send-proxy (its own addresses: <port> <server port>).
      // Only checks since the revive: a readiness probe at start-up would look like a bare connect too.
      const checkShapes = farm.checkConnections(undefined, seqAtRevive).map((r) => proxyShape(r.proxyLine, { [farm.port(r.server)]: '<server port>' }));
      result.checkProxyShapes = [...new Set(checkShapes)].sort();
    });
  });
}

test('haproxy and orcalb agree on distribution, PROXY line shape, check PROXY lines and DOWN/UP texts', () => {
  const haproxy = results.get('haproxy');
  const orcalb = results.get('orcalb --threads 2');
  assert.ok(haproxy, 'the haproxy scenario did not complete');
  assert.ok(orcalb, 'the orcalb scenario did not complete');
  assert.deepEqual(orcalb, haproxy);
});
